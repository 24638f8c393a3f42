/**
 * `klp-verify audit catalog C`: the whole catalog in one run (src/query/audit/audit.ts): every
 * patch's verdict, the upgrade matrix, conflicts, policies, and findings grouped by cause; as
 * text, JSON, SARIF 2.1.0 or one self-contained HTML file.
 */
import { writeFileSync } from 'node:fs';
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
import { type HelpSpec, type OptionSpec, type Parsed, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import {
  type Command,
  KERNEL_RULES_OPTION,
  loadRulesOption,
  patchList,
  printDiagnostics,
  timeoutMs,
  timeoutOption,
} from './common.ts';

/** Output formats of the audit commands. */
export const AUDIT_FORMAT_OPTION: OptionSpec = {
  name: 'format',
  short: 'f',
  kind: 'value',
  metavar: 'FORMAT',
  choices: ['text', 'json', 'sarif', 'html'],
  default: 'text',
  description:
    'text for people, json for scripts, sarif for code-scanning tools, html for one self-contained report file',
};

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
  {
    name: 'policy',
    short: 'p',
    kind: 'value',
    metavar: 'NAME|FILE,...',
    description:
      'rule files whose policies are evaluated over the catalog (default: release-stream when the catalog is a release stream; `none` for none)',
  },
  DEPLOYED_OPTION,
  timeoutOption(
    DEFAULT_AUDIT_TIMEOUT_MS,
    'the time limit of the whole audit; undecided parts are reported as such',
  ),
  AUDIT_FORMAT_OPTION,
  OUTPUT_OPTION,
];

const HELP: HelpSpec = {
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
  exitCodes: [
    { code: EXIT.ok, meaning: 'no error findings, everything decided' },
    {
      code: EXIT.findings,
      meaning: 'error findings: a patch can be refused or is dead, a policy is violated',
    },
    {
      code: EXIT.badInput,
      meaning: 'bad input: catalog, rule or policy files, deployed stacks, arguments',
    },
    {
      code: EXIT.unknown,
      meaning: 'no error findings, but some parts were not decided in time (the report says which)',
    },
  ],
};

/**
 * Reads the catalog, the rule set and the policy files; null after printing diagnostics.
 *
 * @example
 * readAuditInputs('stream.catalog.yaml', parsed, io, 'text')?.policies.map((p) => p.name) // ['release-stream']
 */
export function readAuditInputs(
  file: string,
  parsed: Parsed,
  io: Io,
  format: string,
): { catalog: SourcedCatalog; ruleSet: CheckedRuleSet; policies: CheckedRuleSet[] } | null {
  const diagFormat = format === 'json' ? 'json' : 'text';
  const loaded = loadCatalogFile(file);
  printDiagnostics(io, loaded.diagnostics, diagFormat, file);
  if (loaded.value === null) return null;
  const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, diagFormat);
  if (ruleSet === null) return null;
  const policyText = parsed.values.get('policy');
  const policyNames =
    policyText === undefined
      ? isReleaseStream(loaded.value)
        ? ['release-stream']
        : []
      : policyText.trim() === 'none'
        ? []
        : patchList(policyText);
  const policies: CheckedRuleSet[] = [];
  for (const name of policyNames) {
    const rs = loadRulesOption(name, io, diagFormat);
    if (rs === null) return null;
    policies.push(rs);
  }
  return { catalog: loaded.value, ruleSet, policies };
}

/**
 * Writes the report to `--output FILE` or stdout.
 *
 * @example
 * emit(parsed, io, auditHtml(result, file)) // to the --output file when given
 */
export function emit(parsed: Parsed, io: Io, text: string): void {
  const file = parsed.values.get('output');
  if (file === undefined) io.out(text);
  else writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The `audit catalog` subcommand.
 *
 * @example
 * await auditCatalogCommand.run(['examples/vendor-stream/stream.catalog.yaml', '--format', 'json'], io) // 1
 */
export const auditCatalogCommand: Command = {
  name: 'catalog',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [file, extra] = parsed.positionals;
    if (file === undefined)
      throw new UsageError('missing the catalog file', `usage: ${HELP.usage}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const format = parsed.values.get('format') ?? 'text';
    const ms = timeoutMs(parsed, DEFAULT_AUDIT_TIMEOUT_MS);
    const inputs = readAuditInputs(file, parsed, io, format);
    if (inputs === null) return EXIT.badInput;
    const deployedPath = parsed.values.get('deployed');
    const deployedFile =
      deployedPath === undefined ? null : loadDeployedFile(deployedPath, inputs.catalog);
    if (deployedFile !== null && deployedPath !== undefined) {
      printDiagnostics(
        io,
        deployedFile.diagnostics,
        format === 'json' ? 'json' : 'text',
        deployedPath,
      );
      if (deployedFile.value === null) return EXIT.badInput;
    }
    const outcome = await auditCatalog({
      catalog: inputs.catalog,
      ruleSet: inputs.ruleSet,
      policies: inputs.policies,
      deployed: deployedFile?.value?.stacks.map((s) => s.names) ?? null,
      timeoutMs: ms,
      progress: io.progress,
    });
    io.progress('');
    if (outcome.kind === 'stack-error') {
      const df = deployedFile?.value;
      if (df === undefined || df === null) throw new Error('internal: a default stack was refused');
      printDiagnostics(
        io,
        [refusedStack(df, outcome.index, outcome.message)],
        format === 'json' ? 'json' : 'text',
        df.source.file,
      );
      return EXIT.badInput;
    }
    const r = outcome.result;
    switch (format) {
      case 'json':
        emit(parsed, io, stringify(auditJson(r)));
        break;
      case 'sarif':
        emit(parsed, io, stringify(auditSarif(r, file), 2));
        break;
      case 'html':
        emit(parsed, io, auditHtml(r, file));
        break;
      default:
        emit(parsed, io, auditText(r, file, io.columns));
    }
    const v = auditVerdict(r);
    switch (v) {
      case 'clean':
        return EXIT.ok;
      case 'errors':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return assertNever(v, 'audit verdict');
    }
  },
};
