/**
 * The CLI's view of the terminal, injectable so commands run in-process in tests.
 *
 * Guarantees of {@link processIo}: output wraps to the terminal's width (COLUMNS, else 80 when
 * stdout is not a terminal); colour only on a terminal, never with NO_COLOR, always with
 * FORCE_COLOR (escape codes from Node's own `util.styleText`); a closed pipe on stdout (`| head`)
 * ends the process quietly with the status already decided, and any other write error (a full
 * disk) ends it with a one-line message and exit 2, never a stack trace.
 */
import { styleText } from 'node:util';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Width for wrapping. */
  readonly columns: number;
  /** Whether to colour output. */
  readonly color: boolean;
  /** Progress lines on long work go here (stderr on a terminal, nowhere otherwise). */
  readonly progress: (text: string) => void;
  /** All of standard input, as bytes (for a file argument `-`). */
  readonly readStdin: () => Promise<Uint8Array>;
}

/** Whether to colour a stream: FORCE_COLOR wins, then NO_COLOR, then "is it a terminal". */
export function colorWanted(isTty: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTty && env.TERM !== 'dumb';
}

/** Width to wrap at: the terminal's, else a positive COLUMNS, else 80. */
export function columnsFor(ttyColumns: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv >= 20 && fromEnv <= 1000) return fromEnv;
  if (ttyColumns !== undefined && ttyColumns >= 20) return ttyColumns;
  return 80;
}

const EXIT_BAD_INPUT = 2;

function onWriteError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') {
    // The reader went away (`| head -1`): stop quietly, as Unix tools do.
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }
  const why = e.code === 'ENOSPC' ? 'no space left on device' : (e.code ?? e.message);
  try {
    process.stderr.write(`klp-verify: error: cannot write the output: ${why}\n`);
  } finally {
    process.exit(EXIT_BAD_INPUT);
  }
}

export function processIo(): Io {
  process.stdout.on('error', onWriteError);
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE')
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  const errTty = process.stderr.isTTY === true;
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  return {
    out: (t) => {
      process.stdout.write(line(t));
    },
    err: (t) => {
      process.stderr.write(line(t));
    },
    columns: columnsFor(process.stdout.isTTY ? process.stdout.columns : undefined, process.env),
    color: colorWanted(process.stdout.isTTY === true, process.env),
    progress: errTty ? (t) => process.stderr.write(`\r\x1b[K${t}`) : () => {},
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      return Buffer.concat(chunks);
    },
  };
}

/** An Io that collects output, for tests; `stdin` is what `-` reads. */
export function bufferIo(
  stdin: string | Uint8Array = '',
): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  return {
    out: (t) => out.push(line(t)),
    err: (t) => err.push(line(t)),
    columns: 100,
    color: false,
    progress: () => {},
    readStdin: async () => (typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

export type Style = 'bold' | 'red' | 'green' | 'yellow' | 'dim' | 'cyan';

/** Wraps text in a terminal style when colour is on. */
export function paint(io: Io, style: Style, text: string): string {
  return io.color ? styleText(style, text) : text;
}
