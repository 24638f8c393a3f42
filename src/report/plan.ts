/**
 * Plan runs -> text (the transcript; the explained check) and JSON.
 */
import { explainFailure } from '../analysis/mechanics.ts';
import type { PlanRun, StepRun } from '../analysis/run-plan.ts';
import { formatWayOut, waysOut } from '../analysis/ways-out.ts';
import type { Violation } from '../kernel/rules.ts';
import { formatOp, type Op } from '../model/op.ts';
import type { System } from '../model/system.ts';
import { stateIdJson, systemJson } from './json.ts';
import { wrap } from './wrap.ts';

export interface PlanMeta {
  readonly file: string;
  readonly rules: string;
  readonly transitions: 'auto' | 'manual';
}

function opJson(op: Op): { op: string; patch: string | null } {
  return { op: op.kind, patch: op.kind === 'complete' ? null : op.patch };
}

export function violationJson(v: Violation): Record<string, unknown> {
  return {
    rule: v.rule,
    state: v.state === null ? null : stateIdJson(v.state),
    installedBy: v.installedBy,
    installedVersion: v.installedVersion,
    newVersion: v.newVersion,
    message: v.message,
    sentence: v.sentence,
  };
}

function stepViolations(s: StepRun): readonly Violation[] {
  const v = s.outcome.verdict;
  return v === null || v.ok ? [] : v.violations;
}

/** The whole run as one JSON object (simulate and check share it; check adds ways out). */
export function planJson(
  meta: PlanMeta,
  run: PlanRun,
  withWaysOut: boolean,
): Record<string, unknown> {
  const setupLog = run.setup.flatMap((o) => o.log);
  if (run.kind === 'setup-failed') {
    return {
      file: meta.file,
      rules: meta.rules,
      transitions: meta.transitions,
      ok: false,
      error: `initial patch \`${run.failed.name}\` could not be loaded: ${run.failed.outcome.result}`,
      steps: [],
      final: systemJson(run.failed.outcome.system),
      log: setupLog,
    };
  }
  return {
    file: meta.file,
    rules: meta.rules,
    transitions: meta.transitions,
    ok: run.ok,
    steps: run.steps.map((s) => {
      const violations = stepViolations(s);
      const patch = s.step.op.kind === 'complete' ? null : s.step.op.patch;
      return {
        ...opJson(s.step.op),
        result: s.outcome.result,
        expected: s.step.expect,
        line: s.step.source.position(s.step.span.start).line,
        reasons: violations.map(violationJson),
        ...(withWaysOut && violations.length > 0 && patch !== null
          ? { waysOut: waysOut(patch, violations).map(formatWayOut) }
          : {}),
      };
    }),
    final: systemJson(run.final),
    log: [...setupLog, ...run.steps.flatMap((s) => s.outcome.log)],
  };
}

/** `simulate` in text: the transcript, then one summary line. */
export function planTranscript(meta: PlanMeta, run: PlanRun): string {
  const lines = run.setup.flatMap((o) => o.log);
  if (run.kind === 'setup-failed') {
    lines.push(
      `klp-verify: ${meta.file}: initial patch \`${run.failed.name}\` could not be loaded (${run.failed.outcome.result})`,
    );
    return lines.join('\n');
  }
  for (const s of run.steps) lines.push(...s.outcome.log);
  lines.push('', summaryLine(meta, run));
  return lines.join('\n');
}

function summaryLine(meta: PlanMeta, run: PlanRun & { kind: 'ran' }): string {
  const failed = run.steps.filter((s) => !s.met);
  const head = `${meta.file}: rules ${meta.rules}, transitions ${meta.transitions}, ${run.steps.length} step${run.steps.length === 1 ? '' : 's'}`;
  if (failed.length === 0) return `${head}, all as expected`;
  return `${head}, ${failed.length} not as expected`;
}

/** `check` in text: every step with its location, every rejection explained. */
export function planCheckText(meta: PlanMeta, run: PlanRun, width = 100): string {
  const lines = wrap(
    `${meta.file} (rules ${meta.rules}, transitions ${meta.transitions})`,
    width,
    '',
    '  ',
  );
  if (run.kind === 'setup-failed') {
    const o = run.failed.outcome;
    lines.push(`  error: initial patch \`${run.failed.name}\` could not be loaded: ${o.result}`);
    if (o.verdict !== null && !o.verdict.ok)
      lines.push(...explainViolations(run.failed.name, o.verdict.violations, '    ', width));
    return lines.join('\n');
  }
  if (run.setup.length > 0) {
    const names = run.setup.flatMap((o) => (o.op.kind === 'insmod' ? [o.op.patch] : []));
    lines.push(`  initial stack: ${names.join(', ')}`);
  }
  const opWidth = Math.max(0, ...run.steps.map((s) => formatOp(s.step.op).length));
  for (const s of run.steps) {
    const line = `line ${s.step.source.position(s.step.span.start).line}`;
    const verdict = s.met
      ? s.step.expect === 'ok'
        ? `ok${stackChange(s)}`
        : `${s.outcome.result}, as expected`
      : `${s.outcome.result}, expected ${s.step.expect}`;
    const mark = s.met ? ' ' : '✗';
    lines.push(`${mark} ${line.padEnd(8)} ${formatOp(s.step.op).padEnd(opWidth)}  ${verdict}`);
    const violations = stepViolations(s);
    if (violations.length > 0 && s.step.op.kind !== 'complete') {
      lines.push(...explainViolations(s.step.op.patch, violations, INDENT, width));
    } else if (s.outcome.result !== 'ok') {
      const why = explainFailure(s.step.op, s.outcome.result, s.outcome.system);
      lines.push(...wrap(why, width, INDENT));
    }
  }
  lines.push(`  final stack: ${stackLine(run.final)}`);
  const failed = run.steps.filter((s) => !s.met).length;
  lines.push(
    failed === 0
      ? `  ${run.steps.length} step${run.steps.length === 1 ? '' : 's'}, all as expected`
      : `  ${failed} of ${run.steps.length} steps not as expected`,
  );
  return lines.join('\n');
}

const INDENT = '             ';

function explainViolations(
  patch: string,
  violations: readonly Violation[],
  indent: string,
  width: number,
): string[] {
  const out: string[] = [];
  const byRule = new Map<string, Violation[]>();
  for (const v of violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
  for (const [rule, vs] of byRule) {
    out.push(...wrap(`rule ${rule}: ${vs[0]?.sentence ?? ''}`, width, indent, `${indent}  `));
    for (const v of vs) out.push(...wrap(v.message, width, `${indent}  - `, `${indent}    `));
  }
  const ways = waysOut(patch, violations);
  if (ways.length > 0) {
    out.push(`${indent}ways out:`);
    for (const w of ways)
      out.push(...wrap(formatWayOut(w), width, `${indent}  - `, `${indent}    `));
  }
  return out;
}

/** What a successful step did to klp_patches beyond the obvious, e.g. the patches replaced. */
function stackChange(s: StepRun): string {
  const after = new Set(s.outcome.system.klpPatches);
  const self = s.step.op.kind === 'complete' ? null : s.step.op.patch;
  const gone = s.before.klpPatches.filter((p) => !after.has(p) && p !== self);
  return gone.length === 0 ? '' : ` (replaced ${gone.map((p) => `\`${p}\``).join(', ')})`;
}

function stackLine(sys: System): string {
  if (sys.klpPatches.length === 0) return '(empty)';
  const t = sys.transition;
  return sys.klpPatches
    .map((p) =>
      t?.patch === p ? `${p} (${t.target === 'patched' ? 'patching' : 'unpatching'})` : p,
    )
    .join(' < ');
}
