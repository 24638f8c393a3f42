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
 *
 * Function ownership is compared where the catalog lists functions (module-source.ts maps them
 * onto observable ones): after every step, the code the kernel runs for the guest's shell,
 * which has switched to the transition's target state by the time it reads (a task switches
 * when it returns to userspace, and a child inherits its parent's state), against the
 * simulator's `klp_ftrace_handler()` for a task in that state (the transition's target, or
 * any state when none is pending).
 */
import { functionOwners } from '../kernel/func-stack.ts';
import { type SimOptions, type StepOutcome, step } from '../kernel/simulator.ts';
import type { Op, OpResult } from '../model/op.ts';
import { funcKey, type KlpFunc } from '../model/patch.ts';
import { EMPTY_SYSTEM, type System } from '../model/system.ts';
import type { KernelPlanRun, KernelStep } from './kernel-run.ts';
import { functionSlots } from './module-source.ts';

export interface SimStep {
  readonly op: Op;
  readonly result: OpResult;
  readonly log: readonly string[];
  /** The reversal this step caused was completed as the kernel completes it (see above). */
  readonly settled: boolean;
  /** After the step, whose code an observing task runs, per `SimRun.observed` function. */
  readonly owners: readonly (string | null)[];
}

/** A catalog function observed on the kernel through a vmlinux function. */
export interface ObservedFunction {
  readonly func: KlpFunc;
  /** The observable vmlinux function that stands for it. */
  readonly observedAs: string;
}

export interface SimRun {
  readonly steps: readonly SimStep[];
  readonly final: System;
  /** The observed functions, in the order of the guest's probes. */
  readonly observed: readonly ObservedFunction[];
  /** The catalog's patch names: an observed line that is none of them is the original code. */
  readonly patches: ReadonlySet<string>;
}

/**
 * Whose code a task that has switched to the pending transition's target state (any task when
 * none is pending) runs for each of `funcs`.
 *
 * @example
 * observerOwners(sys, opts, [func]) // e.g. ['k0_p1'], or [null] for the original code
 */
export function observerOwners(
  sys: System,
  opts: Omit<SimOptions, 'transitions'>,
  funcs: readonly KlpFunc[],
): (string | null)[] {
  if (funcs.length === 0) return [];
  const owners = new Map(functionOwners(sys, opts).map((o) => [funcKey(o.func), o]));
  return funcs.map((f) => {
    const o = owners.get(funcKey(f));
    if (o === undefined) return null;
    return sys.transition?.target === 'unpatched' ? o.unpatched : o.patched;
  });
}

/**
 * Runs every operation (the initial loads included) on the simulator, settling reversals.
 *
 * @example
 * simulateSettled(ops, { rules, catalog, transitions: 'manual' }).final.transition // null or pending
 */
export function simulateSettled(ops: readonly Op[], opts: SimOptions): SimRun {
  const observed = functionSlots(opts.catalog).mapped.map((m) => ({
    func: m.func,
    observedAs: m.slot.name,
  }));
  const funcs = observed.map((o) => o.func);
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
    steps.push({
      op,
      result: out.result,
      log,
      settled: reversal,
      owners: observerOwners(sys, opts, funcs),
    });
  }
  return {
    steps,
    final: sys,
    observed,
    patches: new Set(opts.catalog.patches.map((p) => p.name)),
  };
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
      /** After the step, the kernel runs another patch's code (or the original) than the simulator says. */
      readonly kind: 'function';
      readonly index: number;
      readonly op: Op;
      /** The catalog function, `object:name`. */
      readonly function: string;
      readonly observedAs: string;
      /** The patch whose code runs, null for the original code. */
      readonly kernel: string | null;
      readonly simulator: string | null;
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
    for (const [i, o] of sim.observed.entries()) {
      const line = k?.observed[i];
      const kOwner = line !== undefined && sim.patches.has(line) ? line : null;
      const sOwner = s.owners[i] ?? null;
      if (k !== undefined && kOwner !== sOwner)
        out.push({
          kind: 'function',
          index,
          op: s.op,
          function: `${o.func.object}:${o.func.name}`,
          observedAs: o.observedAs,
          kernel: kOwner,
          simulator: sOwner,
        });
    }
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
