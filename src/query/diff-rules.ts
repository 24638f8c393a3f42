/**
 * `klp-verify diff-rules R1 R2`: where two kernel rule sets part ways on a catalog. A scenario
 * is one operation sequence run under both rule sets in lockstep from the same installed stack:
 * every step succeeds under both, except the last, which R1 admits and R2 rejects (fails with
 * an errno; the rules' verdict is shown). The query asks for the shortest such scenario, and for
 * the shortest of the reverse, or proves that none exists.
 *
 * The product system: two symbolic transition systems (src/smt/transition.ts), one per rule
 * set, driven by the same operation selector. Shortest scenarios come from bounded model
 * checking with increasing length (every earlier step moves under both, the last moves under
 * one only). Proofs are inductive invariants of the product with a `parted` flag (set when one
 * side moves and the other does not), found by Spacer and re-checked as three unsatisfiable
 * SMT-LIB queries (initiation, consecution, safety).
 *
 * With `initial`, each side starts from the stack as its own rule set installs it.
 *
 * Guarantees: a scenario is returned only after the simulator replayed it under both rule sets
 * with exactly that outcome (a disagreement throws: a bug, never an answer); `none` only with
 * the three unsat queries; `unknown` when the time runs out, with the length up to which no
 * scenario exists.
 */
import { kernelRules } from '../eval/kernel-rules.ts';
import { installStack, run, type SimOptions, type StepOutcome } from '../kernel/index.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import { formatOp, type Op } from '../model/op.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { symbolicRules } from '../prove/problem.ts';
import { DEFAULT_TIMEOUT_MS } from '../prove/prove.ts';
import { and, boolVar, FALSE, ite, not, or, TRUE } from '../smt/factory.ts';
import { toSmtlib } from '../smt/smtlib.ts';
import { freeVars, type Term } from '../smt/term.ts';
import { type StateTerms, TransitionSystem } from '../smt/transition.ts';
import { Substitution } from '../smt/transition-subst.ts';
import { solveHorn } from '../smt/z3/fixedpoint.ts';
import { checkSmtlib, type IncrementalSolver, incremental } from '../smt/z3/index.ts';
import { checkDeadline, OutOfTime, within } from '../source/deadline.ts';

export interface DiffRulesInput {
  readonly catalog: Catalog;
  /** R1. */
  readonly left: CheckedRuleSet;
  /** R2. */
  readonly right: CheckedRuleSet;
  /** Default `auto`. */
  readonly transitions?: TransitionMode;
  /** The installed stack both start from, bottom to top; default nothing installed. */
  readonly initial?: readonly string[];
  /** Default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly progress?: (line: string) => void;
}

/** A sequence both rule sets agree on but the last step. */
export interface Scenario {
  readonly steps: readonly Op[];
  /** The replay under the admitting rule set. */
  readonly admitted: readonly StepOutcome[];
  /** The replay under the rejecting rule set. */
  readonly rejected: readonly StepOutcome[];
}

/** One direction: sequences `admits` admits at the end and `rejects` rejects. */
export interface DirectionResult {
  readonly admits: string;
  readonly rejects: string;
  readonly verdict: 'found' | 'none' | 'unknown';
  readonly scenario: Scenario | null;
  /** The proof that no scenario exists (`none`). */
  readonly proof: DiffProof | null;
  /** No scenario has at most this many operations (`none`, `unknown`). */
  readonly depth: number;
}

export interface DiffProof {
  readonly invariant: Term;
  /** SMT-LIB scripts, each expected `unsat`: initiation, consecution, safety. */
  readonly files: readonly { readonly name: string; readonly text: string }[];
}

export type DiffVerdict = 'differ' | 'agree' | 'unknown' | 'error';

export interface DiffRulesResult {
  readonly left: string;
  readonly right: string;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  /** `differ` when some scenario was found, `agree` when both directions are proved empty. */
  readonly verdict: DiffVerdict;
  /** The number of catalog patches: with none, there is no operation to tell the rules apart. */
  readonly patches: number;
  /** R1 admits, R2 rejects. */
  readonly leftOnly: DirectionResult | null;
  /** R2 admits, R1 rejects. */
  readonly rightOnly: DirectionResult | null;
  readonly error: string | null;
  readonly ms: number;
}

/** The two sides of the product, R1 and R2, driven by one selector. */
interface Product {
  readonly sides: readonly [TransitionSystem, TransitionSystem];
}

/**
 * The shortest scenarios that tell the two rule sets apart on the catalog, or proofs that they
 * agree.
 *
 * @example
 * const r = await diffRules({ catalog: cat, left: upstream, right: replaceSet });
 * r.leftOnly?.scenario?.steps.map(formatOp) // ['insmod a', 'insmod b']
 */
export async function diffRules(input: DiffRulesInput): Promise<DiffRulesResult> {
  const started = performance.now();
  const transitions = input.transitions ?? 'auto';
  const initial = input.initial ?? [];
  const deadline = Date.now() + (input.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const base = {
    left: input.left.name,
    right: input.right.name,
    transitions,
    initial,
    patches: input.catalog.patches.length,
  };
  const { catalog: cat } = input;
  if (cat.patches.length === 0) {
    // No patch, no operation: nothing either rule set could admit or reject. Said at once
    // instead of unrolling an empty transition system until the deadline.
    const none = (admits: string, rejects: string): DirectionResult => ({
      admits,
      rejects,
      verdict: 'none',
      scenario: null,
      proof: null,
      depth: 0,
    });
    return {
      ...base,
      verdict: 'agree',
      leftOnly: none(input.left.name, input.right.name),
      rightOnly: none(input.right.name, input.left.name),
      error: null,
      ms: performance.now() - started,
    };
  }
  const kernels = [kernelRules(input.left), kernelRules(input.right)] as const;
  const stacks = kernels.map((k) => installStack(cat, k, initial, transitions));
  for (const [i, s] of stacks.entries()) {
    if (s === undefined || s.kind !== 'ok') {
      const name = i === 0 ? input.left.name : input.right.name;
      const error = `${s?.message ?? 'no stack'} under rule set \`${name}\``;
      return {
        ...base,
        verdict: 'error',
        leftOnly: null,
        rightOnly: null,
        error,
        ms: performance.now() - started,
      };
    }
  }
  // Each side starts from the stack as its own rule set installs it (the same configuration
  // unless the rule sets replace different patches on the way).
  const start = stacks.map((s) => {
    if (s === undefined || s.kind !== 'ok') throw new Error('unreachable: checked above');
    return s.system;
  });
  const startOf = (i: 0 | 1): System => {
    const sys = start[i];
    if (sys === undefined) throw new Error('unreachable: two sides');
    return sys;
  };
  const operable = new Set(cat.patches.map((p) => p.name));
  const side = (rs: CheckedRuleSet, i: 0 | 1) =>
    new TransitionSystem({
      catalog: cat,
      rules: symbolicRules(rs),
      transitions,
      operable,
      initial: startOf(i),
    });
  const product: Product = { sides: [side(input.left, 0), side(input.right, 1)] };
  const sim = (i: 0 | 1) => ({ rules: kernels[i], catalog: cat, transitions });
  const directions = [
    { admits: 0, rejects: 1 },
    { admits: 1, rejects: 0 },
  ] as const;
  const results: (DirectionResult | null)[] = [null, null];
  const names = [input.left.name, input.right.name] as const;
  const bmc = new LockstepBmc(product);
  let depth = 0;
  let spacerBudget = Math.max(500, (deadline - Date.now()) / 10);
  try {
    for (let k = 1; results.some((r) => r === null); k++) {
      input.progress?.(`no scenario of ${k - 1} operations; trying ${k}`);
      for (const [d, dir] of directions.entries()) {
        if (results[d] !== null) continue;
        const steps = await bmc.scenario(k, dir.admits, deadline);
        if (steps === null) continue;
        results[d] = {
          admits: names[dir.admits],
          rejects: names[dir.rejects],
          verdict: 'found',
          scenario: replay(
            steps,
            [startOf(dir.admits), sim(dir.admits)],
            [startOf(dir.rejects), sim(dir.rejects)],
          ),
          proof: null,
          depth: k - 1,
        };
      }
      depth = k;
      // Spacer runs at fixed bounds, never because the search was slow: it works in the same
      // Z3 context as the search, so running it changes which of the equally short scenarios
      // the search returns next, and a load-dependent schedule made the answer depend on the
      // machine's load. Only how long each attempt may run depends on the time.
      if (k % SPACER_EVERY === 0) {
        for (const [d, dir] of directions.entries()) {
          if (results[d] !== null) continue;
          input.progress?.(`no scenario of ${k} operations; looking for an inductive invariant`);
          const until = Math.min(deadline, Date.now() + spacerBudget);
          const proof = await proveNone(product, dir.admits, until);
          if (proof !== null) {
            results[d] = {
              admits: names[dir.admits],
              rejects: names[dir.rejects],
              verdict: 'none',
              scenario: null,
              proof,
              depth: k,
            };
          }
        }
        spacerBudget *= 2;
      }
      if (Date.now() >= deadline) break;
    }
  } catch (e) {
    // Out of time: what was found or proved stands, the rest is unknown.
    if (!(e instanceof TimeoutError)) throw e;
  } finally {
    bmc.release();
  }
  const unknown = (d: 0 | 1): DirectionResult => {
    const dir = directions[d];
    return {
      admits: names[dir.admits],
      rejects: names[dir.rejects],
      verdict: 'unknown',
      scenario: null,
      proof: null,
      depth,
    };
  };
  const leftOnly = results[0] ?? unknown(0);
  const rightOnly = results[1] ?? unknown(1);
  const both = [leftOnly, rightOnly];
  const verdict: DiffVerdict = both.some((r) => r.verdict === 'found')
    ? 'differ'
    : both.every((r) => r.verdict === 'none')
      ? 'agree'
      : 'unknown';
  return {
    ...base,
    verdict,
    leftOnly,
    rightOnly,
    error: null,
    ms: performance.now() - started,
  };
}

class TimeoutError extends Error {}

function remaining(deadline: number): number {
  const ms = Math.floor(deadline - Date.now());
  if (ms < 1) throw new TimeoutError('out of time');
  return ms;
}

/** Spacer is tried for the directions still open after every this many bounds. */
const SPACER_EVERY = 3;

/** Bounded model checking of the product: both sides unrolled over shared selectors. */
class LockstepBmc {
  private readonly product: Product;
  private readonly states: [StateTerms[], StateTerms[]];
  /** `moved` of step j under each side. */
  private readonly moves: [Term[], Term[]] = [[], []];
  private asserted = 0;
  private solver: IncrementalSolver | null = null;

  constructor(product: Product) {
    this.product = product;
    this.states = [[product.sides[0].initialState()], [product.sides[1].initialState()]];
  }

  private extend(k: number, deadline: number): void {
    const [a, b] = this.product.sides;
    for (let j = this.states[0].length - 1; j < k; j++) {
      for (const [i, ts] of [a, b].entries()) {
        checkDeadline(deadline, `unrolling ${k} operations`);
        const states = this.states[i === 0 ? 0 : 1];
        const prev = states[j];
        if (prev === undefined) throw new Error('unreachable: states are built in order');
        const next = ts.successor(prev, ts.selector(j));
        states.push(next);
        this.moves[i === 0 ? 0 : 1].push(next.moved());
      }
    }
  }

  /** A sequence of exactly `k` operations, the last moving under `admits` only, or null. */
  async scenario(k: number, admits: 0 | 1, deadline: number): Promise<Op[] | null> {
    try {
      // Synchronous and linear in the catalog per step (the rules compiled in): stops at the
      // deadline like the solver does.
      within(deadline, `unrolling ${k} operations`, () => this.extend(k, deadline));
    } catch (e) {
      if (e instanceof OutOfTime) throw new TimeoutError(e.message);
      throw e;
    }
    this.solver ??= await incremental();
    // Earlier steps move under both: a shortest scenario has no step that fails under both.
    for (; this.asserted < k - 1; this.asserted++) {
      this.solver.assert(
        and(this.moves[0][this.asserted] ?? FALSE, this.moves[1][this.asserted] ?? FALSE),
      );
    }
    const last = and(
      this.moves[admits][k - 1] ?? FALSE,
      not(this.moves[admits === 0 ? 1 : 0][k - 1] ?? TRUE),
    );
    if (last === FALSE) return null;
    const r = await this.solver.check([{ name: `parted-at-${k}`, term: last }], {
      timeoutMs: remaining(deadline),
    });
    if (r.kind === 'unknown') throw new TimeoutError(r.detail);
    if (r.kind === 'unsat') return null;
    const ts = this.product.sides[0];
    const ops: Op[] = [];
    for (let j = 0; j < k; j++) {
      const sel = ts.selector(j);
      const v = sel.kind === 'var' ? r.model.get(sel.name) : undefined;
      const op = typeof v === 'bigint' ? ts.opOf(v) : null;
      if (op !== null) ops.push(op);
    }
    return ops;
  }

  release(): void {
    this.solver?.release();
    this.solver = null;
  }
}

const PREFIX = ['l.', 'r.'] as const;
const PARTED = boolVar('parted');

/** One step of the product over its state variables: lockstep, else stutter. */
function productStep(product: Product, admits: 0 | 1) {
  const vars = product.sides.map((ts, i) => ts.variables(PREFIX[i === 0 ? 0 : 1]));
  const nexts = product.sides.map((ts, i) => {
    const s = vars[i];
    if (s === undefined) throw new Error('unreachable: two sides');
    const next = ts.successor(s, ts.selector(null));
    for (let n = -1; n !== ts.orderPairs().length; ) {
      n = ts.orderPairs().length;
      ts.components(next);
    }
    return next;
  });
  const [na, nb] = nexts;
  if (na === undefined || nb === undefined) throw new Error('unreachable: two sides');
  const both = and(na.moved(), nb.moved());
  const state: Term[] = [];
  const next: Term[] = [];
  product.sides.forEach((ts, i) => {
    const cur = ts.stateVariables(PREFIX[i === 0 ? 0 : 1]);
    const after = ts.components(i === 0 ? na : nb);
    cur.forEach((v, j) => {
      state.push(v);
      next.push(ite(both, after[j] ?? FALSE, v));
    });
  });
  const parts = admits === 0 ? [na, nb] : [nb, na];
  state.push(PARTED);
  next.push(or(PARTED, and(parts[0]?.moved() ?? FALSE, not(parts[1]?.moved() ?? TRUE))));
  const init = and(
    ...product.sides.map((ts, i) => ts.initialCube(PREFIX[i === 0 ? 0 : 1])),
    not(PARTED),
  );
  return { state, next, init };
}

/** An inductive invariant of the product that keeps `parted` false, re-checked; or null. */
async function proveNone(
  product: Product,
  admits: 0 | 1,
  until: number,
): Promise<DiffProof | null> {
  const { state, next, init } = productStep(product, admits);
  const timeoutMs = Math.floor(until - Date.now());
  if (timeoutMs < 1) return null;
  const r = await solveHorn({ state, init, next, bad: PARTED }, { timeoutMs });
  if (r.kind !== 'safe') return null;
  const inv = r.invariant;
  const byName = new Map<string, Term>();
  state.forEach((v, i) => {
    if (v.kind === 'var') byName.set(v.name, next[i] ?? FALSE);
  });
  for (const name of freeVars([inv]).keys()) {
    if (!byName.has(name)) throw new Error(`the invariant reads \`${name}\`, not a state variable`);
  }
  const invNext = new Substitution((name) => byName.get(name)).apply(inv);
  const queries = [
    {
      name: 'initiation',
      description: 'both sides start from the same installed stack, and it satisfies the invariant',
      assertions: [
        { name: 'initial', term: init },
        { name: 'not-invariant', term: not(inv) },
      ],
    },
    {
      name: 'consecution',
      description:
        'every operation taken in lockstep from a pair satisfying the invariant leads to one',
      assertions: [
        { name: 'invariant', term: inv },
        { name: 'not-invariant-after-step', term: not(invNext) },
      ],
    },
    {
      name: 'safety',
      description: 'no pair satisfying the invariant has had the rule sets part ways',
      assertions: [
        { name: 'invariant', term: inv },
        { name: 'rule-sets-parted', term: PARTED },
      ],
    },
  ];
  const files: { name: string; text: string }[] = [];
  for (const q of queries) {
    const text = toSmtlib(q.assertions, {
      expected: 'unsat',
      description: `klp-verify diff-rules ${q.name}: ${q.description}`,
      getUnsatCore: false,
    });
    const left = Math.floor(until - Date.now());
    if (left < 1) return null;
    const a = await checkSmtlib(text, { timeoutMs: left });
    if (a.kind !== 'unsat') return null;
    files.push({ name: `${q.name}.smt2`, text });
  }
  return { invariant: inv, files };
}

/** Replays a scenario under both rule sets; throws unless it ends exactly as claimed. */
function replay(
  steps: readonly Op[],
  admitting: readonly [System, SimOptions],
  rejecting: readonly [System, SimOptions],
): Scenario {
  const a = run(admitting[0], steps, admitting[1]).outcomes;
  const b = run(rejecting[0], steps, rejecting[1]).outcomes;
  const bad = (why: string): never => {
    throw new Error(
      `internal: the scenario [${steps.map(formatOp).join(', ')}] does not replay on the simulator: ${why}`,
    );
  };
  steps.forEach((op, j) => {
    const ra = a[j]?.result;
    const rb = b[j]?.result;
    const lastStep = j === steps.length - 1;
    if (!lastStep && (ra !== 'ok' || rb !== 'ok'))
      bad(`\`${formatOp(op)}\` gives ${ra} and ${rb}, not ok under both`);
    if (lastStep && (ra !== 'ok' || rb === 'ok'))
      bad(`the last \`${formatOp(op)}\` gives ${ra} and ${rb}`);
  });
  return { steps, admitted: a, rejected: b };
}
