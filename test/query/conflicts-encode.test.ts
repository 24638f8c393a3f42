/**
 * The rollout encodings against the simulator, on random small catalogs under the upstream,
 * replace-set and block-disable rules: a fixed order restricted to a selection fails exactly
 * when the simulator refuses one of its insmods (by evaluating the term, no solver), and the
 * free-order encoding pinned to a selection and an order is satisfiable exactly when that order
 * loads (by Z3). Outcomes are counted: each side must occur.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { type KernelRules, run } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type Patch, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { fixedOrderFails, symbolicRollout } from '../../src/query/conflicts-encode.ts';
import { compileRules } from '../../src/smt/compile.ts';
import { boolVar, bv, eq, not } from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import { POS_WIDTH } from '../../src/smt/symbolic.ts';
import { check } from '../../src/smt/z3/index.ts';

const RULE_SETS = ['upstream', 'replace-set', 'block-disable'] as const;
const compiled = new Map(
  RULE_SETS.map((name) => {
    const r = loadRuleSet(name);
    if (r.kind === 'error') throw new Error(`rule set ${name} does not load`);
    return [name, { kernel: kernelRules(r.value), symbolic: compileRules(r.value) }] as const;
  }),
);

const NAMES = ['a', 'b', 'c', 'd', 'e'];
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

type RuleSetName = (typeof RULE_SETS)[number];

interface Case {
  readonly patches: readonly Patch[];
  readonly selected: readonly boolean[];
  readonly order: readonly number[];
  readonly rules: RuleSetName;
}

/** A random catalog, a selection of it and an order of the whole catalog. */
const arbRandomCase: fc.Arbitrary<Case> = fc.integer({ min: 2, max: NAMES.length }).chain((n) =>
  fc.record({
    patches: fc.tuple(...NAMES.slice(0, n).map(arbPatch)),
    selected: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    order: fc.shuffledSubarray(
      NAMES.slice(0, n).map((_, i) => i),
      { minLength: n, maxLength: n },
    ),
    rules: fc.constantFrom(...RULE_SETS),
  }),
);

/**
 * Three patches where one replaces another that is in the way of the third, plus random ones:
 * `old`, `new`, `next` loads only because `new` replaced `old`. Under replace-set `old` and
 * `next` patch one function from different sets; under block-disable `old` carries a
 * block_disable state that `new` keeps without the flag and `next` lacks.
 */
const arbHandoverCase: fc.Arbitrary<Case> = fc
  .record({
    rules: fc.constantFrom<RuleSetName>('replace-set', 'block-disable'),
    extras: fc.tuple(arbPatch('d'), arbPatch('e')),
    extraSelected: fc.tuple(fc.boolean(), fc.boolean()),
    order: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
  })
  .map(({ rules, extras, extraSelected, order }) => {
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
    return {
      patches: [...planted, ...extras],
      selected: [true, true, true, ...extraSelected],
      order,
      rules,
    };
  });

const arbCase = fc.oneof(arbRandomCase, arbHandoverCase);

function rulesNamed(name: RuleSetName) {
  const r = compiled.get(name);
  if (r === undefined) throw new Error(`no rule set ${name}`);
  return r;
}

/** The same rules with replacement switched off: what an encoding that forgot it would say. */
function withoutReplacement(rules: KernelRules): KernelRules {
  return { ...rules, replaces: () => false };
}

/** The order restricted to the selection, loaded on the simulator. */
function simulate(
  cat: Catalog,
  rules: KernelRules,
  order: readonly number[],
  selected: readonly boolean[],
): boolean {
  const names = order.filter((i) => selected[i]).map((i) => cat.patches[i]?.name ?? '');
  const { outcomes } = run(
    EMPTY_SYSTEM,
    names.map((patch) => ({ kind: 'insmod', patch }) as const),
    { rules, catalog: cat, transitions: 'auto' },
  );
  return outcomes.every((o) => o.result === 'ok');
}

type Seen = { loads: number; fails: number; rescued: number };

/** Counts the outcome; `rescued`: the order loads only because a patch replaced another. */
function count(
  seen: Seen,
  cat: Catalog,
  name: RuleSetName,
  order: readonly number[],
  selected: readonly boolean[],
): boolean {
  const kernel = rulesNamed(name).kernel;
  const loads = simulate(cat, kernel, order, selected);
  seen[loads ? 'loads' : 'fails']++;
  if (loads && !simulate(cat, withoutReplacement(kernel), order, selected)) seen.rescued++;
  return loads;
}

describe('a fixed order', () => {
  it('fails exactly when the simulator refuses an insmod of it', () => {
    const seen: Seen = { loads: 0, fails: 0, rescued: 0 };
    fc.assert(
      fc.property(arbCase, ({ patches, selected, order, rules }) => {
        const cat = catalog(patches);
        const sel = patches.map((_, i) => boolVar(`s.${i}`));
        const term = fixedOrderFails(cat, rulesNamed(rules).symbolic, order, sel);
        if (term === null) throw new Error('no deadline was given');
        const values = new Map(selected.map((v, i) => [`s.${i}`, v]));
        const loads = count(seen, cat, rules, order, selected);
        expect(interpretBool(term, values)).toBe(!loads);
      }),
      { numRuns: 400, seed: 20_260_611 },
    );
    expect(seen.loads).toBeGreaterThan(0);
    expect(seen.fails).toBeGreaterThan(0);
    expect(seen.rescued).toBeGreaterThan(0);
  });
});

describe('the free order', () => {
  it('pinned to a selection and an order, is satisfiable exactly when that order loads', async () => {
    const seen: Seen = { loads: 0, fails: 0, rescued: 0 };
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ patches, selected, order, rules }) => {
        const cat = catalog(patches);
        const r = symbolicRollout(cat, rulesNamed(rules).symbolic, 'r.');
        const pins = patches.flatMap((_, i) => {
          const s = r.selected[i];
          const p = r.position[i];
          if (s === undefined || p === undefined) return [];
          return [
            { name: `sel${i}`, term: selected[i] ? s : not(s) },
            { name: `pos${i}`, term: eq(p, bv(order.indexOf(i), POS_WIDTH)) },
          ];
        });
        const constraints = r.constraints.map((term, i) => ({ name: `c${i}`, term }));
        const answer = await check([...constraints, ...pins], { timeoutMs: 10_000 });
        const loads = count(seen, cat, rules, order, selected);
        expect(answer.kind).toBe(loads ? 'sat' : 'unsat');
      }),
      { numRuns: 120, seed: 20_260_612 },
    );
    expect(seen.loads).toBeGreaterThan(0);
    expect(seen.fails).toBeGreaterThan(0);
    expect(seen.rescued).toBeGreaterThan(0);
  });
});
