/**
 * `klp-verify audit log FILE... --catalog C`: replays a host's kernel log on the simulator,
 * boot by boot (src/ingest/kernel-log.ts, src/query/log/replay.ts, src/report/log.ts).
 */
import { kernelRules } from '../../eval/index.ts';
import { readKernelLog } from '../../ingest/kernel-log.ts';
import { LogAudit } from '../../query/log/replay.ts';
import { logJson, logText } from '../../report/log.ts';
import type { Diagnostic } from '../../source/diagnostic.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { MAX_PRINTED_DIAGNOSTICS, reportLineDiagnostics } from './audit-fleet.ts';
import { CATALOG_OPTION, KERNEL_RULES_OPTION, loadCatalogQuestion, TEXT_JSON } from './common.ts';

const OPTIONS: readonly OptionSpec[] = [CATALOG_OPTION, KERNEL_RULES_OPTION];

const HELP = {
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
  exits: {
    ok: 'every livepatch line is explained by the catalog and the rules',
    findings: 'some line is unexplained (the report says why)',
  },
};

export const auditLogCommand: CommandSpec = {
  ...HELP,
  name: 'audit log',
  formats: TEXT_JSON,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    if (parsed.positionals.length === 0) {
      throw new UsageError('missing log files', `usage: ${HELP.usage}`);
    }
    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const audit = new LogAudit({ catalog: q.catalog, rules: kernelRules(q.ruleSet) });
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
    reportLineDiagnostics(ctx, diags, malformed);
    const rules = q.ruleSet.name;
    const unexplained = boots.reduce((n, b) => n + b.unexplained.length, 0);
    const status = malformed > 0 ? EXIT.badInput : unexplained > 0 ? EXIT.findings : EXIT.ok;
    const verdict = `${boots.length} boot${boots.length === 1 ? '' : 's'}: ${unexplained === 0 ? 'every livepatch line explained' : `${unexplained} unexplained line${unexplained === 1 ? '' : 's'}`}${malformed > 0 ? `; ${malformed} malformed lines` : ''}`;
    return result(
      status,
      verdict,
      () => logText(boots, rules, io.columns),
      () => logJson(boots, rules, parsed.positionals, malformed),
    );
  },
};
