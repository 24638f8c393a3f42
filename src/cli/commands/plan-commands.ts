/**
 * `klp-verify simulate PLAN...` and `klp-verify check PLAN...`: run plans on the kernel
 * simulator; simulate prints the transcript, check explains every step and every rejection.
 */

import { resolveRules } from '../../analysis/rulesets.ts';
import { runPlan } from '../../analysis/run-plan.ts';
import { loadPlanFile } from '../../ingest/index.ts';
import { stringify } from '../../report/json.ts';
import { planCheckText, planJson, planTranscript } from '../../report/plan.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import { type Command, FORMAT_OPTION, printDiagnostics, RULES_OPTION } from './common.ts';

const TRANSITIONS_OPTION: OptionSpec = {
  name: 'transitions',
  kind: 'value',
  metavar: 'MODE',
  choices: ['auto', 'manual'],
  description:
    "override the plan's `transitions:`: auto completes every transition at once, manual leaves it pending until `complete` or `force`",
};

const OPTIONS = [RULES_OPTION, TRANSITIONS_OPTION, FORMAT_OPTION];

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
      const parsed = parseArgs(args, OPTIONS);
      if (parsed.flags.has('help')) {
        io.out(renderHelp(help));
        return EXIT.ok;
      }
      if (parsed.positionals.length === 0)
        throw new UsageError('missing PLAN', `usage: ${help.usage}`);
      const format = parsed.values.get('format') ?? 'text';
      let status: number = EXIT.ok;
      const texts: string[] = [];
      for (const file of parsed.positionals) {
        const one = runOne(
          kind,
          file,
          parsed.values.get('rules'),
          parsed.values.get('transitions'),
          format,
          io,
        );
        status = Math.max(status, one.status);
        if (one.text !== null) texts.push(one.text);
      }
      if (texts.length > 0) io.out(texts.join(format === 'json' ? '\n' : '\n\n'));
      return status;
    },
  };
}

function runOne(
  kind: 'simulate' | 'check',
  file: string,
  rulesOverride: string | undefined,
  transitionsOverride: string | undefined,
  format: string,
  io: Io,
): { status: number; text: string | null } {
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
  const run = runPlan(
    {
      catalog: plan.catalog,
      transitions,
      initial: plan.initial.map((i) => i.name),
      steps: plan.steps,
    },
    resolved.rules,
  );
  const meta = { file, rules: resolved.rules.name, transitions };
  const ok = run.kind === 'ran' && run.ok;
  const status = run.kind === 'setup-failed' ? EXIT.badInput : ok ? EXIT.ok : EXIT.findings;
  if (format === 'json') return { status, text: stringify(planJson(meta, run, kind === 'check')) };
  return {
    status,
    text: kind === 'simulate' ? planTranscript(meta, run) : planCheckText(meta, run, io.columns),
  };
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
    'klp-verify check PLAN... [--rules NAME|FILE] [--transitions auto|manual] [--format text|json]',
  summary:
    'Run a plan and explain every step: which rule rejected an insmod, on which state, and the ways out.',
  description: [
    'For each rejection: the rule broken (by name and sentence), the state id, the version installed',
    'and the installed patch that holds it, the version the new patch declares or that it lacks the',
    'state, and the ways out (declare the state with a high enough version, disable a patch first).',
    'Every violation is listed, not only the first. Failures that no rule decides (a transition in',
    "progress, a module still referenced) are explained from the kernel's mechanics.",
  ].join('\n'),
  options: OPTIONS,
  examples: [
    { command: 'klp-verify check examples/*/*.plan.yaml', what: 'check every bundled example' },
    {
      command: 'klp-verify check release.plan.yaml --format json | jq ".steps[].reasons"',
      what: 'the reasons as data, for scripts',
    },
  ],
  exitCodes: EXIT_CODES,
});
