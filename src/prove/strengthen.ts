/**
 * A candidate invariant from a cheap analysis of which patches stay installed and which can
 * never be loaded, for claims that hold because some installed patch can never leave (under
 * the block-disable rules, a patch with a block_disable state that nothing can replace) and
 * keeps others out.
 *
 * - `stays`: patches of the initial klp_patches whose disable the rules always reject while
 *   every patch of `stays` is enabled, and that no patch that may be loaded replaces.
 * - `mayLoad`: the initial patches, and every patch whose insmod the rules do not always
 *   reject while every patch of `stays` is enabled.
 * Computed as the greatest `stays` consistent with the `mayLoad` it implies.
 *
 * The result is only a candidate: it is used only after the three certificate queries show it
 * inductive and safe (src/prove/engine.ts `verifyInvariant`), so a rule set whose guards do not
 * fold the way this analysis expects costs a failed attempt, never a wrong answer.
 */
import { and, FALSE, not, TRUE } from '../smt/factory.ts';
import type { Term } from '../smt/term.ts';
import type { TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';

export interface Strengthening {
  /** Universe indices of the patches that stay on klp_patches, enabled, forever. */
  readonly stays: readonly number[];
  /** Universe indices of the patches that are never loaded. */
  readonly neverLoaded: readonly number[];
}

/**
 * The analysis over the transition system's templates.
 *
 * @example
 * strengthen(ts).stays.map((x) => ts.patch(x).name) // e.g. ['guard']
 */
export function strengthen(ts: TransitionSystem): Strengthening {
  const init = ts.options.initial;
  const initialOn = new Set(
    init.klpPatches.map((n) => ts.index.get(n)).filter((x): x is number => x !== undefined),
  );
  const initiallyLoaded = new Set(
    init.loaded.map((n) => ts.index.get(n)).filter((x): x is number => x !== undefined),
  );
  let stays = new Set(
    [...initialOn].filter(
      (x) => init.transition === null || ts.patch(x).name !== init.transition.patch,
    ),
  );
  for (;;) {
    // Template variables of the patches that stay: on klp_patches and enabled.
    const fixed = new Set([...stays].flatMap((m) => [`tpl.on.${m}`, `tpl.en.${m}`]));
    const sub = new Substitution((name) => (fixed.has(name) ? TRUE : undefined));
    const mayLoad = new Set(initiallyLoaded);
    for (let x = 0; x < ts.size; x++) {
      if (!mayLoad.has(x) && sub.apply(ts.enableRejected(x)) !== TRUE) mayLoad.add(x);
    }
    const next = new Set(
      [...stays].filter(
        (m) =>
          sub.apply(ts.disableRejected(m)) === TRUE &&
          [...mayLoad].every((y) => y === m || sub.apply(ts.replaces(y, m)) === FALSE),
      ),
    );
    if (next.size === stays.size) {
      const neverLoaded: number[] = [];
      for (let x = 0; x < ts.size; x++) if (!mayLoad.has(x)) neverLoaded.push(x);
      return { stays: [...stays], neverLoaded };
    }
    stays = next;
  }
}

/**
 * The facts of a strengthening over the variable state `prefix`: each patch that stays is
 * loaded, on klp_patches and in no transition; each patch never loaded is neither loaded nor
 * on klp_patches.
 *
 * @example
 * strengtheningFacts(ts, strengthen(ts), 's.') // e.g. (and s.ld.guard s.on.guard (not s.on.blocker) ...)
 */
export function strengtheningFacts(ts: TransitionSystem, st: Strengthening, prefix: string): Term {
  const s = ts.variables(prefix);
  return and(
    ...st.stays.flatMap((m) => [s.ld(m), s.on(m), not(s.tp(m)), not(s.tu(m))]),
    ...st.neverLoaded.flatMap((q) => [not(s.ld(q)), not(s.on(q))]),
  );
}
