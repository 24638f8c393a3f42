/**
 * Reading input files as strict UTF-8 text: the only file system access of the readers.
 *
 * Guarantees: only regular files are read (a FIFO, a device such as `/dev/zero`, a socket or a
 * file under `/proc`, `/sys` or `/dev` is refused before it is opened for reading, so nothing
 * blocks); at most `maxBytes` bytes are read (default 4 MiB, `--max-input-size` raises it);
 * invalid UTF-8 is a failure, never U+FFFD; a leading byte-order mark is dropped and CR and
 * CRLF line ends become LF, so every reader sees one kind of line end.
 * Read failures are returned as a reason in user words, for a diagnostic; anything that is not
 * a file system error is re-thrown.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Why a file could not be read, e.g. `no such file`. */
export interface ReadFailure {
  /** Which kind of failure: a missing or unreadable file, or one the readers refuse. */
  readonly kind: 'unreadable' | 'not-regular' | 'too-large';
  readonly reason: string;
}

/** Limits every reader applies; set once per command from its options. */
export interface ReaderLimits {
  /** Largest input file read, in bytes. */
  readonly maxBytes: number;
  /** Whether a plan may name files outside its own folder. */
  readonly allowOutside: boolean;
  /**
   * When parsing must stop (`Date.now()` milliseconds; the CLI sets `--timeout`'s deadline):
   * parsing YAML manages about 1 MB/s, so a file under the size limit can still take seconds.
   */
  readonly deadline: number;
}

/** 4 MiB: a catalog of about 50,000 patches; `--max-input-size` raises it. */
export const DEFAULT_MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** The most `--max-input-size` accepts: 1 GiB (V8 strings top out near 512 MiB of UTF-16). */
export const MAX_INPUT_BYTES_LIMIT = 1024 * 1024 * 1024;

const DEFAULT_LIMITS: ReaderLimits = {
  maxBytes: DEFAULT_MAX_INPUT_BYTES,
  allowOutside: false,
  deadline: Number.POSITIVE_INFINITY,
};
let limits: ReaderLimits = DEFAULT_LIMITS;

/**
 * Sets the limits of the readers (the CLI does, from `--max-input-size`, `--allow-outside`
 * and `--timeout`).
 */
export function setReaderLimits(next: Partial<ReaderLimits>): void {
  limits = { ...DEFAULT_LIMITS, ...next };
}

export function readerLimits(): ReaderLimits {
  return limits;
}

/** Thrown by `readUtf8` for a file the readers refuse; turned into a `ReadFailure`. */
class Refused extends Error {
  readonly kind: ReadFailure['kind'];
  constructor(kind: ReadFailure['kind'], reason: string) {
    super(reason);
    this.kind = kind;
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** Pseudo file systems whose files are not input files (and may be endless or secret). */
const PSEUDO = ['/proc', '/sys', '/dev'];

const DIRECTORY = 'is a directory';

/** Why `path` is not a regular file the readers may read, or null when it is one. */
function kindOf(path: string): string | null {
  const st = statSync(path);
  if (st.isDirectory()) return DIRECTORY;
  if (st.isFIFO()) return 'is a FIFO, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (!st.isFile()) return 'is not a regular file';
  const real = realpathSync(path);
  if (PSEUDO.some((p) => real === p || real.startsWith(`${p}/`))) {
    return `is a file of \`${PSEUDO.find((p) => real.startsWith(p))}\`, not a regular file`;
  }
  return null;
}

/**
 * Reads a regular file of at most `maxBytes` bytes as UTF-8 (a leading BOM dropped, line ends
 * made LF); throws for anything else.
 */
export function readUtf8(path: string, maxBytes: number = limits.maxBytes): string {
  // stat first: opening a FIFO for reading would block until a writer comes.
  const bad = kindOf(path);
  if (bad !== null) throw new Refused(bad === DIRECTORY ? 'unreadable' : 'not-regular', bad);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Refused('not-regular', 'is not a regular file');
    if (st.size > maxBytes) throw new Refused('too-large', tooLarge(st.size, maxBytes));
    // Read to the end, not to `st.size`: the file may grow; never more than `maxBytes + 1`.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let used = 0;
    let chunk = buf;
    for (;;) {
      if (used === chunk.length) {
        if (chunk.length > maxBytes) break;
        const bigger = Buffer.alloc(Math.min(maxBytes + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, used);
        chunk = bigger;
      }
      const n = readSync(fd, chunk, used, chunk.length - used, null);
      if (n === 0) break;
      used += n;
    }
    if (used > maxBytes) throw new Refused('too-large', tooLarge(used, maxBytes));
    return normalizeText(new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(0, used)));
  } finally {
    closeSync(fd);
  }
}

/** CRLF and lone CR become LF (a leading BOM is already gone: `TextDecoder` drops it). */
export function normalizeText(text: string): string {
  const noBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return noBom.includes('\r') ? noBom.replace(/\r\n?/g, '\n') : noBom;
}

function tooLarge(size: number, max: number): string {
  return `the file is larger than the limit of ${max} bytes${size > max + 1 ? ` (${size} bytes)` : ''}`;
}

/** Bytes (e.g. standard input) as strict UTF-8 text (a leading BOM dropped), or why not. */
export function decodeUtf8(bytes: Uint8Array): string | ReadFailure {
  const { maxBytes } = readerLimits();
  if (bytes.length > maxBytes)
    return { kind: 'too-large', reason: tooLarge(bytes.length, maxBytes) };
  try {
    return normalizeText(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return failure(e);
  }
}

/** The text of a file, or why it cannot be read. */
export function readTextFile(
  path: string,
  read: (path: string) => string = readUtf8,
): string | ReadFailure {
  try {
    return normalizeText(read(path));
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): ReadFailure {
  if (e instanceof Refused) return { kind: e.kind, reason: e.message };
  if (e instanceof TypeError && 'code' in e && e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
    return { kind: 'unreadable', reason: 'not valid utf-8 text' };
  }
  // Errno-style codes (`ENOENT`) come from the file system, real or injected.
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return { kind: 'unreadable', reason: REASONS[e.code] ?? e.code };
  }
  throw e;
}

/**
 * Whether `path` (resolved) lies inside `folder`: plans may name only files next to them or
 * below, unless `--allow-outside` says otherwise.
 *
 * @example
 * isInside('/srv/plans', '/srv/plans/catalog.yaml') // true
 * isInside('/srv/plans', '/etc/passwd') // false
 */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(real(folder), real(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The path with symbolic links resolved when it exists (a link may point outside). */
function real(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}
