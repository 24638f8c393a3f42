/**
 * The kernel simulator's public surface: `step`/`run` over `System` values, the native
 * `upstream` and `replace` rule sets, and the `KernelRules` interface other rule sets implement.
 */
export { replaceRules, upstreamRules } from './rule-sets.ts';
export type { KernelRules, Verdict, Violation } from './rules.ts';
export { run, type SimOptions, type StepOutcome, step } from './simulator.ts';
export {
  CUMULATIVE_HANDLES_ALL,
  klpIsPatchCompatible,
  notCompatibleLine,
  SAME_OR_HIGHER_VERSION,
} from './state.ts';
export { commandLine, SYSFS_KLP_DIR, userspaceError } from './transcript.ts';
