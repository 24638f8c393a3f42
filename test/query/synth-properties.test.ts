// `synth` against brute force, on random small catalogs (at most 4 other patches, at most 2
// states each over ids 1..3, versions 0..3, random block_disable flags, replace sets and
// functions), random initial stacks and both transition modes. The oracle shares no code with
// the synthesis: the explorer (src/explore) lists every configuration the other patches reach,
// and every declaration with versions 0..3 over the universe (the catalog's ids and the fresh
// one) is tried on each with the simulator's `insmod P`. For each choice of `replace`:
// - `found` iff some declaration in range is admitted everywhere; the declaration found is the
//   least of those (`compareDeclarations` is a total order, so it is the very one); the
//   explorer's `provesLoadable` proves it;
// - `none`: the configurations named are reachable, no declaration in range is admitted on all
//   of them, and, when said minimal, on all but any one of them some declaration is;
// - every `needs` entry is a rejection the simulator reproduces.
// Versions above 3 never help here: the rules ask for versions at least as high as installed
// ones, so range 0..3 is exhaustive. Outcomes are counted per rule set: under upstream and
// block-disable a non-cumulative P without states is always admitted and a cumulative P that
// declares every reachable state at the highest version too, so both choices always exist; the
// house rules (test/fixtures/synth/house-rules) make each of `either`, `must`, `must-not` and
// `none` occur, and replace-set (which ignores `replace`) gives `either` and `none`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { explore, provesLoadable } from '../../src/explore/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { installStack, type KernelRules, step } from '../../src/kernel/index.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type KlpState, type Patch, patch } from '../../src/model/patch.ts';
import type { System, TransitionMode } from '../../src/model/system.ts';
import {
  type ChoiceResult,
  compareDeclarations,
  synthesize,
  universeOf,
} from '../../src/query/synth.ts';
import {
  admittedAt,
  decodeDeclaration,
  encodeDeclaration,
  synthPatch,
} from '../../src/query/synth-encode.ts';
import { compileRules } from '../../src/smt/compile.ts';
import { interpretBool } from '../../src/smt/interpret.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 120 : 10;
const TIMEOUT = FULL ? 900_000 : 60_000;
const HOUSE = 'test/fixtures/synth/house-rules/house-rules.klp';
const RULE_SETS = ['upstream', 'block-disable', 'replace-set', HOUSE] as const;
type RuleSetName = (typeof RULE_SETS)[number];

function checked(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind !== 'ok') throw new Error(`rule set \`${name}\` does not load`);
  return r.value;
}

const FUNCTIONS = ['f1', 'f2'].map((name) => ({ object: 'vmlinux', name, sympos: 0 }));

const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 1 }),
      states: fc.uniqueArray(
        fc.record({
          id: fc.constantFrom(1, 2, 3),
          version: fc.integer({ min: 0, max: 3 }),
          blockDisable: fc.boolean(),
        }),
        { maxLength: 2, selector: (s) => s.id },
      ),
      functions: fc.subarray(FUNCTIONS, { maxLength: 1 }),
    })
    .map((p) => patch(name, p));

interface Case {
  readonly cat: Catalog;
  readonly initial: readonly string[];
  readonly transitions: TransitionMode;
}

/** P is the last patch: its functions and replace set count, its states and replace do not. */
const arbAnyCase: fc.Arbitrary<Case> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) =>
    fc.record({
      others: fc.tuple(...Array.from({ length: n }, (_, i) => arbPatch(`p${i}`))),
      target: arbPatch('P'),
      // Stacks make configurations that are not one insmod away: the counterexamples' job.
      initial: fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        {
          weight: 2,
          arbitrary: fc.shuffledSubarray(
            Array.from({ length: n }, (_, i) => `p${i}`),
            { minLength: 1, maxLength: Math.min(2, n) },
          ),
        },
      ),
      transitions: fc.constantFrom<TransitionMode>('auto', 'auto', 'manual'),
    }),
  )
  .map(({ others, target, initial, transitions }) => ({
    cat: catalog([...others, target]),
    initial,
    transitions,
  }));

/**
 * A case whose cheap configurations do not suffice: the installed release `p0` keeps the
 * hotfix `p1` out (its state 1 is at a lower version) until `p0` is disabled, and `p1` brings
 * state 2, which a cumulative P must then declare.
 */
const arbBlockedCase: fc.Arbitrary<Case> = fc
  .record({
    low: fc.integer({ min: 0, max: 2 }),
    two: fc.integer({ min: 0, max: 3 }),
    others: fc.array(fc.nat(), { maxLength: 2 }),
    target: arbPatch('P'),
    transitions: fc.constantFrom<TransitionMode>('auto', 'manual'),
  })
  .chain(({ low, two, others, target, transitions }) =>
    fc.tuple(...others.map((_, i) => arbPatch(`p${i + 2}`))).map((rest) => ({
      cat: catalog([
        patch('p0', { replace: true, states: [{ id: 1, version: 3 }] }),
        patch('p1', {
          states: [
            { id: 1, version: low },
            { id: 2, version: two },
          ],
        }),
        ...rest,
        target,
      ]),
      initial: ['p0'],
      transitions,
    })),
  );

const arbCase: fc.Arbitrary<Case> = fc.oneof(
  { weight: 3, arbitrary: arbAnyCase },
  { weight: 1, arbitrary: arbBlockedCase },
);

function withDecl(cat: Catalog, decl: Patch): Catalog {
  return catalog(cat.patches.map((p) => (p.name === decl.name ? decl : p)));
}

/** Every declaration with at most one entry per id of `ids` and versions 0..3. */
function declarations(base: Patch, ids: readonly bigint[], replace: boolean): Patch[] {
  const out: Patch[] = [];
  const go = (i: number, states: KlpState[]) => {
    const id = ids[i];
    if (id === undefined) {
      out.push({ ...base, replace, states });
      return;
    }
    go(i + 1, states);
    for (let v = 0; v <= 3; v++) go(i + 1, [...states, { id, version: v, blockDisable: false }]);
  };
  go(0, []);
  return out.sort(compareDeclarations);
}

interface Oracle {
  readonly cat0: Catalog;
  readonly bare: Patch;
  readonly all: Readonly<Record<'true' | 'false', readonly Patch[]>>;
  readonly configs: readonly System[];
  readonly admitted: (decl: Patch, on?: readonly System[]) => boolean;
  readonly least: (replace: boolean, on?: readonly System[]) => Patch | null;
  readonly reachable: (sys: System) => boolean;
}

function oracle(c: Case, rules: KernelRules): Oracle | null {
  const base = c.cat.byName.get('P');
  if (base === undefined) throw new Error('no P');
  const bare = { ...base, replace: false, states: [] };
  const cat0 = withDecl(c.cat, bare);
  const stack = installStack(cat0, rules, c.initial, c.transitions);
  if (stack.kind !== 'ok') return null;
  const x = explore(cat0, rules, {
    initial: stack.system,
    transitions: c.transitions,
    exclude: new Set(['P']),
  });
  if (x.status.kind !== 'complete') throw new Error('exploration did not complete');
  const seen = new Set<string>();
  const configs: System[] = [];
  for (const { system } of x.states) {
    const k = `${system.klpPatches.join(',')}|${system.transition?.patch}>${system.transition?.target}`;
    if (seen.has(k)) continue;
    seen.add(k);
    configs.push(system);
  }
  const admitted = (decl: Patch, on: readonly System[] = configs) => {
    const opts = { rules, catalog: withDecl(cat0, decl), transitions: c.transitions } as const;
    return on.every((s) => step(s, { kind: 'insmod', patch: 'P' }, opts).result !== 'EINVAL');
  };
  const ids = universeOf(cat0).ids;
  const all = { true: declarations(bare, ids, true), false: declarations(bare, ids, false) };
  return {
    cat0,
    bare,
    all,
    configs,
    admitted,
    least: (replace, on) => all[`${replace}`].find((d) => admitted(d, on)) ?? null,
    reachable: (sys) => x.indexOf(sys) !== undefined,
  };
}

type Counts = Record<string, number>;
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

function checkChoice(c: ChoiceResult, o: Oracle, cat: Case, rules: KernelRules, counts: Counts) {
  if (c.kind === 'not-asked' || c.kind === 'unknown') {
    throw new Error(`choice ${c.replace}: ${c.kind}`);
  }
  const least = o.least(c.replace);
  if (c.kind === 'found') {
    expect(least).not.toBeNull();
    expect(c.declaration.states.every((s) => s.version <= 3)).toBe(true);
    expect(c.declaration.replace).toBe(c.replace);
    expect(compareDeclarations(c.declaration, least ?? c.declaration)).toBe(0);
    const proved = provesLoadable(withDecl(cat.cat, c.declaration), rules, 'P', {
      transitions: cat.transitions,
      initial: cat.initial,
    });
    expect(proved.kind).toBe('proved');
    for (const n of c.needs) {
      expect(o.reachable(n.without.witness.system)).toBe(true);
      expect(o.admitted(n.without.declaration, [n.without.witness.system])).toBe(false);
      if (n.lower !== null) {
        expect(o.reachable(n.lower.witness.system)).toBe(true);
        expect(o.admitted(n.lower.declaration, [n.lower.witness.system])).toBe(false);
      }
    }
    if (c.candidates > 1) bump(counts, 'counterexample-guided');
    return;
  }
  expect(least).toBeNull();
  const blockers = c.blockers.map((b) => b.witness.system);
  expect(blockers.length).toBeGreaterThan(0);
  for (const s of blockers) expect(o.reachable(s)).toBe(true);
  expect(o.least(c.replace, blockers)).toBeNull();
  if (c.minimal) {
    for (const s of blockers) {
      expect(
        o.least(
          c.replace,
          blockers.filter((b) => b !== s),
        ),
      ).not.toBeNull();
    }
  }
  for (const b of c.blockers) {
    if (b.rejection !== null) {
      expect(o.admitted(b.rejection.declaration, [b.witness.system])).toBe(false);
    }
  }
  bump(counts, `none-of-${c.blockers.length}`);
}

describe('the encoding against the simulator', () => {
  for (const name of RULE_SETS) {
    const rs = checked(name);
    const rules = kernelRules(rs);
    const symbolic = compileRules(rs);
    it(`admittedAt under ${rs.name} is the simulator's insmod P, declaration by declaration`, () => {
      const counts: Counts = {};
      fc.assert(
        fc.property(arbCase, fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (c, picks) => {
          const o = oracle(c, rules);
          if (o === null) return;
          const p = synthPatch(o.bare, universeOf(o.cat0));
          const decls = [...o.all.true, ...o.all.false];
          for (const [i, k] of picks.entries()) {
            const decl = decls[k % decls.length];
            const sys = o.configs[(k + i) % o.configs.length];
            if (decl === undefined || sys === undefined) continue;
            const model = encodeDeclaration(p, decl);
            expect(compareDeclarations(decodeDeclaration(p, model), decl)).toBe(0);
            const term = admittedAt(rs, symbolic, o.cat0, sys, p);
            const simulator = o.admitted(decl, [sys]);
            expect(interpretBool(term, model)).toBe(simulator);
            bump(counts, simulator ? 'admitted' : 'rejected');
          }
        }),
        { numRuns: RUNS * 5, seed: seedOf(name) },
      );
      expect(counts.admitted ?? 0).toBeGreaterThan(0);
      expect(counts.rejected ?? 0).toBeGreaterThan(0);
    });
  }
});

describe('synth against brute force', () => {
  for (const name of RULE_SETS) {
    const rs = checked(name);
    const rules = kernelRules(rs);
    it(
      `the smallest declaration under ${rs.name} is the brute-force least one`,
      async () => {
        const counts: Counts = {};
        await fc.assert(
          fc.asyncProperty(arbCase, async (c) => {
            const o = oracle(c, rules);
            if (o === null) {
              bump(counts, 'initial stack refused');
              return;
            }
            const r = await synthesize({
              catalog: c.cat,
              ruleSet: rs,
              patch: 'P',
              initial: c.initial,
              transitions: c.transitions,
              timeoutMs: 30_000,
            });
            for (const choice of r.choices) checkChoice(choice, o, c, rules, counts);
            expect(r.verdict).not.toBe('unknown');
            bump(counts, r.verdict === 'none' ? 'none' : (r.cumulative ?? 'fixed'));
          }),
          { numRuns: RUNS * 3, seed: seedOf(name) },
        );
        expectOutcomes(name, counts);
      },
      TIMEOUT,
    );
  }
});

/** Fixed seeds: the default runs are the same every time, and each outcome is known to occur. */
function seedOf(name: RuleSetName): number {
  return [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7);
}

function expectOutcomes(name: RuleSetName, counts: Counts): void {
  const seen = (k: string) => (counts[k] ?? 0) > 0;
  switch (name) {
    case 'upstream':
    case 'block-disable':
      for (const k of ['either', 'counterexample-guided']) {
        expect(seen(k), JSON.stringify(counts)).toBe(true);
      }
      for (const k of ['must', 'must-not', 'none'])
        expect(seen(k), JSON.stringify(counts)).toBe(false);
      break;
    case 'replace-set':
      for (const k of ['either', 'none', 'counterexample-guided']) {
        expect(seen(k), JSON.stringify(counts)).toBe(true);
      }
      break;
    case HOUSE:
      for (const k of ['either', 'must', 'must-not', 'none', 'counterexample-guided']) {
        expect(seen(k), JSON.stringify(counts)).toBe(true);
      }
      break;
    default:
      throw new Error(`no expectations for ${name}`);
  }
  console.log(name, JSON.stringify(counts));
}
