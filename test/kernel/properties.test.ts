/**
 * Invariants of the simulator over random catalogs and random operation sequences, in both
 * transition modes. Every outcome the properties talk about is counted, and the test fails when
 * one never occurred: a property that never saw an EBUSY insmod says nothing about it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KernelRules, type StepOutcome, step } from '../../src/kernel/index.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import type { Op, OpKind } from '../../src/model/op.ts';
import { type Patch, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System, type TransitionMode } from '../../src/model/system.ts';
import { replaceRules, upstreamRules } from '../support/rules.ts';
import { options } from './helpers.ts';

const NAMES = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      states: fc.array(
        fc.record({ id: fc.constantFrom(1, 2, 3), version: fc.integer({ min: 0, max: 3 }) }),
        { maxLength: 3 },
      ),
    })
    .map((p) => patch(name, p));

const arbCatalog: fc.Arbitrary<Patch[]> = fc
  .integer({ min: 1, max: NAMES.length })
  .chain((n) => fc.tuple(...NAMES.slice(0, n).map(arbPatch)));

const KINDS: ReadonlyArray<{ weight: number; arbitrary: fc.Arbitrary<OpKind> }> = [
  { weight: 5, arbitrary: fc.constant('insmod') },
  { weight: 3, arbitrary: fc.constant('rmmod') },
  { weight: 2, arbitrary: fc.constant('enable') },
  { weight: 3, arbitrary: fc.constant('disable') },
  { weight: 2, arbitrary: fc.constant('force') },
  { weight: 6, arbitrary: fc.constant('complete') },
];

/**
 * Operations come in bursts on one patch (e.g. insmod, complete, disable, force, rmmod), so a
 * module's whole life fits in a run; bursts on different patches interleave its transitions.
 */
const arbOps = (names: readonly string[]): fc.Arbitrary<Op[]> =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...names),
        fc.array(fc.oneof(...KINDS), { minLength: 1, maxLength: 5 }),
      ),
      { minLength: 1, maxLength: 15 },
    )
    .map((bursts) =>
      bursts.flatMap(([patch, kinds]) =>
        kinds.map((kind): Op => (kind === 'complete' ? { kind } : { kind, patch })),
      ),
    );

const arbScenario = arbCatalog.chain((patches) =>
  fc.record({ patches: fc.constant(patches), ops: arbOps(patches.map((p) => p.name)) }),
);

type Counts = Map<string, number>;

function bump(counts: Counts, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function unique(list: readonly string[]): boolean {
  return new Set(list).size === list.length;
}

/** Checks one step against every invariant and counts what happened. */
function checkStep(
  before: System,
  out: StepOutcome,
  cat: Catalog,
  mode: TransitionMode,
  counts: Counts,
): void {
  const { op, result, system: after } = out;
  bump(counts, `${op.kind}:${result}`);

  // No patch twice on klp_patches; klp_patches (and forced modules) are loaded modules.
  expect(unique(after.klpPatches)).toBe(true);
  expect(unique(after.loaded)).toBe(true);
  for (const p of after.klpPatches) expect(after.loaded).toContain(p);
  for (const p of after.forced) expect(after.loaded).toContain(p);
  // At most one transition, of a patch on klp_patches; none left over in auto mode.
  if (after.transition !== null) expect(after.klpPatches).toContain(after.transition.patch);
  if (mode === 'auto') expect(after.transition).toBeNull();
  // Forced is forever.
  for (const p of before.forced) expect(after.forced).toContain(p);

  // A failed operation changes nothing and ends with the user-space error line.
  if (result !== 'ok') {
    expect(after).toEqual(before);
    expect(out.log.at(-1)).toMatch(/^(insmod|rmmod|bash): /);
  }
  if (op.kind !== 'complete') expect(out.log[0]).toMatch(/^% /);
  // The rules were asked and said no exactly for an EINVAL insmod (upstream never guards disable).
  expect(out.verdict !== null).toBe(op.kind === 'insmod' && result === 'EINVAL');

  // rmmod never removes a module on klp_patches or a forced one.
  if (op.kind === 'rmmod' && result === 'ok') {
    expect(before.klpPatches).not.toContain(op.patch);
    expect(before.forced).not.toContain(op.patch);
  }
  if (op.kind === 'rmmod' && result === 'EBUSY' && before.forced.includes(op.patch)) {
    if (!before.klpPatches.includes(op.patch)) bump(counts, 'rmmod:EBUSY-forced-only');
  }

  // After a replace patch completes patching, no patch that preceded it on klp_patches remains.
  for (const line of out.log) {
    const m = /^livepatch: '(\w+)': patching complete$/.exec(line);
    const done = m?.[1] === undefined ? undefined : cat.byName.get(m[1]);
    if (done?.replace) {
      expect(after.klpPatches.indexOf(done.name)).toBe(0);
      const removed = before.klpPatches.filter((p) => !after.klpPatches.includes(p));
      if (removed.some((p) => p !== done.name)) bump(counts, 'replace-removed-earlier');
    }
    if (/reversing transition from patching to unpatching/.test(line)) bump(counts, 'reverse:p>u');
    if (/reversing transition from unpatching to patching/.test(line)) bump(counts, 'reverse:u>p');
  }
  if (after.forced.length > before.forced.length) bump(counts, `force-marked:${op.kind}`);
}

function explore(rules: KernelRules, mode: TransitionMode, numRuns: number): Counts {
  const counts: Counts = new Map();
  fc.assert(
    fc.property(arbScenario, ({ patches, ops }) => {
      const opts = options(patches, mode, rules);
      let sys = EMPTY_SYSTEM;
      for (const op of ops) {
        const out = step(sys, op, opts);
        checkStep(sys, out, opts.catalog, mode, counts);
        sys = out.system;
      }
    }),
    { numRuns, seed: 20260526 },
  );
  return counts;
}

function missing(counts: Counts, expected: readonly string[]): string[] {
  return expected.filter((k) => (counts.get(k) ?? 0) === 0);
}

describe('simulator invariants over random catalogs and operations (upstream rules)', () => {
  it('auto transitions', () => {
    const counts = explore(upstreamRules, 'auto', 400);
    expect(
      missing(counts, [
        'insmod:ok',
        'insmod:EEXIST',
        'insmod:EINVAL',
        'rmmod:ok',
        'rmmod:ENOENT',
        'rmmod:EBUSY',
        'enable:ENOENT',
        'enable:EINVAL',
        'disable:ok',
        'disable:ENOENT',
        'force:ENOENT',
        'force:EINVAL',
        'complete:ok',
        'replace-removed-earlier',
      ]),
    ).toEqual([]);
    // In auto mode nothing is ever pending, so these cannot happen.
    for (const k of ['insmod:EBUSY', 'disable:EBUSY', 'disable:EINVAL', 'enable:ok', 'force:ok']) {
      expect(counts.get(k) ?? 0, k).toBe(0);
    }
  });

  it('manual transitions', () => {
    const counts = explore(upstreamRules, 'manual', 500);
    expect(
      missing(counts, [
        'insmod:ok',
        'insmod:EEXIST',
        'insmod:EINVAL',
        'insmod:EBUSY',
        'rmmod:ok',
        'rmmod:ENOENT',
        'rmmod:EBUSY',
        'rmmod:EBUSY-forced-only',
        'enable:ok',
        'enable:ENOENT',
        'enable:EINVAL',
        'disable:ok',
        'disable:ENOENT',
        'disable:EINVAL',
        'disable:EBUSY',
        'force:ok',
        'force:ENOENT',
        'force:EINVAL',
        'complete:ok',
        'replace-removed-earlier',
        'reverse:p>u',
        'reverse:u>p',
        'force-marked:force',
      ]),
    ).toEqual([]);
    // enable never meets EBUSY: the only enabled_store path to it is a disable.
    expect(counts.get('enable:EBUSY') ?? 0).toBe(0);
    // Only force marks patches forced.
    for (const k of ['insmod', 'rmmod', 'enable', 'disable', 'complete']) {
      expect(counts.get(`force-marked:${k}`) ?? 0, k).toBe(0);
    }
  });
});

describe('simulator invariants under the 5.1-5.4 replace rules', () => {
  it('hold in both modes, and no insmod is ever rejected by the rules', () => {
    for (const mode of ['auto', 'manual'] as const) {
      const counts = explore(replaceRules, mode, 150);
      expect(counts.get('insmod:EINVAL') ?? 0).toBe(0);
      expect(missing(counts, ['insmod:ok', 'insmod:EEXIST', 'replace-removed-earlier'])).toEqual(
        [],
      );
    }
  });
});
