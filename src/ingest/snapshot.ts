/**
 * Host snapshots: what `scripts/klp-snapshot.sh` prints (one JSON object per line per host), the
 * same lines aggregated by a data warehouse (`count`, `sampleHosts`), gzip-compressed files of
 * either, and folders of raw per-host captures (`grep -rH . /sys/kernel/livepatch` and `lsmod`
 * or `/proc/modules` output).
 *
 * Streamed: one line at a time, never a whole file in memory. Every malformed line is a
 * diagnostic with its file and line number (KV05xx) and is skipped; the rest is still read.
 * States never appear in sysfs, so a snapshot says which patches and modules a host has, in
 * the kernel's words; the catalog says what they are.
 */
import { closeSync, createReadStream, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Diagnostic } from '../source/diagnostic.ts';
import { Source } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import { readTextFile } from './fs.ts';
import { LineSource } from './line-source.ts';

/** One patch directory of `/sys/kernel/livepatch`; null where the kernel has no such attribute. */
export interface SysfsPatch {
  /** The directory name: the module name with `-` turned into `_`. */
  readonly name: string;
  /** `enabled` (3.19+). */
  readonly enabled: boolean | null;
  /** `transition` (4.12+). */
  readonly transition: boolean | null;
  /** `replace` (6.11+). */
  readonly replace: boolean | null;
  /** `stack_order` (6.14+): 1-based position on klp_patches, 1 = bottom. */
  readonly stackOrder: number | null;
}

/** Where a snapshot came from, for diagnostics and samples. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** One host, or `count` hosts with the same configuration (aggregated input). */
export interface HostSnapshot {
  /** Host name; for an aggregated line without one, the first sample host or `file:line`. */
  readonly host: string;
  readonly kernel: string | null;
  readonly bootId: string | null;
  readonly livepatch: readonly SysfsPatch[];
  /** Loaded livepatch modules (lsmod). */
  readonly modules: readonly string[];
  /**
   * Loaded livepatch modules off klp_patches whose module reference is still held: forced,
   * never removable. Null when the snapshot does not say.
   */
  readonly forced: readonly string[] | null;
  /**
   * True when `modules` may list modules that are not livepatch modules (a raw `lsmod`
   * capture, which does not show taint flags): the audit keeps those of the catalog or sysfs.
   */
  readonly modulesUnfiltered: boolean;
  /** Hosts this line stands for (1 unless aggregated). */
  readonly count: number;
  readonly sampleHosts: readonly string[];
  readonly origin: Origin;
}

/**
 * Every snapshot diagnostic code with a one-line description (docs/diagnostics.md, KV05xx).
 *
 * @example
 * SNAPSHOT_CODES.KV0501 // 'a snapshot line is not valid JSON'
 */
export const SNAPSHOT_CODES = {
  KV0501: 'a snapshot line is not valid JSON',
  KV0502: 'a snapshot field is missing or has the wrong type',
  KV0503: 'unknown key in a snapshot line',
  KV0504: 'a snapshot file or capture folder cannot be read (missing, corrupt gzip, not utf-8)',
  KV0505: 'a raw sysfs capture line is not `/sys/kernel/livepatch/PATCH/ATTRIBUTE:VALUE`',
  KV0506: 'a raw module list line is neither `lsmod` nor `/proc/modules` output',
  KV0507: 'a snapshot names the same patch twice',
  KV0508: 'a kernel log line of `journalctl -o json` is not a JSON object with `MESSAGE`',
} satisfies Record<string, string>;

export type SnapshotCode = keyof typeof SNAPSHOT_CODES;

/** What a reader hands over, one by one, as it streams. */
export interface SnapshotSink {
  readonly host: (s: HostSnapshot) => void;
  readonly diagnostic: (d: Diagnostic) => void;
}

const KEYS = [
  'host',
  'kernel',
  'bootId',
  'livepatch',
  'modules',
  'forced',
  'count',
  'sampleHosts',
] as const;
const PATCH_KEYS = ['name', 'enabled', 'transition', 'replace', 'stackOrder'] as const;
/** Module names as the kernel accepts them (MODULE_NAME_LEN 56, `-` allowed in files). */
const MODULE_NAME = /^[A-Za-z0-9_-]{1,55}$/;

/** A diagnostic for a whole line or a part of it. */
export function lineDiagnostic(
  code: SnapshotCode,
  source: Source,
  message: string,
  help?: string,
  span = { start: 0, end: Math.max(1, source.text.length) },
): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    source,
    span,
    ...(help === undefined ? {} : { help }),
  };
}

type Parsed =
  | { readonly kind: 'blank' }
  | { readonly kind: 'host'; readonly snapshot: HostSnapshot }
  | { readonly kind: 'error'; readonly diagnostic: Diagnostic };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where `"key"` first appears in the line, to underline it; the whole line otherwise. */
function keySpan(text: string, key: string): { start: number; end: number } {
  const at = text.indexOf(`"${key}"`);
  return at < 0
    ? { start: 0, end: Math.max(1, text.length) }
    : { start: at, end: at + key.length + 2 };
}

/**
 * Parses one NDJSON line of a snapshot file (blank lines are allowed).
 *
 * @example
 * parseSnapshotLine('fleet.ndjson', 1, '{"host":"web1","kernel":"6.1.0","bootId":null,"livepatch":[],"modules":[]}')
 * // { kind: 'host', snapshot: { host: 'web1', count: 1, ... } }
 */
export function parseSnapshotLine(file: string, line: number, text: string): Parsed {
  if (text.trim() === '') return { kind: 'blank' };
  const source = new LineSource(file, line, text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const text0 = e instanceof Error ? e.message : 'malformed';
    // V8 says where: `... in JSON at position 15`; underline from there.
    const at = /at position (\d+)/.exec(text0);
    const why = text0
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/^[A-Z]/, (c) => c.toLowerCase());
    const start = at === null ? 0 : Math.min(Number(at[1]), Math.max(0, text.length - 1));
    return {
      kind: 'error',
      diagnostic: lineDiagnostic(
        'KV0501',
        source,
        `snapshot line is not valid JSON: ${why}`,
        'each line holds one JSON object, as `scripts/klp-snapshot.sh` prints it',
        at === null ? undefined : { start, end: start + 1 },
      ),
    };
  }
  const fail = (code: SnapshotCode, key: string, message: string, help?: string): Parsed => ({
    kind: 'error',
    diagnostic: lineDiagnostic(code, source, message, help, keySpan(text, key)),
  });
  if (!isRecord(value)) {
    return fail('KV0502', '', 'expected a JSON object for a host snapshot');
  }
  for (const key of Object.keys(value)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      return fail(
        'KV0503',
        key,
        `unknown key \`${key}\` in a host snapshot`,
        didYouMean(key, KEYS) ?? `expected one of ${KEYS.map((k) => `\`${k}\``).join(', ')}`,
      );
    }
  }
  const count = value.count ?? 1;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    return fail('KV0502', 'count', '`count` must be a positive integer');
  }
  const samples = value.sampleHosts ?? [];
  if (!Array.isArray(samples) || !samples.every((h) => typeof h === 'string')) {
    return fail('KV0502', 'sampleHosts', '`sampleHosts` must be a list of host names');
  }
  const host = value.host;
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    return fail('KV0502', 'host', '`host` must be a non-empty string');
  }
  if (host === undefined && value.count === undefined) {
    return fail(
      'KV0502',
      '',
      'missing `host`',
      'a line stands for one host (`host`) or for `count` hosts of one configuration',
    );
  }
  const kernel = value.kernel ?? null;
  if (kernel !== null && typeof kernel !== 'string') {
    return fail('KV0502', 'kernel', '`kernel` must be a string (`uname -r`) or null');
  }
  const bootId = value.bootId ?? null;
  if (bootId !== null && typeof bootId !== 'string') {
    return fail('KV0502', 'bootId', '`bootId` must be a string or null');
  }
  const lp = value.livepatch ?? [];
  if (!Array.isArray(lp)) {
    return fail('KV0502', 'livepatch', '`livepatch` must be a list of patch directories');
  }
  const patches: SysfsPatch[] = [];
  for (const [i, entry] of lp.entries()) {
    const where = `\`livepatch[${i}]\``;
    if (!isRecord(entry)) return fail('KV0502', 'livepatch', `${where} must be an object`);
    for (const key of Object.keys(entry)) {
      if (!(PATCH_KEYS as readonly string[]).includes(key)) {
        return fail(
          'KV0503',
          key,
          `unknown key \`${key}\` in ${where}`,
          didYouMean(key, PATCH_KEYS) ??
            `expected one of ${PATCH_KEYS.map((k) => `\`${k}\``).join(', ')}`,
        );
      }
    }
    const name = entry.name;
    if (typeof name !== 'string' || !MODULE_NAME.test(name)) {
      return fail('KV0502', 'name', `${where} needs a \`name\` that is a module name`);
    }
    const flag = (key: 'enabled' | 'transition' | 'replace'): boolean | null | undefined => {
      const v = entry[key] ?? null;
      if (v === null) return null;
      if (v === true || v === 1) return true;
      if (v === false || v === 0) return false;
      return undefined;
    };
    const enabled = flag('enabled');
    const transition = flag('transition');
    const replace = flag('replace');
    for (const [key, v] of [
      ['enabled', enabled],
      ['transition', transition],
      ['replace', replace],
    ] as const) {
      if (v === undefined) {
        return fail('KV0502', key, `\`${key}\` of \`${name}\` must be 0, 1, true, false or null`);
      }
    }
    const stackOrder = entry.stackOrder ?? null;
    if (
      stackOrder !== null &&
      (typeof stackOrder !== 'number' || !Number.isSafeInteger(stackOrder) || stackOrder < 1)
    ) {
      return fail(
        'KV0502',
        'stackOrder',
        `\`stackOrder\` of \`${name}\` must be a positive integer or null`,
      );
    }
    if (patches.some((p) => p.name === name)) {
      return fail('KV0507', 'livepatch', `patch \`${name}\` is listed twice in \`livepatch\``);
    }
    patches.push({
      name,
      enabled: enabled ?? null,
      transition: transition ?? null,
      replace: replace ?? null,
      stackOrder,
    });
  }
  const modules = names(value.modules ?? []);
  if (modules === null) {
    return fail('KV0502', 'modules', '`modules` must be a list of module names');
  }
  const forcedValue = value.forced ?? null;
  const forced = forcedValue === null ? null : names(forcedValue);
  if (forcedValue !== null && forced === null) {
    return fail('KV0502', 'forced', '`forced` must be a list of module names or null');
  }
  const sampleHosts = samples.slice();
  const label = host ?? sampleHosts[0] ?? `${file}:${line}`;
  return {
    kind: 'host',
    snapshot: {
      host: label,
      kernel,
      bootId,
      livepatch: patches,
      modules,
      forced,
      modulesUnfiltered: false,
      count,
      sampleHosts: sampleHosts.length > 0 ? sampleHosts : [label],
      origin: { file, line },
    },
  };
}

function names(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const x of v) {
    if (typeof x !== 'string' || !MODULE_NAME.test(x)) return null;
    // lsmod shows `_`; a module file may say `-`: the kernel's name has `_`.
    const name = x.replaceAll('-', '_');
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `{"host":"NAME",` with a plain host name (nothing JSON would unescape). */
const HOST_FIRST = /^\{"host":"([\w.:@-]+)",/;
/** Distinct line shapes remembered per file (memory: a few hundred bytes each). */
const SEEN_LINES = 10_000;

/** Whether the rest of a line says nothing else about its hosts (so only the name changes). */
function cacheable(rest: string): boolean {
  return !rest.includes('"host"') && !rest.includes('"count"') && !rest.includes('"sampleHosts"');
}

/** Whether a file starts with the gzip magic bytes. */
function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLine` for every line of a text file (gunzipped when it is gzip), in order, without
 * the line break. Streamed with backpressure: one chunk of the file in memory at a time.
 * Lines are slices of that chunk: a caller that keeps one copies it with {@link own}.
 */
export async function eachLine(path: string, onLine: (text: string) => void): Promise<void> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: Readable = isGzip(path) ? raw.pipe(createGunzip()) : raw;
  if (input !== raw) raw.on('error', (e) => input.destroy(e));
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for await (const c of input) {
      const chunk: unknown = c;
      const text = carry + (Buffer.isBuffer(chunk) ? decoder.write(chunk) : String(chunk));
      let start = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
        onLine(text.slice(start, i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i));
        start = i + 1;
      }
      carry = text.slice(start);
    }
    carry += decoder.end();
    if (carry !== '') onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry);
  } finally {
    raw.destroy();
  }
}

/**
 * A copy of a string that shares no memory with the chunk it was sliced from, for strings
 * kept after their line is gone (a slice would keep the whole chunk alive).
 */
export function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** A read failure as a diagnostic on the file (line 1). */
export function fileDiagnostic(path: string, reason: string): Diagnostic {
  return lineDiagnostic(
    'KV0504',
    new Source(path, ''),
    `cannot read \`${path}\`: ${reason}`,
    'give NDJSON files (gzip too) of `scripts/klp-snapshot.sh` lines, or folders of raw captures',
    { start: 0, end: 0 },
  );
}

function errorReason(e: unknown): string {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') {
    if (e.code === 'ENOENT') return 'no such file';
    if (e.code === 'EACCES') return 'permission denied';
    if (e.code.startsWith('Z_')) return `not a valid gzip file (${e.message})`;
    return e.code;
  }
  throw e;
}

/**
 * Streams every host of `paths` (NDJSON files, gzip or not, and raw capture folders) to
 * `sink`, in order; returns the number of lines read.
 *
 * @example
 * await readSnapshots(['fleet.ndjson.gz'], { host: (s) => group(s), diagnostic: (d) => report(d) });
 */
export async function readSnapshots(paths: readonly string[], sink: SnapshotSink): Promise<number> {
  let lines = 0;
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      sink.diagnostic(fileDiagnostic(path, errorReason(e)));
      continue;
    }
    if (isDir) {
      lines += readCaptureFolder(path, sink);
      continue;
    }
    let n = 0;
    // Lines of one fleet differ mostly in the host name: a line equal to an earlier one but
    // for a plain `"host"` is that line's snapshot with another host, without a second parse.
    const seen = new Map<string, HostSnapshot>();
    try {
      await eachLine(path, (text) => {
        n++;
        const m = HOST_FIRST.exec(text);
        const rest = m === null ? null : text.slice(m[0].length);
        const host = m?.[1];
        if (rest !== null && host !== undefined) {
          const hit = seen.get(rest);
          if (hit !== undefined) {
            sink.host({ ...hit, host, sampleHosts: [host], origin: { file: path, line: n } });
            return;
          }
        }
        const parsed = parseSnapshotLine(path, n, own(text));
        if (parsed.kind === 'host') {
          sink.host(parsed.snapshot);
          if (rest !== null && seen.size < SEEN_LINES && cacheable(rest))
            seen.set(own(rest), parsed.snapshot);
        } else if (parsed.kind === 'error') sink.diagnostic(parsed.diagnostic);
      });
    } catch (e) {
      sink.diagnostic(fileDiagnostic(path, `${errorReason(e)} after line ${n}`));
    }
    lines += n;
  }
  return lines;
}

// ---------- raw captures

/** Files of one host's raw capture folder. */
export const CAPTURE_FILES = {
  livepatch: 'livepatch.txt',
  modules: 'modules.txt',
  kernel: 'kernel.txt',
  bootId: 'boot_id.txt',
} as const;

/**
 * A folder of raw captures: either one host's folder (holding `livepatch.txt`), or a folder of
 * such folders, one per host (the folder name is the host name).
 */
function readCaptureFolder(dir: string, sink: SnapshotSink): number {
  const own = join(dir, CAPTURE_FILES.livepatch);
  if (exists(own)) {
    readCapture(dir, baseName(dir), sink);
    return 1;
  }
  let n = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    sink.diagnostic(fileDiagnostic(dir, errorReason(e)));
    return 0;
  }
  for (const name of entries) {
    const sub = join(dir, name);
    if (!isDirectory(sub)) continue;
    if (!exists(join(sub, CAPTURE_FILES.livepatch))) {
      sink.diagnostic(
        fileDiagnostic(
          sub,
          `no \`${CAPTURE_FILES.livepatch}\` (\`grep -rH . /sys/kernel/livepatch\` output)`,
        ),
      );
      continue;
    }
    readCapture(sub, name, sink);
    n++;
  }
  return n;
}

function baseName(dir: string): string {
  return dir.replace(/\/+$/, '').split('/').at(-1) ?? dir;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function optionalText(path: string): string | null {
  if (!exists(path)) return null;
  const t = readTextFile(path);
  return typeof t === 'string' ? t.trim() || null : null;
}

/** One host's raw capture; a malformed line is a diagnostic, the host is still read. */
export function readCapture(dir: string, host: string, sink: SnapshotSink): void {
  const lpPath = join(dir, CAPTURE_FILES.livepatch);
  const lpText = readTextFile(lpPath);
  if (typeof lpText !== 'string') {
    sink.diagnostic(fileDiagnostic(lpPath, lpText.reason));
    return;
  }
  const modPath = join(dir, CAPTURE_FILES.modules);
  const modText = exists(modPath) ? readTextFile(modPath) : '';
  if (typeof modText !== 'string') sink.diagnostic(fileDiagnostic(modPath, modText.reason));
  const parsed = parseCapture(
    { path: lpPath, text: lpText },
    { path: modPath, text: typeof modText === 'string' ? modText : '' },
    sink.diagnostic,
  );
  sink.host({
    host,
    kernel: optionalText(join(dir, CAPTURE_FILES.kernel)),
    bootId: optionalText(join(dir, CAPTURE_FILES.bootId)),
    ...parsed,
    count: 1,
    sampleHosts: [host],
    origin: { file: lpPath, line: 1 },
  });
}

const SYSFS_LINE = /^(?:.*\/)?livepatch\/([^/:]+)\/([^:]+):(.*)$/;

/**
 * The livepatch part of a snapshot from raw text: `grep -rH . /sys/kernel/livepatch` output
 * and `lsmod` (or `/proc/modules`) output.
 *
 * @example
 * parseCapture({ path: 'lp.txt', text: '/sys/kernel/livepatch/a/enabled:1\n' },
 *   { path: 'm.txt', text: 'Module Size Used by\na 16384 1\n' }, report).livepatch
 * // [{ name: 'a', enabled: true, transition: null, replace: null, stackOrder: null }]
 */
export function parseCapture(
  sysfs: { readonly path: string; readonly text: string },
  mods: { readonly path: string; readonly text: string },
  report: (d: Diagnostic) => void,
): Pick<HostSnapshot, 'livepatch' | 'modules' | 'forced' | 'modulesUnfiltered'> {
  const byName = new Map<string, { -readonly [K in keyof SysfsPatch]: SysfsPatch[K] }>();
  for (const [i, line] of sysfs.text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = SYSFS_LINE.exec(line);
    const src = (): LineSource => new LineSource(sysfs.path, i + 1, line);
    if (m === null) {
      report(
        lineDiagnostic(
          'KV0505',
          src(),
          'not a line of `grep -rH . /sys/kernel/livepatch` output',
          'capture with `grep -rH . /sys/kernel/livepatch > livepatch.txt`; do not tar sysfs',
        ),
      );
      continue;
    }
    const [, name = '', attr = '', value = ''] = m;
    const entry = byName.get(name) ?? {
      name,
      enabled: null,
      transition: null,
      replace: null,
      stackOrder: null,
    };
    byName.set(name, entry);
    const bit = value === '1' ? true : value === '0' ? false : undefined;
    switch (attr) {
      case 'enabled':
      case 'transition':
      case 'replace':
        if (bit === undefined) {
          report(
            lineDiagnostic(
              'KV0505',
              src(),
              `\`${attr}\` of \`${name}\` is \`${value}\`, not 0 or 1`,
            ),
          );
        } else entry[attr] = bit;
        break;
      case 'stack_order': {
        const n = Number(value);
        if (!/^[1-9][0-9]*$/.test(value)) {
          report(
            lineDiagnostic(
              'KV0505',
              src(),
              `\`stack_order\` of \`${name}\` is \`${value}\`, not a positive integer`,
            ),
          );
        } else entry.stackOrder = n;
        break;
      }
      default:
        // `<object>/patched`, and attributes of later kernels: not part of the model.
        break;
    }
  }
  const modules: string[] = [];
  const inUse = new Set<string>();
  let unfiltered = false;
  for (const [i, line] of mods.text.split('\n').entries()) {
    const fields = line.trim().split(/\s+/);
    if (line.trim() === '' || (i === 0 && fields[0] === 'Module')) {
      if (fields[0] === 'Module') unfiltered = true;
      continue;
    }
    const [name = '', size = '', used = ''] = fields;
    if (!MODULE_NAME.test(name) || !/^\d+$/.test(size) || !/^-?\d+$/.test(used)) {
      report(
        lineDiagnostic(
          'KV0506',
          new LineSource(mods.path, i + 1, line),
          'not a line of `lsmod` or `/proc/modules` output',
          'capture with `lsmod > modules.txt` or `cat /proc/modules > modules.txt`',
        ),
      );
      continue;
    }
    // /proc/modules: name size refcnt deps state address (taints); K marks a livepatch module.
    const taints = fields.length >= 6 ? /^\(([A-Z]+)\)$/.exec(fields.at(-1) ?? '') : null;
    if (fields.length >= 6 && (taints === null || !(taints[1] ?? '').includes('K'))) {
      if (!unfiltered) continue;
    }
    modules.push(name);
    if (Number(used) > 0) inUse.add(name);
  }
  const livepatch = [...byName.values()];
  const onSysfs = new Set(livepatch.map((p) => p.name));
  for (const p of livepatch) if (!modules.includes(p.name)) modules.push(p.name);
  return {
    livepatch,
    modules,
    forced: modules.filter((m) => inUse.has(m) && !onSysfs.has(m)),
    modulesUnfiltered: unfiltered,
  };
}
