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

/** The most characters of a span's text a JSON diagnostic carries. */
const MAX_JSON_TEXT = 200;

/**
 * The JSON form of a diagnostic, for `--format json` (src/report/schema/common.ts `diagnostic`):
 * in a binary file (a module) the place is a byte `offset`, and `line` and `column` are null.
 */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  if (d.offset !== undefined) {
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      file: d.source.file,
      line: null,
      column: null,
      offset: d.offset,
      ...(d.help === undefined ? {} : { help: d.help }),
    };
  }
  const start = d.source.position(d.span.start);
  const end = d.source.position(d.span.end);
  const text = d.source.text.slice(
    d.span.start,
    Math.min(d.span.end, d.span.start + MAX_JSON_TEXT),
  );
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.source.file,
    line: start.line,
    column: start.col,
    endLine: end.line,
    endColumn: end.col,
    text: d.span.end - d.span.start > MAX_JSON_TEXT ? `${text}…` : text,
    ...(d.help === undefined ? {} : { help: d.help }),
  };
}

/**
 * Characters that must never reach a terminal as they are: C0 and C1 controls, DEL, and the
 * invisible or reordering format characters (zero-width, bidirectional overrides, BOM).
 */
function isUnsafe(n: number): boolean {
  return (
    (n < 0x20 && n !== 0x09) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0x200b && n <= 0x200f) ||
    (n >= 0x2028 && n <= 0x202e) ||
    (n >= 0x2060 && n <= 0x2069) ||
    n === 0xfeff
  );
}

/**
 * Text from an input made safe to print: every control or invisible character becomes a
 * visible `\u{1b}` escape, so an input cannot move the cursor, set a terminal title or hide text.
 *
 * @example
 * escapeControl('a\x1b[2Jb') // 'a\\u{1b}[2Jb'
 */
export function escapeControl(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const n = text.charCodeAt(i);
    if (!isUnsafe(n)) continue;
    out += `${text.slice(from, i)}\\u{${n.toString(16)}}`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Renders `file:line:col: error[CODE]: message`, a code frame with the span underlined, and
 * the help line. Everything from the input is escaped (`escapeControl`), and the frame shows at
 * most `FRAME_WIDTH` characters of the line, around the span.
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
    const head = `${escapeControl(d.source.file)}: offset 0x${d.offset.toString(16)}: ${d.severity}[${d.code}]: ${escapeControl(d.message)}`;
    return d.help === undefined ? head : `${head}\n  = help: ${escapeControl(d.help)}`;
  }
  const out = [
    `${escapeControl(d.source.location(d.span.start))}: ${d.severity}[${d.code}]: ${escapeControl(d.message)}`,
  ];
  if (d.source.text !== '') out.push(...codeFrame(d.source, d.span));
  for (const r of d.related ?? []) {
    out.push(
      `  = note: ${escapeControl(r.message)} (${escapeControl(r.source.location(r.span.start))})`,
    );
  }
  if (d.help !== undefined) out.push(`  = help: ${escapeControl(d.help)}`);
  return out.join('\n');
}

/** The most characters of a source line a code frame shows. */
export const FRAME_WIDTH = 100;

function codeFrame(source: Source, span: Span): string[] {
  const start = source.position(span.start);
  const end = source.position(Math.max(span.start, span.end - 1));
  const gutter = String(start.line).length;
  const pad = ' '.repeat(gutter);
  const line = source.lineText(start.line);
  const lastCol = end.line === start.line ? end.col : line.length;
  // A window of the line around the span: 30 characters before it, the rest after.
  const from = Math.max(0, Math.min(start.col - 1 - 30, line.length - FRAME_WIDTH));
  const to = Math.min(line.length, from + FRAME_WIDTH);
  let shown = from > 0 ? '…' : '';
  let caretStart = -1;
  let caretEnd = -1;
  for (let i = from; i < to; i++) {
    if (i === start.col - 1) caretStart = shown.length;
    shown += escapeControl(line.charAt(i));
    if (i === lastCol - 1) caretEnd = shown.length;
  }
  if (caretStart < 0) caretStart = shown.length;
  if (caretEnd < 0) caretEnd = start.col - 1 >= to ? caretStart + 1 : shown.length;
  if (to < line.length) shown += '…';
  const width = Math.max(1, caretEnd - caretStart);
  return [
    `${pad} |`,
    `${start.line} | ${shown}`,
    `${pad} | ${' '.repeat(caretStart)}${'^'.repeat(width)}`,
  ];
}
