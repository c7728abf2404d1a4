/**
 * The README a package user follows: npm ships it (node_modules/azure-golden-image/README.md, the package's page), but
 * not the examples, tests or TypeScript sources it talks about. So every relative link in it must point at a file the
 * package ships (the packed file list is the one `npm pack` makes from .npmignore, as test/package.integration.test.ts reads it);
 * anything else is linked in the repository. And it states one minimum Terraform version, wherever it names one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO, sh } from './util/compiled';

/** A link found in a markdown text, with the line it is on (1-based). */
interface Link {
  readonly target: string;
  readonly line: number;
}

/** `text` with fenced code blocks and inline code spans blanked out (same length, newlines kept): no link is in code. */
function withoutCode(text: string): string {
  const blank = (code: string) => code.replace(/[^\n]/g, ' ');
  return text
    // Fences, indented too (inside list items), up to the same fence.
    .replace(/^[ \t]*(`{3,}|~{3,})[^\n]*\n[\s\S]*?^[ \t]*\1[ \t]*$/gm, blank)
    // Code spans: between equal runs of backticks, within one paragraph.
    .replace(/(`+)(?!`)(?:(?!\n[ \t]*\n)[\s\S])*?[^`]\1(?!`)/g, blank);
}

/**
 * The relative links of a markdown text: inline links and images (`[text](target)`), reference definitions
 * (`[label]: target`) and HTML `href`/`src` attributes, outside code. Absolute URLs (any scheme), protocol-relative
 * URLs and links within the page (`#anchor`) are not relative.
 */
function relativeLinks(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const found: Link[] = [];
  const patterns = [
    /\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g,
    /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm,
    /\b(?:href|src)\s*=\s*["']([^"']+)["']/gi,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const target = match[1];
      if (!/^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(target)) {
        found.push({ target, line: lineAt(match.index!) });
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * Every minimum Terraform version a text states: a version right after "Terraform" (or its link) that says it is a
 * minimum: `1.5+`, `1.5 or later`/`or newer`/`or above`, `>= 1.5`, `at least 1.5`. A version alone ("tested with
 * Terraform 1.11") is not a minimum.
 */
function minimumTerraformVersions(text: string): string[] {
  const mention = /\bterraform\b(?:\]\([^)\s]*\))?[^.\d\n]{0,40}?(>=\s*|at least\s+)?v?(\d+\.\d+)(?:\.\d+)*(\+|\s+or\s+(?:later|newer|above))?/gi;
  const versions = [...text.matchAll(mention)].filter((m) => m[1] !== undefined || m[3] !== undefined).map((m) => m[2]);
  return [...new Set(versions)].sort();
}

/** The repository's web address, from package.json (`git+https://.../x.git` -> `https://.../x`). */
function repositoryUrl(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const url: string = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository.url;
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** What the README's relative links must point at: the files the package ships, and the folders that hold some. */
function packedPaths(): { files: Set<string>; folders: Set<string> } {
  const [result] = JSON.parse(sh('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], REPO));
  const files: string[] = result.files.map((f: { path: string }) => f.path);
  const folders = files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/')));
  return { files: new Set(files), folders: new Set(folders) };
}

describe('README.md links what the npm package ships, and the repository for the rest', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  let packed: { files: Set<string>; folders: Set<string> };

  beforeAll(() => {
    packed = packedPaths();
  });

  test('the link finder sees relative links outside code, and nothing else', () => {
    const sample = [
      'See [the example](./examples/golden-image/main.ts) and ![a diagram](docs/flow.png "Flow").',
      '[API.md](./API.md#goldenvm), [site](https://example.com/x), [mail](mailto:a@b.c), [here](#quick-start)',
      '`[not a link](./examples/in-code.ts)`, <a href="test/x.test.ts">x</a>',
      '```ts',
      '// [not a link](./examples/in-a-fence.ts)',
      '```',
      '[ref]: ../outside.md',
    ].join('\n');
    expect(relativeLinks(sample)).toEqual([
      { target: './examples/golden-image/main.ts', line: 1 },
      { target: 'docs/flow.png', line: 1 },
      { target: './API.md#goldenvm', line: 2 },
      { target: 'test/x.test.ts', line: 3 },
      { target: '../outside.md', line: 7 },
    ]);
  });

  test('every relative link points at a file or folder the package ships', () => {
    expect(packed.files.has('README.md')).toBe(true);
    const base = repositoryUrl();
    const problems = relativeLinks(readme).flatMap(({ target, line }) => {
      const rel = path.posix.normalize(decodeURIComponent(target.replace(/[#?].*$/, ''))).replace(/\/$/, '');
      if (rel === '.' || packed.files.has(rel) || packed.folders.has(rel)) {
        return [];
      }
      const inRepo = !rel.startsWith('..') && fs.existsSync(path.join(REPO, rel));
      const fix = inRepo
        ? `link to ${base}/${fs.statSync(path.join(REPO, rel)).isDirectory() ? 'tree' : 'blob'}/main/${rel}`
        : 'it is not in the repository either';
      return [`README.md:${line}: ${target} is not in the npm package (see .npmignore): ${fix}`];
    });
    expect(problems).toEqual([]);
  });

  test('the Terraform version finder tells minimums from other versions', () => {
    expect(minimumTerraformVersions([
      '1. Tools: Node.js 20+, [Terraform](https://developer.hashicorp.com/terraform/install) 1.4+, the',
      '| Terraform | 1.5 or later (`terraform_data`, `plantimestamp()`); tested with 1.11 |',
      'needs Terraform >= 1.6, or Terraform at least 1.7.2',
      'The tests evaluate both conditions with real Terraform 1.11 on good and bad values; curl 7.68 or later.',
    ].join('\n'))).toEqual(['1.4', '1.5', '1.6', '1.7']);
  });

  test('one minimum Terraform version, in the README and the examples\' README', () => {
    const texts = ['README.md', path.join('examples', 'README.md')].map((f) => fs.readFileSync(path.join(REPO, f), 'utf8'));
    // The compatibility table states one: the finder must see it.
    expect(minimumTerraformVersions(texts[0]).length).toBeGreaterThan(0);
    // Two (e.g. 1.4 and 1.5) means one place went stale.
    expect(minimumTerraformVersions(texts.join('\n'))).toHaveLength(1);
  });
});
