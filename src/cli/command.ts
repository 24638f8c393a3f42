/**
 * The one contract every command keeps, declared once: a command is data (name, options,
 * help, what each exit status means for it) plus a `run` that returns an {@link Outcome}.
 * src/cli/main.ts owns everything around it: parsing, `--help`, `--format`, `--quiet`,
 * `--timeout` as a deadline for the whole run, diagnostics (text on stderr, or inside the one
 * JSON document on stdout), and verdict -> exit status. Commands never print their result
 * themselves; they may print progress through `ctx.io.progress`.
 */
import type { Diagnostic } from '../source/diagnostic.ts';
import type { OptionSpec, Parsed } from './args.ts';
import type { Io } from './io.ts';

export interface Example {
  readonly command: string;
  readonly what: string;
}

/** What 0, 1 and 3 mean for one command; 2 (bad input) and 4 (internal error) are shared. */
export interface ExitMeanings {
  readonly ok: string;
  readonly findings?: string;
  readonly unknown?: string;
}

export interface CommandSpec {
  /** As typed: `check`, or `rules list` for a subcommand. */
  readonly name: string;
  /** One sentence, shown in the command list. */
  readonly summary: string;
  /** The usage line(s) without the leading `usage: `. */
  readonly usage: string;
  readonly description?: string;
  /** The command's own options; `--help`, `--quiet`, `--format` and `--timeout` are added. */
  readonly options: readonly OptionSpec[];
  /** Output formats; the first is the default. */
  readonly formats: readonly string[];
  /** `--timeout SECONDS` for the whole run, with this default; absent: no solver, no limit. */
  readonly timeoutSeconds?: number;
  readonly examples?: readonly Example[];
  readonly exits: ExitMeanings;
  readonly run: (ctx: RunContext) => Promise<Outcome>;
}

/** A command with subcommands (`rules list`, `rules check`). */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly commands: readonly CommandSpec[];
}

export type Entry = CommandSpec | CommandGroup;

export function isGroup(e: Entry): e is CommandGroup {
  return 'commands' in e;
}

/** What a command's run sees. */
export interface RunContext {
  readonly args: Parsed;
  readonly io: Io;
  /** One of the command's formats. */
  readonly format: string;
  /** Absolute time (ms since the epoch) by which the whole run must end; null without a limit. */
  readonly deadline: number | null;
  /** The time limit in ms as given (the default when not given); null without a limit. */
  readonly timeoutMs: number | null;
  /**
   * Reports input diagnostics: printed at once as text on stderr, or kept for the JSON
   * document. A command that got an error diagnostic returns {@link badInput}.
   */
  readonly report: (diagnostics: readonly Diagnostic[], file: string) => void;
  /**
   * Reports a problem with no place in a file (a missing host program, a module that does not
   * build): `error[CODE]: message` on stderr, or a diagnostic with null location in JSON.
   */
  readonly problem: (code: string, message: string, help?: string) => void;
  /** Standard input's bytes, for a file argument `-`; a usage error when read twice. */
  readonly stdin: () => Promise<Uint8Array>;
}

/** A JSON document as the command builds it; main adds `schemaVersion` and `diagnostics`. */
export type JsonDocument = { readonly [key: string]: unknown };

export type Outcome =
  | {
      readonly kind: 'result';
      /**
       * 0 holds, 1 does not hold, 3 unknown; 2 when part of the input was bad (malformed lines
       * of a fleet or a log, each reported) and the rest was still answered.
       */
      readonly status: 0 | 1 | 2 | 3;
      /** One line: what `--quiet` prints, and the line coloured on a terminal. */
      readonly verdict: string;
      readonly text: () => string;
      readonly json: () => JsonDocument;
      /**
       * For a format that streams (one line per host): writes the output itself instead of
       * `text`, line by line, so it never has to be held whole.
       */
      readonly stream?: (line: (text: string) => void) => Promise<void>;
    }
  /** The input was bad; its diagnostics went through `ctx.report`. */
  | { readonly kind: 'bad-input' };

export const badInput: Outcome = { kind: 'bad-input' };

/**
 * A result outcome.
 *
 * @example
 * return result(0, 'proved', () => proveText(r, ctx.io.columns), () => proveJson(r));
 */
export function result(
  status: 0 | 1 | 2 | 3,
  verdict: string,
  text: () => string,
  json: () => JsonDocument,
): Outcome {
  return { kind: 'result', status, verdict, text, json };
}

/** The first line of a text report: most reports put their verdict there. */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
