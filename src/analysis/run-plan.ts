/**
 * Runs a plan on the kernel simulator: the initial stack first (each load must succeed), then
 * every step, comparing each result with the step's expectation. Shared by `simulate` and
 * `check`; pure and synchronous.
 */
import type { PlanStep } from '../ingest/index.ts';
import { step as kernelStep, type StepOutcome } from '../kernel/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import { EMPTY_SYSTEM, type System, type TransitionMode } from '../model/system.ts';
import { type FunctionOwner, type OwnerChange, ownerChanges, ownersOf } from './function-owners.ts';

export interface PlanInput {
  readonly catalog: Catalog;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly steps: readonly PlanStep[];
}

export interface StepRun {
  readonly step: PlanStep;
  readonly outcome: StepOutcome;
  /** The system before the step. */
  readonly before: System;
  /** The result matched `step.expect`. */
  readonly met: boolean;
  /** The functions whose owner the step changed (src/analysis/function-owners.ts). */
  readonly functions: readonly OwnerChange[];
}

export type PlanRun =
  | {
      readonly kind: 'ran';
      /** Outcomes of the `initial` loads (all succeeded). */
      readonly setup: readonly StepOutcome[];
      readonly steps: readonly StepRun[];
      readonly final: System;
      /** The owner of every function a catalog patch lists, on the final system. */
      readonly functions: readonly FunctionOwner[];
      /** Every step met its expectation. */
      readonly ok: boolean;
    }
  | {
      /** An `initial` load failed: the plan cannot start. */
      readonly kind: 'setup-failed';
      readonly setup: readonly StepOutcome[];
      readonly failed: {
        readonly name: string;
        readonly index: number;
        readonly outcome: StepOutcome;
      };
      /** The owner of every function a catalog patch lists, where the setup stopped. */
      readonly functions: readonly FunctionOwner[];
    };

/**
 * @example
 * const run = runPlan(plan, upstreamRules);
 * if (run.kind === 'ran' && !run.ok) console.log('some step did not do what the plan expects');
 */
export function runPlan(plan: PlanInput, rules: KernelRules): PlanRun {
  const opts = { rules, catalog: plan.catalog, transitions: plan.transitions };
  let sys = EMPTY_SYSTEM;
  const setup: StepOutcome[] = [];
  for (const [index, name] of plan.initial.entries()) {
    // Each initial patch must end up installed, whatever the transition mode.
    for (const op of setupOps(name, plan.transitions)) {
      const outcome = kernelStep(sys, op, opts);
      setup.push(outcome);
      if (outcome.result !== 'ok')
        return {
          kind: 'setup-failed',
          setup,
          failed: { name, index, outcome },
          functions: ownersOf(outcome.system, opts),
        };
      sys = outcome.system;
    }
  }
  const steps: StepRun[] = [];
  for (const s of plan.steps) {
    const outcome = kernelStep(sys, s.op, opts);
    const functions = ownerChanges(sys, outcome.system, outcome.log, opts);
    steps.push({ step: s, outcome, before: sys, met: outcome.result === s.expect, functions });
    sys = outcome.system;
  }
  const functions = ownersOf(sys, opts);
  return { kind: 'ran', setup, steps, final: sys, functions, ok: steps.every((s) => s.met) };
}

function setupOps(name: string, transitions: TransitionMode): Op[] {
  const insmod: Op = { kind: 'insmod', patch: name };
  return transitions === 'auto' ? [insmod] : [insmod, { kind: 'complete' }];
}
