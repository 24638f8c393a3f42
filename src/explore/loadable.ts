/**
 * The brute-force verdict on "P is loadable": from every configuration reachable from the
 * initial stack by any operations (insmod, rmmod, enable, disable, force, complete) on catalog
 * patches other than P, `insmod P` is not rejected with EINVAL. This is the oracle the SMT
 * query `klp-verify prove loadable` is tested against.
 *
 * Counted configurations: with `auto` transitions only steady ones (none other is reachable);
 * with `manual` transitions every one, a pending transition included, because the kernel
 * checks compatibility against every patch on `klp_patches` whichever way it is moving.
 *
 * Guarantees: `proved` only after an exhaustive search; `refuted` carries a shortest
 * operation sequence (fewest operations, ties broken by the search's fixed operation order)
 * whose last operation, `insmod P`, fails with EINVAL on the simulator; a limit yields
 * `unknown`, never either answer.
 */
import { installStack, type StackError, type StepOutcome, step } from '../kernel/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import { type Catalog, catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { type Limit, type SearchLimits, search } from './search.ts';

export interface LoadableOptions extends SearchLimits {
  readonly transitions: TransitionMode;
  /** The installed stack to start from, bottom to top (default: nothing loaded). */
  readonly initial?: readonly string[];
}

export type LoadableVerdict =
  | {
      readonly kind: 'proved';
      /** Reachable configurations, all searched. */
      readonly states: number;
      /** The most operations any reachable configuration needs. */
      readonly depth: number;
    }
  | {
      readonly kind: 'refuted';
      /** From the initial stack; ends with `insmod P`. */
      readonly path: readonly Op[];
      /** The configuration `insmod P` is rejected in. */
      readonly before: System;
      /** The failing `insmod P`, with the kernel's log and the rules' violations. */
      readonly rejection: StepOutcome;
      readonly states: number;
    }
  | {
      readonly kind: 'unknown';
      readonly limit: Limit;
      /** `insmod P` succeeds after every sequence of at most this many operations. */
      readonly depth: number;
      readonly states: number;
    }
  | { readonly kind: 'error'; readonly error: StackError };

/**
 * Decides by exhaustive search whether `insmod P` can be rejected with EINVAL.
 *
 * @example
 * const v = provesLoadable(testModules, upstreamRules, 'test_klp_state', { transitions: 'auto' });
 * v.kind === 'refuted' && v.path.map(formatOp) // ['insmod test_klp_state2', 'insmod test_klp_state']
 */
export function provesLoadable(
  cat: Catalog,
  rules: KernelRules,
  target: string,
  opts: LoadableOptions,
): LoadableVerdict {
  if (!cat.byName.has(target)) {
    const message = `patch \`${target}\` is not in the catalog`;
    return { kind: 'error', error: { kind: 'not-in-catalog', patch: target, message } };
  }
  const stack = installStack(cat, rules, opts.initial ?? [], opts.transitions);
  if (stack.kind !== 'ok') return { kind: 'error', error: stack };

  const simOpts = { rules, catalog: cat, transitions: opts.transitions } as const;
  const insmodTarget: Op = { kind: 'insmod', patch: target };
  const rejected = (sys: System): StepOutcome | null => {
    // Auto mode never leaves a transition pending; the guard keeps the definition exact.
    if (opts.transitions === 'auto' && sys.transition !== null) return null;
    const out = step(sys, insmodTarget, simOpts);
    return out.result === 'EINVAL' ? out : null;
  };

  const searchOpts = { ...opts, exclude: new Set([target]) };
  const { graph, status, hit } = search(cat, rules, stack.system, searchOpts, (sys) => {
    return rejected(sys) !== null;
  });
  const states = graph.systems.length;
  if (hit !== null) {
    const before = graph.systems[hit];
    const rejection = before === undefined ? null : rejected(before);
    if (before === undefined || rejection === null) throw new Error('rejection did not replay');
    return {
      kind: 'refuted',
      path: [...graph.pathTo(hit), insmodTarget],
      before,
      rejection,
      states,
    };
  }
  if (status.kind === 'limit')
    return { kind: 'unknown', limit: status.limit, depth: status.depth, states };
  return { kind: 'proved', states, depth: graph.depths.reduce((a, b) => Math.max(a, b), 0) };
}

export type MinimalPatchSet =
  | {
      readonly kind: 'minimal';
      /**
       * Catalog patches besides P and the initial stack, in catalog order, whose operations
       * suffice to get `insmod P` rejected.
       */
      readonly patches: readonly string[];
      /** A shortest refuting sequence on the catalog restricted to those patches. */
      readonly path: readonly Op[];
      readonly rejection: StepOutcome;
      /**
       * Patches kept only because the search hit a limit without them; empty when dropping
       * any single one of `patches` was proved to make P loadable.
       */
      readonly undecided: readonly string[];
    }
  | Exclude<LoadableVerdict, { readonly kind: 'refuted' }>;

/**
 * A subset-minimal set of other patches that still lets `insmod P` be rejected: dropping any
 * one of them makes P loadable (found by deletion, in catalog order; P and the initial stack's
 * patches always stay). When the full catalog does not refute the claim, its verdict.
 *
 * Minimality with one deletion pass rests on monotonicity: fewer patches, fewer operations,
 * fewer reachable configurations.
 *
 * @example
 * const m = minimalPatchSet(cat, upstreamRules, 'test_klp_state', { transitions: 'auto' });
 * m.kind === 'minimal' && m.patches // ['test_klp_state2']
 */
export function minimalPatchSet(
  cat: Catalog,
  rules: KernelRules,
  target: string,
  opts: LoadableOptions,
): MinimalPatchSet {
  const full = provesLoadable(cat, rules, target, opts);
  if (full.kind !== 'refuted') return full;
  const fixed = new Set([target, ...(opts.initial ?? [])]);
  const prove = (names: readonly string[]): LoadableVerdict =>
    provesLoadable(restrictCatalog(cat, new Set([...fixed, ...names])), rules, target, opts);

  // The patches a refutation does not use are dropped at once: its path replays without them.
  type Refuted = { names: readonly string[]; verdict: LoadableVerdict & { kind: 'refuted' } };
  const shrink = (current: Refuted): Refuted => {
    const used = new Set(current.verdict.path.map(patchOf));
    const names = current.names.filter((n) => used.has(n));
    if (names.length === current.names.length) return current;
    const verdict = prove(names);
    return verdict.kind === 'refuted' ? { names, verdict } : current;
  };

  const others = cat.patches.map((p) => p.name).filter((n) => !fixed.has(n));
  let best = shrink({ names: others, verdict: full });
  const undecided: string[] = [];
  for (const name of [...best.names]) {
    if (!best.names.includes(name)) continue;
    const names = best.names.filter((n) => n !== name);
    const verdict = prove(names);
    if (verdict.kind === 'refuted') best = shrink({ names, verdict });
    else if (verdict.kind === 'unknown') undecided.push(name);
    else if (verdict.kind === 'error') return verdict;
  }
  return {
    kind: 'minimal',
    patches: best.names,
    path: best.verdict.path,
    rejection: best.verdict.rejection,
    undecided,
  };
}

/**
 * The catalog with only the patches named in `keep`, in catalog order.
 *
 * @example
 * restrictCatalog(cat, new Set(['a', 'c'])).patches.map((p) => p.name) // ['a', 'c']
 */
export function restrictCatalog(cat: Catalog, keep: ReadonlySet<string>): Catalog {
  return catalog(cat.patches.filter((p) => keep.has(p.name)));
}

function patchOf(op: Op): string | null {
  return op.kind === 'complete' ? null : op.patch;
}
