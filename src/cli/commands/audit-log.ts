/**
 * `klp-verify audit log FILE... --catalog C`: replays a host's kernel log on the simulator,
 * boot by boot (src/ingest/kernel-log.ts, src/query/log/replay.ts, src/report/log.ts).
 */
import { kernelRules } from '../../eval/index.ts';
import { readKernelLog } from '../../ingest/kernel-log.ts';
import { LogAudit } from '../../query/log/replay.ts';
import { stringify } from '../../report/json.ts';
import { logJson, logText } from '../../report/log.ts';
import type { Diagnostic } from '../../source/diagnostic.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import { MAX_PRINTED_DIAGNOSTICS, reportLineDiagnostics } from './audit-fleet.ts';
import {
  CATALOG_OPTION,
  FORMAT_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [CATALOG_OPTION, KERNEL_RULES_OPTION, FORMAT_OPTION];

const HELP: HelpSpec = {
  usage: 'klp-verify audit log FILE... --catalog FILE [--rules R] [--format text|json]',
  summary: "Replays a host's kernel log on the simulator: what happened to its livepatches.",
  description: [
    'FILE is `dmesg` output (with or without timestamps, `<6>` levels, `[T123]` caller ids),',
    '`journalctl -k` (short, short-iso, short-monotonic) or `journalctl -k -o json`, gzip too;',
    "rotated parts of one host's log are given oldest first. Boots are split by _BOOT_ID, the",
    "journal's boot separators, `Linux version` lines and timestamps going backwards. Each boot",
    'starts from nothing loaded; each operation the livepatch lines imply (insmod admitted or',
    'refused, disable, reversal, force, completion with the replacements the catalog implies)',
    'is replayed, and every line the model cannot explain is reported with why. Lines that are',
    'not livepatch lines are skipped at any volume.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify audit log examples/fleet/web7.dmesg.txt --catalog examples/vendor-stream/stream.catalog.yaml',
      what: 'what happened on this host, boot by boot',
    },
    {
      command:
        'journalctl -k -o json > kernel.json && klp-verify audit log kernel.json --catalog C --format json',
      what: 'every boot the journal keeps, as data',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'every livepatch line is explained by the catalog and the rules' },
    { code: EXIT.findings, meaning: 'some line is unexplained (the report says why)' },
    {
      code: EXIT.badInput,
      meaning: 'bad arguments or catalog, or malformed lines (the rest is still audited)',
    },
  ],
};

export async function auditLog(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(args, OPTIONS);
  if (parsed.flags.has('help')) {
    io.out(renderHelp(HELP));
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError('missing log files', `usage: ${HELP.usage}`);
  }
  const format = parsed.values.get('format') ?? 'text';
  const cat = loadCatalogOption(parsed, io, format, HELP.usage);
  if (cat === null) return EXIT.badInput;
  const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
  if (ruleSet === null) return EXIT.badInput;
  const audit = new LogAudit({ catalog: cat, rules: kernelRules(ruleSet) });
  const diags: Diagnostic[] = [];
  let malformed = 0;
  let lines = 0;
  const started = performance.now();
  for (const file of parsed.positionals) {
    audit.setFile(file);
    lines += await readKernelLog(file, {
      record: (r) => {
        audit.add(r);
        if (r.line % 1_000_000 === 0) {
          const rate = Math.round((lines + r.line) / ((performance.now() - started) / 1000));
          io.progress(
            `${file}: line ${r.line.toLocaleString('en-US')}, ${rate.toLocaleString('en-US')} lines/s`,
          );
        }
      },
      diagnostic: (d) => {
        malformed++;
        if (diags.length < MAX_PRINTED_DIAGNOSTICS) diags.push(d);
      },
    });
  }
  io.progress('');
  const boots = audit.finish();
  reportLineDiagnostics(io, diags, malformed, format);
  const rules = ruleSet.name;
  io.out(
    format === 'json'
      ? stringify(logJson(boots, rules, parsed.positionals, malformed))
      : logText(boots, rules, io.columns),
  );
  if (malformed > 0) return EXIT.badInput;
  return boots.some((b) => b.unexplained.length > 0) ? EXIT.findings : EXIT.ok;
}
