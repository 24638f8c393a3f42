/**
 * The `klp-verify` command line: the one place that turns a command's {@link Outcome} into
 * output and an exit status, the same way for every command.
 *
 * The contract (README "Exit status"; test/cli-contract.test.ts checks it for every command):
 * - exit 0 holds / 1 does not hold / 2 bad input / 3 unknown or out of time / 4 internal error;
 * - `--format json` prints exactly one JSON document on stdout, with `schemaVersion`, also for
 *   bad input (`{schemaVersion, diagnostics}`); text diagnostics go to stderr;
 * - `--quiet` prints the verdict line only; `--timeout` limits the whole run;
 * - an internal error prints one line, the version and the path of a full report, never a
 *   stack trace.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readerLimits, setReaderLimits } from '../ingest/fs.ts';
import { packageVersion } from '../package-root.ts';
import { SCHEMA_VERSION, stringify } from '../report/json.ts';
import { OutOfTime } from '../source/deadline.ts';
import {
  type Diagnostic,
  diagnosticJson,
  escapeControl,
  renderDiagnostic,
  sortDiagnostics,
} from '../source/diagnostic.ts';
import { didYouMean } from '../source/suggest.ts';
import { parseArgs } from './args.ts';
import {
  type CommandSpec,
  type Entry,
  isGroup,
  type JsonDocument,
  type Outcome,
  type RunContext,
  result,
} from './command.ts';
import { REGISTRY } from './commands/index.ts';
import { EXIT, UsageError } from './exit.ts';
import {
  commonOptions,
  MAX_TIMEOUT_SECONDS,
  renderCommandHelp,
  renderGroupHelp,
  renderTopHelp,
} from './help.ts';
import { type Io, paint, processIo } from './io.ts';

export function version(): string {
  return packageVersion();
}

/** The entry named by the first arguments: a command, or a group and its subcommand. */
function lookup(
  argv: readonly string[],
  entries: readonly Entry[],
): { spec: CommandSpec; rest: readonly string[] } | { help: string } | { usage: UsageError } {
  const [name, ...rest] = argv;
  const entry = entries.find((e) => e.name === name);
  if (entry === undefined) {
    return {
      usage: new UsageError(
        `unknown command \`${name}\``,
        didYouMean(
          name ?? '',
          entries.map((e) => e.name),
        ) ?? `commands: ${entries.map((e) => e.name).join(', ')}`,
      ),
    };
  }
  if (!isGroup(entry)) return { spec: entry, rest };
  const [sub, ...subRest] = rest;
  if (sub === '-h' || sub === '--help') return { help: renderGroupHelp(entry, 80) };
  const subs = entry.commands.map((c) => c.name.slice(entry.name.length + 1));
  const spec = entry.commands.find((c) => c.name === `${entry.name} ${sub}`);
  if (spec !== undefined) return { spec, rest: subRest };
  return {
    usage: new UsageError(
      sub === undefined
        ? `missing subcommand of \`${entry.name}\``
        : `unknown subcommand \`${entry.name} ${sub}\``,
      (sub === undefined ? undefined : didYouMean(sub, subs)) ??
        `use ${subs.map((s) => `\`${entry.name} ${s}\``).join(' or ')}`,
    ),
  };
}

/** `--format` as written anywhere in argv, so that even a usage error can answer in JSON. */
function formatIn(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') break;
    if (a === '--format' || a === '-f') return argv[i + 1] ?? 'text';
    if (a.startsWith('--format=')) return a.slice('--format='.length);
  }
  return 'text';
}

/** `--timeout` in ms, validated where it is parsed; null when the command has no limit. */
function timeoutOf(spec: CommandSpec, text: string | undefined): number | null {
  if (spec.timeoutSeconds === undefined) return null;
  if (text === undefined) return spec.timeoutSeconds * 1000;
  const seconds = /^\s*[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?\s*$/i.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0.001 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(
      `\`${text}\` is not a valid value for \`--timeout\``,
      `give a number of seconds from 0.001 to ${MAX_TIMEOUT_SECONDS}`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/** The most diagnostics printed for one input; the rest are counted. */
export const MAX_DIAGNOSTICS = 50;

/**
 * At most {@link MAX_DIAGNOSTICS} of `sorted`, errors first when some must be left out (a cut
 * must not hide why an input was refused), in file order.
 */
function capped(sorted: readonly Diagnostic[]): Diagnostic[] {
  if (sorted.length <= MAX_DIAGNOSTICS) return [...sorted];
  return sortDiagnostics(
    [
      ...sorted.filter((d) => d.severity === 'error'),
      ...sorted.filter((d) => d.severity !== 'error'),
    ].slice(0, MAX_DIAGNOSTICS),
  );
}

/** Output of one run, assembled here and printed at the end. */
class Printer {
  readonly #io: Io;
  readonly #format: string;
  readonly #quiet: boolean;
  readonly #diagnostics: Diagnostic[] = [];
  /** Diagnostics without a location, already in their JSON form. */
  readonly #problems: JsonDocument[] = [];

  constructor(io: Io, format: string, quiet: boolean) {
    this.#io = io;
    this.#format = format;
    this.#quiet = quiet;
  }

  get json(): boolean {
    return this.#format === 'json';
  }

  report(diags: readonly Diagnostic[], file: string): void {
    if (diags.length === 0) return;
    if (this.json) {
      this.#diagnostics.push(...diags);
      return;
    }
    const sorted = sortDiagnostics(diags);
    const wanted = this.#quiet ? sorted.filter((d) => d.severity === 'error') : sorted;
    if (wanted.length === 0) return;
    const shown = capped(wanted);
    this.#io.err(shown.map((d) => this.#paintDiagnostic(renderDiagnostic(d))).join('\n\n'));
    const errors = wanted.filter((d) => d.severity === 'error').length;
    const warnings = wanted.length - errors;
    const parts = [
      errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
      warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
    ].filter((p) => p !== '');
    const omitted = wanted.length - shown.length;
    const rest = omitted > 0 ? ` (the first ${shown.length} shown, ${omitted} more not shown)` : '';
    this.#io.err(`${escapeControl(file)}: ${parts.join(', ')}${rest}`);
  }

  problem(code: string, message: string, help: string | undefined): void {
    if (this.json) {
      this.#problems.push({
        code,
        severity: 'error',
        message,
        file: null,
        line: null,
        column: null,
        ...(help === undefined ? {} : { help }),
      });
      return;
    }
    this.#io.err(
      [
        `klp-verify: ${paint(this.#io, 'red', `error[${code}]`)}: ${message}`,
        ...(help === undefined ? [] : [`  = help: ${help}`]),
      ].join('\n'),
    );
  }

  #paintDiagnostic(text: string): string {
    const nl = text.indexOf('\n');
    const head = nl < 0 ? text : text.slice(0, nl);
    const painted = head.replace(
      / (error|warning)(\[[A-Z0-9]+\]):/,
      (_m, sev: string, code) =>
        ` ${paint(this.#io, sev === 'error' ? 'red' : 'yellow', `${sev}${code}`)}:`,
    );
    return nl < 0 ? painted : painted + text.slice(nl);
  }

  usage(e: UsageError, command: string | null): void {
    if (this.json) {
      this.document({}, [
        {
          code: 'KV0001',
          severity: 'error',
          message: e.message,
          file: null,
          line: null,
          column: null,
          ...(e.help === undefined ? {} : { help: e.help }),
        },
      ]);
      return;
    }
    this.#io.err(`klp-verify: ${paint(this.#io, 'red', 'error')}: ${e.message}`);
    if (e.help !== undefined) this.#io.err(`  = help: ${e.help}`);
    this.#io.err(`  = see: klp-verify ${command === null ? '' : `${command} `}--help`);
  }

  /** The one JSON document: schemaVersion first, the command's fields, then diagnostics. */
  document(doc: JsonDocument, extra: readonly JsonDocument[] = []): void {
    const all = sortDiagnostics(this.#diagnostics);
    const shown = capped(all);
    const omitted = all.length - shown.length;
    const diagnostics = [...shown.map(diagnosticJson), ...this.#problems, ...extra];
    this.#io.out(
      stringify({
        schemaVersion: SCHEMA_VERSION,
        ...doc,
        ...(diagnostics.length > 0 || Object.keys(doc).length === 0 ? { diagnostics } : {}),
        ...(omitted > 0 ? { omittedDiagnostics: omitted } : {}),
      }),
    );
  }

  async outcome(o: Outcome & { kind: 'result' }): Promise<void> {
    if (this.json) {
      if (this.#quiet)
        this.#io.out(stringify({ schemaVersion: SCHEMA_VERSION, verdict: o.verdict }));
      else this.document(o.json());
      return;
    }
    const style = o.status === EXIT.ok ? 'green' : o.status === EXIT.findings ? 'red' : 'yellow';
    if (this.#quiet) {
      this.#io.out(paint(this.#io, style, o.verdict));
      return;
    }
    if (o.stream !== undefined) await o.stream(this.#io.out);
    else this.#io.out(o.text());
  }
}

/** Runs one command under the contract; resolves to its exit status. */
async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  io: Io,
  printer: Printer,
): Promise<number> {
  const parsed = parseArgs(argv, [...spec.options, ...commonOptions(spec)]);
  if (parsed.flags.has('help')) {
    io.out(renderCommandHelp(spec, io.columns));
    return EXIT.ok;
  }
  const timeoutMs = timeoutOf(spec, parsed.values.get('timeout'));
  let stdinRead = false;
  const ctx: RunContext = {
    args: parsed,
    io,
    format: parsed.values.get('format') ?? spec.formats[0] ?? 'text',
    timeoutMs,
    deadline: timeoutMs === null ? null : Date.now() + timeoutMs,
    report: (diags, file) => printer.report(diags, file),
    problem: (code, message, help) => printer.problem(code, message, help),
    stdin: async () => {
      if (stdinRead) {
        throw new UsageError('standard input (`-`) can be read only once per run');
      }
      stdinRead = true;
      return io.readStdin();
    },
  };
  // Readers stop parsing at the run's deadline too (src/ingest/fs.ts), with half of the one
  // second of grace the contract allows: a file that is read by then lets the engines say what
  // they established (a small catalog is read in milliseconds, even with `--timeout 0.001`),
  // and a file that is not stops within the bound.
  setReaderLimits({
    ...readerLimits(),
    deadline: ctx.deadline === null ? Number.POSITIVE_INFINITY : ctx.deadline + READ_GRACE_MS,
  });
  let outcome: Outcome;
  try {
    outcome = await spec.run(ctx);
  } catch (e) {
    if (!(e instanceof OutOfTime)) throw e;
    outcome = outOfTime(spec, e);
  } finally {
    setReaderLimits({ ...readerLimits(), deadline: Number.POSITIVE_INFINITY });
  }
  io.progress('');
  if (outcome.kind === 'bad-input') {
    if (printer.json) printer.document({});
    return EXIT.badInput;
  }
  await printer.outcome(outcome);
  return outcome.status;
}

/** How long after `--timeout` reading may go on (the contract's bound is `--timeout` + 1 s). */
const READ_GRACE_MS = 500;

/**
 * Exit 3 for a run whose deadline passed where nothing was established yet (reading the
 * input): the verdict says what was being done.
 */
function outOfTime(spec: CommandSpec, e: OutOfTime): Outcome {
  const verdict = `unknown: ${e.message}; nothing was decided`;
  return result(
    EXIT.unknown,
    verdict,
    () => verdict,
    () => ({
      command: spec.name,
      verdict,
      unknown: { reason: 'timeout', while: e.doing },
    }),
  );
}

/** Writes the full report of an internal error to a file; its path, or null if that failed. */
function crashReport(argv: readonly string[], e: unknown): string | null {
  const path = join(tmpdir(), `klp-verify-crash-${process.pid}-${Date.now()}.txt`);
  const text = [
    `klp-verify ${version()} internal error`,
    `node ${process.version} on ${process.platform}/${process.arch}`,
    `arguments: ${JSON.stringify(argv)}`,
    '',
    e instanceof Error ? (e.stack ?? e.message) : String(e),
    '',
  ].join('\n');
  try {
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  } catch {
    return null;
  }
}

/**
 * Runs the CLI; resolves to the exit status.
 *
 * @example
 * process.exitCode = await main(['check', 'plan.yaml']);
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(renderTopHelp(REGISTRY, io.columns));
    return EXIT.badInput;
  }
  if (first === '-h' || first === '--help') {
    if (rest.length > 0) {
      io.err(`klp-verify: error: unexpected argument \`${rest[0]}\` after \`${first}\``);
      return EXIT.badInput;
    }
    io.out(renderTopHelp(REGISTRY, io.columns));
    return EXIT.ok;
  }
  if (first === '-V' || first === '--version') {
    if (rest.length > 0) {
      io.err(`klp-verify: error: unexpected argument \`${rest[0]}\` after \`${first}\``);
      return EXIT.badInput;
    }
    io.out(`klp-verify ${version()}`);
    return EXIT.ok;
  }
  const words = first === 'help' ? rest : argv;
  const printer = new Printer(
    io,
    first === 'help' ? 'text' : formatIn(argv),
    argv.includes('-q') || argv.includes('--quiet'),
  );
  let command: string | null = null;
  try {
    const found = lookup(words, REGISTRY);
    if ('usage' in found) throw found.usage;
    if ('help' in found) {
      io.out(found.help);
      return EXIT.ok;
    }
    command = found.spec.name;
    if (first === 'help') {
      if (found.rest.length > 0) throw new UsageError(`unexpected argument \`${found.rest[0]}\``);
      io.out(renderCommandHelp(found.spec, io.columns));
      return EXIT.ok;
    }
    return await runCommand(found.spec, found.rest, io, printer);
  } catch (e) {
    if (e instanceof UsageError) {
      printer.usage(e, command);
      return EXIT.badInput;
    }
    const path = crashReport(argv, e);
    const what = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(`klp-verify: internal error: ${what}`);
    io.err(
      `this is a bug in klp-verify ${version()}; please report it with the command and its input files${path === null ? '' : `; full report: ${path}`}`,
    );
    return EXIT.internal;
  }
}
