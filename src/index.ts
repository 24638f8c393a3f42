/**
 * klp-verify as a library: the typed entry points behind every command, for scripts and other
 * tools. Results are data; the renderers of src/report/ turn them into the text and JSON the
 * command line prints.
 *
 * @example
 * import { loadCatalogFile, loadRuleSet, proveLoadable } from 'klp-verify';
 * const catalog = loadCatalogFile('stream.catalog.yaml');
 * const rules = loadRuleSet('upstream');
 * if (catalog.kind === 'ok' && rules.kind === 'ok') {
 *   const r = await proveLoadable({
 *     catalog: catalog.value, ruleSet: rules.value, patch: 'klp_r4', initial: [],
 *     transitions: 'auto', timeoutMs: 60_000, catalogName: 'stream.catalog.yaml',
 *   });
 *   console.log(r.verdict); // 'refuted'
 * }
 */

export { resolveRules } from './analysis/rulesets.ts';
/** Runs a plan on the kernel simulator (`klp-verify simulate`). */
export { type PlanInput, type PlanRun, runPlan as simulate } from './analysis/run-plan.ts';
/** Runs a plan and proves every step with the solver (`klp-verify check`). */
export {
  type PlanProof,
  provePlan as check,
  type StepProofResult,
} from './analysis/step-proof.ts';
export { kernelRules } from './eval/index.ts';
export {
  loadCatalogFile,
  loadPlanFile,
  type Plan,
  parseCatalog,
  parsePlan,
  type SourcedCatalog,
} from './ingest/index.ts';
export { loadRuleSet, ruleSetNames } from './ingest/rule-file.ts';
export { type KernelRules, step } from './kernel/index.ts';
export type { CheckedRuleSet } from './lang/checker.ts';
export type { Catalog } from './model/catalog.ts';
export type { Patch } from './model/patch.ts';
export type { System } from './model/system.ts';
export {
  type ProveResult,
  proveInvariant,
  proveLoadable,
} from './prove/index.ts';
/** Every minimal set of patches that loads in no order (`klp-verify conflicts`). */
export { conflictRules, findConflicts as conflicts } from './query/conflicts.ts';
export { type DiffRulesResult, diffRules } from './query/diff-rules.ts';
export { type SynthResult, synthesize as synth } from './query/synth.ts';
export { type UpgradeResult, upgrade } from './query/upgrade.ts';
export { SCHEMA_VERSION } from './report/json.ts';
export { shutdown as shutdownSolver } from './smt/z3/index.ts';
export { type Diagnostic, renderDiagnostic } from './source/diagnostic.ts';
export { Source } from './source/source.ts';
