/**
 * Kernel logs as operators have them: `dmesg` (optionally `<6>` before and `[T123]`/`[C1]`
 * after the timestamp, or no timestamp at all), `journalctl -k` in the `short`, `short-iso`
 * and `short-monotonic` formats (with its `-- Boot ID --` / `-- Reboot --` separators), and
 * `journalctl -k -o json` (`_BOOT_ID`, `__MONOTONIC_TIMESTAMP`, `MESSAGE`). Files may be gzip.
 *
 * Streamed, one line at a time: only `livepatch: ` lines, `Linux version` lines and boot
 * separators are kept; every other line is skipped after a substring test, so a log of any
 * size streams through in constant memory. Boots are split by `_BOOT_ID`, a boot separator, a
 * `Linux version` line, or a timestamp going backwards.
 *
 * Guarantees: records come in file order with their 1-based line numbers; a malformed
 * `journalctl -o json` line that mentions livepatch is a KV0508 diagnostic and is skipped.
 */
import type { Diagnostic } from '../source/diagnostic.ts';
import { LineSource } from './line-source.ts';
import { eachLine, fileDiagnostic, lineDiagnostic, own } from './snapshot.ts';

/** One kept line of a kernel log. */
export type LogRecord =
  | {
      readonly kind: 'message';
      readonly line: number;
      /** The timestamp as the log shows it (`12.345678`, `Dec 02 13:00:01`), if any. */
      readonly time: string | null;
      /** The message from `livepatch: ` or `Linux version ` on. */
      readonly message: string;
      /** The whole line, for reports. */
      readonly text: string;
    }
  /** A new boot starts before the next message. */
  | {
      readonly kind: 'boot';
      readonly line: number;
      readonly bootId: string | null;
      /** Why a new boot is assumed. */
      readonly why: 'boot-id' | 'separator' | 'linux-version' | 'time-backwards';
    };

/** `<6>[   12.345678] [T123] ` in any combination. */
const DMESG_PREFIX = /^(?:<\d+>)?(?:\[\s*(\d+\.\d+)\]\s?)?(?:\[\s*[TC]\d+\]\s?)?/;
/** `Dec 02 13:00:01 host kernel: ` or `2026-12-02T13:00:01+0000 host kernel: `. */
const JOURNAL_SHORT =
  /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT[\d:.,+-]+)\s+\S+ kernel: (.*)$/;
/** `[   12.345678] host kernel: ` (short-monotonic). */
const JOURNAL_MONOTONIC = /^\[\s*(\d+\.\d+)\]\s+\S+ kernel: (.*)$/;
const BOOT_SEPARATOR = /^-- (?:Boot ([0-9a-f]{32}) --|Reboot --)$/;
const BOOT_ID_FIELD = /"_BOOT_ID"\s*:\s*"([0-9a-f]+)"/;

/** Whether a message is one the reader keeps. */
function relevant(message: string): boolean {
  return message.startsWith('livepatch: ') || message.startsWith('Linux version ');
}

/**
 * Parses one text line of dmesg or journalctl output; null for lines the audit skips.
 *
 * @example
 * parseLogLine("<6>[   12.345678] [T123] livepatch: enabling patch 'klp_r1'")
 * // { time: '12.345678', message: "livepatch: enabling patch 'klp_r1'" }
 */
export function parseLogLine(text: string): { time: string | null; message: string } | null {
  const m = DMESG_PREFIX.exec(text);
  const rest = m === null ? text : text.slice(m[0].length);
  if (relevant(rest)) return { time: m?.[1] ?? null, message: rest };
  const mono = JOURNAL_MONOTONIC.exec(text);
  if (mono !== null && relevant(mono[2] ?? ''))
    return { time: mono[1] ?? null, message: mono[2] ?? '' };
  const short = JOURNAL_SHORT.exec(text);
  if (short !== null) {
    // The message may carry its own `[T123]` caller id (printk caller info in the journal).
    const msg = (short[2] ?? '').replace(/^\[\s*[TC]\d+\]\s?/, '');
    if (relevant(msg)) return { time: short[1] ?? null, message: msg };
  }
  return null;
}

/** Sink of a streamed log. */
export interface LogSink {
  readonly record: (r: LogRecord) => void;
  readonly diagnostic: (d: Diagnostic) => void;
}

/**
 * Streams the kept records of a kernel log file to `sink`; returns the number of lines read.
 * A file does not start a boot by itself: rotated parts of one log can follow each other.
 *
 * @example
 * await readKernelLog('/var/log/kern.log', { record: (r) => audit.add(r), diagnostic: report });
 */
export async function readKernelLog(path: string, sink: LogSink): Promise<number> {
  let n = 0;
  let lastBoot: string | null = null;
  let lastTime = -1;
  try {
    await eachLine(path, (line) => {
      n++;
      let text = line;
      // Cheap tests first: nearly every line of a real log is skipped here.
      const json = text.charCodeAt(0) === 123; // '{'
      if (json) {
        const id = text.includes('_BOOT_ID') ? (BOOT_ID_FIELD.exec(text)?.[1] ?? null) : null;
        if (id !== null && id !== lastBoot) {
          sink.record({ kind: 'boot', line: n, bootId: id, why: 'boot-id' });
          lastBoot = id;
          lastTime = -1;
        }
        // A MESSAGE journald keeps as bytes cannot be searched as text: parse it.
        const bytes = text.includes('"MESSAGE":[');
        if (!bytes && !text.includes('livepatch: ') && !text.includes('Linux version ')) return;
        text = own(line);
        const rec = parseJournalJson(path, n, text);
        if ('diagnostic' in rec) {
          sink.diagnostic(rec.diagnostic);
          return;
        }
        if (!relevant(rec.message)) return;
        const t = rec.time === null ? -1 : Number(rec.time);
        if (t >= 0 && t < lastTime && lastBoot === null) {
          sink.record({ kind: 'boot', line: n, bootId: null, why: 'time-backwards' });
        }
        if (t >= 0) lastTime = t;
        sink.record({ kind: 'message', line: n, time: rec.time, message: rec.message, text });
        return;
      }
      if (text.startsWith('-- ')) {
        const sep = BOOT_SEPARATOR.exec(text);
        if (sep !== null) {
          sink.record({ kind: 'boot', line: n, bootId: sep[1] ?? null, why: 'separator' });
          lastTime = -1;
        }
        return;
      }
      if (!text.includes('livepatch: ') && !text.includes('Linux version ')) return;
      text = own(line);
      const parsed = parseLogLine(text);
      if (parsed === null) return;
      if (parsed.message.startsWith('Linux version ')) {
        sink.record({ kind: 'boot', line: n, bootId: null, why: 'linux-version' });
        lastTime = -1;
      }
      const t = parsed.time !== null && /^\d/.test(parsed.time) ? Number(parsed.time) : -1;
      if (t >= 0 && t < lastTime) {
        sink.record({ kind: 'boot', line: n, bootId: null, why: 'time-backwards' });
      }
      if (t >= 0) lastTime = t;
      sink.record({ kind: 'message', line: n, time: parsed.time, message: parsed.message, text });
    });
  } catch (e) {
    const reason =
      e instanceof Error && 'code' in e && typeof e.code === 'string'
        ? e.code === 'ENOENT'
          ? 'no such file'
          : e.code.startsWith('Z_')
            ? `not a valid gzip file after line ${n}`
            : e.code
        : null;
    if (reason === null) throw e;
    sink.diagnostic(fileDiagnostic(path, reason));
  }
  return n;
}

/** One `journalctl -o json` object: MESSAGE (text or bytes) and the monotonic time. */
function parseJournalJson(
  file: string,
  line: number,
  text: string,
): { time: string | null; message: string } | { diagnostic: Diagnostic } {
  const bad = (why: string) => ({
    diagnostic: lineDiagnostic(
      'KV0508',
      new LineSource(file, line, text),
      `journal line is not a \`journalctl -o json\` record: ${why}`,
      'export with `journalctl -k -o json`, one JSON object per line',
    ),
  });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('not an object');
  const msg: unknown = 'MESSAGE' in v ? v.MESSAGE : undefined;
  let message: string;
  if (typeof msg === 'string') message = msg;
  else if (Array.isArray(msg) && msg.every((b) => typeof b === 'number')) {
    // journald stores non-UTF-8 messages as byte arrays.
    message = Buffer.from(msg).toString('utf8');
  } else return bad('no `MESSAGE`');
  const mono: unknown = '__MONOTONIC_TIMESTAMP' in v ? v.__MONOTONIC_TIMESTAMP : undefined;
  const time =
    typeof mono === 'string' && /^\d+$/.test(mono) ? (Number(mono) / 1e6).toFixed(6) : null;
  return { time, message: message.replace(/\n$/, '') };
}
