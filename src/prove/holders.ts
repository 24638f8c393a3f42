/**
 * Patches that can never be loaded because some patch that keeps them out is always enabled:
 * a reachability invariant that lets the engine leave those patches out of the transition
 * system before anything is unrolled.
 *
 * Under the block-disable rules a patch with a block_disable state cannot be disabled, only
 * replaced by a cumulative patch that carries the state, which then cannot be disabled either.
 * From a stack with such a patch, at every step SOME patch of a chain of releases is enabled
 * (not one patch, as src/prove/strengthen.ts asks: each release replaces the one before), and
 * every patch the rules reject while any release of the chain is enabled is never loaded.
 *
 * - `holders`: the least set containing the initially enabled patches whose disable the rules
 *   always reject while they are enabled, closed under the patches that may be loaded and may
 *   replace a holder (each of which must itself be undisableable while enabled, else there is
 *   no invariant).
 * - `neverLoaded`: the patches, not loaded initially, whose insmod the rules reject whichever
 *   holder is enabled.
 * The invariant: some holder is enabled, and no patch of `neverLoaded` is loaded.
 *
 * Leaving `neverLoaded` out is exact: in every reachable configuration their modules are not
 * loaded, so every operation on them fails (insmod is rejected, the others find nothing) and
 * changes nothing; the reachable configurations and the fewest operations to each stay the
 * same. The analysis only proposes: the engine uses it only after Z3 found its initiation and
 * consecution queries unsatisfiable (src/prove/engine.ts `checkInductive`).
 */
import { and, FALSE, implies, not, or, TRUE } from '../smt/factory.ts';
import type { Term } from '../smt/term.ts';
import type { StateTerms, TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';

export interface Holders {
  /** Universe indices of the patches of which one is always enabled. */
  readonly holders: readonly number[];
  /** Universe indices of the patches that are never loaded. */
  readonly neverLoaded: readonly number[];
}

/**
 * The analysis over the transition system's templates; null when it finds no holder or a
 * patch that could take a holder's place and then be disabled.
 *
 * @example
 * holders(ts)?.neverLoaded.map((x) => ts.patch(x).name) // e.g. every release outside the chain
 */
export function holders(ts: TransitionSystem): Holders | null {
  const init = ts.options.initial;
  const indexOf = (n: string) => ts.index.get(n);
  const initiallyLoaded = new Set(
    init.loaded.map(indexOf).filter((x): x is number => x !== undefined),
  );
  /** Rules folded with `m` on klp_patches and enabled. */
  const withEnabled = (m: number) =>
    new Substitution((name) =>
      name === `tpl.on.${m}` || name === `tpl.en.${m}` ? TRUE : undefined,
    );
  const subs = new Map<number, Substitution>();
  const sub = (m: number) => {
    let s = subs.get(m);
    if (s === undefined) {
      s = withEnabled(m);
      subs.set(m, s);
    }
    return s;
  };
  const undisableable = (m: number) => sub(m).apply(ts.disableRejected(m)) === TRUE;
  const unpatching = init.transition?.target === 'unpatched' ? init.transition.patch : null;
  const set = new Set(
    init.klpPatches
      .filter((n) => n !== unpatching)
      .map(indexOf)
      .filter((x): x is number => x !== undefined && undisableable(x)),
  );
  if (set.size === 0) return null;
  /** Rejected while holder `m` is enabled, for every holder so far. */
  const rejected = new Map<number, Set<number>>();
  const keptOut = (x: number) => {
    for (const m of set) {
      let r = rejected.get(m);
      if (r === undefined) {
        r = new Set();
        rejected.set(m, r);
      }
      if (!r.has(x)) {
        if (sub(m).apply(ts.enableRejected(x)) !== TRUE) return false;
        r.add(x);
      }
    }
    return true;
  };
  for (;;) {
    const mayLoad: number[] = [];
    for (let x = 0; x < ts.size; x++) {
      if (initiallyLoaded.has(x) || !keptOut(x)) mayLoad.push(x);
    }
    const joining = mayLoad.filter(
      (y) => !set.has(y) && [...set].some((m) => ts.replaces(y, m) !== FALSE),
    );
    if (joining.length === 0) {
      const may = new Set(mayLoad);
      const neverLoaded: number[] = [];
      for (let x = 0; x < ts.size; x++) if (!may.has(x)) neverLoaded.push(x);
      return { holders: [...set].sort((a, b) => a - b), neverLoaded };
    }
    for (const y of joining) {
      if (!undisableable(y)) return null;
      set.add(y);
    }
  }
}

/**
 * The invariant of {@link holders} in state `s`: some holder is enabled (and a holder in
 * transition is on klp_patches, at most one holder is in transition); no patch of `neverLoaded` is loaded, on klp_patches or in
 * transition.
 *
 * @example
 * holdersInvariant(h, ts.variables('s.')) // (and ... (or s.on.klp_chain_1 ...) (not s.ld.klp_other) ...)
 */
export function holdersInvariant(h: Holders, s: StateTerms): Term {
  const trans = h.holders.flatMap((m) => [s.tp(m), s.tu(m)]);
  const atMostOne = trans.flatMap((a, i) => trans.slice(i + 1).map((b) => not(and(a, b))));
  return and(
    ...h.holders.map((m) => implies(or(s.tp(m), s.tu(m)), s.on(m))),
    ...atMostOne,
    or(...h.holders.map((m) => s.enabled(m))),
    ...h.neverLoaded.flatMap((x) => [not(s.ld(x)), not(s.on(x)), not(s.tp(x)), not(s.tu(x))]),
  );
}
