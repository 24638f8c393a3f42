/**
 * Input files to model: catalog and plan files (YAML or JSON) and rule files, validated with every problem
 * reported as a diagnostic pointing into the file.
 */

export {
  loadCatalogFile,
  type PatchDecl,
  parseCatalog,
  parseCatalogBytes,
  type SourcedCatalog,
  type StateDecl,
  stateDecl,
} from './catalog.ts';
export { INGEST_CODES, type IngestCode } from './codes.ts';
export {
  loadPlanFile,
  type Plan,
  type PlanStep,
  parsePlan,
  parsePlanBytes,
} from './plan.ts';
export type { Loaded } from './reporter.ts';
export { loadRuleSet, RULE_DIRS, ruleSetNames } from './rule-file.ts';
