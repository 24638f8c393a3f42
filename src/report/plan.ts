/**
 * Plan runs -> text (the transcript; the explained check) and JSON (the documents of
 * docs/schema/simulate.schema.json and check.schema.json).
 */
import {
  type FunctionOwner,
  type OwnerChange,
  revertedByReplace,
} from '../analysis/function-owners.ts';
import { explainFailure } from '../analysis/mechanics.ts';
import type { PlanRun, StepRun } from '../analysis/run-plan.ts';
import { formatFact, type StepProofResult } from '../analysis/step-proof.ts';
import { formatFunction } from '../eval/value.ts';
import type { Violation } from '../kernel/rules.ts';
import { assertNever, formatOp, type Op } from '../model/op.ts';
import type { KlpFunc } from '../model/patch.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { stateIdJson, systemJson } from './json.ts';
import {
  type JsonOf,
  type op as opSchema,
  SCHEMA_VERSION,
  type violation,
} from './schema/common.ts';
import type {
  checkPlanDocument,
  checkPlanEntry,
  simulatePlanDocument,
  simulatePlanEntry,
} from './schema/plan.ts';
import { wrap } from './wrap.ts';

export interface PlanMeta {
  readonly file: string;
  readonly rules: string;
  readonly transitions: TransitionMode;
}

type SimulatePlanEntry = JsonOf<typeof simulatePlanEntry>;
type CheckPlanEntry = JsonOf<typeof checkPlanEntry>;
type CheckStep = CheckPlanEntry['steps'][number];

/**
 * An operation in JSON: `{op, patch}`, `patch` null for `complete`.
 *
 * @example
 * opJson({ kind: 'insmod', patch: 'P' }) // { op: 'insmod', patch: 'P' }
 */
export function opJson(op: Op): JsonOf<typeof opSchema> {
  return { op: op.kind, patch: op.kind === 'complete' ? null : op.patch };
}

/**
 * A kernel rule violation in JSON, its state id as {@link stateIdJson} writes it.
 *
 * @example
 * violationJson(v).state // '0x696f75726e670002'
 */
export function violationJson(v: Violation): JsonOf<typeof violation> {
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

function funcJson(f: KlpFunc): { object: string; name: string; sympos: number } {
  return { object: f.object, name: f.name, sympos: f.sympos };
}

/** A step's owner changes: `before`/`after` name the patch whose code runs, null the original. */
function ownerChangeJson(c: OwnerChange): SimulatePlanEntry['steps'][number]['functions'][number] {
  return {
    ...funcJson(c.func),
    before: c.before,
    after: c.after,
    change: c.kind,
    mixed: c.after !== c.unswitched,
    unswitched: c.unswitched,
    revertedBy: c.cause === null ? null : { kind: c.cause.kind, patch: c.cause.patch },
  };
}

function ownerJson(o: FunctionOwner): SimulatePlanEntry['final']['functions'][number] {
  return {
    ...funcJson(o.func),
    owner: o.owner,
    mixed: o.owner !== o.unswitched,
    unswitched: o.unswitched,
  };
}

/** The warnings of a step: functions a cumulative patch reverted to the original code. */
function stepWarnings(
  s: StepRun,
): Array<{ message: string; json: Omit<CheckStep['warnings'][number], 'message'> }> {
  return revertedByReplace(s.functions).map((r) => ({
    message: `cumulative \`${r.patch}\` reverts ${formatFunction(r.func)} to the original code; \`${r.lastPatchedBy}\` patched it last`,
    json: {
      kind: 'reverted-function',
      patch: r.patch,
      ...funcJson(r.func),
      lastPatchedBy: r.lastPatchedBy,
    },
  }));
}

/** A patch or the original code, in text. */
function ownerText(owner: string | null): string {
  return owner === null ? 'original code' : `\`${owner}\``;
}

/** One owner change in words, e.g. "vmlinux:f: `r3` -> original code (reverted: ...)". */
export function ownerChangeText(c: OwnerChange): string {
  const f = formatFunction(c.func);
  const move = `${f}: ${ownerText(c.before)} -> ${ownerText(c.after)}`;
  switch (c.kind) {
    case 'patched':
      return `${move} (patched)`;
    case 'repatched':
      return `${move} (re-patched)`;
    case 'reverted':
      return c.cause?.kind === 'replace'
        ? `${move} (reverted: cumulative \`${c.cause.patch}\` does not patch it)`
        : `${move} (reverted: \`${c.cause?.patch ?? ''}\` disabled)`;
    case 'mixed':
      return `${f}: mixed, ${ownerText(c.unswitched)} for tasks not yet switched, ${ownerText(c.after)} for switched tasks`;
    default:
      return assertNever(c.kind, 'owner change');
  }
}

/** A step's solver proof in JSON; null when the step asks the rules nothing. */
function proofJson(p: StepProofResult | undefined): CheckStep['proof'] {
  if (p === undefined || p.kind === 'no-question') return null;
  if (p.kind === 'unknown') return { verdict: 'unknown', reason: p.reason, detail: p.detail };
  return {
    verdict: p.verdict,
    explanation:
      p.explanation === null
        ? null
        : {
            facts: p.explanation.facts.map(formatFact),
            rules: p.explanation.rules,
            minimal: p.explanation.minimal,
          },
    waysOut: p.waysOut.map((w) => w.words),
    waysOutComplete: p.waysOutComplete,
    queries: p.queries.length,
  };
}

function stepJson(s: StepRun): SimulatePlanEntry['steps'][number] {
  return {
    ...opJson(s.step.op),
    result: s.outcome.result,
    expected: s.step.expect,
    line: s.step.source.position(s.step.span.start).line,
    reasons: stepViolations(s).map(violationJson),
    functions: s.functions.map(ownerChangeJson),
  };
}

function checkStepJson(s: StepRun, proof: StepProofResult | undefined): CheckStep {
  const json = proofJson(proof);
  return {
    ...stepJson(s),
    waysOut: json === null || json.verdict === 'unknown' ? [] : json.waysOut,
    proof: json,
    warnings: stepWarnings(s).map((w) => ({ ...w.json, message: w.message })),
  };
}

/** The fields of simulate and check around the steps, in document order. */
function planEntry<S>(
  meta: PlanMeta,
  run: PlanRun,
  steps: (s: StepRun, i: number) => S,
): {
  file: string;
  rules: string;
  transitions: TransitionMode;
  ok: boolean;
  error?: string;
  steps: S[];
  final: SimulatePlanEntry['final'];
  log: string[];
} {
  const setupLog = run.setup.flatMap((o) => o.log);
  if (run.kind === 'setup-failed') {
    return {
      file: meta.file,
      rules: meta.rules,
      transitions: meta.transitions,
      ok: false,
      error: `initial patch \`${run.failed.name}\` could not be loaded: ${run.failed.outcome.result}`,
      steps: [],
      final: { ...systemJson(run.failed.outcome.system), functions: run.functions.map(ownerJson) },
      log: setupLog,
    };
  }
  return {
    file: meta.file,
    rules: meta.rules,
    transitions: meta.transitions,
    ok: run.ok,
    steps: run.steps.map(steps),
    final: { ...systemJson(run.final), functions: run.functions.map(ownerJson) },
    log: [...setupLog, ...run.steps.flatMap((s) => s.outcome.log)],
  };
}

/**
 * `simulate` of one plan as an entry of the several-plans document (no `schemaVersion`).
 *
 * @example
 * simulateEntryJson(meta, run).steps[0]?.result // 'ok'
 */
export function simulateEntryJson(meta: PlanMeta, run: PlanRun): SimulatePlanEntry {
  return planEntry(meta, run, stepJson);
}

/**
 * `check` of one plan as an entry of the several-plans document (no `schemaVersion`): each
 * step gains `waysOut` and the solver's `proof`; `certificate` is the `--certificate`
 * directory or null.
 *
 * @example
 * checkEntryJson(meta, run, proofs, null).steps[1]?.proof?.verdict // 'rejected'
 */
export function checkEntryJson(
  meta: PlanMeta,
  run: PlanRun,
  proofs: readonly StepProofResult[],
  certificate: string | null,
): CheckPlanEntry {
  return {
    ...planEntry(meta, run, (s, i) => checkStepJson(s, proofs[i])),
    certificate,
  };
}

/**
 * `simulate PLAN --format json`: the whole run as one document.
 *
 * @example
 * stringify(simulateJson(meta, run)) // '{"schemaVersion":1,"file":"a.plan.yaml","rules":"upstream",...}'
 */
export function simulateJson(meta: PlanMeta, run: PlanRun): JsonOf<typeof simulatePlanDocument> {
  return { schemaVersion: SCHEMA_VERSION, ...simulateEntryJson(meta, run) };
}

/**
 * `check PLAN --format json`: the whole run with the solver's proof of every step.
 *
 * @example
 * stringify(checkJson(meta, run, proofs, null)) // '{"schemaVersion":1,"file":"a.plan.yaml",...,"certificate":null}'
 */
export function checkJson(
  meta: PlanMeta,
  run: PlanRun,
  proofs: readonly StepProofResult[],
  certificate: string | null,
): JsonOf<typeof checkPlanDocument> {
  return { schemaVersion: SCHEMA_VERSION, ...checkEntryJson(meta, run, proofs, certificate) };
}

/**
 * Several PLAN files as one document: one entry per file, in the order given.
 *
 * @example
 * stringify(plansJson([simulateEntryJson(a, runA), simulateEntryJson(b, runB)])) // '{"schemaVersion":1,"plans":[...]}'
 */
export function plansJson<E extends SimulatePlanEntry | CheckPlanEntry>(
  plans: readonly E[],
): { readonly schemaVersion: typeof SCHEMA_VERSION; readonly plans: readonly E[] } {
  return { schemaVersion: SCHEMA_VERSION, plans };
}

/**
 * One plan as an entry (no `schemaVersion`; src/cli/main.ts adds it to the document):
 * {@link simulateEntryJson} without proofs, {@link checkEntryJson} with them, `certificate`
 * null for the caller to set.
 *
 * @example
 * planJson(meta, run, null).steps[0]?.result // 'ok'
 */
export function planJson(meta: PlanMeta, run: PlanRun, proofs: null): SimulatePlanEntry;
export function planJson(
  meta: PlanMeta,
  run: PlanRun,
  proofs: readonly StepProofResult[],
): CheckPlanEntry;
export function planJson(
  meta: PlanMeta,
  run: PlanRun,
  proofs: readonly StepProofResult[] | null,
): SimulatePlanEntry | CheckPlanEntry {
  return proofs === null ? simulateEntryJson(meta, run) : checkEntryJson(meta, run, proofs, null);
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
  for (const s of run.steps) {
    lines.push(...s.outcome.log);
    // Not kernel output: what the step did to function ownership, as shell comments.
    for (const c of s.functions) lines.push(`# ${ownerChangeText(c)}`);
  }
  lines.push('', planVerdict(meta, run));
  return lines.join('\n');
}

/** The plan's verdict in one line, naming every step that was not as expected. */
export function planVerdict(meta: PlanMeta, run: PlanRun): string {
  if (run.kind === 'setup-failed') {
    return `${meta.file}: initial patch \`${run.failed.name}\` could not be loaded (${run.failed.outcome.result})`;
  }
  const failed = run.steps.filter((s) => !s.met);
  const head = `${meta.file}: rules ${meta.rules}, transitions ${meta.transitions}, ${run.steps.length} step${run.steps.length === 1 ? '' : 's'}`;
  if (failed.length === 0) return `${head}, all as expected`;
  const which = failed
    .map(
      (s) =>
        `line ${s.step.source.position(s.step.span.start).line} (${formatOp(s.step.op)}: ${s.outcome.result}, expected ${s.step.expect})`,
    )
    .join(', ');
  return `${head}, ${failed.length} not as expected: ${which}`;
}

/** What the solver established about a step, for its line in `check`. */
function proofNote(p: StepProofResult | undefined): string {
  if (p === undefined || p.kind === 'no-question') return '';
  if (p.kind === 'unknown') return `; proof unknown (${p.reason})`;
  return p.verdict === 'admitted' ? '; proved admissible' : '; rejection proved';
}

/**
 * `check` in text: every step with its location and what the solver proved about it, every
 * rejection explained by its violations, the minimal facts and rules that force it, and the
 * ways out.
 */
export function planCheckText(
  meta: PlanMeta,
  run: PlanRun,
  proofs: readonly StepProofResult[],
  width = 100,
): string {
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
      lines.push(...explainViolations(o.verdict.violations, undefined, '    ', width));
    return lines.join('\n');
  }
  if (run.setup.length > 0) {
    const names = run.setup.flatMap((o) => (o.op.kind === 'insmod' ? [o.op.patch] : []));
    lines.push(`  initial stack: ${names.join(', ')}`);
  }
  const opWidth = Math.max(0, ...run.steps.map((s) => formatOp(s.step.op).length));
  for (const [i, s] of run.steps.entries()) {
    const proof = proofs[i];
    const line = `line ${s.step.source.position(s.step.span.start).line}`;
    const verdict = s.met
      ? s.step.expect === 'ok'
        ? `ok${stackChange(s)}`
        : `${s.outcome.result}, as expected`
      : `${s.outcome.result}, expected ${s.step.expect}`;
    const mark = s.met ? ' ' : '✗';
    const head = `${mark} ${line.padEnd(8)} ${formatOp(s.step.op).padEnd(opWidth)}  `;
    lines.push(...wrap(`${verdict}${proofNote(proof)}`, width, head, INDENT));
    const violations = stepViolations(s);
    if (violations.length > 0) {
      lines.push(...explainViolations(violations, proof, INDENT, width));
    } else if (s.outcome.result !== 'ok') {
      const why = explainFailure(s.step.op, s.outcome.result, s.outcome.system);
      lines.push(...wrap(why, width, INDENT));
    }
    for (const c of s.functions)
      lines.push(...wrap(ownerChangeText(c), width, INDENT, `${INDENT}  `));
    for (const w of stepWarnings(s)) {
      lines.push(...wrap(`warning: ${w.message}`, width, INDENT, `${INDENT}  `));
    }
  }
  lines.push(`  final stack: ${stackLine(run.final)}`);
  const failed = run.steps.filter((s) => !s.met).length;
  const proved = proofs.filter((p) => p.kind === 'proved').length;
  const unknown = proofs.filter((p) => p.kind === 'unknown').length;
  const solver =
    proved + unknown === 0
      ? ''
      : `; ${proved} rule question${proved === 1 ? '' : 's'} proved by the solver under rule set ${meta.rules}${unknown > 0 ? `, ${unknown} unknown` : ''}`;
  const summary =
    failed === 0
      ? `${run.steps.length} step${run.steps.length === 1 ? '' : 's'}, all as expected${solver}`
      : `${failed} of ${run.steps.length} steps not as expected${solver}`;
  lines.push(...wrap(summary, width, '  ', '    '));
  return lines.join('\n');
}

const INDENT = '             ';

function explainViolations(
  violations: readonly Violation[],
  proof: StepProofResult | undefined,
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
  if (proof?.kind !== 'proved' || proof.explanation === null) return out;
  const { explanation } = proof;
  const reason = [
    ...explanation.facts.map(formatFact),
    ...explanation.rules.map((r) => `rule ${r}`),
  ];
  const head = explanation.minimal
    ? 'minimal reason'
    : 'reason (not shown minimal: the solver gave up)';
  out.push(...wrap(`${head}: ${reason.join('; ')}`, width, indent, `${indent}  `));
  if (proof.waysOut.length > 0) {
    out.push(
      `${indent}ways out${proof.waysOutComplete ? '' : ' (some; the search was cut short)'}:`,
    );
    for (const w of proof.waysOut)
      out.push(...wrap(w.words, width, `${indent}  - `, `${indent}    `));
  } else {
    out.push(`${indent}no way out by changing this patch or disabling installed ones`);
  }
  return out;
}

/**
 * What a successful step did to klp_patches beyond the obvious: the patches an atomic replace
 * removed, or the patch whose unpatching transition (a disable, or a reversed enable) this step
 * completed.
 */
export function stackChange(s: StepRun): string {
  const after = new Set(s.outcome.system.klpPatches);
  const self = s.step.op.kind === 'complete' ? null : s.step.op.patch;
  const gone = s.before.klpPatches.filter((p) => !after.has(p) && p !== self);
  if (gone.length === 0) return '';
  const t = s.before.transition;
  const unpatched =
    t !== null && t.target === 'unpatched' && gone.includes(t.patch) ? t.patch : null;
  const replaced = gone.filter((p) => p !== unpatched);
  const parts = [
    unpatched === null ? '' : `unpatched \`${unpatched}\``,
    replaced.length === 0 ? '' : `replaced ${replaced.map((p) => `\`${p}\``).join(', ')}`,
  ].filter((x) => x !== '');
  return ` (${parts.join('; ')})`;
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
