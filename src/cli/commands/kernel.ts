/**
 * `klp-verify kernel PLAN... --kernel VMLINUX --headers DIR [--compare]`: run plans on a real
 * Linux kernel under QEMU and print what it did, as `simulate` prints the simulator's run;
 * with --compare, every difference from the simulator. The work is in src/vm/; this file
 * reads arguments and files and renders.
 */
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadPlanFile } from '../../ingest/index.ts';
import { stringify } from '../../report/json.ts';
import { kernelPlanJson, kernelPlanOk, kernelPlanText, mappingLines } from '../../report/kernel.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { checkHost, checkModuleNames, type HostProblem } from '../../vm/environment.ts';
import { type KernelPlanInput, verifyOnKernel } from '../../vm/verify.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import { type Command, FORMAT_OPTION, printDiagnostics, RULES_OPTION } from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'kernel',
    short: 'k',
    kind: 'value',
    metavar: 'VMLINUX',
    description:
      'the kernel image to boot: an uncompressed vmlinux (fastest under TCG) or a bzImage',
  },
  {
    name: 'headers',
    kind: 'value',
    metavar: 'DIR',
    description:
      'the headers (or build tree) of that kernel, to build the livepatch modules against',
  },
  {
    name: 'compare',
    kind: 'flag',
    description: 'run each plan on the simulator too and print every difference; exit 1 on any',
  },
  RULES_OPTION,
  {
    name: 'transitions',
    kind: 'value',
    metavar: 'MODE',
    choices: ['auto', 'manual'],
    description:
      "override the plan's `transitions:`; manual holds every transition pending until `complete` with a helper module",
  },
  {
    name: 'cache',
    kind: 'value',
    metavar: 'DIR',
    default: '.cache/klp-verify',
    description: 'where built modules (by content) and initramfs images are kept',
  },
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
  usage:
    'klp-verify kernel PLAN... --kernel VMLINUX --headers DIR [--compare] [--rules NAME|FILE] [--transitions auto|manual] [--format text|json]',
  summary: 'Run plans on a real Linux kernel in a QEMU VM and compare it with the simulator.',
  description: [
    'For the catalog of each plan, generates one livepatch module per patch (its name, replace',
    'flag and klp_state array; every module patches cmdline_proc_show, said in the output),',
    'builds them against DIR (cached by content), boots VMLINUX under QEMU (TCG, one CPU) with a',
    'minimal initramfs, and runs the steps as a shell would: kmod insmod/rmmod, echo into sysfs.',
    "It prints the kernel's transcript (its livepatch: lines, taint lines left out) and final",
    'stack; --format json gives the document `simulate --format json` prints. Many plans share one',
    'boot. `transitions: manual` plans keep transitions pending with a helper module (a kernel',
    'thread sleeping in a function every patch also patches) until a `complete` step.',
    '',
    "Prepare Debian 12's kernel with `scripts/kernel/setup.sh --install` (as root); any kernel",
    'you build yourself works too, e.g. one with a proposal applied.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify kernel examples/selftests/*.plan.yaml --kernel .cache/kernel/vmlinux --headers /usr/src/linux-headers-6.1.0-57-amd64 --compare',
      what: "the four scenarios of test-state.sh on Debian 12's Linux 6.1, compared with the simulator",
    },
    {
      command:
        'klp-verify kernel plan.yaml --kernel ~/linux/vmlinux --headers ~/linux --rules block-disable --compare',
      what: "check the simulator's reading of a proposal against your patched kernel",
    },
  ],
  exitCodes: [
    {
      code: EXIT.ok,
      meaning:
        'every step did what the plan expects (and, with --compare, the kernel and the simulator agree)',
    },
    { code: EXIT.findings, meaning: 'some step did not, or (with --compare) some difference' },
    {
      code: EXIT.badInput,
      meaning:
        'bad input: a plan is invalid, the kernel, headers or a host program is missing, a module does not build',
    },
    { code: EXIT.unknown, meaning: 'the VM did not finish in time' },
  ],
};

function renderProblems(io: Io, problems: readonly HostProblem[], format: string): void {
  if (format === 'json') {
    io.err(
      stringify({
        schemaVersion: 1,
        diagnostics: problems.map((p) => ({ ...p, severity: 'error' })),
      }),
    );
    return;
  }
  io.err(problems.map((p) => `error[${p.code}]: ${p.message}\n  = help: ${p.help}`).join('\n\n'));
}

export const kernelCommand: Command = {
  name: 'kernel',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    if (parsed.positionals.length === 0)
      throw new UsageError('missing PLAN', `usage: ${HELP.usage}`);
    const kernel = parsed.values.get('kernel');
    const headers = parsed.values.get('headers');
    if (kernel === undefined || headers === undefined)
      throw new UsageError(
        `missing \`${kernel === undefined ? '--kernel VMLINUX' : '--headers DIR'}\``,
        "scripts/kernel/setup.sh prints both for Debian 12's Linux 6.1",
      );
    const format = parsed.values.get('format') ?? 'text';
    const inputs: KernelPlanInput[] = [];
    let bad = false;
    for (const file of parsed.positionals) {
      const input = readPlan(
        file,
        parsed.values.get('rules'),
        parsed.values.get('transitions'),
        io,
        format,
      );
      if (input === null) bad = true;
      else inputs.push(input);
    }
    const problems = checkHost(kernel, headers);
    if (problems.length > 0) renderProblems(io, problems, format);
    if (bad || problems.length > 0) return EXIT.badInput;
    const compare = parsed.flags.has('compare');
    const v = await verifyOnKernel(
      inputs,
      {
        kernel,
        headers,
        cacheDir: parsed.values.get('cache') ?? '.cache/klp-verify',
        onProgress: io.progress,
      },
      compare,
    );
    io.progress('');
    if (v.kind === 'build-failed') {
      const first = v.output
        .split('\n')
        .filter((l) => /error/i.test(l))
        .slice(0, 3)
        .join('; ');
      renderProblems(
        io,
        [
          {
            code: 'KV0705',
            message: `module \`${v.module}\` does not build against \`${headers}\``,
            help: first || v.output.slice(0, 300),
          },
        ],
        format,
      );
      return EXIT.badInput;
    }
    if (v.kind === 'boot-failed') {
      renderProblems(
        io,
        [
          {
            code: 'KV0706',
            message:
              v.reason === 'timeout'
                ? `the kernel \`${kernel}\` did not finish the plans in time`
                : `the kernel \`${kernel}\` ran no plan`,
            help: `the console's last lines:\n${v.output}`,
          },
        ],
        format,
      );
      return EXIT.unknown;
    }
    const release = v.release ?? 'unknown';
    let status: number = EXIT.ok;
    const docs: Record<string, unknown>[] = [];
    const texts: string[] = [];
    for (const r of v.results) {
      const meta = {
        file: r.input.file,
        rules: r.input.rulesName,
        transitions: r.input.transitions,
        release,
        steps: r.input.steps,
      };
      if (!kernelPlanOk(meta, r.run) || (r.differences !== null && r.differences.length > 0))
        status = EXIT.findings;
      docs.push(kernelPlanJson(meta, r.run, r.differences));
      texts.push(kernelPlanText(meta, r.run, r.differences));
    }
    if (format === 'json') {
      io.out(
        stringify({
          schemaVersion: 1,
          kernel: {
            image: kernel,
            release,
            boots: v.boots,
            seconds: v.seconds,
            modulesCompiled: v.compiled,
          },
          functionMappings: v.mappings,
          plans: docs,
        }),
      );
    } else {
      const notes = mappingLines(v.mappings);
      io.out([...notes, ...(notes.length > 0 ? [''] : []), texts.join('\n\n')].join('\n'));
    }
    return status;
  },
};

function readPlan(
  file: string,
  rulesOverride: string | undefined,
  transitionsOverride: string | undefined,
  io: Io,
  format: string,
): KernelPlanInput | null {
  const loaded = loadPlanFile(file);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  const plan = loaded.value;
  if (plan === null) {
    printDiagnostics(io, diags, format, file);
    return null;
  }
  const resolved = resolveRules(
    rulesOverride ?? plan.rules.value,
    rulesOverride === undefined ? { source: plan.source, span: plan.rules.span } : null,
  );
  diags.push(...resolved.diagnostics, ...checkModuleNames(plan.catalog));
  printDiagnostics(io, diags, format, file);
  if (resolved.kind === 'error' || hasErrors(diags)) return null;
  return {
    file,
    catalog: plan.catalog,
    rules: resolved.rules,
    rulesName: resolved.rules.name,
    transitions:
      transitionsOverride === 'manual' || transitionsOverride === 'auto'
        ? transitionsOverride
        : plan.transitions,
    initial: plan.initial.map((i) => i.name),
    steps: plan.steps,
  };
}
