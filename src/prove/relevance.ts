/**
 * Cone of influence: the patches whose operations can matter to a claim. The others are left
 * out of the transition system, which keeps the answer and the length of the shortest
 * counterexample the same while the solver no longer weighs their operations.
 *
 * A patch is relevant when the claim reads its place on klp_patches; when the enable or
 * disable guard of a relevant patch reads it; or when it can replace a relevant patch. A patch
 * `y` cannot replace `q` when the rules' replace condition is false for the pair, or when the
 * rules reject `insmod y` whenever `q` is installed and enabled: a completion removes only the
 * patches that were on klp_patches, below `y`, when `y` was loaded.
 *
 * Why leaving the others out is exact (docs/semantics.md, "Proofs over every operation
 * sequence"): an irrelevant patch's state is read by no rule that decides a relevant patch's
 * operation, and its operations change no relevant patch's state, except that its pending
 * transition makes other operations fail with EBUSY. So deleting its operations (and the
 * operations that failed) from a sequence leaves every relevant patch's state as it was, step
 * by step; and a sequence that never touches it is a sequence of the whole catalog.
 */
import { FALSE, TRUE } from '../smt/factory.ts';
import { freeVars, type Term } from '../smt/term.ts';
import type { TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';

/**
 * Universe indices of the patches a template reads (`on`, `enabled`, order, and for function
 * ownership claims the transition variables).
 */
function patchesRead(t: Term): number[] {
  const out: number[] = [];
  for (const name of freeVars([t]).keys()) {
    const m = /^tpl\.(?:on|en|bl|tp|tu)\.(\d+)(?:\.(\d+))?$/.exec(name);
    if (m === null) continue;
    out.push(Number(m[1]));
    if (m[2] !== undefined) out.push(Number(m[2]));
  }
  return out;
}

/**
 * The relevant patches of `ts` for the claim template `bad`, as universe indices, sorted; null
 * when the deadline (`Date.now()` milliseconds) passed first: the search reads every guard of
 * every relevant patch, quadratic in the catalog, and on thousands of patches it alone would
 * outlast any time limit.
 *
 * @example
 * relevantPatches(ts, bad).map((x) => ts.patch(x).name)
 */
export function relevantPatches(
  ts: TransitionSystem,
  bad: Term,
  deadline = Number.POSITIVE_INFINITY,
): number[] | null {
  const relevant = new Set<number>();
  const queue: number[] = [];
  const add = (x: number) => {
    if (relevant.has(x)) return;
    relevant.add(x);
    queue.push(x);
  };
  for (const x of patchesRead(bad)) add(x);
  for (let q = queue.pop(); q !== undefined; q = queue.pop()) {
    for (const x of patchesRead(ts.enableRejected(q))) add(x);
    for (const x of patchesRead(ts.disableRejected(q))) add(x);
    const installed = `tpl.on.${q}`;
    const enabled = `tpl.en.${q}`;
    const withQ = new Substitution((n) => (n === installed || n === enabled ? TRUE : undefined));
    for (let y = 0; y < ts.size; y++) {
      if (y === q) continue;
      if (Date.now() >= deadline) return null;
      const r = ts.replaces(y, q);
      if (r === FALSE) continue;
      // Never loaded while `q` is installed: it never completes with `q` below it.
      if (!relevant.has(y) && withQ.apply(ts.enableRejected(y)) === TRUE) continue;
      add(y);
      for (const x of patchesRead(r)) add(x);
    }
  }
  return [...relevant].sort((a, b) => a - b);
}
