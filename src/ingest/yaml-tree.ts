/**
 * YAML (and JSON, which YAML 1.2 contains) parsed into a node tree whose every value keeps
 * its source span, so that diagnostics point at the text the user wrote.
 *
 * Integers are parsed as `bigint` (`intAsBigInt`) so 64-bit state ids are never rounded.
 * Duplicate keys are left to the readers (`uniqueKeys: false`), which report them with a
 * note pointing at the first occurrence. Parser errors and warnings both become errors:
 * a warning such as an unresolved tag changes what a value means.
 */
import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type ParsedNode,
  Parser,
  YAMLParseError,
} from 'yaml';
import { checkDeadline, OutOfTime } from '../source/deadline.ts';
import type { Span } from '../source/source.ts';
import { readerLimits } from './fs.ts';
import type { Reporter } from './reporter.ts';

/** A value in the document, or the absence of one, with the span to point at. */
export interface Value {
  /** Null when YAML has no node at all here (e.g. a `? key` without a value). */
  readonly node: ParsedNode | null;
  readonly span: Span;
}

/** The deepest nesting of collections a catalog or plan may have (a plan needs 5). */
export const MAX_NESTING = 64;

/** What a reader expects at the top of its file: a mapping with some of these keys. */
export interface Expected {
  /** `a catalog`, `a plan`. */
  readonly what: string;
  readonly keys: readonly string[];
}

/**
 * Parses the reporter's source; null after a syntax error or for an empty document (both
 * reported). Validation does not run on a tree the parser had to repair: its errors would
 * be guesses.
 *
 * A file that does not look like `expected` at all (a top-level scalar, a mapping with none of
 * its keys, or a syntax error in a file that does not start like one) gets one diagnostic that
 * shows nothing of its text: it may be any file (`/etc/passwd`), and its contents must not end
 * up in a log. Nesting beyond `MAX_NESTING` and `%YAML`/`%TAG` directives are refused before
 * the parser sees them.
 */
export function parseYaml(r: Reporter, emptyHelp: string, expected: Expected): Value | null {
  const text = r.source.text;
  const directive = /^%(YAML|TAG)\b[^\n]*/m.exec(text);
  if (directive !== null && isBeforeContent(text, directive.index)) {
    r.error(
      'KV0130',
      { start: directive.index, end: directive.index + directive[0].length },
      `yaml directive \`%${directive[1]}\` is not supported`,
      {
        help: 'inputs are read as YAML 1.2 core schema, like JSON; remove the directive (a `%YAML 1.1` would turn `yes` into true and `010` into 8)',
      },
    );
    return null;
  }
  const depth = nestingDepth(text);
  if (depth.depth > MAX_NESTING) {
    r.error(
      'KV0129',
      { start: depth.at, end: depth.at },
      `the document is nested more than ${MAX_NESTING} levels deep`,
      { help: `${expected.what} needs only a few levels of lists and mappings` },
    );
    return null;
  }
  const doc = parseDocumentBefore(text, readerLimits().deadline, `reading ${r.source.file}`);
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0 && !looksLike(text, expected)) {
    notOfKind(r, expected);
    return null;
  }
  for (const e of problems) {
    if (/maximum call stack/i.test(e.message)) {
      r.error('KV0129', errorSpan(r, e.pos[0], e.pos[0]), 'the document is nested too deeply', {
        help: `${expected.what} needs only a few levels of lists and mappings`,
      });
      return null;
    }
  }
  for (const e of problems) {
    r.error('KV0101', errorSpan(r, e.pos[0], e.pos[1]), `syntax error: ${sentence(e.message)}`);
  }
  if (problems.length > 0) return null;
  const top = doc.contents;
  if (top === null || isEmpty(r, top)) {
    r.error('KV0102', { start: 0, end: 0 }, 'the file is empty', { help: emptyHelp });
    return null;
  }
  // With no keys to expect (a list, such as deployed stacks), the reader judges the shape itself.
  if (
    expected.keys.length > 0 &&
    (isScalar(top) || (isMap(top) && !top.items.some((p) => hasKey(p.key, expected.keys))))
  ) {
    notOfKind(r, expected);
    return null;
  }
  return { node: top, span: spanOf(r, top) };
}

/**
 * Characters lexed between two looks at the clock (0.06-0.3 s, idle to loaded machine); a file
 * no longer than this is read whole whatever the deadline.
 */
const CHUNK = 64 * 1024;
/**
 * Composing the syntax tree into nodes took 30-55% of the time of lexing and parsing it
 * (943 KB catalog, idle and loaded machine); it cannot be interrupted, so it starts only when
 * at least this share of the parse time is left before the deadline.
 */
const COMPOSE_SHARE = 0.6;

/**
 * `parseDocument` of the yaml package (same parser, composer and options, the same document
 * and errors), lexed in chunks of whole lines with a look at the deadline between chunks:
 * {@link OutOfTime} when it passes, or when too little time is left to compose the tree.
 */
function parseDocumentBefore(text: string, deadline: number, doing: string): Document.Parsed {
  const started = Date.now();
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  let at = 0;
  do {
    // The first chunk is always read: a small file costs milliseconds, and the engine after
    // it says more about a run out of time than "reading" would.
    if (at > 0) checkDeadline(deadline, doing);
    const nl = text.indexOf('\n', at + CHUNK);
    const end = nl < 0 ? text.length : nl + 1;
    for (const t of parser.parse(text.slice(at, end), end < text.length)) tokens.push(t);
    at = end;
  } while (at < text.length);
  const chunked = text.length > CHUNK;
  if (chunked && Date.now() + (Date.now() - started) * COMPOSE_SHARE > deadline)
    throw new OutOfTime(doing);
  const composer = new Composer({ intAsBigInt: true, uniqueKeys: false, version: '1.2' });
  let doc: Document.Parsed | null = null;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (doc === null) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  // INVARIANT: compose(…, forceDoc = true) yields at least one document.
  if (doc === null) throw new Error('unreachable: the composer yields a document');
  return doc;
}

/** One diagnostic on an empty copy of the source: the file's text is never shown. */
function notOfKind(r: Reporter, expected: Expected): void {
  r.hiddenError(
    'KV0131',
    `\`${r.source.file}\` is not ${expected.what} file`,
    `${expected.what} file is a YAML or JSON mapping with ${expected.keys.map((k) => `\`${k}\``).join(', ')}`,
  );
}

function hasKey(key: unknown, keys: readonly string[]): boolean {
  return isScalar(key) && typeof key.value === 'string' && keys.includes(key.value);
}

/** Whether the text starts like a mapping with one of the expected keys (or any JSON object). */
function looksLike(text: string, expected: Expected): boolean {
  const keys = expected.keys.join('|');
  const start = new RegExp(
    `^(?:[ \\t]*(?:#[^\\n]*)?\\n|---[ \\t]*\\n)*[ \\t]*(?:\\{|["']?(?:${keys})["']?[ \\t]*:)`,
  );
  return start.test(text);
}

/** Only blank lines, comments and other directives come before `at`. */
function isBeforeContent(text: string, at: number): boolean {
  return text
    .slice(0, at)
    .split('\n')
    .every((line) => /^\s*(#.*)?$/.test(line) || line.startsWith('%'));
}

/**
 * An upper estimate of the nesting of a YAML or JSON text, without parsing it: open flow
 * brackets plus block levels (indentation steps and `- ` entries). The parser recurses once per
 * level, so a document far deeper than any catalog must not reach it.
 */
export function nestingDepth(text: string): { depth: number; at: number } {
  let max = 0;
  let at = 0;
  let flow = 0;
  const indents: number[] = [];
  let blockScalarIndent = -1;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const end = nl === -1 ? text.length : nl;
    let i = lineStart;
    while (i < end && text.charCodeAt(i) === 32) i++;
    const indent = i - lineStart;
    const blank = i === end || text.charAt(i) === '#';
    if (blockScalarIndent >= 0 && (blank || indent > blockScalarIndent)) {
      lineStart = end + 1;
      continue;
    }
    blockScalarIndent = -1;
    if (!blank) {
      if (flow === 0) {
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
        indents.push(indent);
        let j = i;
        while (text.charAt(j) === '-' && (text.charAt(j + 1) === ' ' || j + 1 === end)) {
          indents.push(j - lineStart + 2);
          j += 2;
          while (text.charCodeAt(j) === 32) j++;
        }
      }
      let quote = '';
      for (let k = i; k < end; k++) {
        const c = text.charAt(k);
        if (quote !== '') {
          if (c === '\\' && quote === '"') k++;
          else if (c === quote) quote = '';
        } else if (c === '"' || c === "'") {
          // A quote opens a string only where a value can start.
          const prev = k === i ? ' ' : text.charAt(k - 1);
          if (/[\s,[{:]/.test(prev)) quote = c;
        } else if (c === '#' && (k === i || /\s/.test(text.charAt(k - 1)))) break;
        else if (c === '[' || c === '{') flow++;
        else if ((c === ']' || c === '}') && flow > 0) flow--;
        const d = flow + indents.length;
        if (d > max) {
          max = d;
          at = k;
        }
      }
      if (flow === 0 && /[|>][-+0-9]*\s*(#.*)?$/.test(text.slice(i, end)))
        blockScalarIndent = indent;
    }
    if (nl === -1) break;
    lineStart = end + 1;
  }
  return { depth: max, at };
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
