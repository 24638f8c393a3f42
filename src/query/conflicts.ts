/**
 * `klp-verify conflicts`: every minimal set of catalog patches that cannot be rolled out in any
 * order. A set is *rollable* when some order of it loads: `insmod` of each patch in turn from
 * an empty system, every transition completing at once, replacements as the rules say. A
 * *conflict* is a set that is not rollable while every proper subset is.
 *
 * Rollability is not monotone: adding a cumulative patch can rescue a set (it replaces the
 * patch in the way), so a conflict-free set can contain a conflict. The enumeration is MARCO
 * over the monotone property "contains a conflict", with three solvers on the same selectors:
 * - the map: which sets are still unexplored (blocks: supersets of each conflict found,
 *   subsets of each set shown conflict-free);
 * - the rollout ({@link symbolicRollout}): is this exact set rollable, with an order as model
 *   or, when not, an unsat core whose selected patches are themselves not rollable;
 * - the cover ({@link fixedOrderFails}): is there a subset of this set that every order found
 *   for it so far fails on. When not, every subset is rollable (each by the restriction of one
 *   of those orders): the set is conflict-free. When so, the rollout decides the subset, giving
 *   a new order or a non-rollable set. Each set's question has a solver scope of its own and
 *   encodes only that set's patches (the orders of a 1000-patch catalog do not pile up); the
 *   rollout's answers are remembered across questions.
 * A non-rollable set shrinks by deletion to a conflict (a member stays when the set without it
 * is conflict-free), which is then minimal among ALL subsets, not only the one-smaller ones.
 * Concrete questions go to the simulator first ({@link Tactics}): conflicts of two patches
 * come from the load matrix, an order of a given set from a bounded search, and the first
 * order offered to the cover respects every one-way pair of the matrix, which under pairwise
 * rules (every shipped rule set) covers every subset at once.
 *
 * Guarantees: every conflict reported is replayed on the simulator: no order of it loads
 * (every order is tried for small sets) and without any one member the rest loads in some
 * order; a disagreement between solver and simulator throws (a bug, never an answer).
 * `complete` means every conflict of the catalog is in the list; a limit or `unknown` from the
 * solver says so and keeps what was established.
 */

import { kernelRules } from '../eval/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import { compileRules } from '../smt/compile.ts';
import { and, boolVar, FALSE, not, or } from '../smt/factory.ts';
import type { SymbolicRules } from '../smt/symbolic.ts';
import type { Term } from '../smt/term.ts';
import {
  type CheckResult,
  type IncrementalSolver,
  incremental,
  type UnknownReason,
} from '../smt/z3/index.ts';
import { fixedOrderFails, symbolicPatches, symbolicRollout } from './conflicts-encode.ts';
import { type FailedOrder, type LoadMatrix, loadMatrix, Rollouts } from './conflicts-replay.ts';

export type { FailedOrder, LoadMatrix, PairResult, Rejection } from './conflicts-replay.ts';

/** The rule set twice: as the simulator asks it and as the solver does. */
export interface ConflictRules {
  readonly kernel: KernelRules;
  readonly symbolic: SymbolicRules;
}

/**
 * A checked rule set both ways: the evaluator's `KernelRules` and the compiled terms.
 *
 * @example
 * conflictRules(upstream).kernel.name // 'upstream'
 */
export function conflictRules(rs: CheckedRuleSet): ConflictRules {
  return { kernel: kernelRules(rs), symbolic: compileRules(rs) };
}

export interface ConflictOptions {
  /** Stop after this many conflicts (default {@link DEFAULT_LIMIT}). */
  readonly limit?: number;
  /** Wall-clock budget of the whole enumeration in milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  /** Deterministic Z3 resource limit per check, for reproducible tests. */
  readonly rlimit?: number;
  /** Called with a one-line summary as the enumeration advances. */
  readonly progress?: (text: string) => void;
  /** Shortcuts that answer concrete questions by simulation; all on by default. */
  readonly tactics?: Tactics;
}

/**
 * Concrete questions the simulator can answer faster than the solver. Every combination gives
 * the same conflicts; tests turn them off to exercise the solver path alone.
 */
export interface Tactics {
  /** Take conflicts of one or two patches from the load matrix first (default true). */
  readonly seedFromMatrix?: boolean;
  /**
   * Look for an order of a set on the simulator (a small bounded search, catalog order first)
   * before asking the rollout solver (default true). The solver still answers when no order is
   * found, for its unsat core.
   */
  readonly simulateFirst?: boolean;
  /**
   * Before proving a set conflict-free, offer the cover an order of it that respects every
   * one-way pair of the load matrix (default true). Under rule sets whose checks are pairwise
   * (every shipped one), that single order loads every subset.
   */
  readonly pairwiseOrders?: boolean;
}

/** Simulator steps the search for an order may take before the rollout solver is asked. */
/** Largest catalog the conflict search encodes (its rollout encoding is quadratic). */
const MAX_ENCODED_PATCHES = 2000;

/** Largest set the simulator tries orders of before the solver is asked. */
const SIMULATE_MAX_SET = 256;

const SIMULATE_FIRST_BUDGET = 20_000;

/** Conflicts blocked in the map by one assertion. */
const CONFLICTS_PER_ASSERTION = 1_000;

export const DEFAULT_LIMIT = 20;
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Sets up to this size have every order explained; larger ones one order per first patch. */
export const EVERY_ORDER_MAX = 4;

/** Why every order of a conflict fails, replayed on the simulator. */
export type OrdersExplained =
  /** Failing prefixes: every order of the set starts with exactly one of them. */
  | {
      readonly kind: 'every-order';
      readonly orders: number;
      readonly failing: readonly FailedOrder[];
    }
  /** For each first patch, the order starting with it that gets furthest. */
  | {
      readonly kind: 'per-first-patch';
      readonly orders: number;
      readonly failing: readonly FailedOrder[];
      /** Whether the simulator also tried every order (within its step budget). */
      readonly exhaustive: boolean;
    };

export interface Conflict {
  /** In catalog order. */
  readonly patches: readonly string[];
  readonly explained: OrdersExplained;
  /** For each member, an order of the others that loads: the set is minimal. */
  readonly withoutOne: readonly { readonly without: string; readonly order: readonly string[] }[];
}

export type ConflictStatus =
  /** Every conflict of the catalog is listed. */
  | { readonly kind: 'complete' }
  /** Stopped at `limit` conflicts; more may exist. */
  | { readonly kind: 'limit'; readonly limit: number }
  /** Stopped by the time budget or the solver's `unknown`. */
  | { readonly kind: 'unknown'; readonly reason: UnknownReason; readonly detail: string };

export interface ConflictReport {
  readonly rules: string;
  /** Catalog order. */
  readonly patches: readonly string[];
  /** Smallest first, then in catalog order; at most the limit. */
  readonly conflicts: readonly Conflict[];
  /**
   * How many conflicts were established: more than listed when the load matrix alone proved
   * more than the limit.
   */
  readonly known: number;
  readonly status: ConflictStatus;
  /**
   * Sets shown conflict-free (every subset loads in some order), largest first: what was
   * established about the rest when the enumeration stopped early.
   */
  readonly conflictFree: readonly (readonly string[])[];
  /** A set shown not rollable, not yet shrunk to a conflict when the enumeration stopped. */
  readonly unminimized: readonly string[] | null;
  readonly matrix: LoadMatrix;
  readonly stats: {
    readonly solverChecks: number;
    /** Per solver: the map of explored sets, the rollout (any order?), the cover (fixed orders). */
    readonly work: SolverWork;
    /** Orders the cover solver knows (each loads the set it was found for). */
    readonly orders: number;
    readonly seeds: number;
    readonly simulatorSteps: number;
    readonly ms: number;
  };
}

/** The enumeration stopped: the solver said `unknown` or the time budget ran out. */
class Stop extends Error {
  readonly reason: UnknownReason;
  readonly detail: string;
  constructor(reason: UnknownReason, detail: string) {
    super(`stopped: ${reason}`);
    this.reason = reason;
    this.detail = detail;
  }
}

type SolverName = 'map' | 'rollout' | 'cover';

/** Checks and time spent per solver. */
export type SolverWork = Record<SolverName, { checks: number; ms: number }>;

type Hereditary =
  | { readonly kind: 'conflict-free' }
  | { readonly kind: 'not-rollable'; readonly set: readonly number[] };

const keyOf = (set: Iterable<number>): string => [...set].sort((a, b) => a - b).join(',');

/** The solver side: MARCO with the map, rollout and cover solvers. */
class Enumeration {
  readonly #cat: Catalog;
  readonly #rules: SymbolicRules;
  readonly #n: number;
  readonly #deadline: number;
  readonly #rlimit: number | undefined;
  readonly #progress: (text: string) => void;
  readonly #patches;
  readonly #solvers: Readonly<Record<SolverName, IncrementalSolver>>;
  readonly #mapSel: Term[];
  readonly #coverSel: Term[];
  /** The rollout's selectors, once its constraints are asserted (on first use: often never). */
  #rolloutSel: readonly Term[] | null = null;
  readonly #sim: Rollouts;
  readonly #names: readonly string[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #simulateFirst: boolean;
  /** `a` must load before `b` when both are in a set (from the load matrix), if known. */
  readonly #mustPrecede: ((a: number, b: number) => boolean) | null;
  readonly #rollable = new Map<string, readonly number[] | null>();
  readonly #hereditary = new Map<string, Hereditary>();
  readonly found: number[][] = [];
  /** The conflicts found, by member. */
  readonly #conflictsOf: number[][][] = [];
  readonly conflictFree: number[][] = [];
  unminimized: number[] | null = null;
  orders = 0;
  checks = 0;
  readonly work: SolverWork = {
    map: { checks: 0, ms: 0 },
    rollout: { checks: 0, ms: 0 },
    cover: { checks: 0, ms: 0 },
  };
  seeds = 0;

  constructor(
    cat: Catalog,
    rules: SymbolicRules,
    solvers: Readonly<Record<SolverName, IncrementalSolver>>,
    sim: Rollouts,
    opts: {
      deadline: number;
      rlimit: number | undefined;
      progress: (text: string) => void;
      simulateFirst: boolean;
      mustPrecede: ((a: number, b: number) => boolean) | null;
    },
  ) {
    this.#cat = cat;
    this.#sim = sim;
    this.#names = cat.patches.map((p) => p.name);
    this.#index = new Map(this.#names.map((n, i) => [n, i]));
    this.#simulateFirst = opts.simulateFirst;
    this.#mustPrecede = opts.mustPrecede;
    this.#rules = rules;
    this.#n = cat.patches.length;
    this.#deadline = opts.deadline;
    this.#rlimit = opts.rlimit;
    this.#progress = opts.progress;
    this.#patches = symbolicPatches(cat);
    this.#solvers = solvers;
    this.#mapSel = this.#patches.map((_, i) => boolVar(`m.sel.${i}`));
    this.#coverSel = this.#patches.map((_, i) => boolVar(`c.sel.${i}`));
  }

  async #ask(which: SolverName, assumptions: { name: string; term: Term }[]): Promise<CheckResult> {
    const left = Math.floor(this.#deadline - Date.now());
    if (left <= 0) throw new Stop('timeout', 'the time budget ran out');
    this.checks++;
    const started = performance.now();
    const r = await this.#solvers[which].check(assumptions, {
      timeoutMs: left,
      ...(this.#rlimit === undefined ? {} : { rlimit: this.#rlimit }),
    });
    this.work[which].checks++;
    this.work[which].ms += performance.now() - started;
    if (r.kind === 'unknown') throw new Stop(r.reason, r.detail);
    return r;
  }

  #sel(terms: readonly Term[], i: number): Term {
    const t = terms[i];
    if (t === undefined) throw new Error(`unreachable: no patch ${i}`);
    return t;
  }

  /** An order of exactly `set` that loads, or a non-empty subset of it that is not rollable. */
  async #rollableExactly(
    set: readonly number[],
  ): Promise<{ order: number[] } | { notRollable: number[] }> {
    const key = keyOf(set);
    const memo = this.#rollable.get(key);
    if (memo !== undefined) return memo === null ? { notRollable: [...set] } : { order: [...memo] };
    if (this.#simulateFirst) {
      const simulated = this.#simulatedOrder(set);
      if (simulated !== 'budget') {
        if (simulated !== null) {
          this.#rollable.set(key, simulated);
          return { order: simulated };
        }
        const smaller = this.#dropWhileNotRollable(set);
        this.#rollable.set(key, null);
        this.#rollable.set(keyOf(smaller), null);
        return { notRollable: smaller };
      }
    }
    const r = await this.#ask('rollout', this.#selection(set));
    if (r.kind === 'sat') {
      const pos = (i: number): bigint => {
        const v = r.model.get(`r.pos.${i}`);
        return typeof v === 'bigint' ? v : 0n;
      };
      const order = [...set].sort((a, b) => (pos(a) < pos(b) ? -1 : pos(a) > pos(b) ? 1 : a - b));
      const names = order.map((i) => this.#names[i] ?? '');
      const replayed = this.#sim.load(names);
      if (replayed !== null) {
        throw new Error(
          `solver and simulator disagree: the solver's order ${names.join(', ')} fails at insmod ${replayed.rejection.patch}`,
        );
      }
      this.#rollable.set(key, order);
      return { order };
    }
    if (r.kind !== 'unsat') throw new Error('unreachable: unknown is a Stop');
    // The selection "exactly the core's selected patches" satisfies every core literal (the
    // excluded ones are outside `set`), so that smaller set is not rollable either.
    const core = r.core.flatMap((name) => (name.startsWith('in.') ? [Number(name.slice(3))] : []));
    const smaller = core.length > 0 ? core.sort((a, b) => a - b) : [...set];
    this.#rollable.set(keyOf(smaller), null);
    this.#rollable.set(key, null);
    return { notRollable: smaller };
  }

  /** The rollout solver's assumptions: exactly the patches of `set` are selected. */
  #selection(set: readonly number[]): { name: string; term: Term }[] {
    if (this.#rolloutSel === null) {
      const r = symbolicRollout(this.#cat, this.#rules, 'r.', this.#patches);
      for (const c of r.constraints) this.#solvers.rollout.assert(c);
      this.#rolloutSel = r.selected;
    }
    const sel = this.#rolloutSel;
    const inSet = new Set(set);
    return this.#patches.map((_, i) =>
      inSet.has(i)
        ? { name: `in.${i}`, term: this.#sel(sel, i) }
        : { name: `out.${i}`, term: not(this.#sel(sel, i)) },
    );
  }

  /** Whether `order` loads on the simulator. */
  #loads(order: readonly number[]): boolean {
    return this.#sim.load(order.map((i) => this.#names[i] ?? '')) === null;
  }

  /** {@link Rollouts.findOrder} on indices: pairwise order (else catalog order) first. */
  #simulatedOrder(set: readonly number[]): number[] | null | 'budget' {
    // The search below is bounded in steps, not in time, and remembers failed states by keys as
    // long as the set: on thousands of patches that alone costs gigabytes. The solver, which
    // honours the deadline, decides such sets instead.
    if (Date.now() >= this.#deadline) throw new Stop('timeout', 'the time budget ran out');
    if (set.length > SIMULATE_MAX_SET) return 'budget';
    const first = this.#mustPrecede === null ? set : pairwiseOrder(set, this.#mustPrecede);
    const found = this.#sim.findOrder(
      first.map((i) => this.#names[i] ?? ''),
      SIMULATE_FIRST_BUDGET,
    );
    if (found === null || found === 'budget') return found;
    return found.map((n) => this.#index.get(n) ?? -1);
  }

  /**
   * A not-rollable set made smaller on the simulator, the way the rollout solver's core would:
   * drop each member whose absence leaves a set the simulator shows not rollable.
   */
  #dropWhileNotRollable(set: readonly number[]): number[] {
    let current = [...set];
    for (const x of set) {
      if (Date.now() >= this.#deadline) throw new Stop('timeout', 'the time budget ran out');
      const rest = current.filter((i) => i !== x);
      if (rest.length > 0 && this.#simulatedOrder(rest) === null) current = rest;
    }
    return current;
  }

  /**
   * Asserts, in the cover's current scope, that the chosen subset of `set` fails when loaded in
   * `order` (an order of a subset of `set` that loads; `set`'s other patches are skipped). Only
   * the patches of `set` are encoded: O(|set|^2), not O(catalog^2).
   */
  #addOrder(set: ReadonlySet<number>, order: readonly number[]): void {
    this.orders++;
    const inOrder = new Set(order);
    // The patches of `set` the order does not name go last, in catalog order: any place is sound
    // (the order is only a candidate), and the cover then asks again about them.
    const full = [...order, ...[...set].filter((i) => !inOrder.has(i)).sort((a, b) => a - b)];
    const selected = this.#patches.map((_, i) =>
      set.has(i) ? this.#sel(this.#coverSel, i) : FALSE,
    );
    const fails = fixedOrderFails(
      this.#cat,
      this.#rules,
      full,
      selected,
      this.#patches,
      this.#deadline,
    );
    if (fails === null) throw new Stop('timeout', 'the time budget ran out');
    this.#solvers.cover.assert(fails);
  }

  /**
   * Is every subset of `set` rollable? If not, a non-rollable subset.
   *
   * The cover asks, in a scope of its own, for a non-empty subset of `set` that fails in every
   * order asserted so far: first the one order that respects every one-way pair of the load
   * matrix (under pairwise rules it loads every subset, and one check settles the set), then
   * one order per subset the cover returns. Encoding only `set`, not the catalog, keeps each
   * question quadratic in the set, and the scope drops it afterwards.
   */
  async hereditary(set: readonly number[]): Promise<Hereditary> {
    const key = keyOf(set);
    const memo = this.#hereditary.get(key);
    if (memo !== undefined) return memo;
    const inSet = new Set(set);
    const cover = this.#solvers.cover;
    cover.push();
    try {
      cover.assert(or(...set.map((i) => this.#sel(this.#coverSel, i))));
      if (this.#mustPrecede !== null) {
        const first = pairwiseOrder(set, this.#mustPrecede);
        if (this.#loads(first)) this.#addOrder(inSet, first);
      }
      /** Subsets the cover has returned in this scope: each is covered by the order it produced. */
      const covered = new Set<string>();
      for (;;) {
        const c = await this.#ask('cover', []);
        if (c.kind === 'unsat') {
          const answer: Hereditary = { kind: 'conflict-free' };
          this.#hereditary.set(key, answer);
          return answer;
        }
        if (c.kind !== 'sat') throw new Error('unreachable: unknown is a Stop');
        const subset = set.filter((i) => c.model.get(`c.sel.${i}`) === true);
        const subsetKey = keyOf(subset);
        if (covered.has(subsetKey)) {
          throw new Error(
            `the rollout encodings disagree: an order that loads {${subset.map((i) => this.#names[i]).join(', ')}} is said to fail`,
          );
        }
        covered.add(subsetKey);
        const r = await this.#rollableExactly(subset);
        if ('notRollable' in r) {
          const answer: Hereditary = { kind: 'not-rollable', set: r.notRollable };
          this.#hereditary.set(key, answer);
          return answer;
        }
        this.#addOrder(inSet, r.order);
      }
    } finally {
      cover.pop();
    }
  }

  /** Shrinks a non-rollable set to a conflict: minimal among all its subsets. */
  async shrink(start: readonly number[]): Promise<number[]> {
    let current = [...start];
    const needed = new Set<number>();
    this.unminimized = current;
    for (;;) {
      const x = current.find((i) => !needed.has(i));
      if (x === undefined) break;
      const rest = current.filter((i) => i !== x);
      const h = await this.hereditary(rest);
      if (h.kind === 'conflict-free') {
        needed.add(x);
        this.#blockSubsets(rest);
      } else {
        // INVARIANT: a member found needed stays needed in every smaller non-rollable set
        // (without it, that set lies within a conflict-free one).
        current = [...h.set];
        this.unminimized = current;
      }
    }
    this.unminimized = null;
    return current;
  }

  #blockSubsets(set: readonly number[]): void {
    const inSet = new Set(set);
    this.#solvers.map.assert(
      or(...this.#patches.flatMap((_, i) => (inSet.has(i) ? [] : [this.#sel(this.#mapSel, i)]))),
    );
  }

  addConflict(set: readonly number[]): void {
    this.addConflicts([set]);
  }

  /** Conflicts found at once (the load matrix's): one assertion to the map for all of them. */
  addConflicts(sets: readonly (readonly number[])[]): void {
    const blocks: Term[] = [];
    for (const set of sets) {
      const c = [...set];
      this.found.push(c);
      for (const i of c) {
        let list = this.#conflictsOf[i];
        if (list === undefined) {
          list = [];
          this.#conflictsOf[i] = list;
        }
        list.push(c);
      }
      blocks.push(or(...set.map((i) => not(this.#sel(this.#mapSel, i)))));
    }
    // In chunks: one call per clause costs a round trip each, one call for 10^5 clauses
    // overflows the stack of Z3's argument spreading.
    for (let k = 0; k < blocks.length; k += CONFLICTS_PER_ASSERTION) {
      this.#solvers.map.assert(and(...blocks.slice(k, k + CONFLICTS_PER_ASSERTION)));
    }
  }

  /** Whether adding `i` to `set` (which contains no known conflict) completes one. */
  #completesConflict(set: ReadonlySet<number>, i: number): boolean {
    return (this.#conflictsOf[i] ?? []).some((c) => c.every((j) => j === i || set.has(j)));
  }

  /** An unexplored set, grown to be maximal among those containing no known conflict; null when none is left. */
  async seed(): Promise<number[] | null> {
    const r = await this.#ask('map', []);
    if (r.kind === 'unsat') return null;
    if (r.kind !== 'sat') throw new Error('unreachable: unknown is a Stop');
    this.seeds++;
    const set = new Set(
      this.#patches.flatMap((_, i) => (r.model.get(`m.sel.${i}`) === true ? [i] : [])),
    );
    for (let i = 0; i < this.#n; i++) {
      if (!set.has(i) && !this.#completesConflict(set, i)) set.add(i);
    }
    return [...set].sort((a, b) => a - b);
  }

  /** MARCO until the map is exhausted or `limit` conflicts are known. */
  async run(limit: number): Promise<'complete' | 'limit'> {
    for (;;) {
      if (this.found.length >= limit) return (await this.seed()) === null ? 'complete' : 'limit';
      const seed = await this.seed();
      if (seed === null) return 'complete';
      const h = await this.hereditary(seed);
      if (h.kind === 'conflict-free') {
        this.conflictFree.push(seed);
        this.#blockSubsets(seed);
      } else {
        this.addConflict(await this.shrink(h.set));
      }
      this.#progress(
        `conflicts: ${this.found.length} found, ${this.seeds} sets explored, ${this.checks} solver checks`,
      );
    }
  }
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** Simulator steps the replay of one conflict may take before settling for less. */
const REPLAY_BUDGET = 200_000;

/** Replays a conflict on the simulator and explains every order; throws on disagreement. */
function explain(names: readonly string[], sim: Rollouts): Conflict {
  const disagree = (what: string): Error =>
    new Error(`solver and simulator disagree on {${names.join(', ')}}: ${what}`);
  let explained: OrdersExplained;
  if (names.length <= EVERY_ORDER_MAX) {
    let failing: FailedOrder[];
    try {
      failing = sim.failingPrefixes(names);
    } catch (e) {
      throw disagree(e instanceof Error ? e.message : String(e));
    }
    explained = { kind: 'every-order', orders: factorial(names.length), failing };
  } else {
    const any = sim.findOrder(names, REPLAY_BUDGET);
    if (any !== null && any !== 'budget') throw disagree(`the order ${any.join(', ')} loads`);
    const failing = names.map((first) => {
      const f = sim.furthestFrom(first, names, REPLAY_BUDGET);
      if (f === null) throw disagree(`some order starting with ${first} loads`);
      return f;
    });
    explained = {
      kind: 'per-first-patch',
      orders: factorial(names.length),
      failing,
      exhaustive: any === null,
    };
  }
  const withoutOne = names.flatMap((without) => {
    const order = sim.findOrder(
      names.filter((n) => n !== without),
      REPLAY_BUDGET,
    );
    if (order === null) throw disagree(`without ${without} no order loads either: not minimal`);
    return order === 'budget' ? [] : [{ without, order }];
  });
  if (names.length <= 6) {
    // Minimal among every subset, not only the one-smaller ones: rollability is not monotone.
    for (let mask = 1; mask < (1 << names.length) - 1; mask++) {
      const subset = names.filter((_, i) => (mask & (1 << i)) !== 0);
      if (sim.findOrder(subset, REPLAY_BUDGET) === null) {
        throw disagree(`{${subset.join(', ')}} does not load in any order: not minimal`);
      }
    }
  }
  return { patches: names, explained, withoutOne };
}

/**
 * A conflict of one or two patches explained by the load matrix, which simulated exactly the
 * orders {@link explain} would replay (each patch alone, each on top of the other): the same
 * explanation without simulating them again. Null for larger sets, or when the matrix does not
 * show the set to be a conflict (then the replay decides, and throws).
 */
function fromMatrix(
  names: readonly string[],
  m: LoadMatrix,
  index: ReadonlyMap<string, number>,
): Conflict | null {
  const [a, b] = names.map((n) => index.get(n) ?? -1);
  if (a === undefined || a < 0) return null;
  if (names.length === 1) {
    const rejection = m.alone[a];
    if (rejection === null || rejection === undefined) return null;
    const only = names[0] ?? '';
    return {
      patches: names,
      explained: { kind: 'every-order', orders: 1, failing: [{ prefix: [only], rejection }] },
      withoutOne: [{ without: only, order: [] }],
    };
  }
  if (names.length !== 2 || b === undefined || b < 0 || m.alone[a] !== null || m.alone[b] !== null)
    return null;
  const ab = m.cells[a]?.[b];
  const ba = m.cells[b]?.[a];
  if (ab?.kind !== 'rejected' || ba?.kind !== 'rejected') return null;
  const [x, y] = [names[0] ?? '', names[1] ?? ''];
  return {
    patches: names,
    explained: {
      kind: 'every-order',
      orders: 2,
      failing: [
        { prefix: [x, y], rejection: ab.rejection },
        { prefix: [y, x], rejection: ba.rejection },
      ],
    },
    withoutOne: [
      { without: x, order: [y] },
      { without: y, order: [x] },
    ],
  };
}

/**
 * Every conflict of the catalog (up to `limit`), each replayed on the simulator, and the load
 * matrix.
 *
 * @example
 * const rs = loadRuleSet('upstream');
 * if (rs.kind === 'ok') {
 *   const report = await findConflicts(streamCatalog, conflictRules(rs.value));
 *   report.conflicts.map((c) => c.patches) // [['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4']]
 *   report.status // { kind: 'complete' }
 * }
 */
export async function findConflicts(
  cat: Catalog,
  rules: ConflictRules,
  opts: ConflictOptions = {},
): Promise<ConflictReport> {
  const started = Date.now();
  const limit = opts.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const names = cat.patches.map((p) => p.name);
  const index = new Map(names.map((n, i) => [n, i]));
  const deadline = started + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const solvers = {
    map: await incremental(),
    rollout: await incremental(),
    cover: await incremental(),
  };
  // The matrix gets at most half the time left: the enumeration, which proves, needs the rest.
  const matrix = loadMatrix(cat, rules.kernel, Date.now() + (deadline - Date.now()) / 2);
  const sim = new Rollouts(cat, rules.kernel);
  let status: ConflictStatus;
  let e: Enumeration | null = null;
  try {
    try {
      // Encoding thousands of patches takes a while: not begun after the deadline.
      if (cat.patches.length > 100 && Date.now() >= deadline) {
        throw new Stop('timeout', 'the time budget ran out');
      }
      // The rollout encoding has an order variable per pair of patches: on thousands of patches
      // it alone exhausts memory, before any solver call could notice the deadline.
      if (cat.patches.length > MAX_ENCODED_PATCHES) {
        throw new Stop(
          'resource-limit',
          `the conflict search encodes at most ${MAX_ENCODED_PATCHES} patches (an order variable per pair); the load matrix's pairs are what was established`,
        );
      }
      e = new Enumeration(cat, rules.symbolic, solvers, sim, {
        deadline,
        rlimit: opts.rlimit,
        progress: opts.progress ?? (() => {}),
        simulateFirst: opts.tactics?.simulateFirst ?? true,
        mustPrecede: (opts.tactics?.pairwiseOrders ?? true) ? mustPrecede(matrix) : null,
      });
      if (opts.tactics?.seedFromMatrix ?? true) e.addConflicts(smallConflicts(matrix));
      const end = await e.run(limit);
      status =
        end === 'complete' && e.found.length <= limit
          ? { kind: 'complete' }
          : { kind: 'limit', limit };
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      status = { kind: 'unknown', reason: err.reason, detail: err.detail };
    }
  } finally {
    for (const s of Object.values(solvers)) s.release();
  }
  const byName = (set: readonly number[]): string[] =>
    [...set].sort((a, b) => a - b).flatMap((i) => (names[i] === undefined ? [] : [names[i]]));
  const found = (e?.found ?? [])
    .map(byName)
    .sort((a, b) => a.length - b.length || compareBy(index, a, b));
  // Each conflict is replayed on the simulator (a check of the solver); past the deadline, by
  // at most half a second, the rest are counted in `known` but not shown.
  const replayUntil = deadline + 500;
  const conflicts: Conflict[] = [];
  for (const c of found.slice(0, limit)) {
    if (Date.now() >= replayUntil) break;
    conflicts.push(fromMatrix(c, matrix, index) ?? explain(c, sim));
  }
  if (conflicts.length < Math.min(found.length, limit) && status.kind === 'complete') {
    status = {
      kind: 'unknown',
      reason: 'timeout',
      detail: 'the time ran out while the conflicts were replayed on the simulator',
    };
  }
  let unminimized: string[] | null = null;
  if (
    status.kind === 'unknown' &&
    e !== null &&
    e.unminimized !== null &&
    Date.now() < replayUntil
  ) {
    const set = byName(e.unminimized);
    if (sim.findOrder(set, REPLAY_BUDGET) === null) unminimized = set;
  }
  return {
    rules: rules.kernel.name,
    patches: names,
    conflicts,
    known: found.length,
    status,
    conflictFree: (e?.conflictFree ?? [])
      .map(byName)
      .sort((a, b) => b.length - a.length || compareBy(index, a, b)),
    unminimized,
    matrix,
    stats: {
      solverChecks: e?.checks ?? 0,
      work: e?.work ?? {
        map: { checks: 0, ms: 0 },
        rollout: { checks: 0, ms: 0 },
        cover: { checks: 0, ms: 0 },
      },
      orders: e?.orders ?? 0,
      seeds: e?.seeds ?? 0,
      simulatorSteps: sim.steps,
      ms: Date.now() - started,
    },
  };
}

function compareBy(
  index: ReadonlyMap<string, number>,
  a: readonly string[],
  b: readonly string[],
): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (index.get(a[i] ?? '') ?? 0) - (index.get(b[i] ?? '') ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** `a` must load before `b`: `b` loads on `a`, and `a` is refused on `b`. */
function mustPrecede(m: LoadMatrix): (a: number, b: number) => boolean {
  return (a, b) => m.cells[a]?.[b]?.kind === 'ok' && m.cells[b]?.[a]?.kind === 'rejected';
}

/**
 * `set` sorted topologically by `before`, ties (and cycles) broken by catalog order.
 *
 * @example
 * pairwiseOrder([0, 1, 2], (a, b) => a === 2 && b === 0) // [1, 2, 0]
 */
export function pairwiseOrder(
  set: readonly number[],
  before: (a: number, b: number) => boolean,
): number[] {
  // Kahn's algorithm, quadratic: the first patch in catalog order that nothing left must
  // precede goes next; on a cycle (none is free), the first patch left.
  const left = [...set].sort((a, b) => a - b);
  const k = left.length;
  const pending = new Array<number>(k).fill(0);
  const must: number[][] = left.map(() => []);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i !== j && before(left[i] ?? -1, left[j] ?? -1)) {
        must[i]?.push(j);
        pending[j] = (pending[j] ?? 0) + 1;
      }
    }
  }
  const done = new Array<boolean>(k).fill(false);
  const out: number[] = [];
  for (let n = 0; n < k; n++) {
    let next = -1;
    for (let j = 0; j < k; j++) {
      if (done[j]) continue;
      if (next < 0) next = j;
      if (pending[j] === 0) {
        next = j;
        break;
      }
    }
    done[next] = true;
    out.push(left[next] ?? -1);
    for (const j of must[next] ?? []) pending[j] = (pending[j] ?? 0) - 1;
  }
  return out;
}

/**
 * Conflicts the load matrix proves: a patch that cannot be loaded on an empty system, and two
 * installable patches each refused on top of the other.
 */
function smallConflicts(m: LoadMatrix): number[][] {
  const installable = m.alone.map((r) => r === null);
  const out: number[][] = [];
  for (let i = 0; i < m.patches.length; i++) {
    if (!installable[i]) {
      out.push([i]);
      continue;
    }
    // Only rows the matrix has (it stops at its deadline) can show a pair.
    for (let j = i + 1; j < m.cells.length; j++) {
      if (!installable[j]) continue;
      if (m.cells[i]?.[j]?.kind === 'rejected' && m.cells[j]?.[i]?.kind === 'rejected')
        out.push([i, j]);
    }
  }
  return out;
}
