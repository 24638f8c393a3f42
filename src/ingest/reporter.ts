/**
 * Collects the diagnostics of one input file, and the `Loaded` result every reader returns.
 *
 * Readers never throw on bad input: they report and go on, so one run shows every problem.
 * INVARIANT: a `Loaded` value is null exactly when one of its diagnostics is an error.
 */
import {
  type Diagnostic,
  hasErrors,
  type Loaded,
  type Related,
  sortDiagnostics,
} from '../source/diagnostic.ts';
import { Source, type Span } from '../source/source.ts';
import type { IngestCode } from './codes.ts';

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

/** The result for an input file that cannot be read: one diagnostic on an empty source. */
export function unreadable<T>(path: string, reason: string): Loaded<T> {
  const r = new Reporter(new Source(path, ''));
  r.error('KV0109', { start: 0, end: 0 }, `cannot read \`${path}\`: ${reason}`);
  return loaded<T>(null, r.diagnostics);
}
