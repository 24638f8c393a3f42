/**
 * `klp-verify audit fleet SNAPSHOTS... --catalog C [--rollout P[,Q]]`: groups host snapshots by
 * configuration, checks each against the catalog and the rules, and says per group what a
 * rollout would do (src/query/fleet/, src/report/fleet.ts).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { kernelRules } from '../../eval/index.ts';
import { type HostSnapshot, readSnapshots } from '../../ingest/snapshot.ts';
import { FleetAudit } from '../../query/fleet/audit.ts';
import { fleetHostLine, fleetJson, fleetText, groupIds } from '../../report/fleet.ts';
import { fleetHtml } from '../../report/fleet-html.ts';
import type { Diagnostic } from '../../source/diagnostic.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, type RunContext, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { auditOutcome, OUTPUT_OPTION } from './audit-catalog.ts';
import {
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogQuestion,
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
  OUTPUT_OPTION,
];

const HELP = {
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
    {
      command:
        'klp-verify audit fleet fleet.ndjson --catalog C --rollout r4 --format html --output fleet.html',
      what: 'one self-contained HTML report: groups by cause, findings, configurations',
    },
  ],
  exits: {
    ok: 'every host admits the rollout (or is consistent, without --rollout)',
    findings: 'some host refuses the rollout or is inconsistent',
    unknown: 'some answer is unknown (order, search limits), none refused',
  },
};

/**
 * Reports malformed lines: the first {@link MAX_PRINTED_DIAGNOSTICS} as diagnostics, the rest
 * counted on stderr.
 */
export function reportLineDiagnostics(
  ctx: RunContext,
  diags: readonly Diagnostic[],
  total: number,
): void {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diags) byFile.set(d.source.file, [...(byFile.get(d.source.file) ?? []), d]);
  for (const [file, list] of byFile) ctx.report(list, file);
  if (total > diags.length && ctx.format === 'text') {
    ctx.io.err(`klp-verify: ${total - diags.length} more malformed lines not shown`);
  }
}

export const auditFleetCommand: CommandSpec = {
  ...HELP,
  name: 'audit fleet',
  formats: ['text', 'json', 'ndjson', 'html'],
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    if (parsed.positionals.length === 0) {
      throw new UsageError('missing snapshot files', `usage: ${HELP.usage}`);
    }
    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const cat = q.catalog;
    const rollout = patchList(parsed.values.get('rollout'));
    for (const p of rollout) requirePatch(cat, p, '--rollout');
    // The shipped kernel rule sets (a name, not a file) are monotone: see DecideOptions.monotone.
    const rulesArg = parsed.values.get('rules') ?? 'upstream';
    const shipped = !rulesArg.includes('/') && !rulesArg.endsWith('.klp');
    const audit = new FleetAudit({
      catalog: cat,
      rules: kernelRules(q.ruleSet),
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
    const fleet = audit.finish((done, total) =>
      io.progress(`configurations decided ${done} of ${total}`),
    );
    io.progress('');
    reportLineDiagnostics(ctx, diags, malformed);
    const v = fleet.byVerdict;
    const status =
      malformed > 0
        ? EXIT.badInput
        : v.refused > 0 || v.inconsistent > 0
          ? EXIT.findings
          : v.unknown > 0
            ? EXIT.unknown
            : EXIT.ok;
    const counts = Object.entries(v)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`);
    const verdict = `${audit.hosts} hosts in ${audit.configurationCount} configurations: ${counts.join(', ') || 'none'}${malformed > 0 ? `; ${malformed} malformed lines` : ''}`;
    const hostLines = async (line: (text: string) => void) => {
      // Second pass: one line per host without keeping host names in memory.
      const ids = groupIds(fleet);
      await readSnapshots(parsed.positionals, {
        host: (s: HostSnapshot) => line(fleetHostLine(s, audit.resultOf(s), ids)),
        diagnostic: () => {},
      });
    };
    const output = parsed.values.get('output');
    if (ctx.format === 'ndjson' && output !== undefined) {
      const fd = openSync(output, 'w');
      try {
        await hostLines((text) => writeSync(fd, `${text}\n`));
      } finally {
        closeSync(fd);
      }
      const line = `${verdict}; report written to ${output}`;
      return result(
        status,
        line,
        () => line,
        () => ({ output, verdict }),
      );
    }
    if (ctx.format === 'ndjson') {
      return {
        ...result(
          status,
          verdict,
          () => fleetText(fleet, io.columns),
          () => fleetJson(fleet, malformed),
        ),
        stream: hostLines,
      };
    }
    return auditOutcome(
      ctx,
      status,
      verdict,
      () =>
        ctx.format === 'html'
          ? fleetHtml(fleet, parsed.positionals, malformed)
          : fleetText(fleet, io.columns),
      () => fleetJson(fleet, malformed),
    );
  },
};
