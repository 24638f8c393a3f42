/**
 * Reachability by brute force: every configuration reachable from an initial one by any
 * sequence of operations, with the shortest way to each (src/explore/search.ts does the work),
 * and shortest paths to a goal or to the violation of an invariant.
 *
 * Guarantees: with status `complete`, `states` holds exactly the configurations the simulator
 * can reach, each once, with its least number of operations; every path returned replays on
 * the simulator with every operation `ok`.
 */
import type { KernelRules } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import { assertNever, type Op } from '../model/op.ts';
import type { System } from '../model/system.ts';
import { type Limit, type SearchOptions, search } from './search.ts';

/** Options of {@link explore}: where to start, and the search's bounds. */
export interface ExploreOptions extends SearchOptions {
  readonly initial: System;
}

/** How a search over all reachable configurations ended. */
export type ExploreStatus =
  | { readonly kind: 'complete' }
  /** Every configuration reachable in at most `depth` operations was reached. */
  | { readonly kind: 'limit'; readonly limit: Limit; readonly depth: number };

/** One reachable configuration. */
export interface Reached {
  readonly system: System;
  /** The least number of operations that reach it. */
  readonly depth: number;
}

export interface Exploration {
  readonly status: ExploreStatus;
  /** Breadth-first order; `states[0]` is the initial configuration. */
  readonly states: readonly Reached[];
  /** A shortest operation sequence from the initial configuration to `states[index]`. */
  pathTo(index: number): Op[];
  /** Where `sys` is in `states`, if it was reached. */
  indexOf(sys: System): number | undefined;
  /** Simulator steps performed, failed ones included. */
  readonly steps: number;
}

/**
 * Every configuration reachable from `opts.initial` by operations on the catalog's patches
 * (those in `opts.exclude` left out).
 *
 * @example
 * const x = explore(cat, upstreamRules, { initial: EMPTY_SYSTEM, transitions: 'auto' });
 * x.status.kind // 'complete'
 * x.states.map((s) => s.system.klpPatches)
 */
export function explore(cat: Catalog, rules: KernelRules, opts: ExploreOptions): Exploration {
  const { graph, status } = search(cat, rules, opts.initial, opts, () => false);
  if (status.kind === 'stopped') throw new Error('a search that never stops stopped');
  const states = graph.systems.map((system, i) => ({ system, depth: graph.depths[i] ?? 0 }));
  return {
    status,
    states,
    pathTo: graph.pathTo,
    indexOf: graph.indexOf,
    steps: graph.steps,
  };
}

/** The outcome of a shortest-path query. */
export type PathResult =
  | {
      readonly kind: 'found';
      /** Fewest operations; among those, the first in the search's fixed operation order. */
      readonly path: readonly Op[];
      readonly system: System;
      readonly states: number;
    }
  /** The search was complete and no reachable configuration satisfies the goal. */
  | { readonly kind: 'unreachable'; readonly states: number }
  /** No configuration within `depth` operations satisfies the goal; a limit stopped there. */
  | {
      readonly kind: 'unknown';
      readonly limit: Limit;
      readonly depth: number;
      readonly states: number;
    };

/**
 * A shortest operation sequence from `from` to a configuration satisfying `goal` (`from`
 * itself counts: then the path is empty).
 *
 * @example
 * const r = shortestPath(cat, upstreamRules, sys, (s) => s.klpPatches.includes('r3'), { transitions: 'auto' });
 * r.kind === 'found' && r.path.map(formatOp) // ['insmod r2', 'insmod r3']
 */
export function shortestPath(
  cat: Catalog,
  rules: KernelRules,
  from: System,
  goal: (sys: System) => boolean,
  opts: SearchOptions,
): PathResult {
  const { graph, status, hit } = search(cat, rules, from, opts, (sys) => goal(sys));
  const states = graph.systems.length;
  if (hit !== null) {
    const system = graph.systems[hit];
    if (system === undefined) throw new Error('hit outside the graph');
    return { kind: 'found', path: graph.pathTo(hit), system, states };
  }
  if (status.kind === 'limit')
    return { kind: 'unknown', limit: status.limit, depth: status.depth, states };
  return { kind: 'unreachable', states };
}

/** The outcome of an invariant check over all reachable configurations. */
export type InvariantResult =
  | { readonly kind: 'holds'; readonly states: number }
  | {
      readonly kind: 'violated';
      /** A shortest sequence from the initial configuration to a violating one. */
      readonly path: readonly Op[];
      readonly system: System;
      readonly states: number;
    }
  | {
      readonly kind: 'unknown';
      readonly limit: Limit;
      readonly depth: number;
      readonly states: number;
    };

/**
 * Checks that `pred` holds in every configuration reachable from `opts.initial`.
 *
 * @example
 * const r = checkInvariant(cat, upstreamRules, (s) => s.klpPatches.length <= 1, { initial: EMPTY_SYSTEM, transitions: 'auto' });
 * r.kind // 'violated' as soon as two non-cumulative patches can be stacked
 */
export function checkInvariant(
  cat: Catalog,
  rules: KernelRules,
  pred: (sys: System) => boolean,
  opts: ExploreOptions,
): InvariantResult {
  const r = shortestPath(cat, rules, opts.initial, (sys) => !pred(sys), opts);
  switch (r.kind) {
    case 'found':
      return { kind: 'violated', path: r.path, system: r.system, states: r.states };
    case 'unreachable':
      return { kind: 'holds', states: r.states };
    case 'unknown':
      return r;
    default:
      return assertNever(r, 'path result');
  }
}
