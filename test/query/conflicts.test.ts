/**
 * Conflicts worked out by hand: the test-state.sh modules, the vendor stream, two cumulative
 * patches refused both ways, a cycle of three hotfixes that only the solver sees, a pair that
 * a third patch rescues (rollability is not monotone), a patch refused even alone, the load
 * matrix, limits and `unknown`. Each case also runs with every simulator shortcut off, so the
 * solver path alone must find the same conflicts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { loadCatalogFile } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { run } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import {
  type ConflictOptions,
  type ConflictReport,
  type ConflictRules,
  findConflicts,
  pairwiseOrder,
} from '../../src/query/conflicts.ts';
import { compileRules } from '../../src/smt/compile.ts';

const FIXTURES = 'test/fixtures/conflicts';
const SOLVER_ONLY: ConflictOptions = {
  tactics: { seedFromMatrix: false, simulateFirst: false, pairwiseOrders: false },
};

function rulesOf(nameOrPath: string): ConflictRules {
  const r = loadRuleSet(nameOrPath);
  if (r.kind === 'error') throw new Error(`rule set ${nameOrPath} does not load`);
  return { kernel: kernelRules(r.value), symbolic: compileRules(r.value) };
}

function catalogOf(path: string): Catalog {
  const c = loadCatalogFile(path);
  if (c.kind === 'error') throw new Error(`catalog ${path} does not load`);
  return c.value;
}

const sets = (r: ConflictReport) => r.conflicts.map((c) => c.patches);

function loads(cat: Catalog, rules: ConflictRules, order: readonly string[]): boolean {
  const { outcomes } = run(
    EMPTY_SYSTEM,
    order.map((patch) => ({ kind: 'insmod', patch }) as const),
    { rules: rules.kernel, catalog: cat, transitions: 'auto' },
  );
  return outcomes.every((o) => o.result === 'ok');
}

/** Both ways (default shortcuts, solver alone) give `expected`, completely. */
async function expectConflicts(
  cat: Catalog,
  rules: ConflictRules,
  expected: readonly (readonly string[])[],
): Promise<ConflictReport> {
  const report = await findConflicts(cat, rules);
  const alone = await findConflicts(cat, rules, SOLVER_ONLY);
  for (const r of [report, alone]) {
    expect(r.status).toEqual({ kind: 'complete' });
    expect(sets(r)).toEqual(expected);
  }
  return report;
}

describe('test-state.sh modules', () => {
  const cat = catalogOf('examples/selftests/test_modules.catalog.yaml');

  it('have no conflict: the newer versions load over the older ones', async () => {
    const r = await expectConflicts(cat, rulesOf('upstream'), []);
    expect(r.conflictFree).toEqual([['test_klp_state', 'test_klp_state2', 'test_klp_state3']]);
  });

  it('give the load matrix of scenarios 2 to 4', async () => {
    const r = await findConflicts(cat, rulesOf('upstream'));
    const cell = (a: number, b: number) => r.matrix.cells[a]?.[b];
    // Scenario 4: test_klp_state on test_klp_state2 is refused, version 1 below version 2.
    const refused = cell(1, 0);
    expect(refused?.kind).toBe('rejected');
    if (refused?.kind !== 'rejected') return;
    expect(refused.rejection).toMatchObject({
      patch: 'test_klp_state',
      klpPatches: ['test_klp_state2'],
      errno: 'EINVAL',
      violations: [
        {
          rule: 'same-or-higher-version',
          installedBy: 'test_klp_state2',
          state: 1n,
          installedVersion: 2,
          newVersion: 1,
        },
      ],
    });
    // Scenario 2: test_klp_state2 replaces test_klp_state. Scenario 3: equal versions load.
    expect(cell(0, 1)).toEqual({ kind: 'ok', klpPatches: ['test_klp_state2'] });
    expect(cell(1, 2)).toEqual({ kind: 'ok', klpPatches: ['test_klp_state3'] });
    expect(cell(2, 1)).toEqual({ kind: 'ok', klpPatches: ['test_klp_state2'] });
    expect(cell(0, 0)).toBeNull();
    expect(r.matrix.alone).toEqual([null, null, null]);
  });
});

describe('the vendor stream', () => {
  const cat = catalogOf('examples/vendor-stream/stream.catalog.yaml');

  it('has one conflict: r4 forgets the io_uring state r2 introduced, r2 is older than r4', async () => {
    const r = await expectConflicts(cat, rulesOf('upstream'), [
      ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4'],
    ]);
    const c = r.conflicts[0];
    expect(c?.explained.kind).toBe('every-order');
    expect(c?.explained.orders).toBe(2);
    expect(c?.explained.failing.map((f) => f.prefix)).toEqual([
      ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4'],
      ['klp_6_8_0_45_r4', 'klp_6_8_0_45_r2'],
    ]);
    const [forward, backward] = c?.explained.failing ?? [];
    expect(forward?.rejection.violations).toMatchObject([
      {
        rule: 'cumulative-handles-all',
        state: 0x696f75726e670002n,
        installedBy: 'klp_6_8_0_45_r2',
        installedVersion: 1,
      },
    ]);
    expect(backward?.rejection.violations.map((v) => v.rule)).toEqual([
      'same-or-higher-version',
      'cumulative-handles-all',
    ]);
    expect(c?.withoutOne).toEqual([
      { without: 'klp_6_8_0_45_r2', order: ['klp_6_8_0_45_r4'] },
      { without: 'klp_6_8_0_45_r4', order: ['klp_6_8_0_45_r2'] },
    ]);
  });

  it('shows which sets were proved conflict-free', async () => {
    const r = await findConflicts(cat, rulesOf('upstream'));
    for (const free of r.conflictFree) {
      expect(free.includes('klp_6_8_0_45_r2') && free.includes('klp_6_8_0_45_r4')).toBe(false);
    }
    expect(new Set(r.conflictFree.flat())).toEqual(new Set(cat.patches.map((p) => p.name)));
  });
});

describe('hand-built catalogs', () => {
  it('finds two cumulative patches each missing a state of the other', async () => {
    const cat = catalogOf(`${FIXTURES}/cumulative-pair-refused-both-ways/catalog.yaml`);
    await expectConflicts(cat, rulesOf('upstream'), [['klp_net', 'klp_fs']]);
  });

  it('finds a cycle of three hotfixes that no pair shows', async () => {
    const cat = catalogOf(`${FIXTURES}/three-hotfixes-in-a-cycle/catalog.yaml`);
    const rules = rulesOf('upstream');
    const r = await expectConflicts(cat, rules, [['hotfix_a', 'hotfix_b', 'hotfix_c']]);
    // Every pair loads in one order.
    for (const [a, b] of [
      ['hotfix_a', 'hotfix_b'],
      ['hotfix_b', 'hotfix_c'],
      ['hotfix_c', 'hotfix_a'],
    ] as const) {
      expect(loads(cat, rules, [a, b])).toBe(true);
      expect(loads(cat, rules, [b, a])).toBe(false);
    }
    const c = r.conflicts[0];
    expect(c?.explained.orders).toBe(6);
    // The failing prefixes cover each of the 6 orders exactly once.
    const covered = (order: readonly string[]) =>
      c?.explained.failing.filter((f) => f.prefix.every((p, i) => order[i] === p)).length;
    for (const order of [
      ['hotfix_a', 'hotfix_b', 'hotfix_c'],
      ['hotfix_a', 'hotfix_c', 'hotfix_b'],
      ['hotfix_b', 'hotfix_a', 'hotfix_c'],
      ['hotfix_b', 'hotfix_c', 'hotfix_a'],
      ['hotfix_c', 'hotfix_a', 'hotfix_b'],
      ['hotfix_c', 'hotfix_b', 'hotfix_a'],
    ]) {
      expect(covered(order)).toBe(1);
    }
    expect(c?.explained.failing.find((f) => f.prefix.length === 3)).toMatchObject({
      prefix: ['hotfix_a', 'hotfix_b', 'hotfix_c'],
      rejection: { patch: 'hotfix_c', klpPatches: ['hotfix_a', 'hotfix_b'] },
    });
    // The matrix alone proves no conflict here.
    const pairs = r.matrix.cells.flat().filter((x) => x?.kind === 'rejected');
    expect(pairs).toHaveLength(3);
  });

  it('finds a pair that a third patch rescues: rollability is not monotone', async () => {
    const cat = catalogOf(`${FIXTURES}/replaced-function-owner/catalog.yaml`);
    const rules = rulesOf('replace-set');
    await expectConflicts(cat, rules, [['stream_r1', 'vendor_fix']]);
    expect(loads(cat, rules, ['stream_r1', 'stream_r2', 'vendor_fix'])).toBe(true);
  });

  it('finds a patch that cannot be loaded even alone, under a rule file', async () => {
    const dir = `${FIXTURES}/cumulative-patch-without-states`;
    const cat = catalogOf(`${dir}/catalog.yaml`);
    const r = await expectConflicts(cat, rulesOf(`${dir}/house-rules.klp`), [['klp_bare']]);
    expect(r.matrix.alone[1]?.violations.map((v) => v.rule)).toEqual([
      'cumulative-declares-a-state',
    ]);
    expect(r.matrix.cells[1]?.[0]?.kind).toBe('not-installable');
  });
});

describe('a larger conflict', () => {
  // Five hotfixes in a ring: h_k carries state k+1 at version 2 and state k+2 at version 1, so
  // h_k loads before h_(k+1) and not after it; patches two apart share nothing. Any four load
  // (the ring broken open), all five do not.
  const ring = catalog(
    [0, 1, 2, 3, 4].map((k) =>
      patch(`h${k}`, {
        states: [
          { id: k + 1, version: 2 },
          { id: ((k + 1) % 5) + 1, version: 1 },
        ],
      }),
    ),
  );

  it('is explained by the order that gets furthest from each first patch', async () => {
    const rules = rulesOf('upstream');
    const r = await expectConflicts(ring, rules, [['h0', 'h1', 'h2', 'h3', 'h4']]);
    const e = r.conflicts[0]?.explained;
    expect(e?.kind).toBe('per-first-patch');
    if (e?.kind !== 'per-first-patch') return;
    expect(e.orders).toBe(120);
    expect(e.exhaustive).toBe(true);
    expect(e.failing.map((f) => f.prefix[0])).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    for (const f of e.failing) {
      // Following the ring from any patch loads four, then the fifth is refused.
      expect(f.prefix).toHaveLength(5);
      expect(loads(ring, rules, f.prefix.slice(0, -1))).toBe(true);
      expect(loads(ring, rules, f.prefix)).toBe(false);
    }
    expect(r.conflicts[0]?.withoutOne).toHaveLength(5);
  });
});

describe('limits', () => {
  const cat = catalogOf(`${FIXTURES}/cumulative-pair-refused-both-ways/catalog.yaml`);

  it('stops at the limit and says more may exist', async () => {
    // The one conflict is found first; sets with klp_all are left unexplored.
    const r = await findConflicts(cat, rulesOf('upstream'), { ...SOLVER_ONLY, limit: 1 });
    expect(sets(r)).toEqual([['klp_net', 'klp_fs']]);
    expect(r.status).toEqual({ kind: 'limit', limit: 1 });
    const all = await findConflicts(cat, rulesOf('upstream'), { ...SOLVER_ONLY, limit: 2 });
    expect(all.status).toEqual({ kind: 'complete' });
  });

  it('lists at most the limit when the load matrix proves more', async () => {
    const stream = catalogOf('examples/vendor-stream/stream.catalog.yaml');
    const hot = catalogOf(`${FIXTURES}/three-hotfixes-in-a-cycle/catalog.yaml`);
    // Under replace-set every patch here is in set 0: same-set patches must carry each
    // other's states, so most pairs conflict.
    const r = await findConflicts(hot, rulesOf('replace-set'), { limit: 2 });
    expect(r.conflicts).toHaveLength(2);
    expect(r.known).toBeGreaterThan(2);
    expect(r.status).toEqual({ kind: 'limit', limit: 2 });
    // Reaching the limit stops the search: whether more exist is left open.
    const s = await findConflicts(stream, rulesOf('upstream'), { limit: 1 });
    expect(sets(s)).toEqual([['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4']]);
    expect(s.status).toEqual({ kind: 'limit', limit: 1 });
  });

  it('answers unknown when the time runs out, keeping what the load matrix proved', async () => {
    const r = await findConflicts(cat, rulesOf('upstream'), { timeoutMs: 1 });
    expect(r.status).toMatchObject({ kind: 'unknown', reason: 'timeout' });
    expect(sets(r)).toEqual([['klp_net', 'klp_fs']]);
    const alone = await findConflicts(cat, rulesOf('upstream'), { ...SOLVER_ONLY, timeoutMs: 1 });
    expect(alone.status).toMatchObject({ kind: 'unknown', reason: 'timeout' });
    expect(sets(alone)).toEqual([]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(findConflicts(cat, rulesOf('upstream'), { limit: 0 })).rejects.toThrow(/limit/);
  });
});

describe('pairwiseOrder', () => {
  it('sorts topologically, ties and cycles by catalog order', () => {
    expect(pairwiseOrder([0, 1, 2], (a, b) => a === 2 && b === 0)).toEqual([1, 2, 0]);
    expect(pairwiseOrder([2, 0, 1], () => false)).toEqual([0, 1, 2]);
    const cycle = (a: number, b: number) => (b - a + 3) % 3 === 1;
    expect(pairwiseOrder([0, 1, 2], cycle)).toEqual([0, 1, 2]);
  });

  it('picks, at each step, the first patch in catalog order that no patch left must follow', () => {
    // The definition, one scan of what is left per pick (cubic): the order must be the same.
    const byDefinition = (set: readonly number[], must: (a: number, b: number) => boolean) => {
      const left = [...set].sort((a, b) => a - b);
      const out: number[] = [];
      while (left.length > 0) {
        const free = left.findIndex((b) => !left.some((a) => a !== b && must(a, b)));
        const [next] = left.splice(Math.max(free, 0), 1);
        if (next !== undefined) out.push(next);
      }
      return out;
    };
    let cycles = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 9 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }))),
        (set, edges) => {
          const rel = new Set(edges.map(([a, b]) => `${a},${b}`));
          const must = (a: number, b: number) => rel.has(`${a},${b}`);
          const expected = byDefinition(set, must);
          if (expected.some((b, i) => expected.slice(i + 1).some((a) => must(a, b)))) cycles++;
          expect(pairwiseOrder(set, must)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
    expect(cycles).toBeGreaterThan(0);
  });
});
