/**
 * The brute-force explorer: breadth-first search over every configuration the kernel
 * simulator can reach, used as the test oracle for every symbolic (SMT) query. Exact, slow,
 * bounded by explicit limits, and never guessing: a limit gives `unknown`.
 */
export {
  checkInvariant,
  type Exploration,
  type ExploreOptions,
  type ExploreStatus,
  explore,
  type InvariantResult,
  type PathResult,
  type Reached,
  shortestPath,
} from './explore.ts';
export {
  type LoadableOptions,
  type LoadableVerdict,
  type MinimalPatchSet,
  minimalPatchSet,
  provesLoadable,
  restrictCatalog,
} from './loadable.ts';
export { DEFAULT_MAX_STATES, type Limit, type SearchLimits, type SearchOptions } from './search.ts';
