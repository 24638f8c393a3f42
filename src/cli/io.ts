/**
 * The CLI's view of the terminal, injectable so commands run in-process in tests.
 */

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Terminal width for wrapping; 100 when not a terminal. */
  readonly columns: number;
  /** Whether to colour output (a terminal, and NO_COLOR unset). */
  readonly color: boolean;
  /** Progress lines on long work go here (stderr on a terminal, nowhere otherwise). */
  readonly progress: (text: string) => void;
}

export function processIo(): Io {
  const tty = process.stdout.isTTY === true;
  const errTty = process.stderr.isTTY === true;
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    columns: tty ? (process.stdout.columns ?? 100) : Number(process.env.COLUMNS) || 100,
    color: tty && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb',
    progress: errTty ? (t) => process.stderr.write(`\r\x1b[K${t}`) : () => {},
  };
}

/** An Io that collects output, for tests. */
export function bufferIo(): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  return {
    out: (t) => out.push(line(t)),
    err: (t) => err.push(line(t)),
    columns: 100,
    color: false,
    progress: () => {},
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const CODES = {
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

/** Wraps text in an ANSI style when colour is on. */
export function paint(io: Io, style: Style, text: string): string {
  if (!io.color) return text;
  const [on, off] = CODES[style];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}
