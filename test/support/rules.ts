/**
 * The shipped rule sets as the simulator asks them (rules/kernel/*.klp through the evaluator),
 * for tests.
 */
import { kernelRules } from '../../src/eval/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { KernelRules } from '../../src/kernel/rules.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';

/** A shipped rule set, checked; throws when it does not load (a bug in the shipped files). */
export function checkedRuleSet(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(`rule set \`${name}\` does not load`);
  return r.value;
}

export function rulesNamed(name: string): KernelRules {
  return kernelRules(checkedRuleSet(name));
}

export const upstreamRules: KernelRules = rulesNamed('upstream');
export const replaceRules: KernelRules = rulesNamed('replace');
export const blockDisableRules: KernelRules = rulesNamed('block-disable');
export const replaceSetRules: KernelRules = rulesNamed('replace-set');

/** The kernel's line for an incompatible patch (upstream `on enable` reject log). */
export function notCompatibleLine(name: string): string {
  return `Livepatch patch (${name}) is not compatible with the already installed livepatches.`;
}
