/**
 * The oracle checked against the simulator and against itself on random small catalogs (at
 * most 5 patches, at most 3 states each), under the upstream and block-disable rules, in both
 * transition modes: every refutation replays, none is longer than needed (checked by a depth-
 * bounded search and by naive enumeration of every operation sequence), every minimal patch
 * set is minimal, and proved claims survive naive enumeration. Outcomes are counted; the test
 * fails when one never occurred. `KLP_FULL=1` runs many more cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LoadableVerdict,
  minimalPatchSet,
  provesLoadable,
  restrictCatalog,
} from '../../src/explore/index.ts';
import type { KernelRules } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type Patch, patch } from '../../src/model/patch.ts';
import { upstreamRules } from '../support/rules.ts';
import {
  expectRefutes,
  MODES,
  type Mode,
  naiveRefutable,
  shippedRules,
  stackSystem,
} from './helpers.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 1500 : 500;
/** Longest prefix the naive enumeration tries (21 operations per step with 4 other patches). */
const NAIVE_DEPTH = FULL ? 3 : 2;
const NAMES = ['p0', 'p1', 'p2', 'p3', 'p4'];

const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      states: fc.array(
        fc.record({
          id: fc.constantFrom(1, 2),
          version: fc.integer({ min: 0, max: 3 }),
          blockDisable: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
    })
    .map((p) => patch(name, p));

interface Case {
  readonly patches: readonly Patch[];
  readonly target: string;
  readonly initial: readonly string[];
}

const arbAnyCase: fc.Arbitrary<Case> = fc
  .integer({ min: 2, max: NAMES.length })
  .chain((n) => fc.tuple(...NAMES.slice(0, n).map(arbPatch)))
  .chain((patches) =>
    fc
      .record({
        target: fc.constantFrom(...patches.map((p) => p.name)),
        initial: fc.shuffledSubarray(
          patches.map((p) => p.name),
          { maxLength: Math.min(3, patches.length) },
        ),
      })
      .map(({ target, initial }) => ({
        patches,
        target,
        initial: initial.filter((n) => n !== target),
      })),
  );

/**
 * A cumulative patch with high versions installed first, and a target compatible with it:
 * counterexamples then need it disabled (and, with manual transitions, the transition
 * completed) before a culprit loads.
 */
const arbStackedCase: fc.Arbitrary<Case> = fc
  .record({
    installed: fc.array(
      fc.record({ id: fc.constantFrom(1, 2), version: fc.integer({ min: 2, max: 3 }) }),
      { minLength: 1, maxLength: 2 },
    ),
    targetReplace: fc.boolean(),
    others: fc.integer({ min: 1, max: NAMES.length - 2 }),
  })
  .chain(({ installed, targetReplace, others }) =>
    fc.tuple(...NAMES.slice(2, 2 + others).map(arbPatch)).map(
      (rest): Case => ({
        patches: [
          patch('p0', { replace: true, states: installed }),
          patch('p1', { replace: targetReplace, states: installed }),
          ...rest,
        ],
        target: 'p1',
        initial: ['p0'],
      }),
    ),
  );

const arbCase = fc.oneof(arbAnyCase, arbStackedCase);

type Counts = Map<string, number>;

function bump(counts: Counts, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Checks one verdict every way the oracle can be checked; returns it for cross-mode checks. */
function checkCase(
  c: Case,
  rules: KernelRules,
  mode: Mode,
  counts: Counts,
): LoadableVerdict['kind'] {
  const cat = catalog(c.patches);
  const opts = { transitions: mode, initial: c.initial } as const;
  const v = provesLoadable(cat, rules, c.target, opts);
  bump(counts, `${mode}:${v.kind}`);
  if (v.kind === 'error' || v.kind === 'unknown') return v.kind;
  const from = stackSystem(cat, rules, c.initial, mode);

  if (v.kind === 'proved') {
    expect(naiveRefutable(cat, rules, mode, from, c.target, Math.min(NAIVE_DEPTH, v.depth))).toBe(
      false,
    );
    return v.kind;
  }

  // Replays on the simulator, ending in EINVAL for insmod P.
  expectRefutes(cat, rules, mode, from, v.path, c.target);
  const steps = v.path.length - 1; // operations before insmod P
  bump(counts, `refuted-after:${Math.min(steps, 3)}`);
  if (v.before.transition !== null) bump(counts, 'refuted-mid-transition');
  // No shorter path: nothing within steps - 1 operations, by search and by enumeration.
  if (steps >= 1) {
    const cut = provesLoadable(cat, rules, c.target, { ...opts, maxDepth: steps - 1 });
    expect(cut.kind === 'unknown' && cut.depth).toBe(steps - 1);
    if (steps - 1 <= NAIVE_DEPTH) {
      expect(naiveRefutable(cat, rules, mode, from, c.target, steps - 1)).toBe(false);
    }
  }

  // The minimal patch set refutes, and dropping any one of its patches proves the claim.
  const m = minimalPatchSet(cat, rules, c.target, opts);
  if (m.kind !== 'minimal') throw new Error(`expected a minimal set, got ${m.kind}`);
  expect(m.undecided).toEqual([]);
  bump(counts, `minimal-size:${Math.min(m.patches.length, 2)}`);
  const fixed = [c.target, ...c.initial];
  const on = (names: readonly string[]): Catalog => restrictCatalog(cat, new Set(names));
  const sub = provesLoadable(on([...fixed, ...m.patches]), rules, c.target, opts);
  expect(sub.kind).toBe('refuted');
  expect(sub.kind === 'refuted' && sub.path).toEqual(m.path);
  expectRefutes(on([...fixed, ...m.patches]), rules, mode, from, m.path, c.target);
  for (const drop of m.patches) {
    const rest = m.patches.filter((n) => n !== drop);
    expect(provesLoadable(on([...fixed, ...rest]), rules, c.target, opts).kind, drop).toBe(
      'proved',
    );
  }
  return v.kind;
}

function missing(counts: Counts, expected: readonly string[]): string[] {
  return expected.filter((k) => (counts.get(k) ?? 0) === 0);
}

describe('the loadability oracle on random small catalogs', () => {
  it('upstream rules: refutations replay and are shortest, minimal sets are minimal', () => {
    const counts: Counts = new Map();
    fc.assert(
      fc.property(arbCase, (c) => {
        const kinds = MODES.map((mode) => checkCase(c, upstreamRules, mode, counts));
        // klp_is_patch_compatible() is a conjunction over installed patches, and every patch on
        // klp_patches mid-transition was installed in a steady configuration before: the
        // transition mode never changes the verdict.
        expect(kinds[0]).toBe(kinds[1]);
      }),
      { numRuns: RUNS, seed: 20260601 },
    );
    expect(
      missing(counts, [
        'auto:proved',
        'auto:refuted',
        'manual:proved',
        'manual:refuted',
        'auto:error',
        'refuted-after:0',
        'refuted-after:1',
        'refuted-after:2',
        'refuted-after:3',
        'refuted-mid-transition',
        'minimal-size:0',
        'minimal-size:1',
      ]),
    ).toEqual([]);
  });

  it('block-disable rules: refutations replay and are shortest, minimal sets are minimal', () => {
    const rules = shippedRules('block-disable');
    const counts: Counts = new Map();
    fc.assert(
      fc.property(arbCase, (c) => {
        for (const mode of MODES) checkCase(c, rules, mode, counts);
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: 20260602 },
    );
    expect(
      missing(counts, [
        'auto:proved',
        'auto:refuted',
        'manual:proved',
        'manual:refuted',
        'refuted-after:0',
        'refuted-after:1',
        'refuted-mid-transition',
        'minimal-size:0',
        'minimal-size:1',
      ]),
    ).toEqual([]);
  });
});
