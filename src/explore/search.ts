/**
 * Breadth-first search over the configurations (`System` values) reachable from one
 * configuration by user-space operations, each performed by the kernel simulator (`step`).
 *
 * This is the brute-force oracle the symbolic queries are tested against, so it trusts nothing
 * but the simulator: every edge is a `step()` that returned `ok`. A failed operation leaves the
 * system unchanged (a simulator guarantee), so it adds no edge and is skipped.
 *
 * Guarantees: configurations are visited in breadth-first order, so the first one a visitor
 * accepts has the fewest operations from the start; ties are broken by a fixed operation order
 * (see {@link successorOps}), so results are deterministic. When a limit stops the search, every
 * configuration at most `depth` operations away has been visited.
 */
import { step } from '../kernel/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { Catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import { type System, systemKey, type TransitionMode } from '../model/system.ts';

/**
 * How many configurations a search keeps before it gives up, unless told otherwise (each
 * takes about half a kilobyte).
 */
export const DEFAULT_MAX_STATES = 500_000;

/** Which limit stopped a search. */
export type Limit = 'max-states' | 'max-depth' | 'deadline';

/** Bounds of a search; every one is optional and none is set by default but the state cap. */
export interface SearchLimits {
  /** Most configurations kept (default {@link DEFAULT_MAX_STATES}). */
  readonly maxStates?: number;
  /** Configurations more than this many operations away are not explored. */
  readonly maxDepth?: number;
  /** Wall-clock deadline, in `Date.now()` milliseconds. */
  readonly deadline?: number;
}

/** What the search may do, and from where. */
export interface SearchOptions extends SearchLimits {
  readonly transitions: TransitionMode;
  /** Patches whose operations are never performed (e.g. the patch a query is about). */
  readonly exclude?: ReadonlySet<string>;
}

export type SearchStatus =
  /** Every reachable configuration was visited. */
  | { readonly kind: 'complete' }
  /** The visitor accepted a configuration (see `hit`). */
  | { readonly kind: 'stopped' }
  /**
   * A limit stopped the search early. `depth`: every configuration reachable in at most that
   * many operations was visited.
   */
  | { readonly kind: 'limit'; readonly limit: Limit; readonly depth: number };

/**
 * The search graph: configurations in breadth-first (discovery) order with parent pointers.
 * Index 0 is the start.
 */
export interface SearchGraph {
  readonly systems: readonly System[];
  readonly depths: readonly number[];
  /** Index of the configuration an operation led from; -1 for the start. */
  readonly parents: readonly number[];
  /** The operation that first led here; null for the start. */
  readonly via: ReadonlyArray<Op | null>;
  /** Index of a configuration, if it was reached. */
  indexOf(sys: System): number | undefined;
  /** The operations from the start to configuration `index`, shortest first found. */
  pathTo(index: number): Op[];
  /** Simulator steps performed (including failed ones). */
  readonly steps: number;
}

export interface SearchResult {
  readonly graph: SearchGraph;
  readonly status: SearchStatus;
  /** The configuration the visitor stopped at, if it did. */
  readonly hit: number | null;
}

/**
 * Called once per newly reached configuration, in breadth-first order (start included);
 * returning true stops the search there.
 */
export type Visitor = (sys: System, index: number, depth: number) => boolean;

/**
 * Breadth-first search from `start`, calling `visit` on each configuration as it is first
 * reached.
 *
 * @example
 * const { status, graph } = search(cat, upstreamRules, EMPTY_SYSTEM, { transitions: 'auto' }, () => false);
 * status.kind // 'complete'
 * graph.systems.length // number of reachable configurations
 */
export function search(
  cat: Catalog,
  rules: KernelRules,
  start: System,
  opts: SearchOptions,
  visit: Visitor,
): SearchResult {
  const simOpts = { rules, catalog: cat, transitions: opts.transitions } as const;
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
  const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
  const deadline = opts.deadline ?? Number.POSITIVE_INFINITY;
  const keyOf = compactKeyFn(cat);
  const ops = opsPerPatch(cat, opts.exclude);

  const systems: System[] = [];
  const depths: number[] = [];
  const parents: number[] = [];
  const via: Array<Op | null> = [];
  const index = new Map<string, number>();
  let steps = 0;

  const graph: SearchGraph = {
    systems,
    depths,
    parents,
    via,
    indexOf: (sys) => index.get(keyOf(sys)),
    pathTo(i) {
      const path: Op[] = [];
      for (let at = i; at > 0; at = parents[at] ?? -1) {
        const op = via[at];
        if (op === undefined || op === null) throw new Error(`no operation leads to state ${at}`);
        path.push(op);
      }
      return path.reverse();
    },
    get steps() {
      return steps;
    },
  };
  const done = (status: SearchStatus, hit: number | null): SearchResult => ({
    graph,
    status,
    hit,
  });

  const add = (sys: System, key: string, depth: number, parent: number, op: Op | null): number => {
    const i = systems.length;
    systems.push(sys);
    depths.push(depth);
    parents.push(parent);
    via.push(op);
    index.set(key, i);
    return i;
  };

  add(start, keyOf(start), 0, -1, null);
  if (visit(start, 0, 0)) return done({ kind: 'stopped' }, 0);

  // INVARIANT: `systems` is the queue; `head` is its front. Discovery order is breadth-first
  // order, so when `head` reaches depth d every configuration at depth <= d is in `systems`.
  for (let head = 0; head < systems.length; head++) {
    const sys = systems[head];
    const depth = depths[head];
    if (sys === undefined || depth === undefined) throw new Error('queue out of step');
    if ((head & 63) === 0 && Date.now() > deadline) {
      return done({ kind: 'limit', limit: 'deadline', depth }, null);
    }
    for (const op of successorOps(sys, ops)) {
      const out = step(sys, op, simOpts);
      steps++;
      if (out.result !== 'ok') continue;
      const key = keyOf(out.system);
      if (index.has(key)) continue;
      // A new configuration one operation too far: the depth bound cut the search short.
      if (depth >= maxDepth) return done({ kind: 'limit', limit: 'max-depth', depth }, null);
      if (systems.length >= maxStates) {
        return done({ kind: 'limit', limit: 'max-states', depth }, null);
      }
      const i = add(out.system, key, depth + 1, head, op);
      if (visit(out.system, i, depth + 1)) return done({ kind: 'stopped' }, i);
    }
  }
  return done({ kind: 'complete' }, null);
}

interface PatchOps {
  readonly name: string;
  readonly insmod: Op;
  readonly rmmod: Op;
  readonly enable: Op;
  readonly disable: Op;
  readonly force: Op;
}

const COMPLETE: Op = { kind: 'complete' };

function opsPerPatch(cat: Catalog, exclude: ReadonlySet<string> | undefined): PatchOps[] {
  return cat.patches
    .filter((p) => exclude?.has(p.name) !== true)
    .map(({ name }) => ({
      name,
      insmod: { kind: 'insmod', patch: name },
      rmmod: { kind: 'rmmod', patch: name },
      enable: { kind: 'enable', patch: name },
      disable: { kind: 'disable', patch: name },
      force: { kind: 'force', patch: name },
    }));
}

/**
 * The operations worth trying in `sys`, in the fixed order that breaks ties between equally
 * short paths: by kind (insmod, rmmod, enable, disable, complete, force: letting a transition
 * finish is preferred to forcing it), then catalog order.
 *
 * Operations that cannot succeed are left out, by the kernel's own first checks: insmod of a
 * loaded module (EEXIST), rmmod of a module that is not loaded (ENOENT), writes to the sysfs
 * files of a patch off `klp_patches` (ENOENT), force of a patch not in transition (EINVAL), and
 * `complete` with no transition (an `ok` that changes nothing). Everything else is left to the
 * simulator.
 */
function successorOps(sys: System, ops: readonly PatchOps[]): Op[] {
  const out: Op[] = [];
  for (const p of ops) if (!sys.loaded.includes(p.name)) out.push(p.insmod);
  for (const p of ops) if (sys.loaded.includes(p.name)) out.push(p.rmmod);
  for (const p of ops) if (sys.klpPatches.includes(p.name)) out.push(p.enable);
  for (const p of ops) if (sys.klpPatches.includes(p.name)) out.push(p.disable);
  if (sys.transition !== null) out.push(COMPLETE);
  for (const p of ops) if (sys.transition?.patch === p.name) out.push(p.force);
  return out;
}

/** Patch indices are packed one UTF-16 unit each, well below the surrogate range. */
const KEY_BASE = 0x100;
const KEY_LIMIT = 0xd800 - KEY_BASE;

/**
 * A key for configurations over `cat` that identifies exactly the configurations `systemKey`
 * identifies (klp_patches in order, the transition, loaded and forced modules as sets), packed
 * into a few characters so the visited set stays small and fast.
 */
export function compactKeyFn(cat: Catalog): (sys: System) => string {
  if (cat.patches.length >= KEY_LIMIT) return systemKey;
  const code = new Map<string, string>();
  cat.patches.forEach((p, i) => {
    code.set(p.name, String.fromCharCode(KEY_BASE + i));
  });
  const c = (name: string): string => {
    const ch = code.get(name);
    if (ch === undefined) throw new Error(`patch \`${name}\` is not in the catalog`);
    return ch;
  };
  const set = (names: readonly string[]): string => names.map(c).sort().join('');
  return (sys) => {
    const t = sys.transition;
    const tk = t === null ? '-' : `${c(t.patch)}${t.target === 'patched' ? '+' : '~'}`;
    return `${sys.klpPatches.map(c).join('')}|${tk}|${set(sys.loaded)}|${set(sys.forced)}`;
  };
}
