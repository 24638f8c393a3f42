/**
 * YAML (and JSON, which YAML 1.2 contains) parsed into a node tree whose every value keeps
 * its source span, so that diagnostics point at the text the user wrote.
 *
 * Integers are parsed as `bigint` (`intAsBigInt`) so 64-bit state ids are never rounded.
 * Duplicate keys are left to the readers (`uniqueKeys: false`), which report them with a
 * note pointing at the first occurrence. Parser errors and warnings both become errors:
 * a warning such as an unresolved tag changes what a value means.
 */
import { isAlias, isMap, isScalar, isSeq, type ParsedNode, parseDocument } from 'yaml';
import type { Span } from '../source/source.ts';
import type { Reporter } from './reporter.ts';

/** A value in the document, or the absence of one, with the span to point at. */
export interface Value {
  /** Null when YAML has no node at all here (e.g. a `? key` without a value). */
  readonly node: ParsedNode | null;
  readonly span: Span;
}

/**
 * Parses the reporter's source; null after a syntax error or for an empty document (both
 * reported). Validation does not run on a tree the parser had to repair: its errors would
 * be guesses.
 */
export function parseYaml(r: Reporter, emptyHelp: string): Value | null {
  const doc = parseDocument(r.source.text, {
    intAsBigInt: true,
    uniqueKeys: false,
    prettyErrors: false,
  });
  const problems = [...doc.errors, ...doc.warnings];
  for (const e of problems) {
    r.error('KV0101', errorSpan(r, e.pos[0], e.pos[1]), `syntax error: ${sentence(e.message)}`);
  }
  if (problems.length > 0) return null;
  const top = doc.contents;
  if (top === null || isEmpty(r, top)) {
    r.error('KV0102', { start: 0, end: 0 }, 'the file is empty', { help: emptyHelp });
    return null;
  }
  return { node: top, span: spanOf(r, top) };
}

/** The span of a node without the trailing whitespace YAML counts into block collections. */
export function spanOf(r: Reporter, node: ParsedNode): Span {
  const [start, end] = node.range;
  return trimEnd(r, start, end);
}

/** True for a value position with nothing written in it (`key:` at the end of a line). */
export function isEmpty(r: Reporter, node: ParsedNode | null): boolean {
  if (node === null) return true;
  return isScalar(node) && node.value === null && spanText(r, spanOf(r, node)) === '';
}

/** The text a span covers, first line only and shortened, for quoting in a message. */
export function literal(r: Reporter, span: Span): string {
  const text = spanText(r, span).split(/\r?\n/)[0] ?? '';
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * What a value is, for "expected X, found Y" messages.
 *
 * @example
 * describe(r, value) // 'a string `"yes"`', 'a float `1.5`', 'a list', 'nothing'
 */
export function describe(r: Reporter, v: Value): string {
  const node = v.node;
  if (node === null || isEmpty(r, node)) return 'nothing';
  const text = `\`${literal(r, v.span)}\``;
  if (isAlias(node)) return `an alias ${text}`;
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  switch (typeof node.value) {
    case 'bigint':
      return `an integer ${text}`;
    case 'number':
      return `a float ${text}`;
    case 'boolean':
      return `a boolean ${text}`;
    case 'string':
      return `a string ${text}`;
    default:
      return text;
  }
}

function spanText(r: Reporter, span: Span): string {
  return r.source.text.slice(span.start, span.end);
}

/** A parser error position, kept inside the text and without trailing whitespace. */
function errorSpan(r: Reporter, start: number, end: number): Span {
  const max = r.source.text.length;
  const s = Math.min(Math.max(0, start), max);
  return trimEnd(r, s, Math.min(Math.max(s, end), max));
}

function trimEnd(r: Reporter, start: number, end: number): Span {
  let e = end;
  while (e > start && /\s/.test(r.source.text.charAt(e - 1))) e--;
  return { start, end: e };
}

/** A parser message in house style: one line, lowercase start, no final period. */
function sentence(message: string): string {
  const line = (message.split('\n')[0] ?? '').trim().replace(/\.$/, '');
  return line.charAt(0).toLowerCase() + line.slice(1);
}
