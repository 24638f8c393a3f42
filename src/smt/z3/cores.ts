/**
 * Explanations built from many small checks: minimal unsat cores ("the smallest set of facts
 * and rules that force this answer") and correction sets ("the smallest ways out": which facts
 * or rules to give up so that the answer changes). Built on src/smt/z3/check.ts only.
 *
 * Guarantees: a core this module returns is unsatisfiable, and when `kind` is `minimal` every
 * member is needed (dropping any one makes the rest satisfiable); every correction set is
 * minimal (keeping any one member back makes the rest unsatisfiable). When Z3 answers `unknown`
 * on the way, the result says so instead of claiming minimality.
 */
import { assertNever } from '../../model/op.ts';
import { or } from '../factory.ts';
import { type Assignment, interpretBool } from '../interpret.ts';
import { freeVars, type NamedAssertion, type Term } from '../term.ts';
import {
  type CheckOptions,
  check,
  incremental,
  optimize,
  type SoftConstraint,
  type Unknown,
  type UnknownReason,
} from './check.ts';

export type CoreMinimization =
  /** Every name is needed. */
  | { readonly kind: 'minimal'; readonly core: readonly string[] }
  /** Still a core, but Z3 answered `unknown` (for `reason`) on whether some members are needed. */
  | { readonly kind: 'reduced'; readonly core: readonly string[]; readonly reason: UnknownReason };

function byName(assertions: readonly NamedAssertion[]): Map<string, NamedAssertion> {
  const out = new Map<string, NamedAssertion>();
  for (const a of assertions) {
    if (out.has(a.name)) throw new RangeError(`assertion name \`${a.name}\` is used twice`);
    out.set(a.name, a);
  }
  return out;
}

/**
 * Shrinks `core` (names of unsatisfiable `assertions`) to a minimal core by deletion: drop one
 * member, keep it out when the rest is still unsatisfiable (then continue from the solver's own
 * smaller core), put it back when not. Names in `fixed` are never dropped (for example the
 * negated property under explanation). At most one check per member.
 *
 * @example
 * const r = await check(facts, { timeoutMs: 5_000 });
 * if (r.kind === 'unsat') await minimizeCore(facts, r.core, { timeoutMs: 5_000 });
 * // { kind: 'minimal', core: ['installed:p1', 'rule:monotonic'] }
 */
export async function minimizeCore(
  assertions: readonly NamedAssertion[],
  core: readonly string[],
  opts: CheckOptions & { readonly fixed?: readonly string[] },
): Promise<CoreMinimization> {
  const named = byName(assertions);
  const fixed = new Set(opts.fixed ?? []);
  const pick = (names: readonly string[]): NamedAssertion[] =>
    names.map((n) => {
      const a = named.get(n);
      if (a === undefined) throw new RangeError(`core name \`${n}\` is not an assertion`);
      return a;
    });
  const first = await check(pick(core), opts);
  if (first.kind === 'sat')
    throw new RangeError('not a core: the named assertions are satisfiable');
  if (first.kind === 'unknown') return { kind: 'reduced', core: [...core], reason: first.reason };
  let current = [...first.core];
  let uncertain: UnknownReason | null = null;
  let i = 0;
  while (i < current.length) {
    const candidate = current[i] ?? '';
    if (fixed.has(candidate)) {
      i++;
      continue;
    }
    const trial = current.filter((_, j) => j !== i);
    const r = await check(pick(trial), opts);
    if (r.kind === 'unsat') {
      // INVARIANT: members before i are needed in every subset that is still a core, so the
      // solver's core keeps all of them and position i now holds the next candidate.
      const kept = new Set(r.core);
      current = trial.filter((n) => kept.has(n));
    } else {
      if (r.kind === 'unknown') uncertain = r.reason;
      i++;
    }
  }
  return uncertain === null
    ? { kind: 'minimal', core: current }
    : { kind: 'reduced', core: current, reason: uncertain };
}

export type CorrectionSets =
  /** The hard constraints alone are unsatisfiable: nothing can be corrected. */
  | { readonly kind: 'hard-unsat'; readonly core: readonly string[] }
  /** Every minimal correction set (`complete`), or the first `limit` of them (`limit`). */
  | { readonly kind: 'complete' | 'limit'; readonly sets: readonly (readonly string[])[] }
  /** Z3 answered `unknown` on the way; `sets` holds the ones found before. */
  | (Unknown & { readonly sets: readonly (readonly string[])[] });

function satisfies(term: Term, model: Assignment): boolean {
  for (const name of freeVars([term]).keys()) if (!model.has(name)) return false;
  return interpretBool(term, model);
}

/**
 * Every minimal correction set of `soft` under `hard`: each is a smallest-by-inclusion set of
 * soft constraints whose removal makes the rest satisfiable together with `hard`. Enumerated by
 * grow-and-block: extend a model's satisfied soft constraints to a maximal satisfiable set, report
 * its complement, then require one of that complement to hold from then on.
 *
 * @example
 * await enumerateCorrectionSets({ hard, soft }, { timeoutMs: 5_000, limit: 10 })
 * // { kind: 'complete', sets: [['installed:p2'], ['rule:no-downgrade']] }
 */
export async function enumerateCorrectionSets(
  problem: { readonly hard: readonly NamedAssertion[]; readonly soft: readonly NamedAssertion[] },
  opts: CheckOptions & { readonly limit?: number },
): Promise<CorrectionSets> {
  byName([...problem.hard, ...problem.soft]);
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const solver = await incremental();
  try {
    const base = await solver.check(problem.hard, opts);
    if (base.kind === 'unsat') return { kind: 'hard-unsat', core: base.core };
    if (base.kind === 'unknown') return { ...base, sets: [] };
    for (const { term } of problem.hard) solver.assert(term);
    const sets: string[][] = [];
    while (sets.length < limit) {
      const seed = await solver.check([], opts);
      if (seed.kind === 'unsat') return { kind: 'complete', sets };
      if (seed.kind === 'unknown') return { ...seed, sets };
      let kept = problem.soft.filter((s) => satisfies(s.term, seed.model));
      for (const s of problem.soft) {
        if (kept.includes(s)) continue;
        const r = await solver.check([...kept, s], opts);
        if (r.kind === 'unknown') return { ...r, sets };
        if (r.kind === 'sat') kept = problem.soft.filter((x) => satisfies(x.term, r.model));
      }
      const correction = problem.soft.filter((s) => !kept.includes(s));
      sets.push(correction.map((s) => s.name));
      // Block this set and its supersets: from now on one of its members must hold.
      solver.assert(or(...correction.map((s) => s.term)));
    }
    return { kind: 'limit', sets };
  } finally {
    solver.release();
  }
}

export type SmallestCorrection =
  | { readonly kind: 'optimal'; readonly set: readonly string[]; readonly model: Assignment }
  | { readonly kind: 'hard-unsat'; readonly core: readonly string[] }
  | Unknown;

/**
 * A correction set of least total weight (not only minimal by inclusion), through Z3's
 * `Optimize`: the cheapest way out.
 *
 * @example
 * await smallestCorrectionSet({ hard, soft: [{ name: 'installed:p2', term, weight: 3 }] }, { timeoutMs: 5_000 })
 * // { kind: 'optimal', set: ['rule:no-downgrade'], model }
 */
export async function smallestCorrectionSet(
  problem: { readonly hard: readonly NamedAssertion[]; readonly soft: readonly SoftConstraint[] },
  opts: CheckOptions,
): Promise<SmallestCorrection> {
  const r = await optimize({ hard: problem.hard, soft: problem.soft }, opts);
  switch (r.kind) {
    case 'optimal':
      return { kind: 'optimal', set: r.violated, model: r.model };
    case 'unsat':
      return { kind: 'hard-unsat', core: r.core };
    case 'unknown':
      return r;
    default:
      return assertNever(r, 'optimization answer');
  }
}
