/**
 * The upgrade matrix of `klp-verify audit catalog`: from each deployed stack (by default each
 * patch alone, every release's own stack) to each patch's own stack, the fewest operations, or
 * unreachable with the reason, as `klp-verify upgrade` defines them (src/query/upgrade.ts).
 *
 * Most cells are settled on the simulator, exactly:
 * - 0 operations when the deployed stack already is the target;
 * - a breadth-first search of depth at most 2 over the deployed stack's patches and the target
 *   patch alone. A path it finds is a path over the whole catalog; it has fewest operations
 *   because every 1-operation path to `[P]` operates on those patches only (an operation on any
 *   other patch either fails or leaves that patch on klp_patches), and the search saw all of them.
 * Every other cell (no path of at most 2 operations over those patches) goes to `upgrade()`,
 * which decides it over the whole catalog with the prover's engine: shortest path by bounded
 * model checking, or a proof with the reason.
 *
 * Guarantees: every path is replayed on the simulator (each operation ok, ending in the target);
 * `unreachable` only with a proof; `unknown` when the engine ran out of its share of time.
 */
import { search } from '../../explore/search.ts';
import { run, step } from '../../kernel/index.ts';
import { formatOp, type Op } from '../../model/op.ts';
import type { System } from '../../model/system.ts';
import { isTarget, type UnreachableReason, upgrade } from '../upgrade.ts';
import type { AuditContext, Deployed, Method } from './patches.ts';

export type UpgradeCellVerdict = 'reachable' | 'unreachable' | 'unknown';

/** One cell of the matrix. */
export interface UpgradeCell {
  /** The deployed stack, bottom to top. */
  readonly from: readonly string[];
  /** The target stack: one patch. */
  readonly to: readonly string[];
  readonly verdict: UpgradeCellVerdict;
  /** A path of fewest operations, replayed (reachable); its transcript is not kept (memory). */
  readonly steps: readonly Op[] | null;
  /** Why no path exists (unreachable), proved. */
  readonly reason: UnreachableReason | null;
  /** No path of at most this many operations (unknown). */
  readonly depth: number;
  readonly how: Method;
}

/**
 * The cell from a deployed stack to `[to]`.
 *
 * @example
 * const c = await upgradeCell(ctx, deployedR1, 'klp_6_8_0_45_r3', share);
 * c.verdict === 'reachable' && c.steps?.map(formatOp) // ['insmod klp_6_8_0_45_r3']
 */
export async function upgradeCell(
  ctx: AuditContext,
  d: Deployed,
  to: string,
  share: () => number,
): Promise<UpgradeCell> {
  const target = [to];
  const base = { from: d.names, to: target, reason: null, depth: 0 } as const;
  const near = nearPath(ctx, d, to);
  if (near !== null) {
    return { ...base, verdict: 'reachable', ...replay(ctx, d, near, target), how: 'simulator' };
  }
  const r = await upgrade({
    catalog: ctx.catalog,
    ruleSet: ctx.ruleSet,
    from: d.names,
    to: target,
    timeoutMs: Math.max(1, Math.min(share(), ctx.deadline - Date.now())),
  });
  switch (r.verdict) {
    case 'reachable': {
      const steps = r.path?.steps ?? [];
      return { ...base, verdict: 'reachable', ...replay(ctx, d, steps, target), how: 'engine' };
    }
    case 'unreachable':
      return {
        ...base,
        verdict: 'unreachable',
        steps: null,
        reason: r.reason,
        depth: r.depth,
        how: 'engine',
      };
    case 'unknown':
      return {
        ...base,
        verdict: 'unknown',
        steps: null,
        depth: r.depth,
        how: 'engine',
      };
    case 'error':
      throw new Error(
        `internal: upgrade question could not be asked: error: ${r.error?.message ?? ''}`,
      );
    default:
      throw new Error('unreachable: every upgrade verdict is handled');
  }
}

/**
 * A path of at most 2 operations from the deployed stack to `[to]` over the stack's patches and
 * `to` alone, of fewest operations (see the header), or null when there is none.
 * Every 1-operation sequence over those patches is tried; then the usual 2-operation ones
 * (`disable X; insmod to`, `insmod to; disable X`), and only when they fail the breadth-first
 * search, which tries every 2-operation sequence over those patches.
 */
function nearPath(ctx: AuditContext, d: Deployed, to: string): readonly Op[] | null {
  const target = [to];
  if (isTarget(d.system, target)) return [];
  const opts = { rules: ctx.kernel, catalog: ctx.catalog, transitions: 'auto' } as const;
  const keep = [...new Set([...d.system.loaded, to])];
  const firsts: Op[] = [{ kind: 'complete' }];
  for (const patch of keep) {
    for (const kind of ['insmod', 'rmmod', 'enable', 'disable', 'force'] as const) {
      firsts.push({ kind, patch });
    }
  }
  for (const op of firsts) {
    const out = step(d.system, op, opts);
    if (out.result === 'ok' && isTarget(out.system, target)) return [op];
  }
  const insmodTo: Op = { kind: 'insmod', patch: to };
  const disables = (sys: System): Op[] =>
    sys.klpPatches.map((patch) => ({ kind: 'disable', patch }) satisfies Op);
  for (const op1 of [...disables(d.system), insmodTo]) {
    const out1 = step(d.system, op1, opts);
    if (out1.result !== 'ok') continue;
    for (const op2 of [insmodTo, ...disables(out1.system)]) {
      const out2 = step(out1.system, op2, opts);
      if (out2.result === 'ok' && isTarget(out2.system, target)) return [op1, op2];
    }
  }
  // Operations on the other patches are left out (not the patches: rules may read the catalog).
  const others = ctx.catalog.patches.map((p) => p.name).filter((n) => !keep.includes(n));
  const near = search(
    ctx.catalog,
    ctx.kernel,
    d.system,
    { transitions: 'auto', maxDepth: 2, exclude: new Set(others) },
    (sys) => isTarget(sys, target),
  );
  return near.hit === null ? null : near.graph.pathTo(near.hit);
}

function replay(
  ctx: AuditContext,
  d: Deployed,
  steps: readonly Op[],
  target: readonly string[],
): { steps: readonly Op[] } {
  const { outcomes, final } = run(d.system, steps, {
    rules: ctx.kernel,
    catalog: ctx.catalog,
    transitions: 'auto',
  });
  for (const o of outcomes) {
    if (o.result !== 'ok') {
      throw new Error(
        `internal: the upgrade path does not replay: \`${formatOp(o.op)}\` fails with ${o.result}`,
      );
    }
  }
  if (!isTarget(final, target)) {
    throw new Error(
      `internal: the upgrade path [${steps.map(formatOp).join(', ')}] does not end in the target`,
    );
  }
  return { steps };
}
