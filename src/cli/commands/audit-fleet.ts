/**
 * `klp-verify audit fleet SNAPSHOTS... --catalog C [--rollout P[,Q]]`: groups host snapshots by
 * configuration, checks each against the catalog and the rules, and says per group what a
 * rollout would do (src/query/fleet/, src/report/fleet.ts).
 */
import { kernelRules } from '../../eval/index.ts';
import { type HostSnapshot, readSnapshots } from '../../ingest/snapshot.ts';
import { FleetAudit } from '../../query/fleet/audit.ts';
import { fleetHostLine, fleetJson, fleetText, groupIds } from '../../report/fleet.ts';
import { stringify } from '../../report/json.ts';
import { type Diagnostic, diagnosticJson, renderDiagnostic } from '../../source/diagnostic.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import {
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
  patchList,
  requirePatch,
} from './common.ts';

/** Malformed lines printed in full; the rest are counted. */
export const MAX_PRINTED_DIAGNOSTICS = 100;

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  {
    name: 'rollout',
    kind: 'value',
    metavar: 'P[,Q...]',
    description: 'what if `insmod P` (then `insmod Q`, each waited for) ran on every host now?',
  },
  {
    name: 'format',
    short: 'f',
    kind: 'value',
    metavar: 'FORMAT',
    choices: ['text', 'json', 'ndjson'],
    default: 'text',
    description: 'text for people, json for one document, ndjson for one line per host',
  },
];

const HELP: HelpSpec = {
  usage: 'klp-verify audit fleet SNAPSHOTS... --catalog FILE [--rollout P[,Q]] [options]',
  summary: 'Groups host snapshots by configuration; what-if rollouts, grouped by cause.',
  description: [
    'SNAPSHOTS are NDJSON files of `scripts/klp-snapshot.sh` lines (gzip too; a line may carry',
    '"count" and "sampleHosts" for hosts aggregated by a GROUP BY), or folders of raw captures',
    '(HOST/livepatch.txt from `grep -rH . /sys/kernel/livepatch`, HOST/modules.txt from `lsmod`).',
    'Hosts are grouped by configuration and each configuration is decided once: could the rules',
    'and the catalog have produced it (findings otherwise), and with --rollout, is `insmod P`',
    'admitted (and what klp_patches becomes) or refused (errno, rule, state, holder, and the',
    'fewest operations that would admit it). Without `stack_order` (kernels before 6.14) every',
    'order the facts allow is tried; the verdict is `unknown` when the order changes it.',
    'A malformed line is reported with its line number; the rest of the fleet is still audited.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify audit fleet examples/fleet/fleet.ndjson --catalog examples/vendor-stream/stream.catalog.yaml --rollout klp_6_8_0_45_r4',
      what: 'which hosts refuse the next cumulative release, and why, largest group first?',
    },
    {
      command: 'klp-verify audit fleet snapshots/*.ndjson.gz --catalog C --format ndjson',
      what: 'is every host consistent with the catalog? one JSON line per host',
    },
    {
      command:
        'klp-verify audit fleet captures/ --catalog C --rollout hotfix --rules block-disable',
      what: 'raw captures of a few hosts, under the block-disable proposal',
    },
  ],
  exitCodes: [
    {
      code: EXIT.ok,
      meaning: 'every host admits the rollout (or is consistent, without --rollout)',
    },
    { code: EXIT.findings, meaning: 'some host refuses the rollout or is inconsistent' },
    {
      code: EXIT.badInput,
      meaning: 'bad arguments or catalog, or malformed snapshot lines (the rest is still audited)',
    },
    { code: EXIT.unknown, meaning: 'some answer is unknown (order, search limits), none refused' },
  ],
};

/** Prints diagnostics grouped by file, the first {@link MAX_PRINTED_DIAGNOSTICS} of them. */
export function reportLineDiagnostics(
  io: Io,
  diags: readonly Diagnostic[],
  total: number,
  format: string,
): void {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const list = byFile.get(d.source.file) ?? [];
    list.push(d);
    byFile.set(d.source.file, list);
  }
  // In line order (printDiagnostics sorts by offset, and every line of a stream starts at 0).
  for (const [file, list] of byFile) {
    if (format === 'json') {
      io.err(stringify({ file, diagnostics: list.map(diagnosticJson) }));
      continue;
    }
    io.err(list.map(renderDiagnostic).join('\n\n'));
    io.err(`${file}: ${list.length} error${list.length === 1 ? '' : 's'}`);
  }
  if (total > diags.length) {
    io.err(`klp-verify: ${total - diags.length} more malformed lines not shown`);
  }
}

export async function auditFleet(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(args, OPTIONS);
  if (parsed.flags.has('help')) {
    io.out(renderHelp(HELP));
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError('missing snapshot files', `usage: ${HELP.usage}`);
  }
  const format = parsed.values.get('format') ?? 'text';
  const cat = loadCatalogOption(parsed, io, format === 'ndjson' ? 'json' : format, HELP.usage);
  if (cat === null) return EXIT.badInput;
  const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
  if (ruleSet === null) return EXIT.badInput;
  const rollout = patchList(parsed.values.get('rollout'));
  for (const p of rollout) requirePatch(cat, p, '--rollout');
  // The shipped kernel rule sets (a name, not a file) are monotone: see DecideOptions.monotone.
  const rulesArg = parsed.values.get('rules') ?? 'upstream';
  const shipped = !rulesArg.includes('/') && !rulesArg.endsWith('.klp');
  const audit = new FleetAudit({
    catalog: cat,
    rules: kernelRules(ruleSet),
    rollout,
    monotone: shipped,
  });
  const diags: Diagnostic[] = [];
  let malformed = 0;
  const started = performance.now();
  let lines = 0;
  const tick = (): void => {
    lines++;
    if (lines % 50_000 !== 0) return;
    const rate = Math.round(lines / ((performance.now() - started) / 1000));
    io.progress(
      `hosts read ${audit.hosts.toLocaleString('en-US')}, configurations found ${audit.configurationCount}, ${rate.toLocaleString('en-US')} lines/s`,
    );
  };
  await readSnapshots(parsed.positionals, {
    host: (s) => {
      audit.add(s);
      tick();
    },
    diagnostic: (d) => {
      malformed++;
      if (diags.length < MAX_PRINTED_DIAGNOSTICS) diags.push(d);
      tick();
    },
  });
  const result = audit.finish((done, total) =>
    io.progress(`configurations decided ${done} of ${total}`),
  );
  io.progress('');
  reportLineDiagnostics(io, diags, malformed, format === 'ndjson' ? 'json' : format);
  switch (format) {
    case 'json':
      io.out(stringify(fleetJson(result, malformed)));
      break;
    case 'ndjson': {
      // Second pass: one line per host without keeping host names in memory.
      const ids = groupIds(result);
      await readSnapshots(parsed.positionals, {
        host: (s: HostSnapshot) => io.out(fleetHostLine(s, audit.resultOf(s), ids)),
        diagnostic: () => {},
      });
      break;
    }
    default:
      io.out(fleetText(result, io.columns));
  }
  if (malformed > 0) return EXIT.badInput;
  const v = result.byVerdict;
  if (v.refused > 0 || v.inconsistent > 0) return EXIT.findings;
  if (v.unknown > 0) return EXIT.unknown;
  return EXIT.ok;
}
