/**
 * The one interface through which the kernel simulator asks what is admissible.
 *
 * The simulator owns the mechanics of `klp_patches`, transitions, module references and the
 * log; every decision that differs between rule sets (may this patch be enabled, may it be
 * disabled, which installed patches does a completing patch replace) is asked here. The rule
 * language (src/lang, src/eval) implements this interface from the files under `rules/`.
 */
import type { Catalog } from '../model/catalog.ts';
import type { Errno } from '../model/op.ts';
import type { Patch } from '../model/patch.ts';
import type { System } from '../model/system.ts';

/** One reason a rule rejects an operation, with its witness. */
export interface Violation {
  /** Rule name, e.g. `cumulative-handles-all`. */
  readonly rule: string;
  /** The sentence the rule enforces, e.g. the kernel commit's wording. */
  readonly sentence: string;
  /** The rule's message, rendered with its witness. */
  readonly message: string;
  /** The installed patch whose state (or function) is in the way, if any. */
  readonly installedBy: string | null;
  /** The state id involved, if any. */
  readonly state: bigint | null;
  /** That state's version in `installedBy`. */
  readonly installedVersion: number | null;
  /** The version the patch being checked declares for `state`; null when it lacks the state. */
  readonly newVersion: number | null;
}

export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly errno: Errno;
      /** Kernel log lines printed on rejection (without the `livepatch: ` prefix). */
      readonly log: readonly string[];
      /** Every violation, in rule order then binding order: never only the first. */
      readonly violations: readonly Violation[];
    };

export interface KernelRules {
  /** Rule set name, e.g. `upstream`. */
  readonly name: string;
  /**
   * `klp_is_patch_compatible()`: may `candidate` be enabled on top of `sys.klpPatches`
   * (every patch on the list, including one in transition in either direction)?
   */
  enable(sys: System, cat: Catalog, candidate: Patch): Verdict;
  /**
   * Extra guard on `echo 0 > enabled` for an enabled patch, checked right after the
   * "already in requested state" check (block-disable proposal). `{ ok: true }` upstream.
   */
  disable(sys: System, cat: Catalog, target: Patch): Verdict;
  /**
   * On completion of a patching transition of `incoming`: is the installed patch `old`
   * replaced (unpatched, disabled and removed from `klp_patches`)? Also decides which
   * patches a forced patching transition marks as forced.
   */
  replaces(sys: System, cat: Catalog, incoming: Patch, old: Patch): boolean;
}
