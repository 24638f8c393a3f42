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
import { freeVars, type NamedAssertion, type Term, termSize } from '../smt/term.ts';
import { type StateTerms, TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';
import { solveHorn } from '../smt/z3/fixedpoint.ts';
import { checkSmtlib, type IncrementalSolver, incremental, solverChecks } from '../smt/z3/index.ts';
import { OutOfTime, within } from '../source/deadline.ts';
import { holders, holdersInvariant } from './holders.ts';
import type { Posed, Problem } from './problem.ts';
import { relevantPatches } from './relevance.ts';
import { strengthen, strengtheningFacts } from './strengthen.ts';

/** How a proof was found. */
export type ProofMethod =
  /** The rules fold the claim to true on every configuration: nothing can violate it. */
  | 'static'
  /** The claim with the structural invariants is inductive (1-induction). */
  | 'induction'
  /**
   * As `induction`, with facts of which patches stay installed and which are never loaded
   * (src/prove/strengthen.ts).
   */
  | 'strengthened'
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
  /**
   * `never-loaded-*`: the invariant that let the patches that are never loaded be left out
   * (src/prove/holders.ts), over the transition system before they were.
   */
  readonly name:
    | 'initiation'
    | 'consecution'
    | 'safety'
    | 'never-loaded-initiation'
    | 'never-loaded-consecution';
  readonly description: string;
  readonly assertions: readonly NamedAssertion[];
  /** The query as a standalone SMT-LIB script, expected `unsat`: what was checked. */
  readonly smtlib: string;
}

export interface EngineStats {
  /** Patches whose operations the transition system has. */
  readonly universe: number;
  /** Patches left out because they cannot influence the claim (cone of influence). */
  readonly ignored: readonly string[];
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
      /** `timeout`: the deadline passed; `size`: the unrolling outgrew {@link MAX_UNROLLING}. */
      readonly reason: 'timeout' | 'size';
      readonly stats: EngineStats;
    };

/** Prefix of the state variables in invariants and certificates. */
export const STATE = 's.';

export interface EngineOptions {
  /** Wall-clock deadline (`Date.now()` milliseconds). */
  readonly deadline: number;
  /**
   * Depth of bounded model checking before the first proof attempt with Spacer, unless
   * bounded model checking took a second before (default 8).
   */
  readonly quickDepth?: number;
  /** Called with progress lines. */
  readonly progress?: (line: string) => void;
  /**
   * Leave out the patches that are never loaded (src/prove/holders.ts; default true). Off, a
   * proof must stand without that invariant (tests of the proof methods).
   */
  readonly leaveOutNeverLoaded?: boolean;
}

/**
 * What {@link decide} reads of a posed claim: any query with a reachability claim over the
 * transition system (e.g. `klp-verify upgrade`) can be decided without being a `prove` claim.
 */
export type Decidable = Pick<Posed, 'initial' | 'symbolic' | 'bad'> & {
  readonly problem: Pick<Problem, 'catalog' | 'transitions'>;
};

/** A deadline passed: the global one ends the decision, a local one only an attempt. */
class Timeout extends Error {}

/** The unrolling of bounded model checking outgrew {@link MAX_UNROLLING}. */
class TooLarge extends Error {}

/**
 * Most term nodes one depth of bounded model checking may have: past it, memory (the WASM
 * heap of z3 is fixed at 2 GiB) would run out before the time does.
 */
export const MAX_UNROLLING = 1_000_000;

/**
 * Decides the posed claim for operations on `operable` (the initial stack's patches are always
 * operable).
 *
 * The time is shared between bounded model checking and the proof attempts: 1-induction once,
 * after the first bound; then Spacer with a budget that doubles each time it runs out, each
 * time after bounded model checking had as long again. When Spacer finds the claim refutable,
 * only bounded model checking goes on (it gives the shortest counterexample).
 *
 * @example
 * const d = await decide(posed, new Set(posed.candidates), { deadline: Date.now() + 60_000 });
 * d.kind === 'refuted' && d.path.map(formatOp) // ['insmod a']
 */
export async function decide(
  posed: Decidable,
  operable: ReadonlySet<string>,
  opts: EngineOptions,
): Promise<Decision> {
  const started = performance.now();
  const checksBefore = solverChecks();
  const universe = new Set([...operable, ...posed.initial.loaded]);
  const system = (patches: ReadonlySet<string>) =>
    new TransitionSystem({
      catalog: posed.problem.catalog,
      rules: posed.symbolic,
      transitions: posed.problem.transitions,
      operable: patches,
      initial: posed.initial,
    });
  // The encoding, the holders and the cone of influence are synchronous and grow with the
  // catalog (a claim with two binders over `installed` is n² terms): they stop at the deadline.
  const timedOut = (): Decision => {
    const ms = performance.now() - started;
    const stats = { universe: universe.size, ignored: [], stateVariables: 0, depth: 0 };
    return { kind: 'unknown', reason: 'timeout', stats: { ...stats, solverChecks: 0, ms } };
  };
  const timed = <T>(work: () => T): T | null => {
    try {
      return within(opts.deadline, 'encoding the claim', work);
    } catch (e) {
      if (!(e instanceof OutOfTime)) throw e;
      return null;
    }
  };
  const encode = (patches: ReadonlySet<string>) =>
    timed(() => {
      const ts = system(patches);
      return { ts, bad: posed.bad(ts) };
    });
  const first = encode(universe);
  if (first === null) return timedOut();
  let { ts, bad } = first;
  let ignored: string[] = [];
  /** The queries that justify leaving out the patches that are never loaded. */
  let premises: CertificateQuery[] = [];
  if (bad !== FALSE && ts.initialState().inst(bad) !== TRUE) {
    const all = ts.patches.map((p) => p.name);
    // Leave out the patches that are never loaded (src/prove/holders.ts), once Z3 has checked
    // the invariant that keeps them out; then the patches that cannot influence the claim
    // (src/prove/relevance.ts).
    let loadable: ReadonlySet<string> = universe;
    const whole = ts;
    const h = opts.leaveOutNeverLoaded === false ? null : timed(() => holders(whole));
    if (Date.now() >= opts.deadline) return timedOut();
    if (h !== null && h.neverLoaded.length > 0) {
      const until = Math.min(opts.deadline, Date.now() + (opts.deadline - Date.now()) / 4);
      const absent = new Set(h.neverLoaded);
      const checked = await checkInductive(ts, (s) => holdersInvariant(h, s), absent, until);
      if (checked !== null) {
        premises = checked.map((q) => ({
          ...q,
          name: q.name === 'initiation' ? 'never-loaded-initiation' : 'never-loaded-consecution',
        }));
        const never = new Set(h.neverLoaded.map((x) => whole.patch(x).name));
        loadable = new Set([...universe].filter((n) => !never.has(n)));
        const smaller = encode(loadable);
        if (smaller === null) return timedOut();
        ({ ts, bad } = smaller);
      }
    }
    const cone = relevantPatches(ts, bad, opts.deadline);
    if (cone === null) return timedOut();
    const reduced = ts;
    const relevant = new Set(cone.map((x) => reduced.patch(x).name));
    const kept = new Set([...loadable].filter((n) => relevant.has(n)));
    for (const n of posed.initial.loaded) kept.add(n);
    if (kept.size < universe.size) {
      ignored = all.filter((n) => !kept.has(n));
      if (kept.size < ts.size) {
        const smaller = encode(kept);
        if (smaller === null) return timedOut();
        ({ ts, bad } = smaller);
      }
    }
  }
  let depth = 0;
  const stats = (): EngineStats => ({
    universe: ts.size,
    ignored,
    stateVariables: ts.stateVariables(STATE).length,
    depth,
    solverChecks: solverChecks() - checksBefore,
    ms: performance.now() - started,
  });

  /** A proof over the system without the patches never loaded is one with the premises. */
  const proved = (proof: Proof): Decision => ({
    kind: 'proved',
    proof: { ...proof, queries: [...premises, ...proof.queries] },
    stats: stats(),
  });

  if (ts.initialState().inst(bad) === TRUE) return { kind: 'refuted', path: [], stats: stats() };
  const bmc = new Bmc(ts, bad);
  const { deadline } = opts;
  /** A deadline for an attempt that may use at most `ms`. */
  const slice = (ms: number) => Math.min(deadline, Date.now() + Math.max(1, Math.floor(ms)));
  /** Runs a proof attempt; running out of its own slice of time only ends the attempt. */
  const attempt = async (run: (until: number) => Promise<Proof | null>, until: number) => {
    try {
      return await run(until);
    } catch (e) {
      if (e instanceof Timeout && Date.now() < deadline) return null;
      throw e;
    }
  };
  try {
    if (bad === FALSE) {
      const proof = await verifyInvariant(ts, bad, TRUE, 'static', deadline);
      if (proof !== null) return proved(proof);
    }
    const quick = opts.quickDepth ?? 8;
    let spacerBudget = Math.max(500, (deadline - Date.now()) / 20);
    let spacerRuns = 0;
    let spacerRefutes = false;
    let bmcMs = 0;
    let bmcSince = 0;
    for (let k = 1; ; k++) {
      opts.progress?.(`no counterexample of ${k - 1} operations; trying ${k}`);
      const t0 = performance.now();
      const path = await bmc.check(k, deadline);
      bmcMs += performance.now() - t0;
      if (path !== null) return { kind: 'refuted', path, stats: stats() };
      depth = k;
      if (k === 1) {
        // Half the time: claims of rule files are often inductive as they stand, and the
        // check of a large one is a single, long query.
        const proof = await attempt(
          (until) => inductiveClaim(ts, bad, until),
          slice((deadline - Date.now()) / 2),
        );
        if (proof !== null) return proved(proof);
      }
      // Spacer once bounded model checking has reached depth `quick` or spent a second (short
      // counterexamples are cheaper to find that way), then again whenever bounded model
      // checking has had as long as Spacer's last, doubled, budget.
      const due =
        spacerRuns === 0
          ? k >= Math.min(3, quick) && (k >= quick || bmcMs >= 1_000)
          : performance.now() - bmcSince >= spacerBudget;
      if (due && !spacerRefutes) {
        opts.progress?.(`no counterexample of ${k} operations; looking for an inductive invariant`);
        spacerRuns++;
        const r = await spacer(ts, bad, slice(spacerBudget));
        if (r.kind === 'proved') return proved(r.proof);
        if (r.kind === 'refutable') spacerRefutes = true;
        else spacerBudget *= 2;
        bmcSince = performance.now();
      }
    }
  } catch (e) {
    if (e instanceof Timeout || e instanceof OutOfTime)
      return { kind: 'unknown', reason: 'timeout', stats: stats() };
    if (e instanceof TooLarge) return { kind: 'unknown', reason: 'size', stats: stats() };
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
  /** `moved` of step j (into state j + 1). */
  private readonly moves: Term[] = [];
  /** Steps whose `moved` the solver has as background. */
  private asserted = 0;
  private solver: IncrementalSolver | null = null;

  constructor(ts: TransitionSystem, bad: Term) {
    this.ts = ts;
    this.bad = bad;
    this.states = [ts.initialState()];
  }

  private state(k: number, deadline: number): StateTerms {
    while (this.states.length <= k) {
      // Each successor is built before the solver sees it, in time linear in the universe.
      remaining(deadline);
      const j = this.states.length - 1;
      const prev = this.states[j];
      if (prev === undefined) throw new Error('unreachable: state 0 exists');
      const next = this.ts.successor(prev, this.ts.selector(j));
      this.states.push(next);
      this.moves.push(next.moved());
    }
    const s = this.states[k];
    if (s === undefined) throw new Error('unreachable: states are built in order');
    return s;
  }

  /** A sequence of exactly `k` operations reaching a bad state, or null when there is none. */
  async check(k: number, deadline: number): Promise<Op[] | null> {
    const badK = within(deadline, `unrolling ${k} operations`, () =>
      this.state(k, deadline).inst(this.bad),
    );
    if (badK === FALSE) return null;
    if (termSize(badK) > MAX_UNROLLING) throw new TooLarge(`depth ${k}`);
    const r = await this.ask(badK, k, deadline);
    if (r.kind === 'unknown') throw new Timeout(r.detail);
    if (r.kind === 'unsat') return null;
    return this.decode(r.model, k);
  }

  /**
   * Every step moves: a shortest sequence never stutters, and depths are asked in order, so
   * this loses no answer and spares the solver the stuttering branches.
   */
  private async solverFor(k: number): Promise<IncrementalSolver> {
    this.solver ??= await incremental();
    for (; this.asserted < k; this.asserted++) {
      const moved = this.moves[this.asserted];
      if (moved !== undefined && moved !== TRUE) this.solver.assert(moved);
    }
    return this.solver;
  }

  private async ask(badK: Term, k: number, deadline: number) {
    const question = [{ name: `bad-after-${k}`, term: badK }];
    this.solver = await this.solverFor(k);
    try {
      return await this.solver.check(question, { timeoutMs: remaining(deadline) });
    } catch (e) {
      // A model that violates the question is a solver bug (incremental solving has had
      // such bugs): ask once more on a fresh solver, which knows nothing of earlier depths.
      if (!(e instanceof Error) || !/returned a model that violates/.test(e.message)) throw e;
      this.release();
      this.asserted = 0;
      this.solver = await this.solverFor(k);
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

/**
 * The claim with the structural invariants, if it is inductive; else the same strengthened
 * with which patches stay installed and which are never loaded, if that is.
 */
async function inductiveClaim(
  ts: TransitionSystem,
  bad: Term,
  until: number,
): Promise<Proof | null> {
  const s = ts.variables(STATE);
  const claim = and(ts.structural(s), not(s.inst(bad)));
  const plain = await verifyInvariant(ts, bad, claim, 'induction', until);
  if (plain !== null) return plain;
  const st = strengthen(ts);
  if (st.stays.length === 0 && st.neverLoaded.length === 0) return null;
  const stronger = and(claim, strengtheningFacts(ts, st, STATE));
  return verifyInvariant(ts, bad, stronger, 'strengthened', until);
}

/**
 * Asks Spacer for an inductive invariant and re-checks it. `refutable`: Spacer found the claim
 * violated (bounded model checking will find the shortest way); `open`: no answer in time, or
 * an answer that did not check.
 */
async function spacer(
  ts: TransitionSystem,
  bad: Term,
  until: number,
): Promise<{ kind: 'proved'; proof: Proof } | { kind: 'refutable' } | { kind: 'open' }> {
  const s = ts.variables(STATE);
  const badS = s.inst(bad);
  const next = oneStep(ts);
  const state = ts.stateVariables(STATE);
  if (state.length === 0) return { kind: 'open' };
  const r = await solveHorn(
    { state, init: ts.initialCube(STATE), next: ts.components(next), bad: badS },
    { timeoutMs: Math.max(1, Math.floor(until - Date.now())) },
  );
  if (r.kind === 'unsafe') return { kind: 'refutable' };
  if (r.kind === 'unknown') return { kind: 'open' };
  try {
    const proof = await verifyInvariant(ts, bad, r.invariant, 'spacer', until);
    return proof === null ? { kind: 'open' } : { kind: 'proved', proof };
  } catch (e) {
    if (e instanceof Timeout) return { kind: 'open' };
    throw e;
  }
}

/** The successor of the variable state, with every order pair it reads registered. */
function oneStep(ts: TransitionSystem, from?: StateTerms): StateTerms {
  const s = from ?? ts.variables(STATE);
  const next = ts.successor(s, ts.selector(null));
  // Building the successor may read order pairs not seen before; repeat until none is new.
  for (let n = -1; n !== ts.orderPairs().length; ) {
    n = ts.orderPairs().length;
    ts.components(next);
  }
  return next;
}

/**
 * `inv` (over the state variables) after one step from `from` (default the state variables);
 * `true` stays `true` without the step.
 */
function afterStep(ts: TransitionSystem, inv: Term, from?: StateTerms): Term {
  if (inv === TRUE) return TRUE;
  const next = oneStep(ts, from);
  const vars = ts.stateVariables(STATE);
  const values = ts.components(next);
  const byName = new Map<string, Term>();
  vars.forEach((v, i) => {
    if (v.kind === 'var') byName.set(v.name, values[i] ?? FALSE);
  });
  for (const name of freeVars([inv]).keys()) {
    if (!byName.has(name)) throw new Error(`the invariant reads \`${name}\`, not a state variable`);
  }
  return new Substitution((name) => byName.get(name)).apply(inv);
}

/**
 * `inv` after one step from `from`, building only the components of the successor that `inv`
 * reads (per-patch components and `rev`; an invariant over order pairs takes the full step).
 */
function afterStepLazily(ts: TransitionSystem, inv: Term, from: StateTerms): Term {
  const next = ts.successor(from, ts.selector(null));
  const byName = new Map<string, () => Term>();
  for (let x = 0; x < ts.size; x++) {
    byName.set(ts.varName(STATE, 'ld', x), () => next.ld(x));
    byName.set(ts.varName(STATE, 'on', x), () => next.on(x));
    byName.set(ts.varName(STATE, 'tp', x), () => next.tp(x));
    byName.set(ts.varName(STATE, 'tu', x), () => next.tu(x));
  }
  byName.set(`${STATE}rev`, () => next.rev());
  const names = [...freeVars([inv]).keys()];
  if (!names.every((n) => byName.has(n))) return afterStep(ts, inv, from);
  return new Substitution((name) => byName.get(name)?.()).apply(inv);
}

/**
 * The checked queries showing that the invariant `inv(s)` holds in every reachable configuration, where it says in
 * particular that the patches of `absent` are not loaded, not on klp_patches and in no
 * transition: its initiation and consecution queries, each checked from its SMT-LIB text by a
 * fresh solver, are unsatisfiable. Consecution is asked from the states where the patches of
 * `absent` are absent (what the invariant says of them), so that it does not grow with them.
 * Null when one is satisfiable or the time runs out first.
 *
 * @example
 * await checkInductive(ts, (s) => holdersInvariant(h, s), new Set(h.neverLoaded), Date.now() + 10_000) // two queries, or null
 */
export async function checkInductive(
  ts: TransitionSystem,
  inv: (s: StateTerms) => Term,
  absent: ReadonlySet<number>,
  deadline: number,
): Promise<CertificateQuery[] | null> {
  const full = inv(ts.variables(STATE));
  const from = ts.variables(STATE, absent);
  const questions: Omit<CertificateQuery, 'smtlib'>[] = [
    {
      name: 'initiation',
      description: 'the initial configuration satisfies the invariant',
      assertions: [
        { name: 'initial', term: ts.initialCube(STATE) },
        { name: 'not-invariant', term: not(full) },
      ],
    },
    {
      name: 'consecution',
      description: 'every operation from a configuration satisfying the invariant leads to one',
      assertions: [
        { name: 'invariant', term: inv(from) },
        { name: 'not-invariant-after-step', term: not(afterStepLazily(ts, full, from)) },
      ],
    },
  ];
  const queries: CertificateQuery[] = [];
  try {
    for (const q of questions) {
      const smtlib = toSmtlib(q.assertions, {
        expected: 'unsat',
        description: `${q.name}: ${q.description}`,
        getUnsatCore: false,
      });
      if (!q.assertions.some((a) => a.term === FALSE)) {
        const r = await checkSmtlib(smtlib, { timeoutMs: remaining(deadline) });
        if (r.kind !== 'unsat') return null;
      }
      queries.push({ ...q, smtlib });
    }
    return queries;
  } catch (e) {
    if (e instanceof Timeout) return null;
    throw e;
  }
}

/**
 * Checks that `inv` (over the state variables) is an inductive invariant that excludes `bad`:
 * the three certificate queries, each unsatisfiable. Null when one is satisfiable.
 *
 * @example
 * const s = ts.variables(STATE);
 * await verifyInvariant(ts, bad, not(s.inst(bad)), 'induction', Date.now() + 10_000) // a Proof, or null
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
  const invNext = afterStep(ts, inv);
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
