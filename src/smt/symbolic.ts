/**
 * The contract between the rule compiler (src/smt/compile.ts) and every symbolic query (plan
 * proofs, `prove`, conflicts, upgrade paths, synthesis): configurations and patches whose
 * attributes are terms, and the questions a rule set answers about them, as terms.
 *
 * A concrete catalog patch is given as {@link concretePatch}: its attributes are literals, so
 * compiled rules fold to small terms over the configuration's variables (for the upstream rules
 * over a concrete candidate: "no incompatible patch is on klp_patches"). A symbolic patch (the
 * patch being synthesized, or installed patches whose facts are tracked for explanations) has
 * variables for its attributes over a finite universe of state ids.
 *
 * INVARIANT: for every assignment of the variables, a compiled term is true exactly when the
 * concrete evaluator (src/eval) says so on the configuration and patches the assignment
 * describes. test/smt/compile*.test.ts checks this differentially.
 */
import type { Catalog } from '../model/catalog.ts';
import { funcKey, type Patch } from '../model/patch.ts';
import { bool, bv, TRUE } from './factory.ts';
import type { Term } from './term.ts';

/** Width of position terms on klp_patches. */
export const POS_WIDTH = 16;

/** A patch whose attributes are terms. */
export interface SymPatch {
  /** Identity: the module name (also used for `p == q`). */
  readonly name: string;
  /** Set when every attribute is a literal; compilers may then iterate its real state entries. */
  readonly concrete: Patch | null;
  readonly replace: Term; // Bool
  readonly replaceSet: Term; // BV32
  /**
   * The state ids this patch may carry, each with whether it does and at which version.
   * For a concrete patch: its entries in declaration order, duplicates included (installed
   * patches have every entry checked), with `has` true.
   */
  readonly states: readonly SymState[];
  /** Functions it may patch (by `funcKey`), each with whether it does. */
  readonly functions: readonly { readonly key: string; readonly has: Term }[];
}

export interface SymState {
  readonly id: bigint;
  readonly has: Term; // Bool
  readonly version: Term; // BV32
  readonly blockDisable: Term; // Bool
}

/**
 * A configuration of the kernel over a fixed catalog: which patches are on klp_patches, in
 * which order, and which are enabled (not being unpatched).
 */
export interface SymConfig {
  readonly catalog: Catalog;
  /** One entry per catalog patch that may be installed, in catalog order. */
  readonly patches: readonly SymInstalled[];
}

export interface SymInstalled {
  readonly patch: SymPatch;
  /** On klp_patches. */
  readonly on: Term; // Bool
  /** Position on klp_patches (lower is older); meaningful only where `on` holds. */
  readonly pos: Term; // BV(POS_WIDTH)
  /** `patch->enabled`: on klp_patches and not being unpatched. */
  readonly enabled: Term; // Bool
}

/** One rule of a block, with the term that is true when some binding violates it. */
export interface SymViolation {
  readonly rule: string;
  /** True iff the rule is violated (some binding). */
  readonly violated: Term;
}

/** What the rule compiler answers about a configuration. */
export interface SymbolicRules {
  readonly name: string;
  /** Each `rule` of `on enable`, violated enabling `candidate` on `cfg`. */
  enableViolations(cfg: SymConfig, candidate: SymPatch): readonly SymViolation[];
  /** Each `rule` of `on disable`, violated disabling `target` (on `cfg`). */
  disableViolations(cfg: SymConfig, target: SymInstalled): readonly SymViolation[];
  /** True iff `incoming`, completing its patching transition, replaces `old`. */
  replaces(cfg: SymConfig, incoming: SymPatch, old: SymPatch): Term;
}

/**
 * A catalog patch as a symbolic patch with literal attributes.
 *
 * @example
 * concretePatch(patch('a', { replace: true })).replace // TRUE
 */
export function concretePatch(p: Patch): SymPatch {
  return {
    name: p.name,
    concrete: p,
    replace: bool(p.replace),
    replaceSet: bv(p.replaceSet, 32),
    states: p.states.map((s) => ({
      id: s.id,
      has: TRUE,
      version: bv(s.version, 32),
      blockDisable: bool(s.blockDisable),
    })),
    functions: p.functions.map((f) => ({ key: funcKey(f), has: TRUE })),
  };
}
