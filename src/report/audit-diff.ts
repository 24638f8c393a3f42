/**
 * `klp-verify audit diff OLD NEW` as text and JSON: the gate's verdict first (what breaks), then
 * each break with its witness (the counterexample's kernel transcript, the proved reason), the
 * fixes, and what could not be compared.
 */
import { assertNever, formatOp, type Op } from '../model/op.ts';
import type { AuditDiffResult, DiffChange } from '../query/audit/diff.ts';
import {
  AUDIT_SCHEMA_VERSION,
  policyViolationJson,
  stackWords,
  unreachableReasonJson,
} from './audit.ts';
import { opJson, violationJson } from './plan.ts';
import type { auditDiffDocument, diffChange } from './schema/audit.ts';
import type { JsonOf } from './schema/common.ts';
import { wrap } from './wrap.ts';

const q = (n: string) => `\`${n}\``;
const ops = (xs: readonly Op[]) =>
  xs.length === 0 ? 'nothing to do' : xs.map(formatOp).join(', ');

/**
 * One change in one line.
 *
 * @example
 * changeMessage(c) // '`r4` can now be refused (was loadable): insmod klp_r2, insmod klp_r4'
 */
export function changeMessage(c: DiffChange): string {
  switch (c.kind) {
    case 'patch-broken': {
      const was = c.before === null ? 'new in NEW' : `was ${c.before}`;
      const what = c.after === 'dead' ? 'can now never be loaded' : 'can now be refused';
      return `${q(c.patch)} ${what} (${was}): from ${stackWords(c.witness.from)}, ${ops(c.witness.steps)}`;
    }
    case 'patch-fixed':
      return `${q(c.patch)} is now ${c.after} (was ${c.before})`;
    case 'upgrade-cut':
      return `[${c.from.join(',')}] -> [${c.to}] is now unreachable (was: ${ops(c.before)}): ${c.after.reason?.message ?? ''}`;
    case 'upgrade-restored':
      return `[${c.from.join(',')}] -> [${c.to}] is reachable again: ${ops(c.after)}`;
    case 'conflict-new':
      return `new conflict: ${c.patches.map(q).join(', ')} cannot all be loaded, in any order`;
    case 'conflict-gone':
      return `conflict resolved: ${c.patches.map(q).join(', ')} can now be loaded together`;
    case 'policy-broken':
      return `policy ${c.policy} (${c.ruleSet}) newly violated: ${c.violation.message}`;
    case 'policy-fixed':
      return `policy ${c.policy} (${c.ruleSet}) no longer violated: ${c.violation.message}`;
    case 'undecided':
      return c.what === 'conflicts'
        ? 'the conflicts of one side were not all enumerated in time'
        : `the ${c.what} question ${q(c.subject)} was not decided in time on one side`;
    default:
      return assertNever(c, 'diff change');
  }
}

function changeJson(c: DiffChange): JsonOf<typeof diffChange> {
  const message = changeMessage(c);
  switch (c.kind) {
    case 'patch-broken':
      return {
        kind: c.kind,
        message,
        patch: c.patch,
        before: c.before,
        after: c.after,
        witness: {
          from: c.witness.from,
          steps: c.witness.steps.map(opJson),
          patches: c.witness.patches,
          violations: c.witness.violations.map(violationJson),
          log: c.witness.outcomes.flatMap((o) => o.log),
        },
      };
    case 'patch-fixed':
      return { kind: c.kind, message, patch: c.patch, before: c.before, after: c.after };
    case 'upgrade-cut':
      return {
        kind: c.kind,
        message,
        from: c.from,
        to: [c.to],
        before: c.before.map(opJson),
        reason: c.after.reason === null ? null : unreachableReasonJson(c.after.reason),
      };
    case 'upgrade-restored':
      return { kind: c.kind, message, from: c.from, to: [c.to], steps: c.after.map(opJson) };
    case 'conflict-new':
    case 'conflict-gone':
      return { kind: c.kind, message, patches: c.patches };
    case 'policy-broken':
    case 'policy-fixed':
      return {
        kind: c.kind,
        message,
        ruleSet: c.ruleSet,
        policy: c.policy,
        violation: policyViolationJson(c.violation),
      };
    case 'undecided':
      return { kind: c.kind, message, what: c.what, subject: c.subject };
    default:
      return assertNever(c, 'diff change');
  }
}

/**
 * The gate's verdict: `breaks`, else `unknown` when something was not compared, else `ok`.
 *
 * @example
 * diffVerdict(result) // 'breaks' when NEW refuses a patch OLD admitted
 */
export function diffVerdict(r: AuditDiffResult): 'breaks' | 'unknown' | 'ok' {
  if (r.breaks.length > 0) return 'breaks';
  return r.undecided.length > 0 ? 'unknown' : 'ok';
}

/**
 * The comparison as one JSON document (`schemaVersion` 1).
 *
 * @example
 * stringify(auditDiffJson(r)) // '{"schemaVersion":1,"command":"audit diff","verdict":"breaks",...}'
 */
export function auditDiffJson(r: AuditDiffResult): JsonOf<typeof auditDiffDocument> {
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    command: 'audit diff',
    verdict: diffVerdict(r),
    rules: r.new.rules,
    deployed: r.new.deployed,
    breaks: r.breaks.map(changeJson),
    fixes: r.fixes.map(changeJson),
    undecided: r.undecided.map(changeJson),
    stats: { oldMs: r.old.stats.ms, newMs: r.new.stats.ms },
  };
}

/**
 * The comparison as text.
 *
 * @example
 * auditDiffText(r, 'old.yaml', 'new.yaml').split('\n')[0] // 'new.yaml breaks 2 things old.yaml allowed ...'
 */
export function auditDiffText(
  r: AuditDiffResult,
  oldFile: string,
  newFile: string,
  width = 100,
): string {
  const out: string[] = [];
  const v = diffVerdict(r);
  const n = r.breaks.length;
  out.push(
    v === 'breaks'
      ? `${newFile} breaks ${n} thing${n === 1 ? '' : 's'} ${oldFile} allowed (rules ${r.new.rules})`
      : v === 'unknown'
        ? `${newFile} breaks nothing that could be compared with ${oldFile}; ${r.undecided.length} undecided (rules ${r.new.rules})`
        : `${newFile} breaks nothing ${oldFile} allowed (rules ${r.new.rules})`,
  );
  const section = (title: string, cs: readonly DiffChange[]) => {
    if (cs.length === 0) return;
    out.push('', `${title}:`);
    for (const c of cs) {
      out.push(...wrap(`${c.kind}: ${changeMessage(c)}`, width, '  ', '      '));
      if (c.kind === 'patch-broken') {
        out.push('      replayed on the simulator:');
        for (const line of c.witness.outcomes.flatMap((o) => o.log)) out.push(`        ${line}`);
      }
    }
  };
  section('breaks', r.breaks);
  section('fixes', r.fixes);
  section('undecided', r.undecided);
  return out.join('\n');
}
