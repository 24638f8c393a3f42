/**
 * Asking Z3: satisfiability of named assertions with unsat cores and checked models
 * ({@link check}), an incremental solver for bounded model checking ({@link incremental}),
 * optimization with soft constraints and objectives ({@link optimize}), and SMT-LIB through Z3
 * for cross-checking our own printer. Mirrors Cedar's `cedar-policy-symcc` `solver.rs`: the
 * only place questions reach the solver.
 *
 * Guarantees:
 * - every call has a time limit (a watchdog that interrupts Z3 when it is up) and an optional
 *   deterministic `rlimit`;
 * - `unknown` is its own answer, never folded into `sat` or `unsat`;
 * - every `sat` model is re-evaluated with src/smt/interpret.ts and must satisfy every
 *   assertion, or the call throws: a wrong model is a bug, never an answer;
 * - every unsat core is a list of the caller's assertion names;
 * - questions whose assertions fold to literals are answered without Z3.
 */
import type { CheckSatResult, Optimize, Solver } from 'z3-solver';
import { assertNever } from '../../model/op.ts';
import { type Assignment, interpretMany } from '../interpret.ts';
import { checkAssertionNames } from '../smtlib.ts';
import {
  freeVars,
  type NamedAssertion,
  printSort,
  type Sort,
  sameSort,
  type Term,
} from '../term.ts';
import { encoderOf, type Z3Bool } from './encode.ts';
import {
  exclusive,
  guarded,
  guardedAsync,
  init,
  onShutdown,
  poison,
  type Session,
} from './session.ts';

export interface CheckOptions {
  /** Wall-clock limit in milliseconds. Required: no query runs unbounded. */
  readonly timeoutMs: number;
  /** Deterministic limit in Z3 resource units; reproducible where time is not (tests). */
  readonly rlimit?: number;
  /** Let Z3 shrink the core before returning it (`core.minimize`); {@link check} only. */
  readonly minimizeCore?: boolean;
}

/** Why Z3 gave no answer. */
export type UnknownReason =
  | 'timeout'
  | 'resource-limit'
  | 'out-of-memory'
  | 'interrupted'
  | 'incomplete';

export interface Unknown {
  readonly kind: 'unknown';
  readonly reason: UnknownReason;
  /** Z3's own words, e.g. `max. resource limit exceeded`. */
  readonly detail: string;
}

export type CheckResult =
  /** A model giving a value to every free variable of the assertions. */
  | { readonly kind: 'sat'; readonly model: Assignment }
  /** Names of assertions that are unsatisfiable together, in the caller's order. */
  | { readonly kind: 'unsat'; readonly core: readonly string[] }
  | Unknown;

const MAX_TIMEOUT_MS = 0xffff_ffff;

function validateOptions(opts: CheckOptions): void {
  if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 1 || opts.timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${opts.timeoutMs}`,
    );
  }
  const rlimit = opts.rlimit ?? 0;
  if (!Number.isInteger(rlimit) || rlimit < 0) {
    throw new RangeError(`rlimit must be a non-negative integer, got ${opts.rlimit}`);
  }
}

function expectBoolTerms(assertions: readonly NamedAssertion[]): void {
  for (const { name, term } of assertions) {
    if (term.sort.kind !== 'bool') {
      throw new TypeError(`assertion \`${name}\` is a ${printSort(term.sort)}, not a Bool`);
    }
  }
}

/** Union of variable maps; throws on a name with two sorts. */
function mergeVars(...maps: ReadonlyMap<string, Sort>[]): Map<string, Sort> {
  const out = new Map<string, Sort>();
  for (const m of maps) {
    for (const [name, sort] of m) {
      const seen = out.get(name);
      if (seen === undefined) out.set(name, sort);
      else if (!sameSort(seen, sort)) {
        throw new TypeError(
          `variable \`${name}\` is used as ${printSort(seen)} and as ${printSort(sort)}`,
        );
      }
    }
  }
  return out;
}

/** The answer when some assertion folded to `false`, or every one to `true`; else null. */
function folded(assertions: readonly NamedAssertion[]): CheckResult | null {
  const refuted = assertions.find((a) => a.term.kind === 'bool' && !a.term.value);
  if (refuted !== undefined) return { kind: 'unsat', core: [refuted.name] };
  if (assertions.every((a) => a.term.kind === 'bool')) return { kind: 'sat', model: new Map() };
  return null;
}

/** Whether `model` satisfies every assertion. */
function satisfies(assertions: readonly NamedAssertion[], model: Assignment): boolean {
  return interpretMany(
    assertions.map((a) => a.term),
    model,
  ).every((v) => v === true);
}

/** Throws unless `model` satisfies every assertion. */
function verifyModel(assertions: readonly NamedAssertion[], model: Assignment): void {
  const values = interpretMany(
    assertions.map((a) => a.term),
    model,
  );
  values.forEach((v, i) => {
    if (v !== true) {
      throw new Error(`z3 returned a model that violates \`${assertions[i]?.name}\``);
    }
  });
}

/** Names of the assertions whose guard is in the core, each term once, in the caller's order. */
function coreNames(
  assertions: readonly NamedAssertion[],
  core: ReadonlySet<number>,
  guardOf: (t: Term) => Z3Bool | undefined,
): string[] {
  const names: string[] = [];
  const reported = new Set<Term>();
  for (const { name, term } of assertions) {
    const g = guardOf(term);
    if (g === undefined || reported.has(term) || !core.has(g.id())) continue;
    reported.add(term);
    names.push(name);
  }
  return names;
}

/**
 * Z3's reason text is not stable: 5.2.0 reports a `timeout` as `canceled` or `sat.canceled` when
 * the check had assumptions, so elapsed time decides between a timeout and other cancellations.
 */
function classify(
  detail: string,
  run: { readonly watchdogFired: boolean; readonly elapsedMs: number },
  opts: CheckOptions,
): UnknownReason {
  if (run.watchdogFired || /timeout/i.test(detail)) return 'timeout';
  if (/memory/i.test(detail)) return 'out-of-memory';
  if (/resource limit/i.test(detail)) return 'resource-limit';
  if (/cancel/i.test(detail)) {
    if (run.elapsedMs >= opts.timeoutMs * 0.9) return 'timeout';
    return (opts.rlimit ?? 0) > 0 ? 'resource-limit' : 'interrupted';
  }
  return 'incomplete';
}

type Checkable = Pick<Solver<'klp'> | Optimize<'klp'>, 'set' | 'reasonUnknown'> & {
  check(...assumptions: Z3Bool[]): Promise<CheckSatResult>;
};

let checks = 0;

/**
 * How many times this process has called Z3's `check` (folded questions do not count).
 *
 * @example
 * const before = solverChecks(); await check(concrete, opts); solverChecks() === before // true
 */
export function solverChecks(): number {
  return checks;
}

type RawAnswer = { readonly kind: 'sat' } | { readonly kind: 'unsat' } | Unknown;

/**
 * One `check` with limits. The time limit is our own watchdog, which interrupts the context
 * (`Z3_interrupt`, the same cancel flag Z3's `timeout` sets, honoured at the same safe points:
 * Z3Prover/z3 #5568, #7607). Z3's own `timeout` parameter is left unset on purpose: in
 * z3-solver it runs a `scoped_timer` thread, a second WASM worker spawned on the first check,
 * and every check's `~scoped_timer` then spin-waits for it (`sched_yield`): measured with
 * z3-solver 5.2.0 on the rollback example, about half of the solver worker's CPU time over 37
 * small checks, and some 18 MB for the extra worker (bench/RESULTS.md, "Cold check").
 */
async function runCheck(
  session: Session,
  target: Checkable,
  assumptions: readonly Z3Bool[],
  opts: CheckOptions,
): Promise<RawAnswer> {
  checks++;
  guarded(session, () => target.set('rlimit', opts.rlimit ?? 0));
  let fired = false;
  const timer = setTimeout(
    () => {
      fired = true;
      session.ctx.interrupt();
    },
    Math.min(opts.timeoutMs, MAX_TIMEOUT_MS),
  );
  timer.unref();
  const started = performance.now();
  try {
    const answer = await guardedAsync(session, () => target.check(...assumptions));
    // A `sat` that races the watchdog's interrupt can come with a model Z3 did not finish
    // (seen under a 50 ms `--timeout`): the time is up, so the question is unknown.
    if (answer === 'sat' && fired) {
      return { kind: 'unknown', reason: 'timeout', detail: 'interrupted while building the model' };
    }
    if (answer !== 'unknown') return { kind: answer };
    const detail = guarded(session, () => target.reasonUnknown());
    const elapsedMs = performance.now() - started;
    const reason = classify(detail, { watchdogFired: fired, elapsedMs }, opts);
    if (reason === 'out-of-memory') {
      poison(`z3 ran out of memory (${detail}) and cannot be used again in this process`);
    }
    return { kind: 'unknown', reason, detail };
  } finally {
    clearTimeout(timer);
  }
}

/** {@link runCheck}, asked once more when a `sat` comes with a model that does not hold. */
async function runCheckForModel(
  session: Session,
  target: Checkable,
  assumptions: readonly Z3Bool[],
  opts: CheckOptions,
  modelHolds: () => boolean,
): Promise<RawAnswer> {
  const raw = await runCheck(session, target, assumptions, opts);
  if (raw.kind !== 'sat' || modelHolds()) return raw;
  // An interrupt the watchdog of an earlier check sent just as that check ended can stop this
  // one half-way, with a model Z3 did not finish: ask once more (the caller still verifies).
  return runCheck(session, target, assumptions, opts);
}

// ---------- check: one reused solver, one scope per question ----------

/**
 * The solver behind {@link check}, reused by every question (making a solver per question is
 * the expensive pattern). A question opens a scope, adds `g => term` for each of its terms with
 * a fresh guard literal `g`, checks under the guards as assumptions (a core is a set of guards)
 * and closes the scope. Guards are not kept across questions: measured with z3-solver 5.2.0,
 * `model()` and `check()` slow down linearly with the clauses a solver has accumulated (about
 * 6 us per guard for `model()`), while a scope per question costs the same as an assumption.
 * Replaced by a fresh solver after an error.
 */
interface SharedSolver {
  readonly session: Session;
  readonly solver: Solver<'klp'>;
  readonly forget: () => void;
}

let shared: SharedSolver | null = null;

function dropShared(): void {
  if (shared === null) return;
  shared.forget();
  shared.solver.release();
  shared = null;
}

function sharedSolver(session: Session): SharedSolver {
  if (shared !== null && shared.session !== session) dropShared();
  if (shared === null) {
    const solver = guarded(session, () => new session.ctx.Solver());
    const forget = onShutdown(() => {
      solver.release();
      shared = null;
    });
    shared = { session, solver, forget };
  }
  return shared;
}

/**
 * Is the conjunction of `assertions` satisfiable? Literal assertions are answered without Z3.
 *
 * @example
 * const r = await check(
 *   [
 *     { name: 'installed', term: eq(v, bv(2, 32)) },
 *     { name: 'rule:monotonic', term: bvuge(v, bv(3, 32)) },
 *   ],
 *   { timeoutMs: 5_000 },
 * );
 * // r = { kind: 'unsat', core: ['installed', 'rule:monotonic'] }
 */
export async function check(
  assertions: readonly NamedAssertion[],
  opts: CheckOptions,
): Promise<CheckResult> {
  validateOptions(opts);
  expectBoolTerms(assertions);
  const vars = freeVars(assertions.map((a) => a.term));
  checkAssertionNames(assertions, vars);
  const answer = folded(assertions);
  if (answer !== null) return answer;
  const session = await init();
  return exclusive(async () => {
    const encoder = encoderOf(session);
    const own = sharedSolver(session);
    const { solver } = own;
    try {
      guarded(session, () => solver.push());
      try {
        const guards = new Map<Term, Z3Bool>();
        for (const { term } of assertions) {
          // INVARIANT: after folding, the only literal assertions left are `true`.
          if (term.kind === 'bool' || guards.has(term)) continue;
          const e = encoder.encodeBool(term);
          const g = guarded(session, () => session.ctx.Bool.fresh('g'));
          guarded(session, () => solver.add(session.ctx.Implies(g, e)));
          guards.set(term, g);
        }
        guarded(session, () => solver.set('core.minimize', opts.minimizeCore ?? false));
        const raw = await runCheckForModel(session, solver, [...guards.values()], opts, () =>
          satisfies(assertions, encoder.decode(solver.model(), vars)),
        );
        switch (raw.kind) {
          case 'sat': {
            const model = encoder.decode(solver.model(), vars);
            verifyModel(assertions, model);
            return { kind: 'sat', model };
          }
          case 'unsat': {
            const core = guarded(session, () => solver.unsatCore());
            const ids = new Set<number>();
            for (let i = 0; i < core.length(); i++) ids.add(core.get(i).id());
            return { kind: 'unsat', core: coreNames(assertions, ids, (t) => guards.get(t)) };
          }
          case 'unknown':
            return raw;
          default:
            return assertNever(raw, 'solver answer');
        }
      } finally {
        guarded(session, () => solver.pop());
      }
    } catch (e) {
      dropShared();
      throw e;
    }
  });
}

// ---------- incremental solving ----------

/**
 * A solver that keeps its assertions between checks, with `push`/`pop` scopes and named
 * assumptions per check: the shape bounded model checking needs (assert the transition
 * relation step by step, assume "bad at step k" per check).
 */
export interface IncrementalSolver {
  /** Adds a background assertion to the current scope; it never appears in cores. */
  assert(term: Term): void;
  /** Opens a scope. */
  push(): void;
  /** Closes `levels` scopes (default 1), dropping what they asserted. */
  pop(levels?: number): void;
  /**
   * Checks the background with `assumptions`; a core names assumptions only. Each distinct
   * assumption term adds one guarded clause to the current scope, kept (and reused) until the
   * scope is popped: push a scope around checks with many one-off assumptions.
   */
  check(assumptions: readonly NamedAssertion[], opts: CheckOptions): Promise<CheckResult>;
  /** Frees the solver; any later call throws. */
  release(): void;
}

interface Scope {
  readonly asserted: Term[];
  readonly vars: Map<string, Sort>;
  readonly guards: Map<Term, Z3Bool>;
}

class Incremental implements IncrementalSolver {
  private readonly session: Session;
  private readonly solver: Solver<'klp'>;
  private readonly scopes: Scope[] = [{ asserted: [], vars: new Map(), guards: new Map() }];
  private released = false;
  private readonly forget: () => void;

  constructor(session: Session) {
    this.session = session;
    this.solver = guarded(session, () => new session.ctx.Solver());
    this.forget = onShutdown(() => this.release());
  }

  private top(): Scope {
    if (this.released) throw new Error('the incremental solver was released');
    const scope = this.scopes[this.scopes.length - 1];
    if (scope === undefined) throw new Error('unreachable: the base scope is never popped');
    return scope;
  }

  assert(term: Term): void {
    expectBoolTerms([{ name: 'background', term }]);
    const scope = this.top();
    const vars = mergeVars(scope.vars, freeVars([term]));
    const e = encoderOf(this.session).encodeBool(term);
    guarded(this.session, () => this.solver.add(e));
    scope.asserted.push(term);
    for (const [name, sort] of vars) scope.vars.set(name, sort);
  }

  push(): void {
    const scope = this.top();
    guarded(this.session, () => this.solver.push());
    this.scopes.push({ asserted: [], vars: new Map(scope.vars), guards: new Map() });
  }

  pop(levels = 1): void {
    this.top();
    if (!Number.isInteger(levels) || levels < 1 || levels >= this.scopes.length) {
      throw new RangeError(`cannot pop ${levels} scope(s): ${this.scopes.length - 1} open`);
    }
    guarded(this.session, () => this.solver.pop(levels));
    this.scopes.length -= levels;
  }

  private guardOf(term: Term): Z3Bool | undefined {
    for (const s of this.scopes) {
      const g = s.guards.get(term);
      if (g !== undefined) return g;
    }
    return undefined;
  }

  async check(assumptions: readonly NamedAssertion[], opts: CheckOptions): Promise<CheckResult> {
    validateOptions(opts);
    expectBoolTerms(assumptions);
    const vars = mergeVars(this.top().vars, freeVars(assumptions.map((a) => a.term)));
    checkAssertionNames(assumptions, vars);
    const refuted = assumptions.find((a) => a.term.kind === 'bool' && !a.term.value);
    if (refuted !== undefined) return { kind: 'unsat', core: [refuted.name] };
    const { session, solver } = this;
    return exclusive(async () => {
      const encoder = encoderOf(session);
      const top = this.top();
      const lits: Z3Bool[] = [];
      for (const { term } of assumptions) {
        if (term.kind === 'bool') continue;
        let g = this.guardOf(term);
        if (g === undefined) {
          const e = encoder.encodeBool(term);
          const guard = guarded(session, () => session.ctx.Bool.fresh('a'));
          guarded(session, () => solver.add(session.ctx.Implies(guard, e)));
          top.guards.set(term, guard);
          g = guard;
        }
        lits.push(g);
      }
      const background = () =>
        this.scopes.flatMap((s) => s.asserted.map((term) => ({ name: 'background', term })));
      const raw = await runCheckForModel(session, solver, lits, opts, () =>
        satisfies([...background(), ...assumptions], encoder.decode(solver.model(), vars)),
      );
      switch (raw.kind) {
        case 'sat': {
          const model = encoder.decode(solver.model(), vars);
          verifyModel([...background(), ...assumptions], model);
          return { kind: 'sat', model };
        }
        case 'unsat': {
          const core = guarded(session, () => solver.unsatCore());
          const ids = new Set<number>();
          for (let i = 0; i < core.length(); i++) ids.add(core.get(i).id());
          return { kind: 'unsat', core: coreNames(assumptions, ids, (t) => this.guardOf(t)) };
        }
        case 'unknown':
          return raw;
        default:
          return assertNever(raw, 'solver answer');
      }
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.forget();
    this.solver.release();
  }
}

/**
 * A new incremental solver on the shared session. Release it when done (Z3-NOTES pitfall 4).
 *
 * @example
 * const s = await incremental();
 * s.assert(transition0);
 * s.push();
 * const r = await s.check([{ name: 'bad@1', term: bad1 }], { timeoutMs: 10_000 });
 * s.pop();
 * s.release();
 */
export async function incremental(): Promise<IncrementalSolver> {
  const session = await init();
  return new Incremental(session);
}

// ---------- optimization ----------

/** A constraint Z3 may violate at a cost of `weight` (a positive integer, default 1). */
export interface SoftConstraint {
  readonly name: string;
  readonly term: Term;
  readonly weight?: number;
}

/** A bit-vector term to minimize or maximize, read as unsigned. */
export interface Objective {
  readonly kind: 'minimize' | 'maximize';
  readonly term: Term;
}

export interface OptimizeProblem {
  /** Must hold; their names form the core when they cannot. */
  readonly hard: readonly NamedAssertion[];
  /** Kept when possible: the total weight of the violated ones is minimized first. */
  readonly soft?: readonly SoftConstraint[];
  /** Then optimized one after the other (lexicographically), in this order. */
  readonly objectives?: readonly Objective[];
}

export type OptimizeResult =
  | {
      readonly kind: 'optimal';
      readonly model: Assignment;
      /** Soft constraints the optimal model violates, in the caller's order. */
      readonly violated: readonly string[];
      /** The value of each objective in the model, in the caller's order. */
      readonly objectives: readonly bigint[];
    }
  | { readonly kind: 'unsat'; readonly core: readonly string[] }
  | Unknown;

/**
 * An optimal model: hard constraints hold, the weight of violated soft constraints is least,
 * then each objective is optimal in turn. Uses a fresh Z3 `Optimize`, released afterwards.
 *
 * @example
 * const r = await optimize(
 *   { hard: [{ name: 'range', term: bvuge(v, bv(3, 32)) }], objectives: [{ kind: 'minimize', term: v }] },
 *   { timeoutMs: 5_000 },
 * );
 * // r.kind === 'optimal' && r.objectives[0] === 3n
 */
export async function optimize(
  problem: OptimizeProblem,
  opts: CheckOptions,
): Promise<OptimizeResult> {
  validateOptions(opts);
  const soft = problem.soft ?? [];
  const objectives = problem.objectives ?? [];
  expectBoolTerms([...problem.hard, ...soft]);
  for (const o of objectives) {
    if (o.term.sort.kind !== 'bitvec') {
      throw new TypeError(`an objective must be a bit-vector, got ${printSort(o.term.sort)}`);
    }
  }
  for (const s of soft) {
    const w = s.weight ?? 1;
    if (!Number.isSafeInteger(w) || w < 1) {
      throw new RangeError(
        `weight of soft constraint \`${s.name}\` must be a positive integer, got ${w}`,
      );
    }
  }
  const allTerms = [...problem.hard, ...soft].map((a) => a.term);
  const vars = freeVars([...allTerms, ...objectives.map((o) => o.term)]);
  checkAssertionNames([...problem.hard, ...soft], vars);
  const session = await init();
  return exclusive(async () => {
    const { ctx } = session;
    const encoder = encoderOf(session);
    const opt = guarded(session, () => new ctx.Optimize());
    const forget = onShutdown(() => opt.release());
    try {
      const guards = new Map<Term, Z3Bool>();
      for (const { term } of problem.hard) {
        if (guards.has(term)) continue;
        const e = encoder.encodeBool(term);
        const g = guarded(session, () => ctx.Bool.fresh('h'));
        guarded(session, () => opt.add(ctx.Implies(g, e)));
        guards.set(term, g);
      }
      for (const s of soft) {
        const e = encoder.encodeBool(s.term);
        guarded(session, () => opt.addSoft(e, s.weight ?? 1));
      }
      for (const o of objectives) {
        const e = encoder.encode(o.term) as Parameters<typeof opt.minimize>[0];
        guarded(session, () => (o.kind === 'minimize' ? opt.minimize(e) : opt.maximize(e)));
      }
      const raw = await runCheck(session, opt, [...guards.values()], opts);
      switch (raw.kind) {
        case 'sat': {
          const model = encoder.decode(opt.model(), vars);
          verifyModel(problem.hard, model);
          const softValues = interpretMany(
            soft.map((s) => s.term),
            model,
          );
          const objectiveValues = interpretMany(
            objectives.map((o) => o.term),
            model,
          );
          return {
            kind: 'optimal',
            model,
            violated: soft.filter((_, i) => softValues[i] !== true).map((s) => s.name),
            objectives: objectiveValues.map((v) => (typeof v === 'bigint' ? v : 0n)),
          };
        }
        case 'unsat': {
          const core = guarded(session, () => opt.unsatCore());
          const ids = new Set<number>();
          for (let i = 0; i < core.length(); i++) ids.add(core.get(i).id());
          return { kind: 'unsat', core: coreNames(problem.hard, ids, (t) => guards.get(t)) };
        }
        case 'unknown':
          return raw;
        default:
          return assertNever(raw, 'solver answer');
      }
    } finally {
      forget();
      opt.release();
    }
  });
}

// ---------- SMT-LIB through Z3 ----------

/**
 * Z3's own SMT-LIB rendering of the assertions (unnamed), for cross-checking
 * src/smt/smtlib.ts: both texts must get the same answer.
 *
 * @example
 * await checkSmtlib(await toSmtlibViaZ3(assertions), { timeoutMs: 5_000 }) // same kind as check()
 */
export async function toSmtlibViaZ3(
  assertions: readonly NamedAssertion[],
  status: 'sat' | 'unsat' | 'unknown' = 'unknown',
): Promise<string> {
  expectBoolTerms(assertions);
  const session = await init();
  return exclusive(async () => {
    const solver = guarded(session, () => new session.ctx.Solver());
    try {
      const encoder = encoderOf(session);
      for (const { term } of assertions) {
        const e = encoder.encodeBool(term);
        guarded(session, () => solver.add(e));
      }
      return guarded(session, () => solver.toSmtlib2(status));
    } finally {
      solver.release();
    }
  });
}

/** The answer to an SMT-LIB script, without model or core. */
export type ScriptAnswer = { readonly kind: 'sat' } | { readonly kind: 'unsat' } | Unknown;

/**
 * Parses an SMT-LIB script with Z3 and checks its assertions. Throws on a parse error (the
 * session stays usable).
 *
 * @example
 * await checkSmtlib(toSmtlib(assertions), { timeoutMs: 5_000 }) // { kind: 'unsat' }
 */
export async function checkSmtlib(text: string, opts: CheckOptions): Promise<ScriptAnswer> {
  validateOptions(opts);
  const session = await init();
  return exclusive(async () => {
    const solver = guarded(session, () => new session.ctx.Solver());
    try {
      guarded(session, () => solver.fromString(text));
      return await runCheck(session, solver, [], opts);
    } finally {
      solver.release();
    }
  });
}
