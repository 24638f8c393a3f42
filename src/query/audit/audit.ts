/**
 * `klp-verify audit catalog`: the whole catalog in one run, over every configuration reachable
 * from the deployed stacks (default: the empty system), with transitions completing at once:
 * every patch's verdict (src/query/audit/patches.ts), the upgrade matrix
 * (src/query/audit/upgrades.ts), the conflicts (src/query/conflicts.ts), the policies
 * (src/query/audit/policies.ts), and the findings (src/query/audit/findings.ts).
 *
 * The questions share one catalog, one rule set compiled once (the prover's `symbolicRules`
 * cache) and the one z3 instance of the process; the time limit is the whole audit's, shared out
 * among the questions still to ask.
 *
 * Guarantees: what the parts guarantee (every counterexample and path replayed on the
 * simulator; proved verdicts only with a proof or an exhaustive search); `complete` is false as
 * soon as any part is undecided, and the undecided parts are findings of kind `undecided`.
 */
import { kernelRules } from '../../eval/kernel-rules.ts';
import type { SourcedCatalog } from '../../ingest/catalog.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import { symbolicRules } from '../../prove/problem.ts';
import { OutOfTime, within } from '../../source/deadline.ts';
import { type ConflictReport, findConflicts } from '../conflicts.ts';
import { type Finding, findings } from './findings.ts';
import {
  type AuditContext,
  auditPatch,
  type Deployed,
  deployStacks,
  type PatchAudit,
} from './patches.ts';
import { evalAllPolicies, type PolicyResult } from './policies.ts';
import { revertedFunctions } from './reverted.ts';
import { type UpgradeCell, upgradeCell } from './upgrades.ts';

/** Default time limit of a whole audit, in milliseconds. */
export const DEFAULT_AUDIT_TIMEOUT_MS = 600_000;

export interface AuditInput {
  readonly catalog: Catalog | SourcedCatalog;
  /** The kernel rule set that decides every operation. */
  readonly ruleSet: CheckedRuleSet;
  /** Rule files whose policies are evaluated over the catalog. */
  readonly policies: readonly CheckedRuleSet[];
  /** Deployed stacks, bottom to top; null: the empty system only. */
  readonly deployed: readonly (readonly string[])[] | null;
  /** Default {@link DEFAULT_AUDIT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Skip the conflict enumeration (e.g. when it was run elsewhere). Default false. */
  readonly skipConflicts?: boolean;
  readonly progress?: (line: string) => void;
}

export interface AuditConflicts {
  readonly sets: readonly (readonly string[])[];
  readonly status: ConflictReport['status']['kind'];
}

export interface AuditResult {
  readonly rules: string;
  readonly policyRuleSets: readonly string[];
  /** Deployed stacks the patch questions start from. */
  readonly deployed: readonly (readonly string[])[];
  /** The rows of the upgrade matrix (the deployed stacks, or each patch alone). */
  readonly rows: readonly (readonly string[])[];
  /** Catalog order. */
  readonly patches: readonly PatchAudit[];
  /** Row by row, each in catalog order of the target. */
  readonly upgrades: readonly UpgradeCell[];
  readonly conflicts: AuditConflicts;
  readonly policies: readonly PolicyResult[];
  readonly findings: readonly Finding[];
  /** Every question was decided. */
  readonly complete: boolean;
  readonly stats: {
    readonly ms: number;
    readonly patchMs: number;
    readonly upgradeMs: number;
    readonly conflictMs: number;
    /** Functions reverted by cumulative patches (src/query/audit/reverted.ts). */
    readonly revertedMs: number;
    /** Questions settled on the simulator vs by the engine. */
    readonly bySimulator: number;
    readonly byEngine: number;
  };
}

export type AuditOutcome =
  | { readonly kind: 'ok'; readonly result: AuditResult }
  /** A deployed stack the kernel refuses: `index` into the deployed list. */
  | { readonly kind: 'stack-error'; readonly index: number; readonly message: string };

/**
 * Most cells of the upgrade matrix from each patch alone (500 patches): beyond it the matrix
 * is left out (no rows) and the audit is incomplete; `--deployed` stacks give rows of their own.
 */
export const MAX_UPGRADE_CELLS = 250_000;

/**
 * Audits a catalog.
 *
 * @example
 * const a = await auditCatalog({ catalog: stream, ruleSet: upstream, policies: [releaseStream], deployed: null });
 * a.kind === 'ok' && a.result.patches.map((p) => p.verdict) // ['loadable', 'loadable', 'loadable', 'loadable', 'refuted']
 */
export async function auditCatalog(input: AuditInput): Promise<AuditOutcome> {
  const started = performance.now();
  const deadline = Date.now() + (input.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS);
  const cat = input.catalog;
  const ctx: AuditContext = {
    catalog: cat,
    ruleSet: input.ruleSet,
    kernel: kernelRules(input.ruleSet),
    symbolic: symbolicRules(input.ruleSet),
    deadline,
  };
  const names = cat.patches.map((p) => p.name);
  const deployedNames = input.deployed ?? [[]];
  const deployed = deployStacks(ctx, deployedNames);
  if (deployed.kind === 'error') {
    return { kind: 'stack-error', index: deployed.index, message: deployed.message };
  }
  let rows: readonly Deployed[];
  const matrixLeftOut = input.deployed === null && names.length * names.length > MAX_UPGRADE_CELLS;
  if (input.deployed !== null) rows = deployed.stacks;
  else if (matrixLeftOut) {
    // n² cells, each an object in the result and a column in the report: on thousands of
    // patches the matrix alone exhausts the heap. Left out, and the audit is incomplete.
    rows = [];
  } else {
    // Each patch alone; a patch the empty system refuses has no stack of its own.
    const alone = names.flatMap((n) => {
      const d = deployStacks(ctx, [[n]]);
      return d.kind === 'ok' ? d.stacks : [];
    });
    rows = alone;
  }
  const report = input.progress ?? (() => {});
  // At most ten lines a second: the matrix asks thousands of quick questions.
  let lastProgress = 0;
  const progress = (line: string) => {
    const now = Date.now();
    if (line !== '' && now - lastProgress < 100) return;
    lastProgress = now;
    report(line);
  };
  const conflictsToAsk = input.skipConflicts === true ? 0 : 1;
  let left = names.length + rows.length * names.length + conflictsToAsk;
  /** A question's share of the time left: at least a second, at most a quarter. */
  const share = () => {
    const rest = deadline - Date.now();
    return Math.max(1, Math.min(rest, Math.max(1_000, rest / Math.max(1, left)), rest / 4 + 1_000));
  };
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  let bySimulator = 0;
  let byEngine = 0;

  const t0 = performance.now();
  const patches: PatchAudit[] = [];
  for (const [i, n] of names.entries()) {
    progress(`audit: patch ${i + 1}/${names.length} \`${n}\` loadable? (${elapsed()})`);
    // `--timeout` is the whole run's: once it has passed, nothing more is asked.
    const a: PatchAudit =
      Date.now() < deadline
        ? await auditPatch(ctx, deployed.stacks, n, share)
        : {
            name: n,
            verdict: 'unknown',
            counterexample: null,
            stacks: deployed.stacks.map((d) => ({
              kind: 'unknown',
              from: d.names,
              depth: 0,
              reason: 'timeout',
            })),
          };
    for (const s of a.stacks) {
      if (s.kind === 'loadable' || s.kind === 'refuted') {
        if (s.how === 'simulator') bySimulator++;
        else byEngine++;
      }
    }
    patches.push(a);
    left--;
  }
  const patchMs = performance.now() - t0;

  const t1 = performance.now();
  const upgrades: UpgradeCell[] = [];
  for (const row of rows) {
    for (const to of names) {
      progress(
        `audit: upgrade ${upgrades.length + 1}/${rows.length * names.length} [${row.names.join(',')}] -> [${to}] (${elapsed()})`,
      );
      const c: UpgradeCell =
        Date.now() < deadline
          ? await upgradeCell(ctx, row, to, share)
          : {
              from: row.names,
              to: [to],
              verdict: 'unknown',
              steps: null,
              reason: null,
              depth: 0,
              how: 'not-asked',
            };
      if (c.how === 'simulator') bySimulator++;
      else if (c.how === 'engine') byEngine++;
      upgrades.push(c);
      left--;
    }
  }
  const upgradeMs = performance.now() - t1;

  const t2 = performance.now();
  let conflicts: AuditConflicts = { sets: [], status: 'complete' };
  let matrix = null;
  if (input.skipConflicts !== true && Date.now() >= deadline) {
    conflicts = { sets: [], status: 'unknown' };
  } else if (input.skipConflicts !== true) {
    progress(`audit: conflicts (${elapsed()})`);
    const report = await findConflicts(
      cat,
      { kernel: ctx.kernel, symbolic: ctx.symbolic },
      { timeoutMs: Math.max(1, deadline - Date.now()), limit: 1_000_000 },
    );
    conflicts = { sets: report.conflicts.map((c) => c.patches), status: report.status.kind };
    matrix = report.matrix;
  }
  const conflictMs = performance.now() - t2;
  progress('');

  // Policies over two or three binders cost a power of the catalog: they stop at the deadline
  // too, and the audit is then incomplete.
  let policies: PolicyResult[] = [];
  let policiesComplete = true;
  try {
    policies = within(deadline, 'evaluating the policies', () =>
      evalAllPolicies(input.policies, cat),
    );
  } catch (e) {
    if (!(e instanceof OutOfTime)) throw e;
    policiesComplete = false;
  }
  const t3 = performance.now();
  const reverted = revertedFunctions(ctx, {
    deployed: input.deployed === null ? null : deployed.stacks,
    upgrades,
    policies: input.policies,
    matrix,
    deadline,
  });
  const revertedMs = performance.now() - t3;
  const fs = findings({
    catalog: cat,
    patches,
    upgrades,
    conflicts: conflicts.sets,
    conflictsComplete: conflicts.status === 'complete',
    policiesComplete,
    matrix,
    policies,
    reverted,
  });
  const complete =
    !matrixLeftOut &&
    patches.every((p) => p.verdict !== 'unknown') &&
    upgrades.every((c) => c.verdict !== 'unknown') &&
    conflicts.status === 'complete' &&
    reverted.complete &&
    policiesComplete;
  return {
    kind: 'ok',
    result: {
      rules: input.ruleSet.name,
      policyRuleSets: input.policies.map((p) => p.name),
      deployed: deployedNames,
      rows: rows.map((r) => r.names),
      patches,
      upgrades,
      conflicts,
      policies,
      findings: fs,
      complete,
      stats: {
        ms: performance.now() - started,
        patchMs,
        upgradeMs,
        conflictMs,
        revertedMs,
        bySimulator,
        byEngine,
      },
    },
  };
}
