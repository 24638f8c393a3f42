/**
 * Reading input files as strict UTF-8 text: the only file system access of the readers.
 * Read failures are returned as a reason in user words, for a diagnostic; anything that is
 * not a file system error is re-thrown.
 */
import { readFileSync } from 'node:fs';

/** Why a file could not be read, e.g. `no such file`. */
export interface ReadFailure {
  readonly reason: string;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** Reads a file as UTF-8 (a leading BOM dropped); invalid UTF-8 is a failure, not U+FFFD. */
export function readUtf8(path: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
}

/** Bytes (e.g. standard input) as strict UTF-8 text (a leading BOM dropped), or why not. */
export function decodeUtf8(bytes: Uint8Array): string | ReadFailure {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    return { reason: failureReason(e) };
  }
}

/** The text of a file, or why it cannot be read. */
export function readTextFile(
  path: string,
  read: (path: string) => string = readUtf8,
): string | ReadFailure {
  try {
    return read(path);
  } catch (e) {
    return { reason: failureReason(e) };
  }
}

function failureReason(e: unknown): string {
  if (e instanceof TypeError && 'code' in e && e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
    return 'not valid utf-8 text';
  }
  // Errno-style codes (`ENOENT`) come from the file system, real or injected.
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return REASONS[e.code] ?? e.code;
  }
  throw e;
}
