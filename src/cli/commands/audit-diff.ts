/**
 * `klp-verify audit diff OLD NEW`: the CI gate between two versions of a catalog
 * (src/query/audit/diff.ts): what NEW breaks that OLD allowed, each with its witness replayed on
 * the simulator, and what NEW fixes. Exit 1 when anything breaks.
 */
import { loadDeployedFile, refusedStack } from '../../ingest/deployed.ts';
import { assertNever } from '../../model/op.ts';
import { DEFAULT_AUDIT_TIMEOUT_MS } from '../../query/audit/audit.ts';
import { auditDiff } from '../../query/audit/diff.ts';
import { auditDiffJson, auditDiffText, diffVerdict } from '../../report/audit-diff.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import { DEPLOYED_OPTION, emit, OUTPUT_OPTION, readAuditInputs } from './audit-catalog.ts';
import {
  type Command,
  FORMAT_OPTION,
  KERNEL_RULES_OPTION,
  printDiagnostics,
  timeoutMs,
  timeoutOption,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  KERNEL_RULES_OPTION,
  {
    name: 'policy',
    short: 'p',
    kind: 'value',
    metavar: 'NAME|FILE,...',
    description:
      'rule files whose policies are compared (default: release-stream when NEW is a release stream; `none` for none)',
  },
  DEPLOYED_OPTION,
  timeoutOption(
    DEFAULT_AUDIT_TIMEOUT_MS,
    'the time limit of the whole comparison (half for each catalog)',
  ),
  FORMAT_OPTION,
  OUTPUT_OPTION,
];

const HELP: HelpSpec = {
  usage: 'klp-verify audit diff OLD NEW [options]',
  summary: 'A CI gate between two versions of a catalog: what NEW breaks that OLD allowed.',
  description: [
    'Both catalogs are audited as `audit catalog` does, under the same rules, policies and deployed',
    'stacks, and compared. A break is a patch that becomes refutable or dead (or a new patch that',
    'is), an upgrade path that disappears, a new conflict, a newly violated policy; each comes with',
    'its witness replayed on the simulator. Fixes are the same changes the other way.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command: 'klp-verify audit diff released.catalog.yaml candidate.catalog.yaml',
      what: 'gate a release: fails (exit 1) when the candidate breaks anything the release allowed',
    },
    {
      command: 'klp-verify audit diff old.yaml new.yaml --deployed fleet.yaml --format json',
      what: 'compare from the stacks the fleet runs; one JSON document for the pipeline',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'NEW breaks nothing OLD allowed' },
    { code: EXIT.findings, meaning: 'NEW breaks something (listed with witnesses)' },
    {
      code: EXIT.badInput,
      meaning: 'bad input: catalogs, rule or policy files, deployed stacks, arguments',
    },
    { code: EXIT.unknown, meaning: 'no break found, but some questions were not decided in time' },
  ],
};

/**
 * The `audit diff` subcommand.
 *
 * @example
 * await auditDiffCommand.run(['old.catalog.yaml', 'new.catalog.yaml'], io) // 1 when NEW breaks something
 */
export const auditDiffCommand: Command = {
  name: 'diff',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [oldFile, newFile, extra] = parsed.positionals;
    if (oldFile === undefined || newFile === undefined) {
      throw new UsageError('missing the OLD and NEW catalog files', `usage: ${HELP.usage}`);
    }
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const format = parsed.values.get('format') ?? 'text';
    const ms = timeoutMs(parsed, DEFAULT_AUDIT_TIMEOUT_MS);
    const olds = readAuditInputs(oldFile, parsed, io, format);
    const news = readAuditInputs(newFile, parsed, io, format);
    if (olds === null || news === null) return EXIT.badInput;
    const deployedPath = parsed.values.get('deployed');
    const diagFormat = format === 'json' ? 'json' : 'text';
    let stacks: (readonly string[])[] | null = null;
    const files = [] as {
      side: 'old' | 'new';
      file: NonNullable<ReturnType<typeof loadDeployedFile>['value']>;
    }[];
    if (deployedPath !== undefined) {
      for (const [side, cat] of [
        ['old', olds.catalog],
        ['new', news.catalog],
      ] as const) {
        const d = loadDeployedFile(deployedPath, cat);
        printDiagnostics(io, d.diagnostics, diagFormat, deployedPath);
        if (d.value === null) return EXIT.badInput;
        files.push({ side, file: d.value });
        stacks = d.value.stacks.map((s) => s.names);
      }
    }
    const outcome = await auditDiff({
      old: olds.catalog,
      new: news.catalog,
      ruleSet: news.ruleSet,
      policies: news.policies,
      deployed: stacks,
      timeoutMs: ms,
      progress: io.progress,
    });
    io.progress('');
    if (outcome.kind === 'stack-error') {
      const f = files.find((x) => x.side === outcome.side)?.file;
      if (f === undefined) throw new Error('internal: a default stack was refused');
      printDiagnostics(
        io,
        [
          refusedStack(
            f,
            outcome.index,
            `${outcome.side === 'old' ? 'OLD' : 'NEW'}: ${outcome.message}`,
          ),
        ],
        diagFormat,
        f.source.file,
      );
      return EXIT.badInput;
    }
    const r = outcome.result;
    emit(
      parsed,
      io,
      format === 'json'
        ? stringify(auditDiffJson(r))
        : auditDiffText(r, oldFile, newFile, io.columns),
    );
    const v = diffVerdict(r);
    switch (v) {
      case 'ok':
        return EXIT.ok;
      case 'breaks':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return assertNever(v, 'diff verdict');
    }
  },
};
