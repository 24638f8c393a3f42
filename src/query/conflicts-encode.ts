/**
 * Rollouts as terms: loading a selection of catalog patches one after another from an empty
 * system (`insmod` each, every transition completing at once, no other operation between), as
 * the rule compiler's symbolic configurations (src/smt/symbolic.ts).
 *
 * Mirrors the simulator (src/kernel/) on exactly that sequence: the candidate is checked by the
 * rules' `on enable` block against every patch on klp_patches; on completion it is appended and
 * every patch before it that the rules say it `replaces` leaves the list
 * (transition.c `klp_complete_transition()`). Nothing else can happen: from an empty system
 * with auto transitions no insmod meets a module already loaded (EEXIST) or a transition in
 * progress (EBUSY), so only the rules can reject.
 *
 * Two encodings, both over one selector per catalog patch ("this patch is in the set"):
 * - {@link symbolicRollout}: the order is free (a position term per patch); satisfiable under
 *   the selection exactly when SOME order of the selected patches loads;
 * - {@link fixedOrderFails}: the order is a given permutation of the catalog; true exactly when
 *   that order, restricted to the selected patches, hits a rejection.
 *
 * Guarantees (test/query/conflicts*.test.ts checks both against the simulator): for every
 * assignment of the selectors, the terms agree with replaying the rollout on the simulator
 * under the rule set the `SymbolicRules` were compiled from.
 */
import type { Catalog } from '../model/catalog.ts';
import {
  and,
  boolVar,
  bv,
  bvule,
  bvult,
  bvVar,
  eq,
  FALSE,
  implies,
  not,
  or,
  TRUE,
} from '../smt/factory.ts';
import {
  concretePatch,
  POS_WIDTH,
  type SymbolicRules,
  type SymConfig,
  type SymInstalled,
  type SymPatch,
} from '../smt/symbolic.ts';
import type { Term } from '../smt/term.ts';

/** Position meaning "never": the removal time of a patch nothing replaces. */
const NEVER = (1n << BigInt(POS_WIDTH)) - 1n;

/** The catalog's patches as symbolic patches, one object each (the compiler caches per object). */
export function symbolicPatches(cat: Catalog): readonly SymPatch[] {
  return cat.patches.map(concretePatch);
}

/** The largest catalog a position term can order. */
export const MAX_ROLLOUT_PATCHES = Number(NEVER) - 1;

function violated(rules: SymbolicRules, cfg: SymConfig, candidate: SymPatch): Term {
  return or(...rules.enableViolations(cfg, candidate).map((v) => v.violated));
}

export interface SymbolicRollout {
  /** `selected[i]`: catalog patch i is in the set. */
  readonly selected: readonly Term[];
  /** `position[i]`: its place in the order (lower loads earlier); meaningful where selected. */
  readonly position: readonly Term[];
  /** True together exactly when the selected patches, in position order, all load. */
  readonly constraints: readonly Term[];
}

/**
 * The rollout with a free order: selectors `<prefix>sel.<i>`, positions `<prefix>pos.<i>`
 * (distinct among selected patches, below the catalog size) and, per patch, the position of the
 * first selected patch after it that replaces it, `<prefix>gone.<i>` ({@link NEVER} if none).
 * A patch `r` is on klp_patches when `q` loads iff `pos r < pos q <= gone r`: the encoding is
 * quadratic in the catalog, not cubic.
 *
 * INVARIANT: given the selectors and positions, the `gone` values are determined, by induction
 * on position: whether `t` replaces `r` is asked on the configuration at `t`'s completion,
 * which depends only on `gone` values compared with earlier positions.
 *
 * @example
 * const r = symbolicRollout(cat, rules, 'r.');
 * // sat with r.sel.0 and r.sel.1 assumed: some order of patches 0 and 1 loads
 */
export function symbolicRollout(
  cat: Catalog,
  rules: SymbolicRules,
  prefix: string,
  patches: readonly SymPatch[] = symbolicPatches(cat),
): SymbolicRollout {
  const n = cat.patches.length;
  if (n > MAX_ROLLOUT_PATCHES) {
    throw new RangeError(`a rollout orders at most ${MAX_ROLLOUT_PATCHES} patches, got ${n}`);
  }
  const sel = patches.map((_, i) => boolVar(`${prefix}sel.${i}`));
  const pos = patches.map((_, i) => bvVar(`${prefix}pos.${i}`, POS_WIDTH));
  const gone = patches.map((_, i) => bvVar(`${prefix}gone.${i}`, POS_WIDTH));
  const at = <T>(xs: readonly T[], i: number): T => {
    const x = xs[i];
    if (x === undefined) throw new Error(`unreachable: no patch ${i}`);
    return x;
  };
  /** `r` is on klp_patches just before `q` loads. */
  const onBefore = (r: number, q: number): Term =>
    r === q
      ? FALSE
      : and(at(sel, r), bvult(at(pos, r), at(pos, q)), bvule(at(pos, q), at(gone, r)));
  /** klp_patches when `q` loads (`withSelf`: on completion of its patching transition). */
  const config = (q: number, withSelf: boolean): SymConfig => ({
    catalog: cat,
    patches: patches.map((patch, r): SymInstalled => {
      const on = r === q ? (withSelf ? at(sel, q) : FALSE) : onBefore(r, q);
      return { patch, on, pos: at(pos, r), enabled: on };
    }),
  });

  const constraints: Term[] = [];
  const size = bv(n, POS_WIDTH);
  for (let i = 0; i < n; i++) {
    constraints.push(bvult(at(pos, i), size));
    for (let j = i + 1; j < n; j++) {
      constraints.push(implies(and(at(sel, i), at(sel, j)), not(eq(at(pos, i), at(pos, j)))));
    }
  }
  // gone[r] = the least position of a selected t after r that replaces r, else NEVER.
  const completions = patches.map((_, t) => config(t, true));
  for (let r = 0; r < n; r++) {
    const replacers: Term[] = [];
    for (let t = 0; t < n; t++) {
      if (t === r) continue;
      const rep = rules.replaces(at(completions, t), at(patches, t), at(patches, r));
      const replacer = and(at(sel, t), bvult(at(pos, r), at(pos, t)), rep);
      if (replacer === FALSE) continue;
      constraints.push(implies(replacer, bvule(at(gone, r), at(pos, t))));
      replacers.push(and(replacer, eq(at(gone, r), at(pos, t))));
    }
    constraints.push(or(eq(at(gone, r), bv(NEVER, POS_WIDTH)), ...replacers));
  }
  for (let q = 0; q < n; q++) {
    constraints.push(implies(at(sel, q), not(violated(rules, config(q, false), at(patches, q)))));
  }
  return { selected: sel, position: pos, constraints: constraints.filter((c) => c !== TRUE) };
}

/**
 * True iff loading the selected patches in the order `order` (a permutation of catalog
 * indices; unselected patches are skipped) hits a rejection. Selectors are `selected[i]`.
 * Null when `deadline` (epoch milliseconds) passes before the term is built.
 *
 * @example
 * fixedOrderFails(cat, rules, [1, 0], sel) // "loading patch 1, then patch 0, fails"
 */
export function fixedOrderFails(
  cat: Catalog,
  rules: SymbolicRules,
  order: readonly number[],
  selected: readonly Term[],
  patches: readonly SymPatch[] = symbolicPatches(cat),
  deadline: number = Number.POSITIVE_INFINITY,
): Term | null {
  const rank = new Map(order.map((p, k) => [p, k]));
  /** Patch index -> "on klp_patches now", for patches loaded so far. */
  const alive = new Map<number, Term>();
  // Only patches that may be on klp_patches are listed: the ones loaded so far (and the one
  // completing). The others are off in every assignment, and the rule compiler treats an
  // unlisted patch as off, so leaving them out keeps the term linear in what was loaded.
  const config = (self: number | null): SymConfig => ({
    catalog: cat,
    patches: patches.flatMap((patch, r): SymInstalled[] => {
      const on = r === self ? (selected[r] ?? FALSE) : (alive.get(r) ?? FALSE);
      return on === FALSE ? [] : [{ patch, on, pos: bv(rank.get(r) ?? 0, POS_WIDTH), enabled: on }];
    }),
  });
  const failures: Term[] = [];
  for (const [k, q] of order.entries()) {
    // Quadratic in the order's length: long orders stop at the deadline (every 32 patches).
    if (k % 32 === 31 && Date.now() >= deadline) return null;
    const sq = selected[q];
    const pq = patches[q];
    if (sq === undefined || pq === undefined) throw new RangeError(`no catalog patch ${q}`);
    failures.push(and(sq, violated(rules, config(null), pq)));
    // Only reached when q loaded: a failed load ends the rollout, whatever follows.
    const completion = config(q);
    for (const [r, on] of alive) {
      const rp = patches[r];
      if (rp === undefined) continue;
      // `on and not replaced`, written `not (on => replaced)`: one node per step. `and` would
      // flatten the earlier steps into each new term (cubic in the order's length).
      const replaced = and(sq, rules.replaces(completion, pq, rp));
      alive.set(r, replaced === FALSE ? on : not(implies(on, replaced)));
    }
    alive.set(q, sq);
  }
  return or(...failures);
}
