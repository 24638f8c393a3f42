/**
 * Rollouts on the kernel simulator (src/kernel/): `insmod` of each patch in turn from an empty
 * system with auto transitions, the reference every symbolic answer of `conflicts` is replayed
 * on. Also the load matrix: for each ordered pair (a, b), does `insmod b` succeed once `a` is
 * installed.
 *
 * Pure and synchronous. Searches over orders share prefixes and remember configurations already
 * explored (what is left to load and klp_patches decide the rest), and stop at an explicit
 * budget of simulator steps, answering `budget` rather than guessing.
 */
import { type KernelRules, run, type StepOutcome, step } from '../kernel/index.ts';
import type { Violation } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import type { Errno } from '../model/op.ts';
import { EMPTY_SYSTEM, type System } from '../model/system.ts';

/** Why an `insmod` in a rollout was refused. */
export interface Rejection {
  /** The patch whose `insmod` failed. */
  readonly patch: string;
  /** klp_patches at that moment, bottom to top. */
  readonly klpPatches: readonly string[];
  readonly errno: Errno;
  /** Every violated rule with its witness (installed patch, state, versions). */
  readonly violations: readonly Violation[];
}

/** One order tried: the patches loaded in turn, the last one refused. */
export interface FailedOrder {
  /** The order up to and including the refused patch (every order with this prefix fails). */
  readonly prefix: readonly string[];
  readonly rejection: Rejection;
}

function rejectionOf(out: StepOutcome, patch: string, before: System): Rejection {
  if (out.result === 'ok') throw new Error(`unreachable: insmod ${patch} succeeded`);
  const v = out.verdict;
  return {
    patch,
    klpPatches: before.klpPatches,
    errno: out.result,
    violations: v === null || v.ok ? [] : v.violations,
  };
}

/** Simulates rollouts of one catalog under one rule set, counting simulator steps. */
export class Rollouts {
  readonly #opts: {
    readonly rules: KernelRules;
    readonly catalog: Catalog;
    readonly transitions: 'auto';
  };
  /** Simulator steps taken so far. */
  steps = 0;

  constructor(cat: Catalog, rules: KernelRules) {
    this.#opts = { rules, catalog: cat, transitions: 'auto' };
  }

  /** `insmod patch` on `sys`: the system after it, or the rejection. */
  insmod(
    sys: System,
    patch: string,
  ): { ok: true; system: System } | { ok: false; rejection: Rejection } {
    this.steps++;
    const out = step(sys, { kind: 'insmod', patch }, this.#opts);
    return out.result === 'ok'
      ? { ok: true, system: out.system }
      : { ok: false, rejection: rejectionOf(out, patch, sys) };
  }

  /**
   * Loads `order` from an empty system: null when every insmod succeeds, else the first
   * refusal.
   *
   * @example
   * rollouts.load(['test_klp_state2', 'test_klp_state']) // the second insmod is refused
   */
  load(order: readonly string[]): FailedOrder | null {
    let sys = EMPTY_SYSTEM;
    for (const [i, patch] of order.entries()) {
      const r = this.insmod(sys, patch);
      if (!r.ok) return { prefix: order.slice(0, i + 1), rejection: r.rejection };
      sys = r.system;
    }
    return null;
  }

  /**
   * Some order of `set` that loads, `null` when none does, or `budget` when more than `budget`
   * simulator steps would be needed to tell. Patches are tried in the order given, so the order
   * found is the first that loads in that sense (catalog order in, release-like order out).
   */
  findOrder(set: readonly string[], budget: number): readonly string[] | null | 'budget' {
    const limit = this.steps + budget;
    const dead = new Set<string>();
    const go = (sys: System, left: readonly string[]): string[] | null | 'budget' => {
      if (left.length === 0) return [];
      const key = `${sys.klpPatches.join(',')}|${left.join(',')}`;
      if (dead.has(key)) return null;
      for (const p of left) {
        if (this.steps >= limit) return 'budget';
        const r = this.insmod(sys, p);
        if (!r.ok) continue;
        const rest = go(
          r.system,
          left.filter((x) => x !== p),
        );
        if (rest === 'budget') return 'budget';
        if (rest !== null) return [p, ...rest];
      }
      dead.add(key);
      return null;
    };
    return go(EMPTY_SYSTEM, set);
  }

  /**
   * Every order of `set` as a tree of shared prefixes: each returned prefix fails at its last
   * patch, and every order of `set` starts with exactly one of them. Throws when some order
   * loads: the set is not a conflict. Exponential: for small sets only.
   */
  failingPrefixes(set: readonly string[]): FailedOrder[] {
    const out: FailedOrder[] = [];
    const go = (sys: System, prefix: readonly string[], left: readonly string[]): void => {
      if (left.length === 0) {
        throw new Error(`the order ${prefix.join(', ')} loads: {${set.join(', ')}} is no conflict`);
      }
      for (const p of left) {
        const r = this.insmod(sys, p);
        if (!r.ok) {
          out.push({ prefix: [...prefix, p], rejection: r.rejection });
          continue;
        }
        go(
          r.system,
          [...prefix, p],
          left.filter((x) => x !== p),
        );
      }
    };
    go(EMPTY_SYSTEM, [], set);
    return out;
  }

  /**
   * The order starting with `first` that gets furthest before a refusal, within `budget`
   * simulator steps (the furthest found so far when the budget runs out). Null when some order
   * starting with `first` loads completely.
   */
  furthestFrom(first: string, set: readonly string[], budget: number): FailedOrder | null {
    const limit = this.steps + budget;
    let best: FailedOrder | null = null;
    let loads = false;
    const seen = new Set<string>();
    const go = (sys: System, prefix: readonly string[], left: readonly string[]): void => {
      if (left.length === 0) {
        loads = true;
        return;
      }
      const key = `${sys.klpPatches.join(',')}|${left.join(',')}`;
      if (seen.has(key)) return;
      seen.add(key);
      for (const p of left) {
        if (loads || this.steps >= limit) return;
        const r = this.insmod(sys, p);
        if (!r.ok) {
          if (best === null || best.prefix.length < prefix.length + 1) {
            best = { prefix: [...prefix, p], rejection: r.rejection };
          }
          continue;
        }
        go(
          r.system,
          [...prefix, p],
          left.filter((x) => x !== p),
        );
      }
    };
    const start = this.insmod(EMPTY_SYSTEM, first);
    if (!start.ok) return { prefix: [first], rejection: start.rejection };
    go(
      start.system,
      [first],
      set.filter((x) => x !== first),
    );
    return loads ? null : best;
  }
}

/** One cell of the load matrix: `insmod loaded` on a system where `installed` is installed. */
export type PairResult =
  | { readonly kind: 'ok'; readonly klpPatches: readonly string[] }
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  /** `installed` itself cannot be loaded on an empty system. */
  | { readonly kind: 'not-installable'; readonly rejection: Rejection };

export interface LoadMatrix {
  /** Catalog order. */
  readonly patches: readonly string[];
  /** `alone[i]`: why patch i cannot be loaded on an empty system, or null when it can. */
  readonly alone: readonly (Rejection | null)[];
  /**
   * `cells[i][j]`: patch j loaded where patch i is installed; null on the diagonal. Rows after
   * the deadline are missing (`complete` false): read cells with `?.`.
   */
  readonly cells: readonly (readonly (PairResult | null)[])[];
  /** False when the deadline came before every row was computed. */
  readonly complete: boolean;
}

/** Simulator steps of the load matrix taken whatever the deadline (milliseconds of work). */
const MATRIX_FREE_STEPS = 10_000;

/**
 * The load matrix: `insmod a; insmod b` from an empty system for every ordered pair of
 * distinct catalog patches.
 *
 * @example
 * loadMatrix(cat, rules).cells[1]?.[0] // test_klp_state on test_klp_state2: rejected
 */
export function loadMatrix(
  cat: Catalog,
  rules: KernelRules,
  deadline: number = Number.POSITIVE_INFINITY,
): LoadMatrix {
  const names = cat.patches.map((p) => p.name);
  const opts = { rules, catalog: cat, transitions: 'auto' } as const;
  const firsts = names.map((a) => step(EMPTY_SYSTEM, { kind: 'insmod', patch: a }, opts));
  const alone = firsts.map((first, i) =>
    first.result === 'ok' ? null : rejectionOf(first, names[i] ?? '', EMPTY_SYSTEM),
  );
  const cells: (PairResult | null)[][] = [];
  // n² simulator steps: the deadline is checked once per row (n steps), after the first
  // MATRIX_FREE_STEPS, so a small catalog always gets its whole matrix.
  for (const [i, a] of names.entries()) {
    if (i * names.length >= MATRIX_FREE_STEPS && Date.now() >= deadline) {
      return { patches: names, alone, cells, complete: false };
    }
    const first = firsts[i];
    if (first === undefined) throw new Error('unreachable: one first step per patch');
    const row = names.map((b): PairResult | null => {
      if (a === b) return null;
      if (first.result !== 'ok') {
        return { kind: 'not-installable', rejection: rejectionOf(first, a, EMPTY_SYSTEM) };
      }
      const { outcomes, final } = run(first.system, [{ kind: 'insmod', patch: b }], opts);
      const out = outcomes[0];
      if (out === undefined) throw new Error('unreachable: one step was run');
      return out.result === 'ok'
        ? { kind: 'ok', klpPatches: final.klpPatches }
        : { kind: 'rejected', rejection: rejectionOf(out, b, first.system) };
    });
    cells.push(row);
  }
  return { patches: names, alone, cells, complete: true };
}
