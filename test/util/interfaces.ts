/**
 * The exported interfaces, enums and classes of the library's public modules (lib/*.ts), read from their source with
 * the TypeScript parser (no type checker, no compilation: a few milliseconds): what jsii publishes to the other
 * languages, and what the runtime shapes (lib/private/validation/prop-types.ts) must match.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export interface Member {
  readonly name: string;
  readonly optional: boolean;
  /** The type as written, whitespace collapsed: `boolean`, `GalleryTargetRegion[]`, `{ [key: string]: string }`. */
  readonly type: string;
}

export interface Declarations {
  /** Every exported interface by name, with its members, inherited ones (`extends`) included. */
  readonly interfaces: ReadonlyMap<string, readonly Member[]>;
  /** The interfaces each exported interface extends, directly or through others (`GoldenVmProps`: `CommonVmProps`, ...). */
  readonly ancestors: ReadonlyMap<string, readonly string[]>;
  readonly enums: ReadonlySet<string>;
  readonly classes: ReadonlySet<string>;
}

const LIB = path.join(__dirname, '..', '..', 'lib');

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Reads lib/*.ts. */
export function readDeclarations(): Declarations {
  const own = new Map<string, { members: Member[]; bases: string[] }>();
  const enums = new Set<string>();
  const classes = new Set<string>();
  for (const file of fs.readdirSync(LIB).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(LIB, file), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!isExported(statement)) {
        continue;
      }
      if (ts.isEnumDeclaration(statement)) {
        enums.add(statement.name.text);
      } else if (ts.isClassDeclaration(statement) && statement.name) {
        classes.add(statement.name.text);
      } else if (ts.isInterfaceDeclaration(statement)) {
        const members = statement.members.filter(ts.isPropertySignature).map((m) => ({
          name: m.name.getText(source),
          optional: m.questionToken !== undefined,
          type: m.type!.getText(source).replace(/\s+/g, ' '),
        }));
        const bases = (statement.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(source)));
        own.set(statement.name.text, { members, bases });
      }
    }
  }
  const allMembers = (name: string): Member[] => {
    const declared = own.get(name);
    if (!declared) {
      throw new Error(`interface ${name} is not declared in lib/*.ts`);
    }
    return [...declared.bases.flatMap(allMembers), ...declared.members];
  };
  const ancestors = (name: string): string[] => own.get(name)!.bases.flatMap((base) => [base, ...ancestors(base)]);
  return {
    interfaces: new Map([...own.keys()].map((name) => [name, allMembers(name)])),
    ancestors: new Map([...own.keys()].map((name) => [name, [...new Set(ancestors(name))]])),
    enums,
    classes,
  };
}
