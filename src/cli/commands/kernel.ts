/**
 * `klp-verify kernel PLAN... --kernel VMLINUX --headers DIR [--compare]`: run plans on a real
 * Linux kernel under QEMU and print what it did, as `simulate` prints the simulator's run;
 * with --compare, every difference from the simulator. The work is in src/vm/; this file
 * reads arguments and files and renders.
 */
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadPlanFile } from '../../ingest/index.ts';
import {
  kernelBootFailedJson,
  kernelJson,
  kernelPlanJson,
  kernelPlanOk,
  kernelPlanText,
  mappingLines,
} from '../../report/kernel.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { checkHost, checkModuleNames, type HostProblem } from '../../vm/environment.ts';
import { type KernelPlanInput, verifyOnKernel } from '../../vm/verify.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, type RunContext, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { RULES_OPTION, TEXT_JSON } from './common.ts';

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
];

const HELP = {
  usage:
    'klp-verify kernel PLAN... --kernel VMLINUX --headers DIR [--compare] [--rules NAME|FILE] [--transitions auto|manual] [--format text|json]',
  summary: 'Run plans on a real Linux kernel in a QEMU VM and compare it with the simulator.',
  description: [
    'For the catalog of each plan, generates one livepatch module per patch (its name, replace',
    'flag and klp_state array; the catalog functions map onto observable /proc show functions,',
    "each replacement printing its patch's name, so whose code runs is compared; said in the output),",
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
  exits: {
    ok: 'every step did what the plan expects (and, with --compare, the kernel and the simulator agree)',
    findings: 'some step did not, or (with --compare) some difference',
    unknown: 'the VM did not finish in time',
  },
};

function reportProblems(ctx: RunContext, problems: readonly HostProblem[]): void {
  for (const p of problems) ctx.problem(p.code, p.message, p.help);
}

export const kernelCommand: CommandSpec = {
  ...HELP,
  name: 'kernel',
  formats: TEXT_JSON,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    if (parsed.positionals.length === 0)
      throw new UsageError('missing PLAN', `usage: ${HELP.usage}`);
    const kernel = parsed.values.get('kernel');
    const headers = parsed.values.get('headers');
    if (kernel === undefined || headers === undefined)
      throw new UsageError(
        `missing \`${kernel === undefined ? '--kernel VMLINUX' : '--headers DIR'}\``,
        "scripts/kernel/setup.sh prints both for Debian 12's Linux 6.1",
      );
    const inputs: KernelPlanInput[] = [];
    let bad = false;
    for (const file of parsed.positionals) {
      const input = readPlan(
        file,
        parsed.values.get('rules'),
        parsed.values.get('transitions'),
        ctx,
      );
      if (input === null) bad = true;
      else inputs.push(input);
    }
    const problems = checkHost(kernel, headers);
    reportProblems(ctx, problems);
    if (bad || problems.length > 0) return badInput;
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
      ctx.problem(
        'KV0705',
        `module \`${v.module}\` does not build against \`${headers}\``,
        first || v.output.slice(0, 300),
      );
      return badInput;
    }
    if (v.kind === 'boot-failed') {
      const message =
        v.reason === 'timeout'
          ? `the kernel \`${kernel}\` did not finish the plans in time`
          : `the kernel \`${kernel}\` ran no plan`;
      const help = `the console's last lines:\n${v.output}`;
      return result(
        EXIT.unknown,
        `unknown: ${message}`,
        () => `unknown: ${message}\n  = ${help}`,
        () => kernelBootFailedJson(v.reason, message, v.output),
      );
    }
    const release = v.release ?? 'unknown';
    let status: 0 | 1 = EXIT.ok;
    const docs: ReturnType<typeof kernelPlanJson>[] = [];
    const texts: string[] = [];
    let differences = 0;
    for (const r of v.results) {
      const meta = {
        file: r.input.file,
        rules: r.input.rulesName,
        transitions: r.input.transitions,
        release,
        steps: r.input.steps,
      };
      differences += r.differences?.length ?? 0;
      if (!kernelPlanOk(meta, r.run) || (r.differences !== null && r.differences.length > 0))
        status = EXIT.findings;
      docs.push(kernelPlanJson(meta, r.run, r.differences));
      texts.push(kernelPlanText(meta, r.run, r.differences));
    }
    const verdict = `${v.results.length} plan${v.results.length === 1 ? '' : 's'} on Linux ${release}: ${
      status === EXIT.ok
        ? compare
          ? 'every step as expected, kernel and simulator agree'
          : 'every step as expected'
        : compare
          ? `${differences} difference${differences === 1 ? '' : 's'} from the simulator or steps not as expected`
          : 'some step not as expected'
    }`;
    return result(
      status,
      verdict,
      () => {
        const notes = mappingLines(v.mappings);
        return [...notes, ...(notes.length > 0 ? [''] : []), texts.join('\n\n')].join('\n');
      },
      () =>
        kernelJson(
          {
            image: kernel,
            release,
            boots: v.boots,
            seconds: v.seconds,
            compiled: v.compiled,
            mappings: v.mappings,
          },
          docs,
        ),
    );
  },
};

function readPlan(
  file: string,
  rulesOverride: string | undefined,
  transitionsOverride: string | undefined,
  ctx: RunContext,
): KernelPlanInput | null {
  const loaded = loadPlanFile(file);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  const plan = loaded.value;
  if (plan === null) {
    ctx.report(diags, file);
    return null;
  }
  const resolved = resolveRules(
    rulesOverride ?? plan.rules.value,
    rulesOverride === undefined ? { source: plan.source, span: plan.rules.span } : null,
  );
  diags.push(...resolved.diagnostics, ...checkModuleNames(plan.catalog));
  ctx.report(diags, file);
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
