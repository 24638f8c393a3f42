/**
 * The simulator's run of a plan as the real kernel shows it, and every difference between the
 * two: step results, transcripts (line for line, per step) and the final system.
 *
 * One timing difference is settled before comparing, because it is not a difference of
 * semantics: on the kernel, a reversed transition completes at the next periodic retry (about
 * a second later) by itself, since the task holding the original transition is already in the
 * reversed target state; the simulator's `manual` mode keeps it pending until `complete`. So
 * after a reversal that leaves a transition pending, the simulator's run is given the
 * `complete` the kernel performs on its own, within the same step. (`force` completes within
 * the step in the simulator already; the guest waits for the kernel's retry in both cases.)
 */
import { type SimOptions, type StepOutcome, step } from '../kernel/simulator.ts';
import type { Op, OpResult } from '../model/op.ts';
import { EMPTY_SYSTEM, type System } from '../model/system.ts';
import type { KernelPlanRun, KernelStep } from './kernel-run.ts';

export interface SimStep {
  readonly op: Op;
  readonly result: OpResult;
  readonly log: readonly string[];
  /** The reversal this step caused was completed as the kernel completes it (see above). */
  readonly settled: boolean;
}

export interface SimRun {
  readonly steps: readonly SimStep[];
  readonly final: System;
}

/**
 * Runs every operation (the initial loads included) on the simulator, settling reversals.
 *
 * @example
 * simulateSettled(ops, { rules, catalog, transitions: 'manual' }).final.transition // null or pending
 */
export function simulateSettled(ops: readonly Op[], opts: SimOptions): SimRun {
  let sys = EMPTY_SYSTEM;
  const steps: SimStep[] = [];
  for (const op of ops) {
    const before = sys;
    const out: StepOutcome = step(sys, op, opts);
    sys = out.system;
    let log = out.log;
    const reversal =
      (op.kind === 'enable' || op.kind === 'disable') &&
      out.result === 'ok' &&
      before.transition?.patch === op.patch &&
      sys.transition !== null;
    if (reversal) {
      const done = step(sys, { kind: 'complete' }, opts);
      sys = done.system;
      log = [...log, ...done.log];
    }
    steps.push({ op, result: out.result, log, settled: reversal });
  }
  return { steps, final: sys };
}

export type Difference =
  | {
      readonly kind: 'result';
      /** Index among all operations (initial loads first). */
      readonly index: number;
      readonly op: Op;
      readonly kernel: OpResult | null;
      readonly simulator: OpResult;
    }
  | {
      readonly kind: 'log';
      readonly index: number;
      readonly op: Op;
      readonly kernel: readonly string[];
      readonly simulator: readonly string[];
    }
  | {
      readonly kind: 'final';
      readonly field: 'stack' | 'transition' | 'loaded' | 'forced';
      readonly kernel: string;
      readonly simulator: string;
    };

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function transitionText(sys: System): string {
  return sys.transition === null ? 'none' : `${sys.transition.patch} -> ${sys.transition.target}`;
}

/**
 * Every difference, in plan order; empty when the kernel and the simulator agree. Loaded and
 * forced modules are compared as sets (the kernel lists them in no meaningful order).
 *
 * @example
 * compareRuns(kernelRun, simulateSettled(ops, opts)).length === 0 // they agree
 */
export function compareRuns(kernel: KernelPlanRun, sim: SimRun): Difference[] {
  const out: Difference[] = [];
  const kSteps: readonly KernelStep[] = [...kernel.setup, ...kernel.steps];
  for (const [index, s] of sim.steps.entries()) {
    const k = kSteps[index];
    const kResult = k?.result ?? null;
    if (kResult !== s.result)
      out.push({ kind: 'result', index, op: s.op, kernel: kResult, simulator: s.result });
    const kLog = k?.log ?? [];
    if (!sameLines(kLog, s.log))
      out.push({ kind: 'log', index, op: s.op, kernel: kLog, simulator: s.log });
  }
  const kf = kernel.final;
  const sf = sim.final;
  const field = (name: 'stack' | 'transition' | 'loaded' | 'forced', k: string, s: string) => {
    if (k !== s) out.push({ kind: 'final', field: name, kernel: k, simulator: s });
  };
  field('stack', kf.klpPatches.join(' < '), sf.klpPatches.join(' < '));
  field('transition', transitionText(kf), transitionText(sf));
  field('loaded', [...kf.loaded].sort().join(', '), [...sf.loaded].sort().join(', '));
  field('forced', [...kf.forced].sort().join(', '), [...sf.forced].sort().join(', '));
  return out;
}
