// The layering of src/ (docs/architecture.md), checked on the real import graph. Dependencies
// point inward, the solver sits at the edge, the process belongs to the CLI:
//
//   model                    pure domain types: imports nothing else from src, no packages
//   source                   spans and diagnostics: imports only itself
//   kernel                   the simulator: imports only model and itself, no packages
//   smt IR (term, factory,   own term language: imports only model and itself, never z3, so
//     interpret, smtlib)       compilation and its tests run without WASM
//   smt/z3                   the only importer of `z3-solver`
//   lower layers             model, source, kernel, lang, eval, ingest, smt, explore never
//                              import analysis, report or cli
//   cli                      the only code that touches `process` or `console`; nothing
//                              outside src/cli imports src/cli
//
// Files are parsed with the TypeScript compiler, so comments and strings never count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

interface Scan {
  /** Import and export specifiers, including dynamic `import()`. */
  readonly imports: string[];
  /** `console` and `process` used as values. */
  readonly globals: string[];
}

function scan(fileName: string, text: string): Scan {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const globals: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      imports.push(node.moduleSpecifier.text);
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      imports.push(node.arguments[0].text);
    }
    if (ts.isIdentifier(node) && (node.text === 'console' || node.text === 'process')) {
      const parent = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!isPropertyName) globals.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, globals };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** An import as seen from src: `src/<path>` for our files, the bare name for packages. */
function target(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(ROOT, resolve(dirname(from), spec))
    .split('\\')
    .join('/');
}

const PURE_SMT = [
  'src/smt/term.ts',
  'src/smt/factory.ts',
  'src/smt/interpret.ts',
  'src/smt/smtlib.ts',
];
/**
 * Every folder of src/ in one order, lowest first; nothing imports a folder of a higher rank.
 * Same-rank folders may import each other only where listed in SAME_RANK_ALLOWED.
 */
const RANK: Readonly<Record<string, number>> = {
  model: 0,
  source: 0,
  '(root)': 0,
  ingest: 1,
  kernel: 1,
  lang: 1,
  eval: 2,
  smt: 2,
  explore: 3,
  analysis: 3,
  prove: 4,
  query: 5,
  vm: 5,
  report: 6,
  cli: 7,
};
const LOWER = ['model', 'source', 'kernel', 'lang', 'eval', 'ingest', 'smt', 'explore'];
const UPPER = ['analysis', 'report', 'cli'];

/** The layer of a file or import target under src: its first folder, or null outside src. */
function layer(path: string): string | null {
  const m = /^src\/([^/]+)\//.exec(path);
  return m?.[1] ?? (path.startsWith('src/') ? '(root)' : null);
}

/** Every broken rule, as `file: reason`. */
function violations(file: string, s: Scan): string[] {
  const out: string[] = [];
  const from = layer(file);
  const isZ3 = file.startsWith('src/smt/z3/');
  for (const t of s.imports.map((spec) => target(join(ROOT, file), spec))) {
    const to = layer(t);
    const ours = t.startsWith('src/');
    if (t === 'z3-solver' && !isZ3) out.push(`${file}: imports z3-solver outside src/smt/z3/`);
    if (!ours && /^(test|bench)\//.test(t)) out.push(`${file}: imports ${t}`);
    if (from === 'model' && (to !== 'model' || !ours)) out.push(`${file}: model imports ${t}`);
    if (from === 'source' && (to !== 'source' || !ours)) out.push(`${file}: source imports ${t}`);
    if (from === 'kernel' && !(ours && (to === 'model' || to === 'kernel'))) {
      out.push(`${file}: kernel imports ${t}`);
    }
    if (PURE_SMT.includes(file) && !(t.startsWith('src/model/') || PURE_SMT.includes(t))) {
      out.push(`${file}: the term IR imports ${t}`);
    }
    if (from !== null && LOWER.includes(from) && to !== null && UPPER.includes(to)) {
      out.push(`${file}: ${from} imports the upper layer ${to} (${t})`);
    }
    if (to === 'cli' && from !== 'cli') out.push(`${file}: imports src/cli (${t})`);
    const top = file === 'src/index.ts';
    if (!top && from !== null && to !== null && ours && t !== 'src/package-root.ts') {
      const [a, b] = [RANK[from], RANK[to]];
      if (a === undefined) out.push(`${file}: folder src/${from} has no rank in the layer order`);
      else if (b !== undefined && b > a) {
        out.push(`${file}: ${from} (rank ${a}) imports ${to} (rank ${b}): ${t}`);
      }
    }
    if (t === 'node:process' && from !== 'cli') out.push(`${file}: imports node:process`);
  }
  if (from !== 'cli') {
    for (const g of new Set(s.globals)) out.push(`${file}: uses \`${g}\` outside src/cli`);
  }
  return out;
}

const files = sourceFiles(SRC).map((path) => ({
  file: relative(ROOT, path).split('\\').join('/'),
  scan: scan(path, readFileSync(path, 'utf8')),
}));

describe('the import scanner', () => {
  it('reads static, re-export and dynamic imports, and not comments or strings', () => {
    const s = scan(
      'x.ts',
      `import type { A } from './a.ts';
       export { b } from '../b.ts';
       const c = await import('./c.ts');
       // import { d } from './d.ts'; console.log(1)
       const e = "import { f } from './f.ts'";
       console.error(process.exitCode, obj.console, { process: 1 });`,
    );
    expect(s.imports).toEqual(['./a.ts', '../b.ts', './c.ts']);
    expect(s.globals).toEqual(['console', 'process']);
  });

  it('sees the real graph', () => {
    const session = files.find((f) => f.file === 'src/smt/z3/session.ts');
    expect(session?.scan.imports).toContain('z3-solver');
    const rules = files.find((f) => f.file === 'src/kernel/rules.ts');
    expect(rules?.scan.imports).toContain('../model/catalog.ts');
    expect(files.length).toBeGreaterThan(20);
  });

  it('reports a broken rule', () => {
    const bad = scan('src/model/x.ts', `import { init } from 'z3-solver'; console.log(init);`);
    expect(violations('src/model/x.ts', bad)).toEqual([
      'src/model/x.ts: imports z3-solver outside src/smt/z3/',
      'src/model/x.ts: model imports z3-solver',
      'src/model/x.ts: uses `console` outside src/cli',
    ]);
  });
});

describe('layering of src/', () => {
  it('keeps every import pointing inward and the process in src/cli', () => {
    expect(files.flatMap((f) => violations(f.file, f.scan))).toEqual([]);
  });
});

describe('start-up', () => {
  it('loads z3-solver only when a question needs the solver: no static value import of it', () => {
    const z3 = join(SRC, 'smt', 'z3');
    const eager = sourceFiles(z3).filter((f) =>
      /^import\s+(?!type\b)[^;]*from\s+'z3-solver'/m.test(readFileSync(f, 'utf8')),
    );
    expect(eager.map((f) => relative(ROOT, f))).toEqual([]);
    const session = readFileSync(join(z3, 'session.ts'), 'utf8');
    expect(session).toMatch(/await import\('z3-solver'\)/);
  });
});
