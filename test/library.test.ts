/**
 * klp-verify as a library: the README's "Use as a library" example runs as written (its
 * `import ... from 'klp-verify'` pointed at src/index.ts) and prints what its comments say; the
 * package entry points exist.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const README = readFileSync('README.md', 'utf8');

function libraryExample(): string {
  const section = README.slice(README.indexOf('## Use as a library'));
  const start = section.indexOf('```ts\n') + '```ts\n'.length;
  return section.slice(start, section.indexOf('```', start));
}

describe('README, Use as a library', () => {
  it('runs and prints what its comments say', async () => {
    const code = libraryExample().replace(
      "from 'klp-verify'",
      `from ${JSON.stringify(pathToFileURL(resolve('src/index.ts')).href)}`,
    );
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const dir = resolve('test/.scratch');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-library-example.ts');
    writeFileSync(file, code);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual(['refuted', '["insmod","insmod"]']);
    expect(expected).toEqual(['refuted', "[ 'insmod', 'insmod' ]"]);
  });
});

describe('the package', () => {
  it('exports the library and the bundle through package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './src/index.ts', import: './dist/index.mjs' });
    expect(pkg.bin['klp-verify']).toBe('bin/klp-verify.mjs');
    const lib = await import('../src/index.ts');
    const kinds = new Map(Object.entries(lib).map(([k, v]) => [k, typeof v]));
    for (const name of [
      'simulate',
      'check',
      'proveLoadable',
      'proveInvariant',
      'conflicts',
      'upgrade',
      'synth',
      'diffRules',
      'loadCatalogFile',
      'loadPlanFile',
      'loadRuleSet',
    ]) {
      expect([name, kinds.get(name)]).toEqual([name, 'function']);
    }
  });
});
