/**
 * The solver layer's public face: asking Z3 and explaining its answers. Everything here takes
 * and returns our own terms (src/smt/term.ts) and plain values; no Z3 type leaks out.
 */
export {
  type CheckOptions,
  type CheckResult,
  check,
  checkSmtlib,
  type IncrementalSolver,
  incremental,
  type Objective,
  type OptimizeProblem,
  type OptimizeResult,
  optimize,
  type ScriptAnswer,
  type SoftConstraint,
  solverChecks,
  toSmtlibViaZ3,
  type Unknown,
  type UnknownReason,
} from './check.ts';
export {
  type CoreMinimization,
  type CorrectionSets,
  enumerateCorrectionSets,
  minimizeCore,
  type SmallestCorrection,
  smallestCorrectionSet,
} from './cores.ts';
export { type LexResult, lexMinimize } from './lex.ts';
export { shutdown, solverVersion } from './session.ts';
