/**
 * Tokens of C source text, as translation phases 1-3 of the C standard make them: comments and
 * line continuations are white space, every token keeps its span in its file, and a flag says
 * whether a line break came before it (directives end at a line break).
 *
 * Guarantees: total over any text (an unterminated comment or string ends at the end of the
 * file, an unknown character is a one-character punctuator); never throws.
 */
import type { Source, Span } from '../../../source/source.ts';

export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly source: Source;
  /** Where the token is written. */
  readonly span: Span;
  /** A line break (not a continuation) comes before it, or it is the first token. */
  readonly lineStart: boolean;
  /**
   * For a token produced by macro expansion: the token of the source file the expansion
   * started from, so that facts cite the line that uses the macro.
   */
  readonly site?: Token;
}

const PUNCTUATORS = [
  '...',
  '<<=',
  '>>=',
  '->',
  '++',
  '--',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '*=',
  '/=',
  '%=',
  '+=',
  '-=',
  '&=',
  '^=',
  '|=',
  '##',
];

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const PP_NUMBER = /\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*/y;

/**
 * Splits a C source into tokens.
 *
 * @example
 * lex(new Source('a.c', '#define X 1\n')).map((t) => t.text) // ['#', 'define', 'X', '1']
 */
export function lex(source: Source): Token[] {
  const text = source.text;
  const out: Token[] = [];
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (c === '\\' && (text.charAt(i + 1) === '\n' || text.startsWith('\r\n', i + 1))) {
      i += text.charAt(i + 1) === '\n' ? 2 : 3;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('//', i)) {
      while (i < text.length && text.charAt(i) !== '\n') {
        // A continuation extends a line comment to the next line.
        i += text.charAt(i) === '\\' && text.charAt(i + 1) === '\n' ? 2 : 1;
      }
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      if (text.slice(i, stop).includes('\n')) lineStart = true;
      i = stop;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    IDENT.lastIndex = i;
    PP_NUMBER.lastIndex = i;
    const ident = IDENT.exec(text);
    const number = ident === null ? PP_NUMBER.exec(text) : null;
    if ((c === 'L' || c === 'u' || c === 'U') && /^(u8|[LuU])["']/.test(text.slice(i, i + 3))) {
      i += text.startsWith('u8', i) ? 2 : 1;
      const quote = text.charAt(i);
      i = quoted(text, i, quote);
      kind = quote === '"' ? 'string' : 'char';
    } else if (ident !== null) {
      i += ident[0].length;
      kind = 'ident';
    } else if (number !== null) {
      i += number[0].length;
      kind = 'number';
    } else if (c === '"' || c === "'") {
      i = quoted(text, i, c);
      kind = c === '"' ? 'string' : 'char';
    } else {
      const p = PUNCTUATORS.find((x) => text.startsWith(x, i));
      i += p === undefined ? 1 : p.length;
      kind = 'punct';
    }
    out.push({ kind, text: text.slice(start, i), source, span: { start, end: i }, lineStart });
    lineStart = false;
  }
  return out;
}

/** The end of a quoted literal starting at `i`; an unterminated one ends at the line's end. */
function quoted(text: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) return j + 1;
    if (c === '\n') return j;
    j++;
  }
  return text.length;
}

/**
 * The value of a C string literal token (escapes decoded), or null for a malformed one.
 *
 * @example
 * stringValue('"nfsd"') // 'nfsd'
 */
export function stringValue(text: string): string | null {
  const m = /^(?:u8|[LuU])?"((?:[^"\\\n]|\\.)*)"$/s.exec(text);
  if (m === null) return null;
  const body = m[1] ?? '';
  return body.replace(/\\(x[0-9A-Fa-f]+|[0-7]{1,3}|.)/gs, (_, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(Number.parseInt(e.slice(1), 16) & 0xff);
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };
    return simple[e] ?? e;
  });
}
