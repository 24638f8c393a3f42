/**
 * The exact kernel simulator: `step(system, op)` performs one user-space operation the way
 * Linux does (kernel/livepatch/core.c, transition.c; kmod insmod/rmmod; bash for sysfs writes)
 * and returns the resulting system with its transcript.
 *
 * Pure and synchronous: the input `System` is never modified. Guarantees, tested as
 * properties: at most one transition; no patch twice on `klp_patches`; `klp_patches` within
 * the loaded modules; an operation that fails leaves the system as it was; a module on
 * `klp_patches` or forced is never removed.
 *
 * `complete` is not a kernel operation: it stands for "every task has switched" and completes
 * the pending transition (`klp_transition_work_fn()`). With no transition pending it is an `ok`
 * no-op that prints nothing.
 */
import { assertNever, type Op, type OpResult } from '../model/op.ts';
import type { System } from '../model/system.ts';
import { enabledStore, forceStore } from './core.ts';
import { type Kernel, kernelOf, type SimOptions, systemOf } from './kernel.ts';
import { insmod, rmmod } from './module.ts';
import type { Verdict } from './rules.ts';
import { commandLine, userspaceError } from './transcript.ts';
import { klpTryCompleteTransition } from './transition.ts';

export type { SimOptions } from './kernel.ts';

export interface StepOutcome {
  readonly op: Op;
  readonly result: OpResult;
  /** The system after the operation (equal to the one before when it failed). */
  readonly system: System;
  /**
   * Transcript lines of this step: the `% ...` command line, kernel `livepatch: ...` lines
   * (pr_debug ones included), the user-space error line.
   */
  readonly log: readonly string[];
  /** The rules' verdict when one was asked and it rejected the operation. */
  readonly verdict: Verdict | null;
}

/**
 * Performs one operation.
 *
 * @example
 * const opts = { rules: upstreamRules, catalog: cat, transitions: 'auto' } as const;
 * const out = step(EMPTY_SYSTEM, { kind: 'insmod', patch: 'test_klp_state' }, opts);
 * out.result // 'ok'
 * out.system.klpPatches // ['test_klp_state']
 */
export function step(sys: System, op: Op, opts: SimOptions): StepOutcome {
  const k = kernelOf(sys, opts);
  const cmd = commandLine(op);
  if (cmd !== null) k.log.push(cmd);
  const result = perform(k, op);
  if (result !== 'ok') k.log.push(userspaceError(op, result));
  return { op, result, system: systemOf(k), log: k.log, verdict: k.verdict };
}

/**
 * Performs the operations in order, failed ones included (a failure does not stop the run).
 *
 * @example
 * run(EMPTY_SYSTEM, [{ kind: 'insmod', patch: 'p' }, { kind: 'rmmod', patch: 'p' }], opts)
 *   .outcomes.map((o) => o.result) // ['ok', 'EBUSY']
 */
export function run(
  sys: System,
  ops: readonly Op[],
  opts: SimOptions,
): { outcomes: StepOutcome[]; final: System } {
  const outcomes: StepOutcome[] = [];
  let current = sys;
  for (const op of ops) {
    const out = step(current, op, opts);
    outcomes.push(out);
    current = out.system;
  }
  return { outcomes, final: current };
}

function perform(k: Kernel, op: Op): OpResult {
  switch (op.kind) {
    case 'insmod':
      return insmod(k, op.patch);
    case 'rmmod':
      return rmmod(k, op.patch);
    case 'enable':
      return enabledStore(k, op.patch, true);
    case 'disable':
      return enabledStore(k, op.patch, false);
    case 'force':
      return forceStore(k, op.patch);
    case 'complete':
      // klp_transition_work_fn(): if (klp_transition_patch) klp_try_complete_transition()
      if (k.transition !== null) klpTryCompleteTransition(k, true);
      return 'ok';
    default:
      return assertNever(op, 'operation');
  }
}
