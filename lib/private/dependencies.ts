/** The dependencies, or undefined when there are none: cdktf would write an empty `depends_on: []`. */
export function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}
