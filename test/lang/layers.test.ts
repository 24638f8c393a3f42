/**
 * Dependencies point inward: the front end (src/lang) uses only the domain model and sources;
 * the evaluator (src/eval) adds the front end and the `KernelRules` interface, never the
 * simulator itself, the solver or the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

function imports(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts')) continue;
    const file = join(dir, f);
    for (const m of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
      const spec = m[1] ?? '';
      out.push({ file, target: spec.startsWith('.') ? normalize(join(file, '..', spec)) : spec });
    }
  }
  return out;
}

describe('layers', () => {
  // src/ingest/fs.ts is the one reader of input files (regular files, size limit, strict UTF-8).
  it('src/lang imports only src/lang, src/model, src/source, the file reader, src/package-root.ts and node builtins', () => {
    const bad = imports('src/lang').filter(
      ({ target }) =>
        !/^(src\/(lang|model|source)\/|src\/ingest\/fs\.ts$|src\/package-root\.ts$|node:)/.test(
          target,
        ),
    );
    expect(bad).toEqual([]);
  });

  it('src/eval imports only src/eval, src/lang, src/model, src/source and src/kernel/rules.ts', () => {
    const bad = imports('src/eval').filter(
      ({ target }) => !/^(src\/(eval|lang|model|source)\/|src\/kernel\/rules\.ts$)/.test(target),
    );
    expect(bad).toEqual([]);
  });
});
