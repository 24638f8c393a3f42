/**
 * Function ownership (src/kernel/func-stack.ts): which patch's code runs for every patched
 * function, checked against the kernel's own selftest, a few hand-made stacks, and an
 * independent event-by-event reading of patch.c/transition.c (test/support/func-stack-oracle.ts)
 * on random plans with overlapping functions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  catalogFunctions,
  functionOwners,
  type KernelRules,
  klpFuncStacks,
  type SimOptions,
  step,
} from '../../src/kernel/index.ts';
import type { Op, OpKind } from '../../src/model/op.ts';
import { funcKey, type KlpFunc, type Patch, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System, type TransitionMode } from '../../src/model/system.ts';
import { FuncStackOracle } from '../support/func-stack-oracle.ts';
import { replaceSetRules, upstreamRules } from '../support/rules.ts';
import { complete, disable, enable, insmod, options, setup } from './helpers.ts';

const vmlinux = (name: string, sympos = 0): KlpFunc => ({ object: 'vmlinux', name, sympos });

/** Owner per function (`name`, or `name,sympos`), for tasks in the patched and unpatched state. */
function owners(sys: System, opts: SimOptions): Record<string, [string | null, string | null]> {
  return Object.fromEntries(
    functionOwners(sys, opts).map((o) => [
      o.func.sympos === 0 ? o.func.name : `${o.func.name},${o.func.sympos}`,
      [o.patched, o.unpatched],
    ]),
  );
}

// tools/testing/selftests/livepatch/test_modules: test_klp_livepatch.c patches
// cmdline_proc_show, test_klp_atomic_replace.c patches meminfo_proc_show.
const selftest = [
  patch('test_klp_livepatch', { functions: [vmlinux('cmdline_proc_show')] }),
  patch('test_klp_atomic_replace', { replace: true, functions: [vmlinux('meminfo_proc_show')] }),
];

describe('test-livepatch.sh "atomic replace livepatch"', () => {
  it('the replace reverts cmdline_proc_show to the original code; disabling it reverts meminfo_proc_show', () => {
    const opts = options(selftest);
    // % modprobe test_klp_livepatch: /proc/cmdline says "test_klp_livepatch: this has been live patched"
    const s1 = setup(opts, [insmod('test_klp_livepatch')]);
    expect(owners(s1, opts)).toEqual({
      cmdline_proc_show: ['test_klp_livepatch', 'test_klp_livepatch'],
      meminfo_proc_show: [null, null],
    });
    // % modprobe test_klp_atomic_replace replace=1: only /proc/meminfo is live patched
    const s2 = step(s1, insmod('test_klp_atomic_replace'), opts).system;
    expect(owners(s2, opts)).toEqual({
      cmdline_proc_show: [null, null],
      meminfo_proc_show: ['test_klp_atomic_replace', 'test_klp_atomic_replace'],
    });
    // % echo 0 > .../test_klp_atomic_replace/enabled: neither is live patched any more
    const s3 = step(s2, disable('test_klp_atomic_replace'), opts).system;
    expect(owners(s3, opts)).toEqual({
      cmdline_proc_show: [null, null],
      meminfo_proc_show: [null, null],
    });
  });

  it('while the replace is pending, cmdline_proc_show is mixed: a nop above test_klp_livepatch', () => {
    const opts = options(selftest, 'manual');
    const s1 = setup(opts, [insmod('test_klp_livepatch'), complete]);
    const s2 = step(s1, insmod('test_klp_atomic_replace'), opts).system;
    const stacks = klpFuncStacks(s2, opts);
    expect(stacks.find((o) => o.func.name === 'cmdline_proc_show')?.funcStack).toEqual([
      { patch: 'test_klp_atomic_replace', nop: true, transition: true },
      { patch: 'test_klp_livepatch', nop: false, transition: false },
    ]);
    expect(owners(s2, opts).cmdline_proc_show).toEqual([null, 'test_klp_livepatch']);
    // Reversed: the nop stays until the unpatching completes; then test_klp_livepatch again.
    const s3 = step(s2, disable('test_klp_atomic_replace'), opts).system;
    expect(owners(s3, opts).cmdline_proc_show).toEqual([null, 'test_klp_livepatch']);
    const s4 = step(s3, complete, opts).system;
    expect(owners(s4, opts)).toEqual({
      cmdline_proc_show: ['test_klp_livepatch', 'test_klp_livepatch'],
      meminfo_proc_show: [null, null],
    });
    // Completed: the nop is discarded with the replaced patch.
    const s5 = step(s2, complete, opts).system;
    expect(klpFuncStacks(s5, opts).map((o) => o.func.name)).toEqual(['meminfo_proc_show']);
  });
});

describe('func_stack order', () => {
  it('a non-cumulative patch stacks on top; disabling the lower one leaves the upper owner', () => {
    const opts = options([
      patch('a', { functions: [vmlinux('f'), vmlinux('g')] }),
      patch('b', { functions: [vmlinux('f'), vmlinux('f', 2)] }),
    ]);
    const s = setup(opts, [insmod('a'), insmod('b')]);
    expect(functionOwners(s, opts).map((o) => [funcKey(o.func), o.patched, o.unpatched])).toEqual([
      ['vmlinux:f,0', 'b', 'b'],
      ['vmlinux:g,0', 'a', 'a'],
      ['vmlinux:f,2', 'b', 'b'],
    ]);
    const t = setup(opts, [insmod('a'), insmod('b'), disable('b')]);
    expect(owners(t, opts)).toEqual({ f: ['a', 'a'], g: ['a', 'a'], 'f,2': [null, null] });
  });

  it('a module object counts as loaded: its functions are patched like vmlinux ones', () => {
    const f: KlpFunc = { object: 'nf_tables', name: 'nft_set_elem_expr_alloc', sympos: 0 };
    const opts = options([patch('a', { functions: [f] })]);
    const s = setup(opts, [insmod('a')]);
    expect(functionOwners(s, opts).map((o) => o.patched)).toEqual(['a']);
  });

  it('every catalog function appears once, in catalog then declaration order', () => {
    const opts = options([
      patch('a', { functions: [vmlinux('g'), vmlinux('f')] }),
      patch('b', { functions: [vmlinux('f'), vmlinux('h')] }),
    ]);
    expect(catalogFunctions(opts).map((f) => f.name)).toEqual(['g', 'f', 'h']);
  });
});

// --- random plans against the independent reading -------------------------------------------

const FUNCS: readonly KlpFunc[] = [
  vmlinux('f'),
  vmlinux('f', 2),
  vmlinux('g'),
  { object: 'ext4', name: 'f', sympos: 0 },
];
const NAMES = ['p0', 'p1', 'p2', 'p3', 'p4'];

const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 1 }),
      functions: fc.subarray([...FUNCS], { minLength: 0, maxLength: 3 }),
    })
    .map((p) => patch(name, p));

const KINDS: ReadonlyArray<{ weight: number; arbitrary: fc.Arbitrary<OpKind> }> = [
  { weight: 6, arbitrary: fc.constant('insmod') },
  { weight: 2, arbitrary: fc.constant('rmmod') },
  { weight: 2, arbitrary: fc.constant('enable') },
  { weight: 3, arbitrary: fc.constant('disable') },
  { weight: 1, arbitrary: fc.constant('force') },
  { weight: 5, arbitrary: fc.constant('complete') },
];

const arbScenario = fc
  .integer({ min: 2, max: NAMES.length })
  .chain((n) => fc.tuple(...NAMES.slice(0, n).map(arbPatch)))
  .chain((patches) =>
    fc.record({
      patches: fc.constant(patches),
      ops: fc.array(
        fc
          .tuple(fc.oneof(...KINDS), fc.constantFrom(...patches.map((p) => p.name)))
          .map(([kind, p]): Op => (kind === 'complete' ? { kind } : { kind, patch: p })),
        { minLength: 1, maxLength: 18 },
      ),
    }),
  );

type Counts = Map<string, number>;
const bump = (c: Counts, k: string): void => {
  c.set(k, (c.get(k) ?? 0) + 1);
};

function explore(
  rules: KernelRules,
  replaces: (incoming: Patch, old: Patch) => boolean,
  mode: TransitionMode,
  numRuns: number,
): Counts {
  const counts: Counts = new Map();
  fc.assert(
    fc.property(arbScenario, ({ patches, ops }) => {
      const opts = options(patches, mode, rules);
      const oracle = new FuncStackOracle(opts.catalog, replaces);
      const funcs = catalogFunctions(opts);
      let sys = EMPTY_SYSTEM;
      for (const op of ops) {
        const out = step(sys, op, opts);
        oracle.observe(op, out.result, out.system.transition !== null);
        expect(oracle.patches).toEqual(out.system.klpPatches);
        const mine = functionOwners(out.system, opts).map((o) => ({
          key: funcKey(o.func),
          patched: o.patched,
          unpatched: o.unpatched,
        }));
        expect(mine).toEqual(oracle.owners(funcs));
        const before = functionOwners(sys, opts);
        for (const [i, o] of mine.entries()) {
          const b = before[i];
          if (o.patched !== o.unpatched) bump(counts, 'mixed');
          if (o.patched === null && o.unpatched !== null)
            bump(counts, 'mixed-original-for-patched');
          if (b !== undefined && b.unpatched !== null && o.patched === null && o.unpatched === null)
            bump(counts, `reverted:${op.kind}`);
          if (
            b !== undefined &&
            b.patched !== null &&
            o.patched !== null &&
            b.patched !== o.patched
          )
            bump(counts, 'repatched');
        }
        for (const line of out.log) if (/reversing transition/.test(line)) bump(counts, 'reverse');
        sys = out.system;
      }
    }),
    { numRuns },
  );
  return counts;
}

const missing = (counts: Counts, keys: readonly string[]): string[] =>
  keys.filter((k) => (counts.get(k) ?? 0) === 0);

describe('function ownership agrees with the independent reading of patch.c/transition.c', () => {
  it('upstream rules, auto transitions', () => {
    const counts = explore(upstreamRules, (n) => n.replace, 'auto', 300);
    expect(missing(counts, ['reverted:insmod', 'reverted:disable', 'repatched'])).toEqual([]);
    expect(counts.get('mixed') ?? 0).toBe(0);
  });

  it('upstream rules, manual transitions', () => {
    const counts = explore(upstreamRules, (n) => n.replace, 'manual', 400);
    expect(
      missing(counts, [
        'mixed',
        'mixed-original-for-patched',
        'reverted:complete',
        'reverted:force',
        'repatched',
        'reverse',
      ]),
    ).toEqual([]);
  });

  it('replace-set rules, both modes', () => {
    const replaces = (n: Patch, o: Patch): boolean => n.replaceSet === o.replaceSet;
    const auto = explore(replaceSetRules, replaces, 'auto', 200);
    expect(missing(auto, ['reverted:insmod', 'repatched'])).toEqual([]);
    const manual = explore(replaceSetRules, replaces, 'manual', 200);
    expect(missing(manual, ['mixed', 'mixed-original-for-patched', 'reverse'])).toEqual([]);
  });
});

describe('reversal', () => {
  it('a patching transition reversed twice ends with the patch owning its function', () => {
    const opts = options([patch('a', { functions: [vmlinux('f')] })], 'manual');
    const s = setup(opts, [insmod('a'), disable('a'), enable('a'), complete]);
    expect(owners(s, opts)).toEqual({ f: ['a', 'a'] });
  });
});
