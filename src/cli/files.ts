/**
 * Every file the CLI writes (`--output FILE` reports, `catalog build -o FILE`, certificate
 * folders) is checked before the work and written atomically: under a temporary name in the
 * target folder, then renamed. SIGINT and SIGTERM keep Node's default action (the process ends
 * at once, even while Z3's worker threads are solving: the shell sees 130 or 143), except while
 * a file is being written: there the signal waits until the write is complete or undone, so an
 * interrupted run never leaves a partial file or a temporary one behind, and then ends the
 * process the same way.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './exit.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** How long a hold outlives the write, at least. */
const HOLD_MS = 20;
type Stop = (typeof SIGNALS)[number];

/**
 * Runs `write` (synchronous) with SIGINT and SIGTERM held back: a signal that arrives meanwhile
 * is acted on right after, with Node's default action, once `write` has finished or undone its
 * work. Outside such a section nothing is installed, so a busy solver never delays a stop. The
 * hold lasts until the next turn of the event loop: use it for the last writes of a run, never
 * before long synchronous work (which would hold a signal back until it ends).
 *
 * @example
 * deferSignals(() => { writeFileSync(tmp, text); renameSync(tmp, file); });
 */
export function deferSignals<T>(write: () => T): T {
  let caught: Stop | null = null;
  const hold = (s: Stop) => {
    caught = s;
  };
  for (const s of SIGNALS) process.on(s, hold);
  try {
    return write();
  } finally {
    // libuv hands a signal that came during `write` to the listeners in the poll phase of a
    // later turn of the event loop. Keep listening until a poll phase has surely run (a timer,
    // then the check phase after that turn's poll), then restore the default action and
    // re-raise what was held.
    setTimeout(() => {
      setImmediate(() => {
        for (const s of SIGNALS) process.off(s, hold);
        if (caught !== null) process.kill(process.pid, caught);
      });
    }, HOLD_MS);
  }
}

/** Where nothing may be written: pseudo file systems (writes there never end or do harm). */
const PSEUDO = ['/proc', '/sys', '/dev'];

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * An errno as words, for messages.
 *
 * @example
 * errnoText(Object.assign(new Error(), { code: 'EROFS' })) // 'read-only file system'
 */
export function errnoText(e: unknown): string {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  const words: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a parent is not a folder',
    EEXIST: 'a file is in the way',
    ENOENT: 'the folder does not exist',
    EISDIR: 'it is a folder',
  };
  return words[code] ?? (code === '' ? String(e) : code);
}

/** A temporary name next to `abs`, hidden, unique to this write. */
function tempName(abs: string): string {
  return join(
    dirname(abs),
    `.${basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * `option FILE` checked before any work: not in a pseudo file system, not a folder, in an
 * existing folder where a file can be created (a real write, removed at once). A usage error
 * otherwise, so a long audit never fails at its last step.
 *
 * @example
 * checkOutputFile('audit.html', '--output')
 */
export function checkOutputFile(file: string, option: string): void {
  const where = `\`${option} ${file}\``;
  if (file === '') throw new UsageError(`\`${option}\` needs a file name`);
  const abs = resolve(file);
  if (PSEUDO.some((p) => abs === p || abs.startsWith(`${p}/`))) {
    throw new UsageError(`${where} is in \`${abs.split('/')[1]}\``, 'write it to a real file');
  }
  if (statOrNull(abs)?.isDirectory() === true) {
    throw new UsageError(`${where} is a folder`, 'give the path of a file');
  }
  const dir = statOrNull(dirname(abs));
  if (dir === null || !dir.isDirectory()) {
    throw new UsageError(`${where}: the folder \`${dirname(file)}\` does not exist`);
  }
  // A real write (catches read-only file systems and permissions that access() misses), not
  // under deferSignals: the work that follows may hold the main thread for minutes, and a stop
  // must not wait for it.
  const probe = tempName(abs);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (e) {
    throw new UsageError(`${where} cannot be written: ${errnoText(e)}`);
  }
}

/**
 * Writes `text` to `file` atomically: a temporary file in the same folder, renamed over `file`
 * when complete. Readers see the old file or the new one, never a part; an error or a signal
 * leaves no temporary file. A failure is a usage error (exit 2), never a stack trace.
 *
 * @example
 * writeFileAtomic('audit.json', `${stringify(doc)}\n`, '--output');
 */
export function writeFileAtomic(file: string, text: string, option: string): void {
  const abs = resolve(file);
  const tmp = tempName(abs);
  try {
    deferSignals(() => {
      try {
        writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
        renameSync(tmp, abs);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
    });
  } catch (e) {
    if (e instanceof Error && 'code' in e) {
      throw new UsageError(`cannot write \`${option} ${file}\`: ${errnoText(e)}`);
    }
    throw e;
  }
}
