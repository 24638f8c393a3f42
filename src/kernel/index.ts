/**
 * The kernel simulator's public surface: `step`/`run` over `System` values, and the
 * `KernelRules` interface through which it asks a rule set (rules/, via src/eval) what is
 * admissible. Nothing here decides admissibility or replacement by itself.
 */

export {
  catalogFunctions,
  type FuncOwner,
  functionOwners,
  type KlpFuncEntry,
  type KlpOps,
  klpFtraceHandler,
  klpFuncStacks,
} from './func-stack.ts';
export { installStack, type Stack, type StackError } from './install.ts';
export type { KernelRules, Verdict, Violation } from './rules.ts';
export { run, type SimOptions, type StepOutcome, step } from './simulator.ts';
export { commandLine, SYSFS_KLP_DIR, userspaceError } from './transcript.ts';
