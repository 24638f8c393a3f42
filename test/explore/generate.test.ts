/**
 * The benchmark catalog generator: reproducible, readable by the catalog reader, shaped as
 * documented, and its planted traps and block_disable chains really behave as announced on
 * the simulator.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogYaml, generateBench, generateCatalog } from '../../bench/generate.ts';
import { shortestPath } from '../../src/explore/index.ts';
import { parseCatalog } from '../../src/ingest/index.ts';
import { step } from '../../src/kernel/index.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import { funcKey } from '../../src/model/patch.ts';
import { Source } from '../../src/source/source.ts';
import { upstreamRules } from '../support/rules.ts';
import { insmod, shippedRules, stackSystem } from './helpers.ts';

const ROOT = join(import.meta.dirname, '../..');

/** The catalog as the rest of the tool reads it: through the YAML and the catalog reader. */
function viaYaml(text: string): Catalog {
  const { value, diagnostics } = parseCatalog(new Source('generated.yaml', text));
  expect(diagnostics.map((d) => d.message)).toEqual([]);
  if (value === null) throw new Error('generated catalog does not load');
  return value;
}

describe('generateCatalog', () => {
  it('gives the same catalog for the same options and another for another seed', () => {
    const a = catalogYaml(generateBench({ patches: 40, seed: 7 }));
    expect(catalogYaml(generateBench({ patches: 40, seed: 7 }))).toBe(a);
    expect(catalogYaml(generateBench({ patches: 40, seed: 8 }))).not.toBe(a);
  });

  it.each([1, 10, 50, 200])('writes %i patches the catalog reader reads back exactly', (n) => {
    const g = generateBench({ patches: n, seed: n, streams: n >= 50 ? 2 : 1 });
    const read = viaYaml(catalogYaml(g));
    expect(read.patches).toHaveLength(n);
    read.patches.forEach((p, i) => {
      const q = g.catalog.patches[i];
      expect(p.name).toBe(q?.name);
      expect({ ...p }).toEqual({ ...q });
    });
  });

  it('has the documented shape', () => {
    const g = generateBench({ patches: 200, seed: 3, streams: 2 });
    const ps = g.catalog.patches;
    for (const p of ps) {
      expect(p.states.length).toBeGreaterThanOrEqual(1);
      expect(p.states.length).toBeLessThanOrEqual(5);
      expect(new Set(p.states.map((s) => s.id)).size).toBe(p.states.length);
      for (const s of p.states) expect(s.id).toBeGreaterThan(0xffff_ffffn);
      expect(p.functions.length).toBeGreaterThanOrEqual(1);
      // Releases are cumulative in replace sets 1 and 2; hotfixes have sets of their own.
      expect(p.replace).toBe(/^klp_s\d+_r\d+$/.test(p.name));
      if (p.replace) expect([1, 2]).toContain(p.replaceSet);
      else expect(p.replaceSet).toBeGreaterThan(2);
    }
    const hotfixes = ps.filter((p) => !p.replace).length;
    expect(hotfixes).toBeGreaterThan(20);
    expect(hotfixes).toBeLessThan(100);
    expect(ps.some((p) => p.states.some((s) => s.blockDisable))).toBe(true);
    expect(new Set(ps.filter((p) => !p.replace).map((p) => p.replaceSet)).size).toBe(hotfixes);
    expect(g.planted.length).toBe(g.options.conflicts);
  });

  it('makes versions rise along a stream, except where a rollback is planted', () => {
    const g = generateBench({ patches: 150, seed: 11, conflicts: 8 });
    const rollbacks = new Set(
      g.planted.filter((c) => c.kind === 'version-rollback').map((c) => c.patch),
    );
    const releases = g.catalog.patches.filter((p) => p.replace);
    let rises = 0;
    for (let i = 1; i < releases.length; i++) {
      const [prev, cur] = [releases[i - 1], releases[i]];
      if (prev === undefined || cur === undefined) continue;
      for (const s of cur.states) {
        const before = prev.states.find((t) => t.id === s.id);
        if (before === undefined) continue;
        if (s.version > before.version) rises++;
        if (s.version < before.version) expect(rollbacks.has(cur.name), cur.name).toBe(true);
      }
    }
    expect(rises).toBeGreaterThan(10);
  });

  it('plants conflicts the simulator rejects with EINVAL under upstream rules', () => {
    const kinds = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const g = generateBench({ patches: 60, seed, streams: 2, conflicts: 6 });
      const cat = g.catalog;
      for (const c of g.planted) {
        kinds.add(c.kind);
        const p = cat.byName.get(c.patch);
        const against = cat.byName.get(c.against);
        if (p === undefined || against === undefined) throw new Error(`unknown ${c.patch}`);
        if (c.kind === 'foreign-function') {
          const theirs = new Set(against.functions.map(funcKey));
          expect(p.functions.some((f) => theirs.has(funcKey(f)))).toBe(true);
          expect(p.replaceSet).not.toBe(against.replaceSet);
          continue;
        }
        const sys = stackSystem(cat, upstreamRules, [c.against], 'auto');
        const out = step(sys, insmod(c.patch), {
          rules: upstreamRules,
          catalog: cat,
          transitions: 'auto',
        });
        expect(out.result, `${c.patch} over ${c.against} (${c.kind})`).toBe('EINVAL');
      }
    }
    expect([...kinds].sort()).toEqual([
      'foreign-function',
      'forgotten-state',
      'lowered-version',
      'version-rollback',
    ]);
  });

  it('chains block_disable states so that an upgrade must go through every release', () => {
    const rules = shippedRules('block-disable');
    const chainLength = 5;
    const g = generateBench({
      patches: 24,
      seed: 2,
      blockChains: 1,
      chainLength,
      conflicts: 0,
      hotfixRatio: 0.15,
    });
    const cat = g.catalog;
    const chain = g.catalog.patches.filter((p) => p.states.some((s) => s.blockDisable));
    expect(chain).toHaveLength(chainLength);
    const [first, last] = [chain[0], chain.at(-1)];
    if (first === undefined || last === undefined) throw new Error('no chain');
    const from = stackSystem(cat, rules, [first.name], 'auto');
    const r = shortestPath(cat, rules, from, (s) => s.klpPatches.includes(last.name), {
      transitions: 'auto',
    });
    expect(r.kind === 'found' && r.path).toEqual(chain.slice(1).map((p) => insmod(p.name)));
    // The chain's first release can be neither disabled nor replaced by a later release.
    const later = cat.patches.filter((p) => p.replace).at(-1);
    if (later === undefined) throw new Error('no release');
    const simOpts = { rules, catalog: cat, transitions: 'auto' } as const;
    expect(step(from, { kind: 'disable', patch: first.name }, simOpts).result).toBe('EINVAL');
    expect(step(from, insmod(later.name), simOpts).result).toBe('EINVAL');
  });

  it('checks its options', () => {
    expect(() => generateCatalog({ patches: 0, seed: 1 })).toThrow(/--patches/);
    const one = generateBench({ patches: 5, seed: 1, maxStatesPerPatch: 1, blockChains: 3 });
    expect(one.options.blockChains).toBe(0);
    for (const p of one.catalog.patches) expect(p.states).toHaveLength(1);
  });
});

describe('bench/generate.ts on the command line', () => {
  const cli = (args: readonly string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/generate.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('prints the YAML of the catalog for the given options', () => {
    const out = cli(['--patches', '12', '--seed', '4', '--streams', '2']);
    expect(out).toBe(catalogYaml(generateBench({ patches: 12, seed: 4, streams: 2 })));
  });

  it('exits with 2 on a bad option', () => {
    expect(() => cli(['--patches', 'many'])).toThrow(/expects an integer/);
  });
});
