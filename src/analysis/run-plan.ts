/**
 * Runs a plan on the kernel simulator: the initial stack first (`installStack`,
 * src/kernel/install.ts; each load must succeed), then every step, comparing each result with
 * the step's expectation. Shared by `simulate` and `check`; pure and synchronous.
 */
import type { PlanStep } from '../ingest/index.ts';
import { installStack, step as kernelStep, type StepOutcome } from '../kernel/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import { assertNever } from '../model/op.ts';
import type { System, TransitionMode } from '../model/system.ts';
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
  // Each initial patch must end up installed, whatever the transition mode.
  const stack = installStack(plan.catalog, rules, plan.initial, plan.transitions);
  switch (stack.kind) {
    case 'ok':
      break;
    case 'load-failed':
      return {
        kind: 'setup-failed',
        setup: stack.outcomes,
        failed: { name: stack.patch, index: stack.index, outcome: stack.outcome },
        functions: ownersOf(stack.outcome.system, opts),
      };
    case 'not-in-catalog':
      // INVARIANT: the plan reader checked every name against the catalog.
      throw new Error(stack.message);
    default:
      return assertNever(stack, 'stack');
  }
  let sys = stack.system;
  const steps: StepRun[] = [];
  for (const s of plan.steps) {
    const outcome = kernelStep(sys, s.op, opts);
    const functions = ownerChanges(sys, outcome.system, outcome.log, opts);
    steps.push({ step: s, outcome, before: sys, met: outcome.result === s.expect, functions });
    sys = outcome.system;
  }
  const functions = ownersOf(sys, opts);
  return {
    kind: 'ran',
    setup: stack.outcomes,
    steps,
    final: sys,
    functions,
    ok: steps.every((s) => s.met),
  };
}
