/**
 * Renderers of `audit log` results (src/query/log/replay.ts): per boot, the reconstructed
 * operations, the final klp_patches with the pending transition, and every line the model
 * cannot explain with why; as text or one JSON document (`schemaVersion` 1).
 */
import type { BootResult, LogEvent } from '../query/log/replay.ts';
import { violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { logDocument } from './schema/log.ts';
import { wrap } from './wrap.ts';

export const LOG_SCHEMA_VERSION = SCHEMA_VERSION;

function eventText(e: LogEvent): string {
  const what = e.patch === null ? e.op : `${e.op} ${e.patch}`;
  const result =
    e.result === 'ok'
      ? 'ok'
      : e.result === 'failed'
        ? 'failed (the patch gave up enabling)'
        : e.result;
  const extra = [
    e.implied ? '(implied: prints nothing)' : '',
    e.replaced.length > 0 ? `replaces ${e.replaced.map((p) => `\`${p}\``).join(', ')}` : '',
  ]
    .filter((x) => x !== '')
    .join('; ');
  return `${what}  ${result}${extra === '' ? '' : `  ${extra}`}`;
}

function finalText(b: BootResult): string {
  const t = b.final.transition;
  const pending = t === null ? 'no transition pending' : `\`${t.patch}\` still being ${t.target}`;
  return `final: klp_patches [${b.final.klpPatches.join(', ')}], ${pending}`;
}

/**
 * The text report, boot by boot.
 *
 * @example
 * logText(boots, 'upstream', 100).split('\n')[0] // '2 boots, 14 livepatch lines, rules upstream: every line explained'
 */
export function logText(boots: readonly BootResult[], rules: string, width = 100): string {
  const lines = boots.reduce((n, b) => n + b.lines, 0);
  const unexplained = boots.reduce((n, b) => n + b.unexplained.length, 0);
  const out = [
    `${boots.length} boot${boots.length === 1 ? '' : 's'}, ${lines} livepatch line${lines === 1 ? '' : 's'}, rules ${rules}: ${
      unexplained === 0
        ? 'every line explained'
        : `${unexplained} line${unexplained === 1 ? '' : 's'} unexplained`
    }`,
  ];
  for (const [i, b] of boots.entries()) {
    const about = [
      `${b.file}:${b.line}`,
      b.bootId === null ? '' : `boot id ${b.bootId}`,
      b.kernel === null ? '' : `Linux ${b.kernel}`,
    ].filter((x) => x !== '');
    out.push('', `boot ${i + 1} (${about.join(', ')})`);
    const numWidth = Math.max(1, ...b.events.map((e) => String(e.line).length));
    for (const e of b.events) {
      const time = e.time === null ? '' : ` [${e.time}]`;
      out.push(`  line ${String(e.line).padStart(numWidth)}${time}  ${eventText(e)}`);
      for (const v of e.reasons) {
        out.push(...wrap(`rule ${v.rule}: ${v.message}`, width, '      ', '        '));
      }
    }
    out.push(`  ${finalText(b)}`);
    if (b.unexplained.length > 0) out.push('  unexplained:');
    for (const u of b.unexplained) {
      out.push(...wrap(`line ${u.line}: ${u.why}`, width, '    - ', '      '));
      out.push(`      > ${u.text}`);
    }
  }
  return out.join('\n');
}

/** The JSON document of `--format json` (docs/schema/audit-log.schema.json). */
export function logJson(
  boots: readonly BootResult[],
  rules: string,
  files: readonly string[],
  malformed: number,
): JsonOf<typeof logDocument> {
  return {
    schemaVersion: LOG_SCHEMA_VERSION,
    command: 'audit log',
    rules,
    files,
    malformedLines: malformed,
    boots: boots.map((b) => ({
      ...(b.bootId === null ? {} : { bootId: b.bootId }),
      file: b.file,
      line: b.line,
      kernel: b.kernel,
      lines: b.lines,
      events: b.events.map((e) => ({
        file: e.file,
        line: e.line,
        time: e.time,
        op: e.op,
        patch: e.patch,
        result: e.result,
        implied: e.implied,
        replaced: e.replaced,
        reasons: e.reasons.map(violationJson),
      })),
      final: {
        stack: b.final.klpPatches,
        transition:
          b.final.transition === null
            ? null
            : { patch: b.final.transition.patch, target: b.final.transition.target },
        loaded: b.final.loaded,
      },
      unexplained: b.unexplained.map((u) => ({
        file: u.file,
        line: u.line,
        text: u.text,
        why: u.why,
      })),
    })),
  };
}
