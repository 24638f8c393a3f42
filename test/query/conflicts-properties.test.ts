/**
 * `findConflicts` against brute force on random small catalogs (at most 5 patches, at most 3
 * states each) under the upstream, replace-set and block-disable rules: the conflicts reported
 * are exactly the sets that no order loads while every proper subset loads in some order,
 * found by trying every subset and every order on the simulator. Runs with the simulator
 * shortcuts on and off. Besides purely random catalogs, two planted shapes make the rare cases
 * common: a ring of hotfixes (conflicts of three patches that no pair shows) and a patch that
 * replaces another in the way of a third (a conflict inside a set that loads). Outcomes are
 * counted; the test fails when one never occurred. `KLP_FULL=1` runs many more cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { type KernelRules, run } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type Patch, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { type ConflictRules, findConflicts } from '../../src/query/conflicts.ts';
import { compileRules } from '../../src/smt/compile.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 1_000 : 160;

const RULE_SETS = ['upstream', 'replace-set', 'block-disable'] as const;
type RuleSetName = (typeof RULE_SETS)[number];
const compiled = new Map(
  RULE_SETS.map((name) => {
    const r = loadRuleSet(name);
    if (r.kind === 'error') throw new Error(`rule set ${name} does not load`);
    return [name, { kernel: kernelRules(r.value), symbolic: compileRules(r.value) }] as const;
  }),
);

function rulesNamed(name: RuleSetName): ConflictRules {
  const r = compiled.get(name);
  if (r === undefined) throw new Error(`no rule set ${name}`);
  return r;
}

const FUNCTIONS = [
  { object: 'vmlinux', name: 'f', sympos: 0 },
  { object: 'vmlinux', name: 'g', sympos: 0 },
];

const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 1 }),
      states: fc.array(
        fc.record({
          id: fc.constantFrom(1, 2, 3),
          version: fc.integer({ min: 0, max: 3 }),
          blockDisable: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      functions: fc.subarray(FUNCTIONS),
    })
    .map((p) => patch(name, p));

interface Case {
  readonly patches: readonly Patch[];
  readonly rules: RuleSetName;
}

const arbRandom: fc.Arbitrary<Case> = fc.record({
  patches: fc
    .integer({ min: 1, max: 5 })
    .chain((n) => fc.tuple(...['a', 'b', 'c', 'd', 'e'].slice(0, n).map(arbPatch))),
  rules: fc.constantFrom(...RULE_SETS),
});

/**
 * Hotfixes r0, r1, r2 where r_k carries state k+1 at a high version and state k+2 (mod 3) at a
 * low one: when each low version is below its neighbour's high one, each pair loads in one
 * order only and the orders form a ring. Versions, flags and extra patches vary.
 */
const arbRing: fc.Arbitrary<Case> = fc
  .record({
    high: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 1, max: 3 }))),
    low: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 0, max: 2 }))),
    cumulative: fc.integer({ min: 0, max: 4 }),
    extras: fc.array(arbPatch('x'), { maxLength: 2 }),
  })
  .map(({ high, low, cumulative, extras }) => {
    const ring = [0, 1, 2].map((k) =>
      patch(`r${k}`, {
        // Now and then one member is cumulative: the ring may then load, or not.
        replace: cumulative === k,
        states: [
          { id: k + 1, version: high[k] ?? 1 },
          { id: ((k + 1) % 3) + 1, version: low[k] ?? 0 },
        ],
      }),
    );
    const named = extras.map((p, i) => ({ ...p, name: `x${i}` }));
    return { patches: [...ring, ...named], rules: 'upstream' as const };
  });

/**
 * `old`, `new`, `next`: `new` replaces `old`, which is in the way of `next` (replace-set: a
 * function patched from another set; block-disable: a block_disable state `next` lacks). The
 * pair {old, next} is a conflict, the three together load.
 */
const arbHandover: fc.Arbitrary<Case> = fc
  .record({
    rules: fc.constantFrom<RuleSetName>('replace-set', 'block-disable'),
    extras: fc.array(arbPatch('x'), { maxLength: 2 }),
  })
  .map(({ rules, extras }) => {
    const f = FUNCTIONS[0] ?? { object: 'vmlinux', name: 'f', sympos: 0 };
    const planted =
      rules === 'replace-set'
        ? [
            patch('old', { replaceSet: 1, functions: [f] }),
            patch('new', { replaceSet: 1 }),
            patch('next', { replaceSet: 2, functions: [f] }),
          ]
        : [
            patch('old', { replace: true, states: [{ id: 1, blockDisable: true }] }),
            patch('new', { replace: true, states: [{ id: 1 }] }),
            patch('next', { replace: true, states: [{ id: 2 }] }),
          ];
    const named = extras.map((p, i) => ({ ...p, name: `x${i}` }));
    return { patches: [...planted, ...named], rules };
  });

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

function loads(cat: Catalog, rules: KernelRules, order: readonly string[]): boolean {
  const { outcomes } = run(
    EMPTY_SYSTEM,
    order.map((patch) => ({ kind: 'insmod', patch }) as const),
    { rules, catalog: cat, transitions: 'auto' },
  );
  return outcomes.every((o) => o.result === 'ok');
}

/**
 * Every subset, every order, on the simulator: the sets no order loads while every proper
 * subset loads in some order, and whether some such set lies inside a set that loads.
 */
function bruteForce(cat: Catalog, rules: KernelRules): { minimal: string[][]; rescued: boolean } {
  const names = cat.patches.map((p) => p.name);
  const n = names.length;
  const members = (mask: number) => names.filter((_, i) => (mask & (1 << i)) !== 0);
  const rollable: boolean[] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    rollable[mask] = permutations(members(mask)).some((o) => loads(cat, rules, o));
  }
  const minimal: number[] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    if (rollable[mask]) continue;
    let isMinimal = true;
    for (let sub = (mask - 1) & mask; sub > 0; sub = (sub - 1) & mask) {
      if (!rollable[sub]) isMinimal = false;
    }
    if (isMinimal) minimal.push(mask);
  }
  const rescued = minimal.some((m) =>
    rollable.some((ok, sup) => ok && sup !== m && (sup & m) === m),
  );
  return { minimal: minimal.map(members), rescued };
}

const key = (sets: readonly (readonly string[])[]) => sets.map((s) => s.join(',')).sort();

describe('conflicts against brute force', () => {
  it('reports exactly the minimal sets that no order loads', async () => {
    const seen = {
      none: 0,
      some: 0,
      size2: 0,
      size3plus: 0,
      rescued: 0,
      solverOnly: 0,
      byRules: new Map<RuleSetName, number>(),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: arbRandom, weight: 3 }, arbRing, arbHandover),
        fc.boolean(),
        async ({ patches, rules }, shortcuts) => {
          const cat = catalog(patches);
          const r = rulesNamed(rules);
          const expected = bruteForce(cat, r.kernel);
          const report = await findConflicts(cat, r, {
            limit: 100,
            ...(shortcuts
              ? {}
              : {
                  tactics: { seedFromMatrix: false, simulateFirst: false, pairwiseOrders: false },
                }),
          });
          expect(report.status).toEqual({ kind: 'complete' });
          expect(key(report.conflicts.map((c) => c.patches))).toEqual(key(expected.minimal));
          // Every failing order replays, and every order of a small conflict is accounted for.
          for (const c of report.conflicts) {
            for (const f of c.explained.failing) {
              expect(loads(cat, r.kernel, f.prefix.slice(0, -1))).toBe(true);
              expect(loads(cat, r.kernel, f.prefix)).toBe(false);
              // The rejection is the simulator's at the end of that prefix (pairs and single
              // patches are explained from the load matrix, larger sets by a new replay).
              const before = run(
                EMPTY_SYSTEM,
                f.prefix.slice(0, -1).map((patch) => ({ kind: 'insmod', patch }) as const),
                { rules: r.kernel, catalog: cat, transitions: 'auto' },
              ).final;
              const last = run(before, [{ kind: 'insmod', patch: f.prefix.at(-1) ?? '' }], {
                rules: r.kernel,
                catalog: cat,
                transitions: 'auto',
              }).outcomes[0];
              expect(f.rejection.patch).toBe(f.prefix.at(-1));
              expect(f.rejection.klpPatches).toEqual(before.klpPatches);
              expect(f.rejection.errno).toBe(last?.result);
            }
            // Without any one member, the rest loads in the order given.
            expect(c.withoutOne.map((w) => w.without)).toEqual(c.patches);
            for (const w of c.withoutOne) {
              expect([...w.order].sort()).toEqual(c.patches.filter((p) => p !== w.without).sort());
              expect(loads(cat, r.kernel, w.order)).toBe(true);
            }
            if (c.explained.kind !== 'every-order') continue;
            const covered = permutations(c.patches).every(
              (o) =>
                c.explained.failing.filter((f) => f.prefix.every((p, i) => o[i] === p)).length ===
                1,
            );
            expect(covered).toBe(true);
          }
          seen[expected.minimal.length === 0 ? 'none' : 'some']++;
          if (expected.minimal.some((m) => m.length === 2)) seen.size2++;
          if (expected.minimal.some((m) => m.length >= 3)) seen.size3plus++;
          if (expected.rescued) seen.rescued++;
          if (!shortcuts) seen.solverOnly++;
          seen.byRules.set(rules, (seen.byRules.get(rules) ?? 0) + 1);
        },
      ),
      { numRuns: RUNS, seed: 20_260_613 },
    );
    expect(seen.none).toBeGreaterThan(0);
    expect(seen.some).toBeGreaterThan(0);
    expect(seen.size2).toBeGreaterThan(0);
    expect(seen.size3plus).toBeGreaterThan(0);
    expect(seen.rescued).toBeGreaterThan(0);
    expect(seen.solverOnly).toBeGreaterThan(0);
    for (const name of RULE_SETS) expect(seen.byRules.get(name) ?? 0).toBeGreaterThan(0);
  });
});
