/**
 * Collects the diagnostics of one input file, and the `Loaded` result every reader returns.
 *
 * Readers never throw on bad input: they report and go on, so one run shows every problem.
 * INVARIANT: a `Loaded` value is null exactly when one of its diagnostics is an error.
 */

import { assertNever } from '../model/op.ts';
import {
  type Diagnostic,
  hasErrors,
  type Loaded,
  type Related,
  sortDiagnostics,
} from '../source/diagnostic.ts';
import { Source, type Span } from '../source/source.ts';
import type { IngestCode } from './codes.ts';
import { DEFAULT_MAX_INPUT_BYTES, type ReadFailure } from './fs.ts';

export type { Loaded } from '../source/diagnostic.ts';

/** Optional parts of a diagnostic. */
export interface Extra {
  readonly help?: string | undefined;
  readonly related?: readonly Related[];
}

export class Reporter {
  readonly source: Source;
  readonly #diagnostics: Diagnostic[] = [];
  #errors = 0;

  constructor(source: Source) {
    this.source = source;
  }

  error(code: IngestCode, span: Span, message: string, extra: Extra = {}): void {
    this.#errors++;
    this.#push(code, 'error', span, message, extra);
  }

  warning(code: IngestCode, span: Span, message: string, extra: Extra = {}): void {
    this.#push(code, 'warning', span, message, extra);
  }

  /** A diagnostic of another input this file names (an artifact listed by a catalog). */
  adopt(d: Diagnostic): void {
    if (d.severity === 'error') this.#errors++;
    this.#diagnostics.push(d);
  }

  /**
   * An error about the file as a whole, on an empty copy of its source: rendering it shows
   * none of the file's text (for files that are not of the expected kind).
   */
  hiddenError(code: IngestCode, message: string, help: string): void {
    this.#errors++;
    this.#diagnostics.push({
      code,
      severity: 'error',
      message,
      source: new Source(this.source.file, ''),
      span: { start: 0, end: 0 },
      help,
    });
  }

  /** A note pointing elsewhere in this file. */
  related(span: Span, message: string): Related {
    return { message, source: this.source, span };
  }

  /** Errors reported so far; readers compare counts to know whether their part was clean. */
  get errorCount(): number {
    return this.#errors;
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#diagnostics;
  }

  #push(
    code: IngestCode,
    severity: Diagnostic['severity'],
    span: Span,
    message: string,
    extra: Extra,
  ) {
    this.#diagnostics.push({
      code,
      severity,
      message,
      source: this.source,
      span,
      ...(extra.help === undefined ? {} : { help: extra.help }),
      ...(extra.related === undefined ? {} : { related: extra.related }),
    });
  }
}

/** Packs a result, dropping the value when there is an error; diagnostics sorted by position. */
export function loaded<T>(value: T | null, diagnostics: readonly Diagnostic[]): Loaded<T> {
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { kind: 'error', value: null, diagnostics: sorted };
  if (value === null) throw new Error('ingest: no value although no error was reported');
  return { kind: 'ok', value, diagnostics: sorted };
}

/**
 * The result for an input file that cannot be read: one diagnostic on an empty source, so
 * nothing of the file is ever shown.
 */
export function unreadable<T>(path: string, failure: ReadFailure): Loaded<T> {
  const r = new Reporter(new Source(path, ''));
  reportReadFailure(r, { start: 0, end: 0 }, `\`${path}\``, failure);
  return loaded<T>(null, r.diagnostics);
}

/** Reports why `what` (e.g. `` catalog `x.yaml` ``) was not read, at `span` of `r`. */
export function reportReadFailure(
  r: Reporter,
  span: Span,
  what: string,
  failure: ReadFailure,
  help?: string,
): void {
  switch (failure.kind) {
    case 'unreadable':
      r.error('KV0109', span, `cannot read ${what}: ${failure.reason}`, { help });
      return;
    case 'not-regular':
      r.error('KV0126', span, `cannot read ${what}: it ${failure.reason}`, {
        help: 'input files must be regular files; copy the data into one',
      });
      return;
    case 'too-large':
      r.error('KV0127', span, `cannot read ${what}: ${failure.reason}`, {
        help: `raise the limit with \`--max-input-size BYTES\` (default ${DEFAULT_MAX_INPUT_BYTES})`,
      });
      return;
    default:
      assertNever(failure.kind, 'read failure');
  }
}
