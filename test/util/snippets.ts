import * as fs from 'fs';

/** A TypeScript code block of a Markdown file. */
export interface Snippet {
  /** `README.md:184`: the file and the line of the opening fence. */
  readonly where: string;
  readonly code: string;
}

/** Every ```ts / ```typescript block of a Markdown file, in order. */
export function typescriptSnippets(file: string, label: string): Snippet[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) {
      continue;
    }
    const indent = open[1].length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) {
      body.push(lines[i].slice(indent));
    }
    snippets.push({ where: `${label}:${start + 1}`, code: body.join('\n') + '\n' });
  }
  return snippets;
}
