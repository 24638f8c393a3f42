/**
 * Proofs over every operation sequence of a catalog: `prove loadable`, `prove invariant` and
 * the function ownership claims (`original`, `newest`)
 * as functions, for the CLI (src/cli/commands/prove.ts), the benchmarks and scripts.
 */

export type { TransitionMode } from '../model/system.ts';
export {
  type CertificateQuery,
  checkInductive,
  type Decision,
  decide,
  type EngineOptions,
  type EngineStats,
  MAX_UNROLLING,
  type Proof,
  type ProofMethod,
  STATE,
  verifyInvariant,
} from './engine.ts';
export { type Holders, holders, holdersInvariant } from './holders.ts';
export { type Drop, type MinimalSet, minimalSet } from './minimize.ts';
export { type OwnershipClaim, ownershipBad, ownershipViolated } from './ownership.ts';
export {
  type Claim,
  type Posed,
  type Problem,
  type ProblemError,
  pose,
} from './problem.ts';
export {
  type Certificate,
  type Counterexample,
  DEFAULT_TIMEOUT_MS,
  type Explanation,
  type InvariantInput,
  type LoadableInput,
  type OwnershipInput,
  ownershipWords,
  type ProveInput,
  type ProveResult,
  type ProveStats,
  proveInvariant,
  proveLoadable,
  proveOwnership,
  type Verdict,
} from './prove.ts';
