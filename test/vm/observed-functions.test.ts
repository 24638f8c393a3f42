// Function ownership on a real kernel, without the kernel: how catalog functions map onto the
// observable vmlinux functions (src/vm/module-source.ts), what the guest reads after each step
// (guest-script.ts, parse.ts), and how the comparison reads it (compare.ts): a patch's name is
// that patch's code, anything else the original code, against the simulator's owner for a
// task in the pending transition's target state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveRules } from '../../src/analysis/rulesets.ts';
import { functionOwners } from '../../src/kernel/func-stack.ts';
import { step } from '../../src/kernel/simulator.ts';
import { catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import { type KlpFunc, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { differenceText, mappingLines } from '../../src/report/kernel.ts';
import { compareRuns, simulateSettled } from '../../src/vm/compare.ts';
import { guestScript } from '../../src/vm/guest-script.ts';
import { kernelPlanRun } from '../../src/vm/kernel-run.ts';
import {
  functionMappings,
  functionSlots,
  livepatchSource,
  OBSERVABLE_FUNCTIONS,
} from '../../src/vm/module-source.ts';
import { parseGuestOutput } from '../../src/vm/parse.ts';

const upstream = resolveRules('upstream', null);
if (upstream.kind !== 'ok') throw new Error('upstream rules');
const rules = upstream.rules;

const fn = (name: string, object = 'vmlinux'): KlpFunc => ({ object, name, sympos: 0 });

// test-livepatch.sh "atomic replace livepatch": test_klp_livepatch.c patches cmdline_proc_show,
// test_klp_atomic_replace.c (replace=1) patches meminfo_proc_show.
const selftest = catalog([
  patch('test_klp_livepatch', { functions: [fn('cmdline_proc_show')] }),
  patch('test_klp_atomic_replace', { replace: true, functions: [fn('meminfo_proc_show')] }),
]);

describe('observable functions', () => {
  it('a function named like an observable one keeps it; the others take free ones in catalog order', () => {
    const c = catalog([
      patch('a', { functions: [fn('tcp_ack'), fn('meminfo_proc_show')] }),
      patch('b', { functions: [fn('nft_chain_validate', 'nf_tables'), fn('tcp_ack')] }),
    ]);
    const slots = functionSlots(c);
    expect(slots.mapped.map((m) => [m.func.name, m.slot.path])).toEqual([
      ['tcp_ack', '/proc/cmdline'],
      ['meminfo_proc_show', '/proc/meminfo'],
      ['nft_chain_validate', '/proc/version'],
    ]);
    expect(slots.unmapped).toEqual([]);
    const b = livepatchSource(c.patches[1] ?? patch('x'), slots);
    expect(b).toContain(
      '{ .old_name = "version_proc_show", .new_func = klp_verify_version_proc_show },',
    );
    expect(b).toContain(
      '{ .old_name = "cmdline_proc_show", .new_func = klp_verify_cmdline_proc_show },',
    );
    expect(b).not.toContain('meminfo_proc_show');
    expect(b).toContain('seq_printf(m, "%s\\n", "b");');
  });

  it('functions beyond the observable ones are not observed, and the output says so', () => {
    const many = Array.from({ length: OBSERVABLE_FUNCTIONS.length + 2 }, (_, i) => fn(`f${i}`));
    const c = catalog([patch('a', { functions: many })]);
    const slots = functionSlots(c);
    expect(slots.mapped).toHaveLength(OBSERVABLE_FUNCTIONS.length);
    expect(slots.unmapped.map((f) => f.name)).toEqual([
      `f${OBSERVABLE_FUNCTIONS.length}`,
      `f${OBSERVABLE_FUNCTIONS.length + 1}`,
    ]);
    expect(functionMappings(c).filter((m) => m.mappedTo === null)).toHaveLength(2);
    expect(mappingLines(functionMappings(c)).at(-1)).toBe(
      `note: \`a\`'s \`vmlinux:f${OBSERVABLE_FUNCTIONS.length + 1}\` is not observed: the catalog lists more functions than the kernel has observable ones (its ownership is not compared)`,
    );
  });

  it('a patch that lists no observed function has no vmlinux object; a catalog without functions patches cmdline_proc_show as before', () => {
    const c = catalog([patch('a', { functions: [fn('f')] }), patch('b')]);
    const b = livepatchSource(c.patches[1] ?? patch('x'), functionSlots(c));
    expect(b).not.toContain('vmlinux_funcs');
    expect(b).toContain('.name = "klp_verify_helper"');
    const plain = catalog([patch('p')]);
    const p = livepatchSource(plain.patches[0] ?? patch('x'), functionSlots(plain));
    expect(p).toBe(livepatchSource(patch('p')));
    expect(p).toContain('{ .old_name = "cmdline_proc_show"');
  });
});

describe('the guest reads the observed files after every step', () => {
  it('the script probes in slot order and the parser keeps each first line', () => {
    const script = guestScript([
      {
        id: 0,
        dir: '/m/x',
        hold: false,
        probes: ['/proc/cmdline', '/proc/meminfo'],
        ops: [{ kind: 'insmod', patch: 'p' }],
      },
    ]);
    expect(script).toContain('PROBES="/proc/cmdline /proc/meminfo"');
    const out = parseGuestOutput(
      [
        '@@plan 0',
        '@@step 0 0 ',
        "@@k livepatch: enabling patch 'p'",
        '@@fn 0 p',
        '@@fn 1 MemTotal:         480396 kB',
        '@@end 0',
      ].join('\n'),
    );
    expect(out.plans[0]?.steps[0]?.probes).toEqual(['p', 'MemTotal:         480396 kB']);
    expect(out.plans[0]?.steps[0]?.kmsg).toEqual(["livepatch: enabling patch 'p'"]);
  });
});

/** The guest's output for `ops` where each step's probes are given (the kernel's answer). */
function guestRun(ops: readonly Op[], probes: readonly (readonly string[])[]) {
  const lines = ['@@plan 0'];
  for (const [i, p] of probes.entries()) {
    lines.push(`@@step ${i} 0 `);
    for (const [j, l] of p.entries()) lines.push(`@@fn ${j} ${l}`);
  }
  lines.push('@@end 0');
  const g = parseGuestOutput(lines.join('\n')).plans[0];
  if (g === undefined) throw new Error('no plan');
  return kernelPlanRun(ops, 0, g);
}

describe('comparing ownership', () => {
  const ops: Op[] = [
    { kind: 'insmod', patch: 'test_klp_livepatch' },
    { kind: 'insmod', patch: 'test_klp_atomic_replace' },
    { kind: 'disable', patch: 'test_klp_atomic_replace' },
  ];
  const opts = { rules, catalog: selftest, transitions: 'auto' as const };
  const CMDLINE = 'console=ttyS0 quiet loglevel=1 printk.time=0 panic=-1';
  const MEMINFO = 'MemTotal:         480396 kB';

  it('the known answer of test_klp_atomic_replace agrees: the replace reverts /proc/cmdline, the disable /proc/meminfo', () => {
    const sim = simulateSettled(ops, opts);
    expect(sim.observed.map((o) => o.observedAs)).toEqual([
      'cmdline_proc_show',
      'meminfo_proc_show',
    ]);
    expect(sim.steps.map((s) => s.owners)).toEqual([
      ['test_klp_livepatch', null],
      [null, 'test_klp_atomic_replace'],
      [null, null],
    ]);
    const kernel = guestRun(ops, [
      ['test_klp_livepatch', MEMINFO],
      [CMDLINE, 'test_klp_atomic_replace'],
      [CMDLINE, MEMINFO],
    ]);
    expect(compareRuns(kernel, sim).filter((d) => d.kind === 'function')).toEqual([]);
  });

  it('a kernel that kept test_klp_livepatch after the replace (no nop) is a difference', () => {
    const kernel = guestRun(ops, [
      ['test_klp_livepatch', MEMINFO],
      ['test_klp_livepatch', 'test_klp_atomic_replace'],
      [CMDLINE, MEMINFO],
    ]);
    const diffs = compareRuns(kernel, simulateSettled(ops, opts)).filter(
      (d) => d.kind === 'function',
    );
    expect(diffs.flatMap(differenceText)).toEqual([
      '  step 2 `insmod test_klp_atomic_replace`: `vmlinux:cmdline_proc_show` (observed as `cmdline_proc_show`) runs `test_klp_livepatch` on the kernel, the original code in the simulator',
    ]);
    expect(diffs).toEqual([
      {
        kind: 'function',
        index: 1,
        op: ops[1],
        function: 'vmlinux:cmdline_proc_show',
        observedAs: 'cmdline_proc_show',
        kernel: 'test_klp_livepatch',
        simulator: null,
      },
    ]);
  });

  it('while a transition is pending, the observer runs the code of the target state', () => {
    const manual = { ...opts, transitions: 'manual' as const };
    const held: Op[] = [
      { kind: 'insmod', patch: 'test_klp_livepatch' },
      { kind: 'complete' },
      { kind: 'insmod', patch: 'test_klp_atomic_replace' },
      { kind: 'disable', patch: 'test_klp_atomic_replace' },
    ];
    const sim = simulateSettled(held, manual);
    // Pending replace: a switched task runs the nop (original) for cmdline_proc_show.
    expect(sim.steps[2]?.owners).toEqual([null, 'test_klp_atomic_replace']);
    // The reversal completes as on the kernel: test_klp_livepatch again.
    expect(sim.steps[3]?.owners).toEqual(['test_klp_livepatch', null]);
  });

  it('property: the observer owner is the pending target state’s owner (or the only one)', () => {
    const counters = { pending: 0, steady: 0, mixed: 0 };
    const c = catalog([
      patch('a', { functions: [fn('f'), fn('g')] }),
      patch('b', { replace: true, functions: [fn('g')] }),
      patch('c', { functions: [fn('f'), fn('h')] }),
    ]);
    const manual = { rules, catalog: c, transitions: 'manual' as const };
    const op = fc.oneof(
      fc.record({
        kind: fc.constantFrom('insmod', 'rmmod', 'enable', 'disable', 'force'),
        patch: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.constant({ kind: 'complete' }),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 10 }), (ops) => {
        const sim = simulateSettled(ops, manual);
        let sys = EMPTY_SYSTEM;
        for (const [i, o] of ops.entries()) {
          sys = step(sys, o, manual).system;
          const s = sim.steps[i];
          if (s?.settled) sys = step(sys, { kind: 'complete' }, manual).system;
          const owners = functionOwners(sys, manual);
          const want = owners.map((w) =>
            sys.transition?.target === 'unpatched' ? w.unpatched : w.patched,
          );
          expect(s?.owners).toEqual(want);
          if (sys.transition === null) counters.steady++;
          else counters.pending++;
          if (owners.some((w) => w.patched !== w.unpatched)) counters.mixed++;
        }
      }),
    );
    expect(counters.pending).toBeGreaterThan(0);
    expect(counters.steady).toBeGreaterThan(0);
    expect(counters.mixed).toBeGreaterThan(0);
  });
});
