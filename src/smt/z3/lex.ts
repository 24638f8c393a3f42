/**
 * Lexicographic minimization of unsigned bit-vector objectives by incremental checks on one
 * solver: the same optimum as Z3's `Optimize` with the objectives in that order (src/smt/z3/
 * check.ts `optimize`), found with a few checks per objective instead of Optimize's search
 * over every bit of every objective. Built on src/smt/z3/check.ts only.
 *
 * Each objective in turn: its value in the current model is an upper bound; galloping from the
 * proved lower bound (is it <= lo? <= lo + 1? <= lo + 3? ...), then bisection, finds the least
 * value under the objectives fixed before; that value is then asserted. A small optimum (the
 * usual case: versions, counts, 0/1 flags) costs one or two checks.
 *
 * Guarantees: `optimal` carries a model (checked by src/smt/z3/check.ts against every
 * assertion) in which every objective has its lexicographically least value; `unsat` and
 * `unknown` are passed on, never folded into an optimum.
 */
import { bv, bvule, eq } from '../factory.ts';
import type { Assignment } from '../interpret.ts';
import { interpret } from '../interpret.ts';
import { freeVars, type NamedAssertion, type Term } from '../term.ts';
import { type CheckOptions, incremental, type Unknown } from './check.ts';

export type LexResult =
  | {
      readonly kind: 'optimal';
      readonly model: Assignment;
      /** The least value of each objective, in the caller's order. */
      readonly objectives: readonly bigint[];
    }
  | { readonly kind: 'unsat'; readonly core: readonly string[] }
  | Unknown;

function widthOf(t: Term): number {
  if (t.sort.kind !== 'bitvec') throw new TypeError('an objective must be a bit-vector');
  return t.sort.width;
}

/**
 * `model` with a value for every variable of the objectives: one that no assertion reads is
 * free, and its least value, 0 (false), is what a minimum takes.
 */
function completed(model: Assignment, objectives: readonly Term[]): Assignment {
  const out = new Map(model);
  for (const [name, sort] of freeVars(objectives)) {
    if (!out.has(name)) out.set(name, sort.kind === 'bool' ? false : 0n);
  }
  return out;
}

function objectiveValue(t: Term, model: Assignment): bigint {
  const v = interpret(t, model);
  if (typeof v !== 'bigint') throw new TypeError('an objective must be a bit-vector');
  return v;
}

/**
 * The lexicographically least values of `objectives` (each minimized, unsigned, in order)
 * under `hard`.
 *
 * @example
 * await lexMinimize({ hard: [{ name: 'range', term: bvuge(v, bv(3, 32)) }], objectives: [v] }, { timeoutMs: 5_000 })
 * // { kind: 'optimal', objectives: [3n], model }
 */
export async function lexMinimize(
  problem: { readonly hard: readonly NamedAssertion[]; readonly objectives: readonly Term[] },
  opts: CheckOptions,
): Promise<LexResult> {
  const widths = problem.objectives.map(widthOf);
  const solver = await incremental();
  try {
    const base = await solver.check(problem.hard, opts);
    if (base.kind !== 'sat') return base;
    for (const { term } of problem.hard) solver.assert(term);
    let model = completed(base.model, problem.objectives);
    const values: bigint[] = [];
    for (const [i, o] of problem.objectives.entries()) {
      const width = widths[i] ?? 0;
      // INVARIANT: no model (under the objectives fixed so far) has o < lo; `model` has o = hi.
      let lo = 0n;
      let hi = objectiveValue(o, model);
      let step = 1n;
      let galloping = true;
      while (lo < hi) {
        const mid = galloping ? (lo + step - 1n < hi ? lo + step - 1n : hi - 1n) : (lo + hi) / 2n;
        // A scope per bound: its guard clause goes with it.
        solver.push();
        const r = await solver
          .check([{ name: 'bound', term: bvule(o, bv(mid, width)) }], opts)
          .finally(() => solver.pop());
        if (r.kind === 'unknown') return r;
        if (r.kind === 'sat') {
          model = completed(r.model, problem.objectives);
          hi = objectiveValue(o, model);
          galloping = false;
        } else {
          lo = mid + 1n;
          step *= 2n;
        }
      }
      values.push(hi);
      solver.assert(eq(o, bv(hi, width)));
    }
    return { kind: 'optimal', model, objectives: values };
  } finally {
    solver.release();
  }
}
