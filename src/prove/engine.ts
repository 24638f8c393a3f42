/**
 * The decision procedure behind `klp-verify prove`: is a configuration that violates the claim
 * reachable from the initial one by operations on a given set of catalog patches?
 *
 * - Counterexamples: bounded model checking with increasing bound. The state after k steps is
 *   a term over the k operation selectors (src/smt/transition.ts unrolled from the concrete
 *   initial state, so early steps fold away); one incremental solver asks "bad after exactly k
 *   steps" for k = 1, 2, ... A failing operation leaves the state as it was, so "exactly k"
 *   includes every shorter sequence, and the first k that is satisfiable gives a sequence of
 *   fewest operations, none of them failing.
 * - Proofs: an inductive invariant `Inv` with `init => Inv`, `Inv & step => Inv'` and
 *   `Inv => not bad`, each re-checked by Z3 as an unsatisfiable query over the one-step
 *   transition relation (the certificate). Invariants come from, in order: the claim itself
 *   when the rules fold it to false; the claim plus the simulator's structural invariants when
 *   that is inductive (1-induction); Z3's Spacer engine (src/smt/z3/fixedpoint.ts).
 * - `unknown` when the time runs out, with the bound up to which no counterexample exists.
 *
 * Guarantees: `refuted` sequences are replayed on the simulator by the caller; `proved` is
 * returned only after the three queries of the invariant came back unsatisfiable.
 */
import type { Op } from '../model/op.ts';
import { and, FALSE, not, TRUE } from '../smt/factory.ts';
import type { Assignment } from '../smt/interpret.ts';
import { toSmtlib } from '../smt/smtlib.ts';
import { freeVars, type NamedAssertion, type Term } from '../smt/term.ts';
import { type StateTerms, TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';
import { solveHorn } from '../smt/z3/fixedpoint.ts';
import { checkSmtlib, type IncrementalSolver, incremental, solverChecks } from '../smt/z3/index.ts';
import type { Posed } from './problem.ts';

/** How a proof was found. */
export type ProofMethod =
  /** The rules fold the claim to true on every configuration: nothing can violate it. */
  | 'static'
  /** The claim with the structural invariants is inductive (1-induction). */
  | 'induction'
  /** An inductive invariant found by Z3's Spacer engine. */
  | 'spacer';

/** An inductive invariant, checked, with the queries that check it. */
export interface Proof {
  readonly method: ProofMethod;
  /** Over the state variables of `ts` with prefix {@link STATE}. */
  readonly invariant: Term;
  readonly ts: TransitionSystem;
  /** The queries that must be unsatisfiable: initiation, consecution, safety. */
  readonly queries: readonly CertificateQuery[];
}

export interface CertificateQuery {
  readonly name: 'initiation' | 'consecution' | 'safety';
  readonly description: string;
  readonly assertions: readonly NamedAssertion[];
  /** The query as a standalone SMT-LIB script, expected `unsat`: what was checked. */
  readonly smtlib: string;
}

export interface EngineStats {
  /** Patches operations may touch. */
  readonly universe: number;
  /** State variables of the transition system (as read by the queries made). */
  readonly stateVariables: number;
  /** No counterexample has at most this many operations (before the final one). */
  readonly depth: number;
  readonly solverChecks: number;
  readonly ms: number;
}

export type Decision =
  | {
      readonly kind: 'refuted';
      /** Fewest operations from the initial configuration to a violating one. */
      readonly path: readonly Op[];
      readonly stats: EngineStats;
    }
  | { readonly kind: 'proved'; readonly proof: Proof; readonly stats: EngineStats }
  | {
      readonly kind: 'unknown';
      readonly reason: 'timeout';
      readonly stats: EngineStats;
    };

/** Prefix of the state variables in invariants and certificates. */
export const STATE = 's.';

export interface EngineOptions {
  /** Wall-clock deadline (`Date.now()` milliseconds). */
  readonly deadline: number;
  /** Depth of bounded model checking before the first proof attempt with Spacer. */
  readonly quickDepth?: number;
  /** Called with progress lines. */
  readonly progress?: (line: string) => void;
}

class Timeout extends Error {}

/**
 * Decides the posed claim for operations on `operable` (the initial stack's patches are always
 * operable).
 *
 * @example
 * const d = await decide(posed, new Set(posed.candidates), { deadline: Date.now() + 60_000 });
 * d.kind === 'refuted' && d.path.map(formatOp) // ['insmod a']
 */
export async function decide(
  posed: Posed,
  operable: ReadonlySet<string>,
  opts: EngineOptions,
): Promise<Decision> {
  const started = performance.now();
  const checksBefore = solverChecks();
  const universe = new Set([...operable, ...posed.initial.loaded]);
  const ts = new TransitionSystem({
    catalog: posed.problem.catalog,
    rules: posed.symbolic,
    transitions: posed.problem.transitions,
    operable: universe,
    initial: posed.initial,
  });
  const bad = posed.bad(ts);
  let depth = 0;
  const stats = (): EngineStats => ({
    universe: ts.size,
    stateVariables: ts.stateVariables(STATE).length,
    depth,
    solverChecks: solverChecks() - checksBefore,
    ms: performance.now() - started,
  });

  if (ts.initialState().inst(bad) === TRUE) return { kind: 'refuted', path: [], stats: stats() };
  const bmc = new Bmc(ts, bad);
  try {
    if (bad === FALSE) {
      const proof = await verifyInvariant(ts, bad, TRUE, 'static', opts.deadline);
      if (proof !== null) return { kind: 'proved', proof, stats: stats() };
    }
    const quick = opts.quickDepth ?? 2;
    const proofAttempts: Array<() => Promise<Proof | null>> = [
      () => inductiveClaim(ts, bad, opts.deadline),
      () => spacer(ts, bad, opts.deadline),
    ];
    for (let k = 1; ; k++) {
      opts.progress?.(`no counterexample of ${k - 1} operations; trying ${k}`);
      const path = await bmc.check(k, opts.deadline);
      if (path !== null) return { kind: 'refuted', path, stats: stats() };
      depth = k;
      if (k === 1 || k >= quick) {
        const attempt = proofAttempts.shift();
        if (attempt !== undefined) {
          const proof = await attempt();
          if (proof !== null) return { kind: 'proved', proof, stats: stats() };
        }
      }
    }
  } catch (e) {
    if (e instanceof Timeout) return { kind: 'unknown', reason: 'timeout', stats: stats() };
    throw e;
  } finally {
    bmc.release();
  }
}

function remaining(deadline: number): number {
  const ms = Math.floor(deadline - Date.now());
  if (ms < 1) throw new Timeout('out of time');
  return ms;
}

/** Bounded model checking: the state after k steps as terms over the k selectors. */
class Bmc {
  private readonly ts: TransitionSystem;
  private readonly bad: Term;
  private readonly states: StateTerms[];
  private solver: IncrementalSolver | null = null;

  constructor(ts: TransitionSystem, bad: Term) {
    this.ts = ts;
    this.bad = bad;
    this.states = [ts.initialState()];
  }

  private state(k: number): StateTerms {
    while (this.states.length <= k) {
      const j = this.states.length - 1;
      const prev = this.states[j];
      if (prev === undefined) throw new Error('unreachable: state 0 exists');
      this.states.push(this.ts.successor(prev, this.ts.selector(j)));
    }
    const s = this.states[k];
    if (s === undefined) throw new Error('unreachable: states are built in order');
    return s;
  }

  /** A sequence of exactly `k` operations reaching a bad state, or null when there is none. */
  async check(k: number, deadline: number): Promise<Op[] | null> {
    const badK = this.state(k).inst(this.bad);
    if (badK === FALSE) return null;
    const r = await this.ask(badK, k, deadline);
    if (r.kind === 'unknown') throw new Timeout(r.detail);
    if (r.kind === 'unsat') return null;
    return this.decode(r.model, k);
  }

  private async ask(badK: Term, k: number, deadline: number) {
    const question = [{ name: `bad-after-${k}`, term: badK }];
    this.solver ??= await incremental();
    try {
      return await this.solver.check(question, { timeoutMs: remaining(deadline) });
    } catch (e) {
      // A model that violates the question is a solver bug (incremental solving has had
      // such bugs): ask once more on a fresh solver, which knows nothing of earlier depths.
      if (!(e instanceof Error) || !/returned a model that violates/.test(e.message)) throw e;
      this.release();
      this.solver = await incremental();
      return await this.solver.check(question, { timeoutMs: remaining(deadline) });
    }
  }

  private decode(model: Assignment, k: number): Op[] {
    const ops: Op[] = [];
    for (let j = 0; j < k; j++) {
      const sel = this.ts.selector(j);
      const v = sel.kind === 'var' ? model.get(sel.name) : undefined;
      const op = typeof v === 'bigint' ? this.ts.opOf(v) : null;
      if (op !== null) ops.push(op);
    }
    return ops;
  }

  release(): void {
    this.solver?.release();
    this.solver = null;
  }
}

/** The claim with the structural invariants, if it is inductive. */
async function inductiveClaim(
  ts: TransitionSystem,
  bad: Term,
  deadline: number,
): Promise<Proof | null> {
  const s = ts.variables(STATE);
  const candidate = and(ts.structural(s), not(s.inst(bad)));
  return verifyInvariant(ts, bad, candidate, 'induction', deadline);
}

/** An invariant from Spacer, re-checked. */
async function spacer(ts: TransitionSystem, bad: Term, deadline: number): Promise<Proof | null> {
  const s = ts.variables(STATE);
  const badS = s.inst(bad);
  const next = oneStep(ts);
  const state = ts.stateVariables(STATE);
  if (state.length === 0) return null;
  const r = await solveHorn(
    { state, init: ts.initialCube(STATE), next: ts.components(next), bad: badS },
    { timeoutMs: remaining(deadline) },
  );
  if (r.kind === 'unsafe') return null;
  if (r.kind === 'unknown') {
    if (r.reason === 'timeout') throw new Timeout(r.detail);
    return null;
  }
  return verifyInvariant(ts, bad, r.invariant, 'spacer', deadline);
}

/** The successor of the variable state, with every order pair it reads registered. */
function oneStep(ts: TransitionSystem): StateTerms {
  const s = ts.variables(STATE);
  const next = ts.successor(s, ts.selector(null));
  // Building the successor may read order pairs not seen before; repeat until none is new.
  for (let n = -1; n !== ts.orderPairs().length; ) {
    n = ts.orderPairs().length;
    ts.components(next);
  }
  return next;
}

/**
 * Checks that `inv` (over the state variables) is an inductive invariant that excludes `bad`:
 * the three certificate queries, each unsatisfiable. Null when one is satisfiable.
 */
export async function verifyInvariant(
  ts: TransitionSystem,
  bad: Term,
  inv: Term,
  method: ProofMethod,
  deadline: number,
): Promise<Proof | null> {
  const s = ts.variables(STATE);
  const badS = s.inst(bad);
  // The invariant after one step; `true` stays `true` without building the step.
  let invNext: Term = TRUE;
  if (inv !== TRUE) {
    const next = oneStep(ts);
    const vars = ts.stateVariables(STATE);
    const values = ts.components(next);
    const byName = new Map<string, Term>();
    vars.forEach((v, i) => {
      if (v.kind === 'var') byName.set(v.name, values[i] ?? FALSE);
    });
    for (const name of freeVars([inv]).keys()) {
      if (!byName.has(name))
        throw new Error(`the invariant reads \`${name}\`, not a state variable`);
    }
    invNext = new Substitution((name) => byName.get(name)).apply(inv);
  }
  const questions: Omit<CertificateQuery, 'smtlib'>[] = [
    {
      name: 'initiation',
      description: 'the initial configuration satisfies the invariant',
      assertions: [
        { name: 'initial', term: ts.initialCube(STATE) },
        { name: 'not-invariant', term: not(inv) },
      ],
    },
    {
      name: 'consecution',
      description: 'every operation from a configuration satisfying the invariant leads to one',
      assertions: [
        { name: 'invariant', term: inv },
        { name: 'not-invariant-after-step', term: not(invNext) },
      ],
    },
    {
      name: 'safety',
      description: 'no configuration satisfying the invariant violates the claim',
      assertions: [
        { name: 'invariant', term: inv },
        { name: 'violated', term: badS },
      ],
    },
  ];
  const queries: CertificateQuery[] = [];
  for (const q of questions) {
    // Each query is checked from its SMT-LIB text by a fresh solver: the certificate itself is
    // what gets checked, and no state of earlier queries can leak into the answer.
    const smtlib = toSmtlib(q.assertions, {
      expected: 'unsat',
      description: `${q.name}: ${q.description}`,
      getUnsatCore: false,
    });
    const folded = q.assertions.some((a) => a.term === FALSE);
    if (!folded) {
      const r = await checkSmtlib(smtlib, { timeoutMs: remaining(deadline) });
      if (r.kind === 'unknown') throw new Timeout(r.detail);
      if (r.kind === 'sat') return null;
    }
    queries.push({ ...q, smtlib });
  }
  return { method, invariant: inv, ts, queries };
}
