/**
 * `klp-verify simulate PLAN...` and `klp-verify check PLAN...`: run plans on the kernel
 * simulator; simulate prints the transcript, check explains every step and every rejection.
 */

import { basename, join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { type PlanRun, runPlan } from '../../analysis/run-plan.ts';
import { certificateFiles, provePlan, type StepProofResult } from '../../analysis/step-proof.ts';
import { loadPlanFile, type Plan } from '../../ingest/index.ts';
import { Reporter } from '../../ingest/reporter.ts';
import type { StepOutcome } from '../../kernel/simulator.ts';
import { stringify } from '../../report/json.ts';
import { planCheckText, planJson, planTranscript } from '../../report/plan.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { type HelpSpec, type OptionSpec, type Parsed, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import {
  type Command,
  certificateDir,
  FORMAT_OPTION,
  printDiagnostics,
  REPLACE_CERTIFICATE_OPTION,
  RULES_OPTION,
  timeoutMs,
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

const OPTIONS = [RULES_OPTION, TRANSITIONS_OPTION, FORMAT_OPTION];

const CHECK_OPTIONS: readonly OptionSpec[] = [
  ...OPTIONS,
  {
    name: 'timeout',
    short: 't',
    kind: 'value',
    metavar: 'SECONDS',
    default: '10',
    description: 'limit for each solver query; a step whose proof runs out is reported unknown',
  },
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write every solver query as a standalone SMT-LIB 2 file, its expected answer in a comment, to DIR/<plan>/',
  },
  REPLACE_CERTIFICATE_OPTION,
];

const EXIT_CODES = [
  { code: EXIT.ok, meaning: 'every step of every plan did what it expects' },
  {
    code: EXIT.findings,
    meaning: 'some step did not (e.g. an insmod the plan expects to succeed was rejected)',
  },
  {
    code: EXIT.badInput,
    meaning: 'bad input: a plan, catalog or rule set is invalid, or bad arguments',
  },
];

function planCommand(kind: 'simulate' | 'check', help: HelpSpec): Command {
  return {
    name: kind,
    summary: help.summary,
    help: () => renderHelp(help),
    run: async (args, io) => {
      const parsed = parseArgs(args, kind === 'check' ? CHECK_OPTIONS : OPTIONS);
      if (parsed.flags.has('help')) {
        io.out(renderHelp(help));
        return EXIT.ok;
      }
      if (parsed.positionals.length === 0)
        throw new UsageError('missing PLAN', `usage: ${help.usage}`);
      const format = parsed.values.get('format') ?? 'text';
      let status: number = EXIT.ok;
      const texts: string[] = [];
      const timeout = timeoutMs(parsed, 10_000);
      const settings: Settings = {
        rules: parsed.values.get('rules'),
        transitions: parsed.values.get('transitions'),
        format,
        timeoutMs: timeout,
        certificate: kind === 'check' ? certificateFolders(parsed) : null,
      };
      for (const file of parsed.positionals) {
        const one = await runOne(kind, file, settings, io);
        status = Math.max(status, one.status);
        if (one.text !== null) texts.push(one.text);
      }
      if (texts.length > 0) io.out(texts.join(format === 'json' ? '\n' : '\n\n'));
      return status;
    },
  };
}

interface Settings {
  readonly rules: string | undefined;
  readonly transitions: string | undefined;
  readonly format: string;
  readonly timeoutMs: number;
  readonly certificate: string | null;
}

async function runOne(
  kind: 'simulate' | 'check',
  file: string,
  settings: Settings,
  io: Io,
): Promise<{ status: number; text: string | null }> {
  const { format } = settings;
  const rulesOverride = settings.rules;
  const transitionsOverride = settings.transitions;
  const loaded = loadPlanFile(file);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  const plan = loaded.value;
  const resolved =
    plan === null
      ? null
      : resolveRules(
          rulesOverride ?? plan.rules.value,
          rulesOverride === undefined ? { source: plan.source, span: plan.rules.span } : null,
        );
  if (resolved !== null && resolved.kind === 'error') diags.push(...resolved.diagnostics);
  if (resolved !== null && resolved.kind === 'ok') diags.push(...resolved.diagnostics);
  if (plan === null || resolved === null || resolved.kind === 'error' || hasErrors(diags)) {
    printDiagnostics(io, diags, format, file);
    return { status: EXIT.badInput, text: null };
  }
  printDiagnostics(io, diags, format, file); // warnings only
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
  const meta = { file, rules: resolved.rules.name, transitions };
  // The initial stack first: a plan that cannot start is bad input, reported where it is written.
  const run = runPlan(input, resolved.rules);
  if (run.kind === 'setup-failed') {
    printDiagnostics(io, [setupDiagnostic(plan, run.failed)], format, file);
    return { status: EXIT.badInput, text: null };
  }
  if (kind === 'simulate') {
    const status = planStatus(run, []);
    if (format === 'json') return { status, text: stringify(planJson(meta, run, null)) };
    return { status, text: planTranscript(meta, run) };
  }
  io.progress(`${file}: proving ${plan.steps.length} steps with the solver`);
  // provePlan runs the plan on the simulator and proves each step's verdict; it throws
  // (internal error, exit 4) if the solver and the evaluator ever disagree.
  const proved = await provePlan(resolved.ruleSet, input, {
    timeoutMs: settings.timeoutMs,
  });
  const proofs = proved.steps;
  io.progress('');
  if (settings.certificate !== null) writeCertificate(settings.certificate, file, proofs);
  const status = planStatus(proved.run, proofs);
  if (format === 'json') {
    const json = { ...planJson(meta, proved.run, proofs), certificate: settings.certificate };
    return { status, text: stringify(json) };
  }
  return { status, text: planCheckText(meta, proved.run, proofs, io.columns) };
}

/** KV0133 at the `initial` entry whose load failed, with the kernel's answer. */
function setupDiagnostic(
  plan: Plan,
  failed: { readonly name: string; readonly index: number; readonly outcome: StepOutcome },
): Diagnostic {
  const r = new Reporter(plan.source);
  const at = plan.initial[failed.index]?.span ?? { start: 0, end: 0 };
  const reasons =
    failed.outcome.verdict !== null && !failed.outcome.verdict.ok
      ? failed.outcome.verdict.violations.map((v) => v.message)
      : [];
  r.error(
    'KV0133',
    at,
    `initial patch \`${failed.name}\` cannot be loaded: ${failed.outcome.result}${reasons.length > 0 ? ` (${reasons[0]})` : ''}`,
    {
      help: 'the `initial` stack is loaded bottom to top and every load must succeed; reorder or remove patches',
    },
  );
  const [d] = r.diagnostics;
  if (d === undefined) throw new Error('internal: no diagnostic reported');
  return d;
}

/** Findings first, then unknown proofs; a plan whose initial stack fails is bad input. */
function planStatus(run: PlanRun, proofs: readonly StepProofResult[]): number {
  if (run.kind === 'setup-failed') return EXIT.badInput;
  if (!run.ok) return EXIT.findings;
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

export const simulateCommand = planCommand('simulate', {
  usage:
    'klp-verify simulate PLAN... [--rules NAME|FILE] [--transitions auto|manual] [--format text|json]',
  summary:
    'Run a plan on the kernel simulator and print the transcript, as dmesg and the shell would show it.',
  description: [
    'A plan lists operations (insmod, disable, enable, force, complete, rmmod) on the patches of a',
    'catalog. The simulator reproduces kernel/livepatch (core.c, transition.c, state.c) exactly:',
    'klp_patches order, one transition at a time, reversal, atomic replace, module references and',
    "forced modules, and the errno of every operation in the kernel's own order of checks.",
    'Kernel lines start with `livepatch: `, including the pr_debug ones; command lines with `% `.',
    'With --format json, prints one object per plan: {rules, ok, steps, final, log}.',
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
  exitCodes: EXIT_CODES,
});

export const checkCommand = planCommand('check', {
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
  ].join('\n'),
  options: CHECK_OPTIONS,
  examples: [
    { command: 'klp-verify check examples/*/*.plan.yaml', what: 'check every bundled example' },
    {
      command: 'klp-verify check release.plan.yaml --format json | jq ".steps[].reasons"',
      what: 'the reasons as data, for scripts',
    },
  ],
  exitCodes: EXIT_CODES,
});
