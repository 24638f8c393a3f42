// Reading a real kernel's console back into the simulator's terms (src/vm/parse.ts,
// src/vm/kernel-run.ts) and comparing (src/vm/compare.ts), on a console captured from Debian
// 12's Linux 6.1 under QEMU: scenario 4 of test-state.sh (auto), then a manual plan with an
// EINVAL while a transition is pending, an EBUSY, a `complete` and a forced replace.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { compareRuns, simulateSettled } from '../../src/vm/compare.ts';
import { errnoOf, kernelPlanRun } from '../../src/vm/kernel-run.ts';
import { parseGuestOutput } from '../../src/vm/parse.ts';
import { complete, disable, force, insmod, options, rmmod } from '../kernel/helpers.ts';

const CONSOLE = readFileSync(
  new URL('../fixtures/vm/selftest-and-forced-replace.console.txt', import.meta.url),
  'utf8',
);
const STATE = [
  patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
  patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
  patch('test_klp_state3', { replace: true, states: [{ id: 1, version: 2 }] }),
];
const AUTO: Op[] = [
  insmod('test_klp_state2'),
  insmod('test_klp_state'),
  disable('test_klp_state2'),
  rmmod('test_klp_state2'),
];
const MANUAL: Op[] = [
  insmod('test_klp_state2'),
  insmod('test_klp_state'),
  insmod('test_klp_state3'),
  complete,
  insmod('test_klp_state3'),
  force('test_klp_state3'),
  rmmod('test_klp_state2'),
];

describe('the guest line protocol', () => {
  const out = parseGuestOutput(CONSOLE);

  it('reads the release, every plan and the end of the script, ignoring firmware lines', () => {
    expect(out.release).toBe('6.1.0-57-amd64');
    expect(out.plans.map((p) => [p.id, p.steps.length, p.complete])).toEqual([
      [0, 4, true],
      [1, 7, true],
    ]);
    expect(out.done).toBe(true);
    expect(out.dirty).toBeNull();
  });

  it('keeps a step’s status, error text and kernel lines together', () => {
    const s = out.plans[0]?.steps[1];
    expect(s?.status).toBe(1);
    expect(s?.error).toBe(
      'insmod: ERROR: could not insert module test_klp_state.ko: Invalid parameters',
    );
    expect(s?.kmsg).toEqual([
      'livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.',
    ]);
  });

  it('reports a plan cut short as incomplete, and a module left behind as dirty', () => {
    const cut = parseGuestOutput('@@plan 3\n@@step 0 0 \n@@dirty klp_x\n');
    expect(cut.plans[0]?.complete).toBe(false);
    expect(cut.dirty).toBe('klp_x');
    expect(cut.done).toBe(false);
  });
});

describe('errno from the text kmod and the shell print', () => {
  it.each([
    ['insmod: ERROR: could not insert module p.ko: Invalid parameters', 'EINVAL'],
    ['insmod: ERROR: could not insert module p.ko: File exists', 'EEXIST'],
    ['insmod: ERROR: could not insert module p.ko: Device or resource busy', 'EBUSY'],
    ['rmmod: ERROR: Module p is in use', 'EBUSY'],
    ['rmmod: ERROR: Module p is not currently loaded', 'ENOENT'],
    ["sh: can't create /sys/kernel/livepatch/p/enabled: nonexistent directory", 'ENOENT'],
    ['sh: write error: Invalid argument', 'EINVAL'],
    ['sh: write error: Device or resource busy', 'EBUSY'],
    ['something else', null],
  ])('%s', (text, errno) => {
    expect(errnoOf(text)).toBe(errno);
  });
});

describe('the kernel’s run in the simulator’s terms', () => {
  const out = parseGuestOutput(CONSOLE);

  it('scenario 4 of test-state.sh: the transcript line for line, taint lines left out', () => {
    const g = out.plans[0];
    if (g === undefined) throw new Error('no plan 0');
    const run = kernelPlanRun(AUTO, 0, g);
    expect(run.steps.map((s) => s.result)).toEqual(['ok', 'EINVAL', 'ok', 'ok']);
    expect(run.steps.flatMap((s) => s.log)).toEqual([
      '% insmod test_klp_state2.ko',
      "livepatch: enabling patch 'test_klp_state2'",
      "livepatch: 'test_klp_state2': initializing patching transition",
      "livepatch: 'test_klp_state2': starting patching transition",
      "livepatch: 'test_klp_state2': completing patching transition",
      "livepatch: 'test_klp_state2': patching complete",
      '% insmod test_klp_state.ko',
      'livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.',
      'insmod: ERROR: could not insert module test_klp_state.ko: Invalid parameters',
      '% echo 0 > /sys/kernel/livepatch/test_klp_state2/enabled',
      "livepatch: 'test_klp_state2': initializing unpatching transition",
      "livepatch: 'test_klp_state2': starting unpatching transition",
      "livepatch: 'test_klp_state2': completing unpatching transition",
      "livepatch: 'test_klp_state2': unpatching complete",
      '% rmmod test_klp_state2',
    ]);
    expect(compareRuns(run, simulateSettled(AUTO, options(STATE)))).toEqual([]);
  });

  it('a forced replace: the replaced module stays referenced, read as forced', () => {
    const g = out.plans[1];
    if (g === undefined) throw new Error('no plan 1');
    const run = kernelPlanRun(MANUAL, 0, g);
    expect(run.steps.map((s) => s.result)).toEqual([
      'ok',
      'EINVAL',
      'EBUSY',
      'ok',
      'ok',
      'ok',
      'EBUSY',
    ]);
    expect(run.final).toEqual({
      klpPatches: ['test_klp_state3'],
      transition: null,
      loaded: ['test_klp_state2', 'test_klp_state3'],
      forced: ['test_klp_state2'],
    });
    expect(compareRuns(run, simulateSettled(MANUAL, options(STATE, 'manual')))).toEqual([]);
  });

  it('a difference in a result, a line or the final stack is reported', () => {
    const g = out.plans[0];
    if (g === undefined) throw new Error('no plan 0');
    const run = kernelPlanRun(AUTO, 0, g);
    // A simulator that thinks the lower version is fine (no state checks): insmod succeeds.
    const sim = simulateSettled(AUTO, options(STATE.map((p) => ({ ...p, states: [] }))));
    const diffs = compareRuns(run, sim);
    expect(new Set(diffs.map((d) => d.kind))).toEqual(new Set(['result', 'log', 'final']));
    expect(diffs[0]).toMatchObject({ kind: 'result', index: 1, kernel: 'EINVAL', simulator: 'ok' });
    expect(diffs.filter((d) => d.kind === 'final').map((d) => d.field)).toContain('stack');
  });
});

describe('reversals settle as on the kernel', () => {
  it('a reversal in manual mode completes within the step, its lines included', () => {
    const p = patch('p', { replace: false });
    const sim = simulateSettled([insmod('p'), disable('p')], options([p], 'manual'));
    expect(sim.steps[1]?.settled).toBe(true);
    expect(sim.steps[1]?.log).toEqual([
      '% echo 0 > /sys/kernel/livepatch/p/enabled',
      "livepatch: 'p': reversing transition from patching to unpatching",
      "livepatch: 'p': starting unpatching transition",
      "livepatch: 'p': completing unpatching transition",
      "livepatch: 'p': unpatching complete",
    ]);
    expect(sim.final.klpPatches).toEqual([]);
  });

  it('a disable that starts a transition is not a reversal and stays pending', () => {
    const p = patch('p', { replace: false });
    const sim = simulateSettled([insmod('p'), complete, disable('p')], options([p], 'manual'));
    expect(sim.steps[2]?.settled).toBe(false);
    expect(sim.final.transition).toEqual({ patch: 'p', target: 'unpatched' });
  });
});
