/**
 * `klp-verify audit diff OLD NEW`: the CI gate between two versions of a catalog. Both are
 * audited in full (src/query/audit/audit.ts) under the same rule set, policies and deployed
 * stacks, and their answers compared question by question:
 * - breaks: a patch that becomes refutable or dead (or a new patch that is), an upgrade cell that
 *   was reachable and is now unreachable, a new conflict, a newly violated policy;
 * - fixes: the same changes the other way;
 * - undecided: a question either side could not decide, so no change can be claimed.
 *
 * Guarantees: each break carries its witness from the NEW audit, which replayed it on the
 * simulator (the counterexample, the proof's reason, the conflict's failing orders), and the
 * OLD answer it departs from, itself replayed or proved in the OLD audit.
 */
import type { SourcedCatalog } from '../../ingest/catalog.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { Op } from '../../model/op.ts';
import { type AuditResult, auditCatalog } from './audit.ts';
import type { AuditCounterexample, PatchVerdict } from './patches.ts';
import type { PolicyViolation } from './policies.ts';
import type { UpgradeCell } from './upgrades.ts';

export type DiffChange =
  /** A patch NEW can refuse (or that is dead in NEW) that OLD could not (or did not have). */
  | {
      readonly kind: 'patch-broken';
      readonly patch: string;
      readonly before: PatchVerdict | null;
      readonly after: 'refuted' | 'dead';
      readonly witness: AuditCounterexample;
    }
  | {
      readonly kind: 'patch-fixed';
      readonly patch: string;
      readonly before: 'refuted' | 'dead';
      readonly after: PatchVerdict;
    }
  /** An upgrade OLD allowed and NEW does not (reason proved), with OLD's path. */
  | {
      readonly kind: 'upgrade-cut';
      readonly from: readonly string[];
      readonly to: string;
      readonly before: readonly Op[];
      readonly after: UpgradeCell;
    }
  | {
      readonly kind: 'upgrade-restored';
      readonly from: readonly string[];
      readonly to: string;
      readonly after: readonly Op[];
    }
  | { readonly kind: 'conflict-new'; readonly patches: readonly string[] }
  | { readonly kind: 'conflict-gone'; readonly patches: readonly string[] }
  | {
      readonly kind: 'policy-broken';
      readonly ruleSet: string;
      readonly policy: string;
      readonly violation: PolicyViolation;
    }
  | {
      readonly kind: 'policy-fixed';
      readonly ruleSet: string;
      readonly policy: string;
      readonly violation: PolicyViolation;
    }
  | {
      readonly kind: 'undecided';
      readonly what: 'patch' | 'upgrade' | 'conflicts';
      readonly subject: string;
    };

/**
 * Whether a change breaks something OLD allowed (the gate fails on it).
 *
 * @example
 * isBreak({ kind: 'conflict-new', patches: ['a', 'b'] }) // true
 */
export function isBreak(c: DiffChange): boolean {
  return (
    c.kind === 'patch-broken' ||
    c.kind === 'upgrade-cut' ||
    c.kind === 'conflict-new' ||
    c.kind === 'policy-broken'
  );
}

export interface AuditDiffInput {
  readonly old: Catalog | SourcedCatalog;
  readonly new: Catalog | SourcedCatalog;
  readonly ruleSet: CheckedRuleSet;
  readonly policies: readonly CheckedRuleSet[];
  readonly deployed: readonly (readonly string[])[] | null;
  /** The whole run's; each catalog gets half. */
  readonly timeoutMs?: number;
  readonly progress?: (line: string) => void;
}

export interface AuditDiffResult {
  readonly old: AuditResult;
  readonly new: AuditResult;
  readonly breaks: readonly DiffChange[];
  readonly fixes: readonly DiffChange[];
  readonly undecided: readonly DiffChange[];
}

export type AuditDiffOutcome =
  | { readonly kind: 'ok'; readonly result: AuditDiffResult }
  | {
      readonly kind: 'stack-error';
      readonly side: 'old' | 'new';
      readonly index: number;
      readonly message: string;
    };

const bad = (v: PatchVerdict | null) => v === 'refuted' || v === 'dead';

/**
 * Audits both catalogs and compares them.
 *
 * @example
 * const d = await auditDiff({ old: released, new: candidate, ruleSet: upstream, policies: [], deployed: null });
 * d.kind === 'ok' && d.result.breaks.map((c) => c.kind) // ['patch-broken', 'conflict-new']
 */
export async function auditDiff(input: AuditDiffInput): Promise<AuditDiffOutcome> {
  const total = input.timeoutMs ?? 600_000;
  const common = { ruleSet: input.ruleSet, policies: input.policies, deployed: input.deployed };
  const progress = input.progress;
  const oldOut = await auditCatalog({
    ...common,
    catalog: input.old,
    timeoutMs: Math.max(1, Math.floor(total / 2)),
    ...(progress === undefined ? {} : { progress: (l: string) => progress(`old: ${l}`) }),
  });
  if (oldOut.kind !== 'ok') {
    return { kind: 'stack-error', side: 'old', index: oldOut.index, message: oldOut.message };
  }
  const newOut = await auditCatalog({
    ...common,
    catalog: input.new,
    timeoutMs: Math.max(1, Math.floor(total / 2)),
    ...(progress === undefined ? {} : { progress: (l: string) => progress(`new: ${l}`) }),
  });
  if (newOut.kind !== 'ok') {
    return { kind: 'stack-error', side: 'new', index: newOut.index, message: newOut.message };
  }
  const o = oldOut.result;
  const n = newOut.result;
  const changes: DiffChange[] = [];

  const before = new Map(o.patches.map((p) => [p.name, p]));
  for (const p of n.patches) {
    const was = before.get(p.name);
    const v0 = was?.verdict ?? null;
    const v1 = p.verdict;
    if (v1 === 'installed' || v0 === 'installed') continue;
    if (v1 === 'unknown' || v0 === 'unknown') {
      changes.push({ kind: 'undecided', what: 'patch', subject: p.name });
      continue;
    }
    const worse = (v1 === 'refuted' && !bad(v0)) || (v1 === 'dead' && v0 !== 'dead');
    if (worse && p.counterexample !== null && (v1 === 'refuted' || v1 === 'dead')) {
      changes.push({
        kind: 'patch-broken',
        patch: p.name,
        before: v0,
        after: v1,
        witness: p.counterexample,
      });
    } else if (
      (v0 === 'refuted' || v0 === 'dead') &&
      (v1 === 'loadable' || (v0 === 'dead' && v1 === 'refuted'))
    ) {
      changes.push({ kind: 'patch-fixed', patch: p.name, before: v0, after: v1 });
    }
  }

  const key = (c: UpgradeCell) => `${c.from.join(',')}>${c.to.join(',')}`;
  const cells0 = new Map(o.upgrades.map((c) => [key(c), c]));
  for (const c1 of n.upgrades) {
    const c0 = cells0.get(key(c1));
    if (c0 === undefined) continue;
    const to = c1.to[0] ?? '';
    if (c0.verdict === 'unknown' || c1.verdict === 'unknown') {
      changes.push({
        kind: 'undecided',
        what: 'upgrade',
        subject: `${c1.from.join(',')} -> ${to}`,
      });
    } else if (c0.verdict === 'reachable' && c1.verdict === 'unreachable') {
      changes.push({ kind: 'upgrade-cut', from: c1.from, to, before: c0.steps ?? [], after: c1 });
    } else if (c0.verdict === 'unreachable' && c1.verdict === 'reachable') {
      changes.push({ kind: 'upgrade-restored', from: c1.from, to, after: c1.steps ?? [] });
    }
  }

  const sets0 = new Set(o.conflicts.sets.map((s) => s.join(',')));
  const sets1 = new Set(n.conflicts.sets.map((s) => s.join(',')));
  const completeBoth = o.conflicts.status === 'complete' && n.conflicts.status === 'complete';
  if (!completeBoth) changes.push({ kind: 'undecided', what: 'conflicts', subject: '' });
  for (const s of n.conflicts.sets) {
    // A conflict NEW proves is new only when OLD's enumeration was complete.
    if (!sets0.has(s.join(',')) && o.conflicts.status === 'complete') {
      changes.push({ kind: 'conflict-new', patches: s });
    }
  }
  for (const s of o.conflicts.sets) {
    if (!sets1.has(s.join(',')) && n.conflicts.status === 'complete') {
      changes.push({ kind: 'conflict-gone', patches: s });
    }
  }

  const pkey = (rs: string, pol: string, v: PolicyViolation) => `${rs}|${pol}|${v.message}`;
  const pol0 = new Set(
    o.policies.flatMap((p) => p.violations.map((v) => pkey(p.ruleSet, p.policy, v))),
  );
  const pol1 = new Set(
    n.policies.flatMap((p) => p.violations.map((v) => pkey(p.ruleSet, p.policy, v))),
  );
  for (const p of n.policies) {
    for (const v of p.violations) {
      if (!pol0.has(pkey(p.ruleSet, p.policy, v))) {
        changes.push({ kind: 'policy-broken', ruleSet: p.ruleSet, policy: p.policy, violation: v });
      }
    }
  }
  for (const p of o.policies) {
    for (const v of p.violations) {
      if (!pol1.has(pkey(p.ruleSet, p.policy, v))) {
        changes.push({ kind: 'policy-fixed', ruleSet: p.ruleSet, policy: p.policy, violation: v });
      }
    }
  }
  return {
    kind: 'ok',
    result: {
      old: o,
      new: n,
      breaks: changes.filter(isBreak),
      fixes: changes.filter((c) => !isBreak(c) && c.kind !== 'undecided'),
      undecided: changes.filter((c) => c.kind === 'undecided'),
    },
  };
}
