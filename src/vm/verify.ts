/**
 * `klp-verify kernel` as a function: plans (already read and their rule sets resolved) run on
 * a real kernel, each optionally compared with the simulator under the plan's rules.
 */

import type { PlanStep } from '../ingest/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import type { TransitionMode } from '../model/system.ts';
import { compareRuns, type Difference, type SimRun, simulateSettled } from './compare.ts';
import type { KernelPlanRun } from './kernel-run.ts';
import { guestOps, runOnKernel, type VmConfig, type VmRun } from './run.ts';

export interface KernelPlanInput {
  readonly file: string;
  readonly catalog: Catalog;
  readonly rules: KernelRules;
  readonly rulesName: string;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly steps: readonly PlanStep[];
}

export interface KernelPlanResult {
  readonly input: KernelPlanInput;
  readonly run: KernelPlanRun;
  /** null unless compared. */
  readonly differences: readonly Difference[] | null;
}

export type KernelVerification =
  | (Omit<VmRun & { kind: 'ran' }, 'plans'> & { readonly results: readonly KernelPlanResult[] })
  | Exclude<VmRun, { kind: 'ran' }>;

/**
 * The differences between the kernel's run of a plan and the simulator's.
 *
 * @example
 * differencesOf(input, kernelRun).length // 0 when they agree
 */
export function differencesOf(input: KernelPlanInput, run: KernelPlanRun): Difference[] {
  return compareRuns(run, simulated(input));
}

/** The simulator's run of the operations the guest runs for `input`. */
function simulated(input: KernelPlanInput): SimRun {
  const { ops } = guestOps({ ...input, ops: input.steps.map((s) => s.op) });
  return simulateSettled(ops, {
    rules: input.rules,
    catalog: input.catalog,
    transitions: input.transitions,
  });
}

/**
 * @example
 * const v = await verifyOnKernel(inputs, config, true);
 * if (v.kind === 'ran') v.results.filter((r) => r.differences?.length).length // disagreements
 */
export async function verifyOnKernel(
  inputs: readonly KernelPlanInput[],
  config: VmConfig,
  compare: boolean,
): Promise<KernelVerification> {
  const vm = await runOnKernel(
    inputs.map((i) => ({
      catalog: i.catalog,
      transitions: i.transitions,
      initial: i.initial,
      ops: i.steps.map((s) => s.op),
      leavesStuck: simulated(i).final.forced.length > 0,
    })),
    config,
  );
  if (vm.kind !== 'ran') return vm;
  const { plans, ...rest } = vm;
  const results = inputs.flatMap((input, i) => {
    const run = plans[i];
    if (run === undefined) return [];
    return [{ input, run, differences: compare ? differencesOf(input, run) : null }];
  });
  return { ...rest, results };
}
