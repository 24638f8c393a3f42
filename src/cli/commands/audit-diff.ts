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
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  auditOutcome,
  checkOutput,
  DEPLOYED_OPTION,
  OUTPUT_OPTION,
  readAuditInputs,
} from './audit-catalog.ts';
import { KERNEL_RULES_OPTION, policyOption, TEXT_JSON } from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  KERNEL_RULES_OPTION,
  policyOption(
    'rule files whose policies are compared (default: release-stream when NEW is a release stream; `none` for none)',
  ),
  DEPLOYED_OPTION,
  OUTPUT_OPTION,
];

const HELP = {
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
  exits: {
    ok: 'NEW breaks nothing that OLD allowed',
    findings:
      'NEW breaks something: a patch refutable or dead, an upgrade path gone, a new conflict, a newly violated policy',
    unknown: 'nothing broken was found, but some parts were not decided in time',
  },
};

/**
 * The `audit diff` subcommand.
 *
 * @example
 * await auditDiffCommand.run(['old.catalog.yaml', 'new.catalog.yaml'], io) // 1 when NEW breaks something
 */
export const auditDiffCommand: CommandSpec = {
  ...HELP,
  name: 'audit diff',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_AUDIT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [oldFile, newFile, extra] = parsed.positionals;
    if (oldFile === undefined || newFile === undefined) {
      throw new UsageError('missing the OLD and NEW catalog files', `usage: ${HELP.usage}`);
    }
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const ms = ctx.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS;
    checkOutput(ctx);
    const olds = readAuditInputs(oldFile, ctx);
    const news = readAuditInputs(newFile, ctx);
    if (olds === null || news === null) return badInput;
    const deployedPath = parsed.values.get('deployed');
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
        ctx.report(d.diagnostics, deployedPath);
        if (d.value === null) return badInput;
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
      ctx.report(
        [
          refusedStack(
            f,
            outcome.index,
            `${outcome.side === 'old' ? 'OLD' : 'NEW'}: ${outcome.message}`,
          ),
        ],
        f.source.file,
      );
      return badInput;
    }
    const r = outcome.result;
    const v = diffVerdict(r);
    const status =
      v === 'ok'
        ? EXIT.ok
        : v === 'breaks'
          ? EXIT.findings
          : v === 'unknown'
            ? EXIT.unknown
            : assertNever(v, 'diff verdict');
    const text = () => auditDiffText(r, oldFile, newFile, io.columns);
    return auditOutcome(ctx, status, text().split('\n')[0] ?? '', text, () => auditDiffJson(r));
  },
};
