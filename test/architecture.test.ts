/**
 * The library's module graph (issue 26): no import cycles, and the private modules (lib/private) and the operator
 * (lib/operator, bundled on its own into operator.js) never import a public module that declares a construct or other
 * class: they may read the public enums and interfaces (image.ts, management-port.ts, powershell-step.ts), not the
 * constructs that use them. Imports are read from the sources as text, type-only ones included.
 */
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.join(__dirname, '..', 'lib');

function sources(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'scripts' ? [] : sources(full);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The library's own modules a file imports (relative specifiers, resolved to files). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map((m) => m[1]);
  return specifiers.map((specifier) => {
    const base = path.resolve(path.dirname(file), specifier);
    const candidates = [`${base}.ts`, path.join(base, 'index.ts')];
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    if (found === undefined) {
      throw new Error(`${path.relative(LIB, file)} imports ${specifier}, which is no file of the library`);
    }
    return found;
  });
}

const files = sources(LIB);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const relative = (file: string) => path.relative(LIB, file);

/** Every cycle, each once, as the chain of files from its first file back to it. */
function cycles(): string[][] {
  const found = new Map<string, string[]>();
  const visit = (file: string, chain: string[]) => {
    const at = chain.indexOf(file);
    if (at >= 0) {
      const cycle = chain.slice(at);
      const key = [...cycle].sort().join(' ');
      if (!found.has(key)) {
        found.set(key, [...cycle, file].map(relative));
      }
      return;
    }
    if (done.has(file)) {
      return;
    }
    for (const next of graph.get(file) ?? []) {
      visit(next, [...chain, file]);
    }
    done.add(file);
  };
  const done = new Set<string>();
  files.forEach((file) => visit(file, []));
  return [...found.values()];
}

test('the graph is read: every construct module is found, and the index imports each', () => {
  expect(files.map(relative)).toEqual(expect.arrayContaining(['golden-vm.ts', 'private/validation/props-validator.ts', 'operator/main.ts']));
  expect(graph.get(path.join(LIB, 'index.ts'))!.map(relative)).toEqual(expect.arrayContaining(['golden-vm.ts', 'image-scale-set.ts']));
});

test('no module imports itself through others (no import cycle)', () => {
  expect(cycles()).toEqual([]);
});

test('the cycle finder finds a cycle (a graph with one, made by hand)', () => {
  const [a, b] = [path.join(LIB, 'golden-vm.ts'), path.join(LIB, 'image.ts')];
  const saved = graph.get(b)!;
  graph.set(b, [...saved, a]);
  try {
    expect(cycles().map((cycle) => cycle.join(' -> '))).toContain('image.ts -> golden-vm.ts -> image.ts');
  } finally {
    graph.set(b, saved);
  }
});

test('private modules and the operator import no public module that declares a class (a construct)', () => {
  const declaresClass = (file: string) => /^export\s+(?:abstract\s+)?class\s/m.test(fs.readFileSync(file, 'utf8'));
  const isPublic = (file: string) => path.dirname(file) === LIB && path.basename(file) !== 'index.ts';
  const offending = files
    .filter((file) => /^(private|operator)\//.test(relative(file)))
    .flatMap((file) => graph.get(file)!.filter((imported) => isPublic(imported) && declaresClass(imported)).map((imported) => `${relative(file)} -> ${relative(imported)}`));
  expect(offending).toEqual([]);
});

/**
 * lib/private's concept folders, lowest first: a folder's modules import only their own folder and folders before it,
 * so each concept can be read without the ones after it (the README's architecture overview names what each holds).
 */
const PRIVATE_LAYERS = ['terraform', 'validation', 'naming', 'network', 'steps', 'images', 'vm'];

/** `private/<folder>/...` of a file, or undefined for any other module. */
function privateFolderOf(file: string): string | undefined {
  return /^private\/([^/]+)\//.exec(relative(file))?.[1];
}

test('every private module lives in one of the concept folders', () => {
  const loose = files.filter((file) => relative(file).startsWith('private/') && !PRIVATE_LAYERS.includes(privateFolderOf(file) ?? ''));
  expect(loose.map(relative)).toEqual([]);
  expect(new Set(files.map(privateFolderOf).filter((folder) => folder !== undefined))).toEqual(new Set(PRIVATE_LAYERS));
});

test('private folders import only their own folder and the folders before it', () => {
  const offending = files.flatMap((file) => {
    const from = privateFolderOf(file);
    if (from === undefined) {
      return [];
    }
    return graph.get(file)!
      .filter((imported) => {
        const to = privateFolderOf(imported);
        return to !== undefined && PRIVATE_LAYERS.indexOf(to) > PRIVATE_LAYERS.indexOf(from);
      })
      .map((imported) => `${relative(file)} -> ${relative(imported)}`);
  });
  expect(offending).toEqual([]);
});

describe("the README's architecture overview matches the files", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = /^## Architecture: which file owns which step\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  const named = new Set([...section.matchAll(/`([\w./-]+\.(?:ts|ps1))`/g)].map((m) => m[1]));
  const folders = [...section.matchAll(/^\| `([a-z]+)\/` \|/gm)].map((m) => m[1]);

  test('the section is there and names files', () => {
    expect(named.size).toBeGreaterThan(20);
  });

  test('every file it names exists: a public module, an operator step or a guest script', () => {
    const exists = (name: string) => [LIB, path.join(LIB, 'operator', 'steps'), path.join(LIB, 'scripts', 'guest')]
      .some((directory) => fs.existsSync(path.join(directory, name)));
    expect([...named].filter((name) => !exists(name))).toEqual([]);
  });

  test('it names every public module, every operator step and every guest script', () => {
    const publicModules = fs.readdirSync(LIB).filter((name) => name.endsWith('.ts') && name !== 'index.ts');
    const steps = fs.readdirSync(path.join(LIB, 'operator', 'steps')).filter((name) => name.endsWith('.ts'));
    const guest = fs.readdirSync(path.join(LIB, 'scripts', 'guest')).filter((name) => name.endsWith('.ps1'));
    expect([...publicModules, ...steps, ...guest].filter((name) => !named.has(name))).toEqual([]);
  });

  test("it lists lib/private's folders in their import order", () => {
    expect(folders).toEqual(PRIVATE_LAYERS);
  });
});

test('every module opens with a comment saying what it is for', () => {
  const silent = files.filter((file) => !/^\s*(\/\*|\/\/)/.test(fs.readFileSync(file, 'utf8')));
  expect(silent.map(relative)).toEqual([]);
});
