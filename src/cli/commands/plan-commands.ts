/**
 * `klp-verify simulate PLAN...` and `klp-verify check PLAN...`: run plans on the kernel
 * simulator; simulate prints the transcript, check explains every step and every rejection.
 */

import { basename, join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { type PlanRun, runPlan } from '../../analysis/run-plan.ts';
import { certificateFiles, provePlan, type StepProofResult } from '../../analysis/step-proof.ts';
import { loadPlanFile, type Plan, parsePlanBytes } from '../../ingest/index.ts';
import { planCheckText, planJson, planTranscript, planVerdict } from '../../report/plan.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import type { OptionSpec, Parsed } from '../args.ts';
import {
  badInput,
  type CommandSpec,
  type JsonDocument,
  type RunContext,
  result,
} from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  certificateDir,
  REPLACE_CERTIFICATE_OPTION,
  RULES_OPTION,
  STDIN_NAME,
  TEXT_JSON,
  writeFiles,
} from './common.ts';

const TRANSITIONS_OPTION: OptionSpec = {
  name: 'transitions',
  kind: 'value',
  metavar: 'MODE',
  choices: ['auto', 'manual'],
  description:
    "override the plan's `transitions:`: auto completes every transition at once, manual leaves it pending until `complete` or `force`",
};

const OPTIONS = [RULES_OPTION, TRANSITIONS_OPTION];

const CHECK_OPTIONS: readonly OptionSpec[] = [
  ...OPTIONS,
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write every solver query as a standalone SMT-LIB 2 file, its expected answer in a comment, to DIR/<plan>/',
  },
  REPLACE_CERTIFICATE_OPTION,
];

interface Settings {
  readonly rules: string | undefined;
  readonly transitions: string | undefined;
  readonly certificate: string | null;
}

/** One plan's result: its document, its text and its status; null when it was bad input. */
interface PlanResult {
  readonly status: 0 | 1 | 3;
  readonly verdict: string;
  readonly text: () => string;
  readonly json: () => JsonDocument;
}

function planSpec(
  kind: 'simulate' | 'check',
  help: Omit<CommandSpec, 'run' | 'name' | 'formats' | 'exits'>,
): CommandSpec {
  return {
    ...help,
    name: kind,
    formats: TEXT_JSON,
    exits: EXITS,
    ...(kind === 'check' ? { timeoutSeconds: 60 } : {}),
    run: async (ctx) => {
      if (ctx.args.positionals.length === 0)
        throw new UsageError('missing PLAN', `usage: ${help.usage}`);
      const settings: Settings = {
        rules: ctx.args.values.get('rules'),
        transitions: ctx.args.values.get('transitions'),
        // Checked before any work: a bad folder must not cost the whole run.
        certificate: kind === 'check' ? certificateFolders(ctx.args) : null,
      };
      const results: PlanResult[] = [];
      let bad = false;
      for (const file of ctx.args.positionals) {
        const one = await runOne(kind, file, settings, ctx);
        if (one === null) bad = true;
        else results.push(one);
      }
      if (bad) return badInput;
      const status = Math.max(...results.map((r) => r.status));
      const single = results.length === 1 ? results[0] : undefined;
      if (single !== undefined)
        return result(single.status, single.verdict, single.text, single.json);
      return result(
        status === 0 || status === 1 || status === 3 ? status : 1,
        results.map((r) => r.verdict).join('\n'),
        () => results.map((r) => r.text()).join('\n\n'),
        () => ({ plans: results.map((r) => r.json()) }),
      );
    },
  };
}

async function runOne(
  kind: 'simulate' | 'check',
  file: string,
  settings: Settings,
  ctx: RunContext,
): Promise<PlanResult | null> {
  const rulesOverride = settings.rules;
  const transitionsOverride = settings.transitions;
  const name = file === '-' ? STDIN_NAME : file;
  const loaded = file === '-' ? parsePlanBytes(await ctx.stdin(), name) : loadPlanFile(file);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  const plan = loaded.value;
  const resolved =
    plan === null
      ? null
      : resolveRules(
          rulesOverride ?? plan.rules.value,
          rulesOverride === undefined ? { source: plan.source, span: plan.rules.span } : null,
        );
  if (resolved !== null) diags.push(...resolved.diagnostics);
  if (plan === null || resolved === null || resolved.kind === 'error' || hasErrors(diags)) {
    ctx.report(diags, name);
    return null;
  }
  const transitions =
    transitionsOverride === 'manual' || transitionsOverride === 'auto'
      ? transitionsOverride
      : plan.transitions;
  const input = {
    catalog: plan.catalog,
    transitions,
    initial: plan.initial.map((i) => i.name),
    steps: plan.steps,
  };
  const meta = { file: name, rules: resolved.rules.name, transitions };
  if (kind === 'simulate') {
    const run = runPlan(input, resolved.rules);
    if (run.kind === 'setup-failed') {
      ctx.report([...diags, setupFailed(plan, run)], name);
      return null;
    }
    ctx.report(diags, name); // warnings only
    return {
      status: planStatus(run, []),
      verdict: planVerdict(meta, run),
      text: () => planTranscript(meta, run),
      json: () => planJson(meta, run, null),
    };
  }
  ctx.io.progress(`${name}: proving ${plan.steps.length} steps with the solver`);
  // provePlan runs the plan on the simulator and proves each step's verdict; it throws
  // (internal error, exit 4) if the solver and the evaluator ever disagree.
  const { run, steps: proofs } = await provePlan(resolved.ruleSet, input, {
    timeoutMs: Math.max(1, (ctx.deadline ?? Date.now() + 60_000) - Date.now()),
    deadline: ctx.deadline,
  });
  ctx.io.progress('');
  if (run.kind === 'setup-failed') {
    ctx.report([...diags, setupFailed(plan, run)], name);
    return null;
  }
  ctx.report(diags, name); // warnings only
  if (settings.certificate !== null) writeCertificate(settings.certificate, name, proofs);
  return {
    status: planStatus(run, proofs),
    verdict: planVerdict(meta, run),
    text: () => planCheckText(meta, run, proofs, ctx.io.columns),
    json: () => ({ ...planJson(meta, run, proofs), certificate: settings.certificate }),
  };
}

/** KV0151 at the `initial` entry the kernel refused. */
function setupFailed(plan: Plan, run: PlanRun & { kind: 'setup-failed' }): Diagnostic {
  const entry = plan.initial[run.failed.index];
  const o = run.failed.outcome;
  const why =
    o.verdict !== null && !o.verdict.ok
      ? o.verdict.violations.map((v) => `${v.rule}: ${v.message}`).join('; ')
      : undefined;
  return {
    code: 'KV0003',
    severity: 'error',
    message: `initial patch \`${run.failed.name}\` cannot be loaded on the patches before it (${o.result})`,
    source: plan.source,
    span: entry?.span ?? { start: 0, end: 0 },
    help: why ?? 'the initial stack is loaded bottom to top with insmod; reorder or remove it',
  };
}

/** Findings first, then unknown proofs. */
function planStatus(run: PlanRun, proofs: readonly StepProofResult[]): 0 | 1 | 3 {
  if (run.kind === 'setup-failed' || !run.ok) return EXIT.findings;
  return proofs.some((p) => p.kind === 'unknown') ? EXIT.unknown : EXIT.ok;
}

/** The folder of a plan's certificate under `--certificate DIR`. */
function planFolder(dir: string, planFile: string): string {
  return join(dir, basename(planFile).replace(/\.(ya?ml|json)$/, ''));
}

/** `--certificate DIR`, checked before any work; two plans may not share a folder. */
function certificateFolders(parsed: Parsed): string | null {
  const dir = certificateDir(parsed);
  if (dir === null) return null;
  const seen = new Map<string, string>();
  for (const file of parsed.positionals) {
    const sub = planFolder(dir, file);
    const other = seen.get(sub);
    if (other !== undefined) {
      throw new UsageError(
        `plans \`${other}\` and \`${file}\` would write the same certificate folder \`${sub}\``,
        'check them in two runs, with two certificate folders',
      );
    }
    seen.set(sub, file);
  }
  return dir;
}

/** `--certificate DIR`: every query of every step, as DIR/<plan name>/step-N-<query>.smt2. */
function writeCertificate(dir: string, planFile: string, proofs: readonly StepProofResult[]): void {
  const sub = planFolder(dir, planFile);
  writeFiles(
    sub,
    certificateFiles(proofs).map((f) => ({ name: f.file, text: f.text })),
  );
}

const EXITS = {
  ok: 'every step of every plan did what it expects',
  findings: 'some step did not (e.g. an insmod the plan expects to succeed was rejected)',
  unknown: '(check) a proof ran out of time; the steps proved are shown',
};

export const simulateCommand: CommandSpec = planSpec('simulate', {
  usage:
    'klp-verify simulate PLAN... [--rules NAME|FILE] [--transitions auto|manual] [--format text|json]',
  summary:
    'Run a plan on the kernel simulator and print the transcript, as dmesg and the shell would show it.',
  description: [
    'A plan lists operations (insmod, disable, enable, force, complete, rmmod) on the patches of a',
    'catalog. The simulator reproduces kernel/livepatch (core.c, transition.c, state.c) exactly:',
    'klp_patches order, one transition at a time, reversal, atomic replace, module references and',
    "forced modules, and the errno of every operation in the kernel's own order of checks.",
    'Kernel lines start with `livepatch: `, including the pr_debug ones; command lines with `% `;',
    'lines with `# ` say which functions changed owner (whose code runs: a patch or the original).',
    'With --format json, prints one document: for one plan {file, rules, ok, steps, final, log},',
    'each step and `final` listing `functions` with their owners; for several plans, {plans: [...]}',
    'with one such entry per plan.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command: 'klp-verify simulate examples/selftests/incompatible-cumulative.plan.yaml',
      what: 'scenario 4 of tools/testing/selftests/livepatch/test-state.sh',
    },
    {
      command: 'klp-verify simulate plan.yaml --transitions manual --format json | jq .final',
      what: 'where the system ends up when transitions stay pending',
    },
  ],
});

export const checkCommand: CommandSpec = planSpec('check', {
  usage:
    'klp-verify check PLAN... [--rules NAME|FILE] [--transitions auto|manual] [--timeout SECONDS] [--certificate DIR] [--format text|json]',
  summary:
    'Run a plan and explain every step: which rule rejected an insmod, on which state, and the ways out.',
  description: [
    'Every step that asks the rule set a question (an insmod, a disable under the block-disable',
    'rules) is proved by the Z3 solver: an admitted step by showing that no rule can be violated',
    'on the facts before it, a rejection by showing that no rule set of facts avoids it. The',
    "solver's verdict must agree with the evaluator's on every step (else: internal error, exit 4).",
    '',
    'For each rejection: every violation (the rule by name and sentence, the state id, the version',
    'installed and the patch that holds it, the version the new patch declares or that it lacks',
    'the state), the minimal set of facts and rules that force it (an unsat core minimized by',
    'deletion), and the ways out (minimal correction sets: which states to declare or raise,',
    'which patches to disable first). Failures that no rule decides (a transition in progress, a',
    "module still referenced) are explained from the kernel's mechanics.",
    '',
    'Every step lists the functions whose owner changed (patched, re-patched, reverted to the',
    'original code, mixed while a transition is pending), with a warning when a cumulative patch',
    'reverts a function that a patch it replaced patched (`--rules keep-functions` rejects it).',
  ].join('\n'),
  options: CHECK_OPTIONS,
  examples: [
    { command: 'klp-verify check examples/*/*.plan.yaml', what: 'check every bundled example' },
    {
      command: 'klp-verify check release.plan.yaml --format json | jq ".steps[].reasons"',
      what: 'the reasons as data, for scripts',
    },
  ],
});
