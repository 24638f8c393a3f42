/**
 * `klp-verify audit catalog C`: the whole catalog in one run (src/query/audit/audit.ts): every
 * patch's verdict, the upgrade matrix, conflicts, policies, and findings grouped by cause; as
 * text, JSON, SARIF 2.1.0 or one self-contained HTML file.
 */
import { resolveAnyRules } from '../../analysis/rulesets.ts';
import { loadDeployedFile, refusedStack } from '../../ingest/deployed.ts';
import { loadCatalogFile, type SourcedCatalog } from '../../ingest/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import { assertNever } from '../../model/op.ts';
import { auditCatalog, DEFAULT_AUDIT_TIMEOUT_MS } from '../../query/audit/audit.ts';
import { isReleaseStream } from '../../query/audit/policies.ts';
import { auditJson, auditText, auditVerdict } from '../../report/audit.ts';
import { auditHtml } from '../../report/html.ts';
import { stringify } from '../../report/json.ts';
import { auditSarif } from '../../report/sarif.ts';
import type { OptionSpec } from '../args.ts';
import {
  badInput,
  type CommandSpec,
  type JsonDocument,
  type Outcome,
  type RunContext,
  result,
} from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { checkOutputFile, writeFileAtomic } from '../files.ts';
import {
  KERNEL_RULES_OPTION,
  loadRulesOption,
  patchList,
  policyOption,
  remainingMs,
} from './common.ts';

export const OUTPUT_OPTION: OptionSpec = {
  name: 'output',
  short: 'o',
  kind: 'value',
  metavar: 'FILE',
  description: 'write the report to FILE instead of stdout',
};

export const DEPLOYED_OPTION: OptionSpec = {
  name: 'deployed',
  kind: 'value',
  metavar: 'STACKS',
  description:
    'YAML/JSON list of installed stacks, each bottom to top, to start from (default: the empty system only)',
};

const OPTIONS: readonly OptionSpec[] = [
  KERNEL_RULES_OPTION,
  policyOption(
    'rule files whose policies are evaluated over the catalog (repeatable; default: release-stream when the catalog is a release stream; `none` for none)',
  ),
  DEPLOYED_OPTION,
  OUTPUT_OPTION,
];

const HELP = {
  usage: 'klp-verify audit catalog CATALOG [options]',
  summary:
    'Audit a whole catalog: every patch loadable, refuted or dead; the upgrade matrix; conflicts; policies.',
  description: [
    'Every question is asked over every configuration reachable from the deployed stacks (default:',
    'the empty system), with every transition completing at once:',
    '  patches    loadable (proved: `insmod` is never refused), refuted (the shortest counterexample,',
    '             replayed on the simulator, over a minimal set of patches), dead (refused everywhere)',
    '  upgrades   from each deployed stack (default: each patch alone) to each patch alone: the fewest',
    '             operations, or unreachable with the proved reason',
    '  conflicts  minimal sets of patches that load in no order',
    '  policies   the `policy` rules of the policy files, evaluated over the catalog',
    'The findings group these by cause, with a severity and the catalog line to fix.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command: 'klp-verify audit catalog examples/vendor-stream/stream.catalog.yaml',
      what: 'audit a vendor stream under the upstream rules and the release-stream policies',
    },
    {
      command:
        'klp-verify audit catalog stream.yaml --deployed fleet.yaml --format html --output audit.html',
      what: 'start from the stacks a fleet runs; write one self-contained HTML report',
    },
    {
      command: 'klp-verify audit catalog stream.yaml --format sarif --output audit.sarif',
      what: 'findings for GitHub code scanning or any SARIF 2.1.0 viewer',
    },
  ],
  exits: {
    ok: 'no error findings, everything decided',
    findings: 'error findings: a patch can be refused or is dead, a policy is violated',
    unknown: 'no error findings, but some parts were not decided in time (the report says which)',
  },
};

/**
 * Reads the catalog, the rule set and the policy files (each reported); null on bad input.
 *
 * @example
 * (await readAuditInputs('stream.catalog.yaml', ctx))?.policies.map((p) => p.name) // ['release-stream']
 */
export function readAuditInputs(
  file: string,
  ctx: RunContext,
): { catalog: SourcedCatalog; ruleSet: CheckedRuleSet; policies: CheckedRuleSet[] } | null {
  const loaded = loadCatalogFile(file);
  ctx.report(loaded.diagnostics, file);
  if (loaded.value === null) return null;
  const ruleSet = loadRulesOption(ctx.args.values.get('rules') ?? 'upstream', ctx);
  if (ruleSet === null) return null;
  const given = ctx.args.lists.get('policy') ?? [];
  const policyNames =
    given.length === 0
      ? isReleaseStream(loaded.value)
        ? ['release-stream']
        : []
      : given.some((g) => g.trim() === 'none')
        ? []
        : given.flatMap((g) => patchList(g, '--policy'));
  const policies: CheckedRuleSet[] = [];
  for (const name of policyNames) {
    const rs = resolveAnyRules(name, null);
    ctx.report(rs.diagnostics, name);
    if (rs.kind !== 'ok') return null;
    policies.push(rs.ruleSet);
  }
  return { catalog: loaded.value, ruleSet, policies };
}

/**
 * `--output FILE`, checked before the audit starts (a usage error when it cannot be written).
 *
 * @example
 * checkOutput(ctx) // throws UsageError for `--output /proc/x`
 */
export function checkOutput(ctx: RunContext): void {
  const file = ctx.args.values.get('output');
  if (file !== undefined) checkOutputFile(file, '--output');
}

/**
 * The outcome of an audit: its report in the chosen format on stdout, or written to
 * `--output FILE` (atomically; checked by {@link checkOutput} before the work) with one line on
 * stdout saying where.
 */
export function auditOutcome(
  ctx: RunContext,
  status: 0 | 1 | 2 | 3,
  verdict: string,
  render: () => string,
  json: () => JsonDocument,
): Outcome {
  const file = ctx.args.values.get('output');
  if (file === undefined) return result(status, verdict, render, json);
  const text = ctx.format === 'json' ? stringify(json()) : render();
  writeFileAtomic(file, text.endsWith('\n') ? text : `${text}\n`, '--output');
  const line = `${verdict}; report written to ${file}`;
  return result(
    status,
    line,
    () => line,
    () => ({ output: file, verdict }),
  );
}

export const auditCatalogCommand: CommandSpec = {
  ...HELP,
  name: 'audit catalog',
  formats: ['text', 'json', 'sarif', 'html'],
  timeoutSeconds: DEFAULT_AUDIT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [file, extra] = parsed.positionals;
    if (file === undefined)
      throw new UsageError('missing the catalog file', `usage: ${HELP.usage}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const ms = ctx.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS;
    checkOutput(ctx);
    const inputs = readAuditInputs(file, ctx);
    if (inputs === null) return badInput;
    const deployedPath = parsed.values.get('deployed');
    const deployedFile =
      deployedPath === undefined ? null : loadDeployedFile(deployedPath, inputs.catalog);
    if (deployedFile !== null && deployedPath !== undefined) {
      ctx.report(deployedFile.diagnostics, deployedPath);
      if (deployedFile.value === null) return badInput;
    }
    const outcome = await auditCatalog({
      catalog: inputs.catalog,
      ruleSet: inputs.ruleSet,
      policies: inputs.policies,
      deployed: deployedFile?.value?.stacks.map((s) => s.names) ?? null,
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    });
    io.progress('');
    if (outcome.kind === 'stack-error') {
      const df = deployedFile?.value;
      if (df === undefined || df === null) throw new Error('internal: a default stack was refused');
      ctx.report([refusedStack(df, outcome.index, outcome.message)], df.source.file);
      return badInput;
    }
    const r = outcome.result;
    const v = auditVerdict(r);
    const status =
      v === 'clean'
        ? EXIT.ok
        : v === 'errors'
          ? EXIT.findings
          : v === 'unknown'
            ? EXIT.unknown
            : assertNever(v, 'audit verdict');
    const text = () => {
      switch (ctx.format) {
        case 'sarif':
          return stringify(auditSarif(r, file), 2);
        case 'html':
          return auditHtml(r, file);
        default:
          return auditText(r, file, io.columns);
      }
    };
    const first = auditText(r, file, io.columns).split('\n')[0] ?? '';
    return auditOutcome(ctx, status, first, text, () => auditJson(r));
  },
};
