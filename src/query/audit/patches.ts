/**
 * The per-patch question of `klp-verify audit catalog`: from each deployed stack, is `insmod P`
 * never rejected (loadable), rejected somewhere (refuted, with the shortest counterexample over a
 * subset-minimal set of patches), or rejected everywhere (dead: P can never be enabled)?
 *
 * It answers what the simulator can answer exactly first and asks the prover's engine
 * (src/prove/engine.ts) the rest:
 * - depth 0 and 1 of the breadth-first search of `prove loadable`'s oracle (src/explore) over the
 *   whole catalog: a rejection found there is a counterexample of fewest operations;
 * - the minimal patch set of such a counterexample by exhaustive search over the deployed stack
 *   and P alone (at most one other patch is involved, so one search decides it);
 * - everything else (proofs, longer counterexamples) by `decide()` and `minimalSet()`, on the
 *   one compiled rule set of the audit.
 * Dead is decided only for refuted patches (a patch the deployed stack admits is not dead): the
 * claim "P is enabled" is never reachable with every catalog patch operable, proved by the engine.
 *
 * Guarantees: every counterexample is replayed on the simulator (every step ok, the final
 * `insmod P` EINVAL) before it is returned, or this throws; `loadable` and `dead` only with a
 * proof (engine) or an exhaustive search; `unknown` never stands for either.
 */

import { search } from '../../explore/search.ts';
import { installStack, type KernelRules, run, type StepOutcome, step } from '../../kernel/index.ts';
import type { Violation } from '../../kernel/rules.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import { formatOp, type Op } from '../../model/op.ts';
import type { System } from '../../model/system.ts';
import { decide } from '../../prove/engine.ts';
import { minimalSet } from '../../prove/minimize.ts';
import { pose } from '../../prove/problem.ts';
import { FALSE } from '../../smt/factory.ts';
import type { SymbolicRules } from '../../smt/symbolic.ts';
import type { TransitionSystem } from '../../smt/transition.ts';

/**
 * The audit's verdict on one patch over every deployed stack; `installed`: the patch is on every
 * deployed stack, so its `insmod` is not asked (it would fail with EEXIST before any rule).
 */
export type PatchVerdict = 'loadable' | 'refuted' | 'dead' | 'unknown' | 'installed';

/** A counterexample to "P is loadable", replayed on the simulator. */
export interface AuditCounterexample {
  /** The deployed stack it starts from, bottom to top. */
  readonly from: readonly string[];
  /** From the deployed stack; the last one is the rejected `insmod P`. */
  readonly steps: readonly Op[];
  /** The simulator's replay of the deployed stack's setup and of `steps`. */
  readonly setup: readonly StepOutcome[];
  readonly outcomes: readonly StepOutcome[];
  /** Catalog patches it operates on besides the deployed stack's: subset-minimal. */
  readonly patches: readonly string[];
  /** Fewest steps of any counterexample from that stack over the whole catalog. */
  readonly shortest: number;
  /** Every violation of the final `insmod P`. */
  readonly violations: readonly Violation[];
  /** Patches kept in `patches` only because deciding their drop ran out of time. */
  readonly undecided: readonly string[];
}

/** What was decided from one deployed stack. */
export type StackVerdict =
  | { readonly kind: 'loadable'; readonly from: readonly string[]; readonly how: Method }
  | {
      readonly kind: 'refuted';
      readonly from: readonly string[];
      readonly counterexample: AuditCounterexample;
      /** Whether P can still be enabled from this stack (false: dead from here, proved). */
      readonly dead: boolean | 'unknown';
      readonly how: Method;
    }
  | {
      readonly kind: 'unknown';
      readonly from: readonly string[];
      /** No counterexample of at most this many operations before `insmod P`. */
      readonly depth: number;
      readonly reason: 'timeout' | 'size';
    }
  /** P is on this deployed stack already: `insmod P` would fail with EEXIST, not asked. */
  | { readonly kind: 'installed'; readonly from: readonly string[] };

/**
 * Who settled a question: the simulator's exhaustive search, or the SMT engine; `not-asked`:
 * the time limit of the audit had passed before the question's turn.
 */
export type Method = 'simulator' | 'engine' | 'not-asked';

export interface PatchAudit {
  readonly name: string;
  readonly verdict: PatchVerdict;
  /** The shortest counterexample over every stack (refuted, dead). */
  readonly counterexample: AuditCounterexample | null;
  readonly stacks: readonly StackVerdict[];
}

/** What every question of one audit shares: one catalog, one rule set compiled once. */
export interface AuditContext {
  readonly catalog: Catalog;
  readonly ruleSet: CheckedRuleSet;
  readonly kernel: KernelRules;
  readonly symbolic: SymbolicRules;
  /** Wall-clock deadline of the whole audit. */
  readonly deadline: number;
}

/** A deployed stack installed on the simulator. */
export interface Deployed {
  readonly names: readonly string[];
  readonly system: System;
  readonly setup: readonly StepOutcome[];
}

/**
 * Installs each deployed stack; the first that the kernel refuses is returned as an error.
 *
 * @example
 * const d = deployStacks(ctx, [[], ['r1']]);
 * d.kind === 'ok' && d.stacks[1]?.system.klpPatches // ['r1']
 */
export function deployStacks(
  ctx: Pick<AuditContext, 'catalog' | 'kernel'>,
  stacks: readonly (readonly string[])[],
):
  | { readonly kind: 'ok'; readonly stacks: readonly Deployed[] }
  | { readonly kind: 'error'; readonly index: number; readonly message: string } {
  const out: Deployed[] = [];
  for (const [index, names] of stacks.entries()) {
    const s = installStack(ctx.catalog, ctx.kernel, names, 'auto');
    if (s.kind !== 'ok') return { kind: 'error', index, message: s.message };
    const { outcomes } = run(
      { klpPatches: [], transition: null, loaded: [], forced: [] },
      s.ops,
      simOpts(ctx),
    );
    out.push({ names, system: s.system, setup: outcomes });
  }
  return { kind: 'ok', stacks: out };
}

function simOpts(ctx: Pick<AuditContext, 'catalog' | 'kernel'>) {
  return { rules: ctx.kernel, catalog: ctx.catalog, transitions: 'auto' } as const;
}

/**
 * Decides one patch from every deployed stack and combines the answers: installed when it is
 * on every stack (nothing to ask), dead when dead from every stack asked, refuted when some stack refutes, unknown when some stack is undecided and
 * none refutes, loadable when every stack asked proves it.
 *
 * @example
 * const a = await auditPatch(ctx, [emptyStack], 'klp_6_8_0_45_r4', share);
 * a.verdict // 'refuted'
 */
export async function auditPatch(
  ctx: AuditContext,
  stacks: readonly Deployed[],
  patch: string,
  share: () => number,
): Promise<PatchAudit> {
  const verdicts: StackVerdict[] = [];
  for (const d of stacks) verdicts.push(await fromStack(ctx, d, patch, share));
  const asked = verdicts.filter((v) => v.kind !== 'installed');
  const refuted = asked.flatMap((v) => (v.kind === 'refuted' ? [v] : []));
  const best =
    refuted.length === 0
      ? null
      : refuted.reduce((a, b) =>
          b.counterexample.steps.length < a.counterexample.steps.length ? b : a,
        ).counterexample;
  let verdict: PatchVerdict;
  if (asked.length === 0) verdict = 'installed';
  else if (asked.every((v) => v.kind === 'refuted' && v.dead === true)) {
    verdict = 'dead';
  } else if (refuted.length > 0) verdict = 'refuted';
  else if (asked.some((v) => v.kind === 'unknown')) verdict = 'unknown';
  else verdict = 'loadable';
  return { name: patch, verdict, counterexample: best, stacks: verdicts };
}

async function fromStack(
  ctx: AuditContext,
  d: Deployed,
  patch: string,
  share: () => number,
): Promise<StackVerdict> {
  const from = d.names;
  if (d.system.loaded.includes(patch)) return { kind: 'installed', from };
  const opts = simOpts(ctx);
  const insmodP: Op = { kind: 'insmod', patch };
  const rejected = (sys: System) => step(sys, insmodP, opts).result === 'EINVAL';
  // Depth 0 and 1 on the simulator, over the whole catalog: exact fewest operations.
  const shallow = search(
    ctx.catalog,
    ctx.kernel,
    d.system,
    { transitions: 'auto', exclude: new Set([patch]), maxDepth: 1 },
    (sys) => rejected(sys),
  );
  if (shallow.hit !== null) {
    const path = shallow.graph.pathTo(shallow.hit);
    const used = usedPatches(path, d);
    let patches = used;
    let steps = path;
    let undecided: string[] = [];
    if (used.length > 0) {
      // Is the one other patch needed? Exhaustive search over the stack and P alone.
      const fixed = new Set(d.system.loaded);
      const others = ctx.catalog.patches.map((p) => p.name).filter((n) => !fixed.has(n));
      const alone = search(
        ctx.catalog,
        ctx.kernel,
        d.system,
        { transitions: 'auto', exclude: new Set(others), maxStates: 50_000 },
        (sys) => rejected(sys),
      );
      if (alone.hit !== null) {
        patches = [];
        steps = alone.graph.pathTo(alone.hit);
      } else if (alone.status.kind === 'limit') undecided = used;
    }
    const counterexample = replayed(ctx, d, patch, steps, patches, path.length + 1, undecided);
    const dead = await isDead(ctx, d, patch, share);
    return { kind: 'refuted', from, counterexample, dead, how: 'simulator' };
  }
  const posed = pose({
    catalog: ctx.catalog,
    ruleSet: ctx.ruleSet,
    transitions: 'auto',
    initial: d.names,
    claim: { kind: 'loadable', patch },
  });
  if (posed.kind === 'error') throw new Error(`internal: ${posed.error.message}`);
  const engine = { deadline: Math.min(ctx.deadline, Date.now() + share()) };
  const dec = await decide(posed.value, new Set(posed.value.candidates), engine);
  switch (dec.kind) {
    case 'proved':
      return { kind: 'loadable', from, how: 'engine' };
    case 'unknown':
      return { kind: 'unknown', from, depth: dec.stats.depth, reason: dec.reason };
    case 'refuted': {
      const min = await minimalSet(posed.value, dec.path, engine);
      const steps = [...min.path, insmodP];
      const counterexample = replayed(
        ctx,
        d,
        patch,
        steps,
        min.patches,
        dec.path.length + 1,
        min.undecided,
      );
      const dead = await isDead(ctx, d, patch, share);
      return { kind: 'refuted', from, counterexample, dead, how: 'engine' };
    }
    default:
      throw new Error('unreachable: every decision is handled');
  }
}

/** Catalog patches a path operates on besides the deployed stack's, in catalog order. */
function usedPatches(path: readonly Op[], d: Deployed): string[] {
  const used = new Set(path.flatMap((op) => (op.kind === 'complete' ? [] : [op.patch])));
  for (const n of d.system.loaded) used.delete(n);
  return [...used];
}

/**
 * Replays `steps` (ending in `insmod P`) from the deployed stack; throws unless every step but
 * the last is ok and the last is EINVAL.
 */
function replayed(
  ctx: AuditContext,
  d: Deployed,
  patch: string,
  path: readonly Op[],
  patches: readonly string[],
  shortest: number,
  undecided: readonly string[],
): AuditCounterexample {
  const last0 = path.at(-1);
  const steps =
    last0 !== undefined && last0.kind === 'insmod' && last0.patch === patch
      ? path
      : [...path, { kind: 'insmod', patch } satisfies Op];
  const { outcomes } = run(d.system, steps, simOpts(ctx));
  const bad = (why: string): never => {
    throw new Error(
      `internal: the audit counterexample [${steps.map(formatOp).join(', ')}] does not replay: ${why}`,
    );
  };
  outcomes.slice(0, -1).forEach((o) => {
    if (o.result !== 'ok') bad(`\`${formatOp(o.op)}\` fails with ${o.result}`);
  });
  const last = outcomes.at(-1);
  if (last === undefined || last.result !== 'EINVAL') bad(`\`insmod ${patch}\` is not EINVAL`);
  const v = last?.verdict;
  const order = new Map(ctx.catalog.patches.map((p, i) => [p.name, i]));
  return {
    from: d.names,
    steps,
    setup: d.setup,
    outcomes,
    patches: [...patches].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)),
    shortest,
    violations: v === null || v === undefined || v.ok ? [] : v.violations,
    undecided,
  };
}

/**
 * Whether P can never be enabled from the deployed stack with every catalog patch operable:
 * false at once when the stack itself admits it; else the engine's proof that "P enabled" is
 * unreachable (true), a path to it (false), or `unknown`.
 */
async function isDead(
  ctx: AuditContext,
  d: Deployed,
  patch: string,
  share: () => number,
): Promise<boolean | 'unknown'> {
  if (step(d.system, { kind: 'insmod', patch }, simOpts(ctx)).result !== 'EINVAL') return false;
  const claim = {
    problem: { catalog: ctx.catalog, transitions: 'auto' as const },
    symbolic: ctx.symbolic,
    initial: d.system,
    bad: (ts: TransitionSystem) =>
      ts.template((cfg) => {
        const x = ts.index.get(patch);
        const e = x === undefined ? undefined : cfg.patches[x];
        // Left out by the engine: proved never loaded (src/prove/holders.ts), so never enabled.
        return e === undefined ? FALSE : e.enabled;
      }),
  };
  const all = new Set(ctx.catalog.patches.map((p) => p.name));
  const dec = await decide(claim, all, { deadline: Math.min(ctx.deadline, Date.now() + share()) });
  switch (dec.kind) {
    case 'proved':
      return true;
    case 'refuted': {
      // The path enables P: it must replay to a system where P is enabled.
      const { final } = run(d.system, dec.path, simOpts(ctx));
      if (!final.klpPatches.includes(patch)) {
        throw new Error(`internal: the path that enables \`${patch}\` does not replay`);
      }
      return false;
    }
    case 'unknown':
      return 'unknown';
    default:
      throw new Error('unreachable: every decision is handled');
  }
}
