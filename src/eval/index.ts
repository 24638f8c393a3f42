/**
 * The concrete evaluator's public API: load a rule set, use it as the simulator's
 * `KernelRules`, explain decisions, audit systems and catalogs.
 */
export {
  evalInvariant,
  evalInvariants,
  evalPolicies,
  evalPolicy,
  type RuleViolation,
} from './audit.ts';
export { type Env, evalExpr, renderTemplate } from './eval.ts';
export {
  explainDisable,
  explainEnable,
  kernelRules,
  type RuleExplanation,
} from './kernel-rules.ts';
export {
  type Binding,
  type BindingOutcome,
  evalRule,
  formatBinding,
  type RuleOutcome,
} from './rules.ts';
export {
  catalogWorld,
  type EvalError,
  type EvalResult,
  formatValue,
  patchFamily,
  systemWorld,
  type Value,
  type World,
} from './value.ts';
