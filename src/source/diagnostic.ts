/**
 * Diagnostics: problems found in user input, collected as data and never thrown, so that one
 * run reports every problem at once. Message style: lowercase, one line, no final period,
 * user input in backticks; longer advice goes in `help`.
 */
import type { Source, Span } from './source.ts';

export type Severity = 'error' | 'warning';

export interface Related {
  readonly message: string;
  readonly source: Source;
  readonly span: Span;
}

export interface Diagnostic {
  /** Stable code, documented in docs/diagnostics.md (e.g. `KV0101`). */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly source: Source;
  readonly span: Span;
  /** Advice such as "did you mean `replace_set`?". */
  readonly help?: string;
  readonly related?: readonly Related[];
  /**
   * Byte offset into a binary input (a `.ko`), which has no lines: shown as `file: offset 0x..`
   * without a code frame. Absent for text inputs.
   */
  readonly offset?: number;
}

/**
 * The outcome of reading an input (a plan, a catalog, a rule file): the value with its warnings,
 * or every diagnostic. `value` is null exactly when some diagnostic is an error.
 *
 * @example
 * const r = loadPlanFile('plan.yaml');
 * if (r.kind === 'error') for (const d of r.diagnostics) console.error(renderDiagnostic(d));
 */
export type Loaded<T> =
  | { readonly kind: 'ok'; readonly value: T; readonly diagnostics: readonly Diagnostic[] }
  | { readonly kind: 'error'; readonly value: null; readonly diagnostics: readonly Diagnostic[] };

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Sorts by file, then offset, keeping the order of equal positions. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      a.source.file.localeCompare(b.source.file) ||
      a.span.start - b.span.start ||
      (a.offset ?? 0) - (b.offset ?? 0),
  );
}

/** The JSON form of a diagnostic, for `--format json`. */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  if (d.offset !== undefined) {
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      file: d.source.file,
      offset: d.offset,
      ...(d.help === undefined ? {} : { help: d.help }),
    };
  }
  const start = d.source.position(d.span.start);
  const end = d.source.position(d.span.end);
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.source.file,
    line: start.line,
    column: start.col,
    endLine: end.line,
    endColumn: end.col,
    text: d.source.text.slice(d.span.start, d.span.end),
    ...(d.help === undefined ? {} : { help: d.help }),
  };
}

/**
 * Renders `file:line:col: error[CODE]: message`, a code frame with the span underlined, and
 * the help line.
 *
 * @example
 * renderDiagnostic(d)
 * // plan.yaml:3:5: error[KV0102]: unknown key `replase`
 * //   |
 * // 3 |     replase: true
 * //   |     ^^^^^^^
 * //   = help: did you mean `replace`?
 */
export function renderDiagnostic(d: Diagnostic): string {
  if (d.offset !== undefined) {
    const head = `${d.source.file}: offset 0x${d.offset.toString(16)}: ${d.severity}[${d.code}]: ${d.message}`;
    return d.help === undefined ? head : `${head}\n  = help: ${d.help}`;
  }
  const out = [`${d.source.location(d.span.start)}: ${d.severity}[${d.code}]: ${d.message}`];
  out.push(...codeFrame(d.source, d.span));
  for (const r of d.related ?? []) {
    out.push(`  = note: ${r.message} (${r.source.location(r.span.start)})`);
  }
  if (d.help !== undefined) out.push(`  = help: ${d.help}`);
  return out.join('\n');
}

function codeFrame(source: Source, span: Span): string[] {
  const start = source.position(span.start);
  const end = source.position(Math.max(span.start, span.end - 1));
  const gutter = String(start.line).length;
  const pad = ' '.repeat(gutter);
  const text = source.lineText(start.line);
  const lastCol = end.line === start.line ? end.col : text.length;
  const width = Math.max(1, lastCol - start.col + 1);
  return [
    `${pad} |`,
    `${start.line} | ${text}`,
    `${pad} | ${' '.repeat(start.col - 1)}${'^'.repeat(width)}`,
  ];
}
