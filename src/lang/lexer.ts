/**
 * The lexer of rule files: source text to tokens with spans.
 *
 * Never throws: a bad character becomes a diagnostic and is skipped, an unterminated string
 * still becomes a token, so the parser sees a usable stream and one run reports every error.
 * Strings are returned raw (span including the quotes); the parser decodes them as a plain
 * sentence or as a template with `{expr}` holes, and lexes each hole with `lex(source, from, to)`.
 */

import { assertNever } from '../model/op.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import type { Source, Span } from '../source/source.ts';
import { langDiagnostic } from './codes.ts';

/** Reserved words: clause starts (also recovery points) and expression words. */
export type Keyword =
  | 'ruleset'
  | 'on'
  | 'rule'
  | 'allow'
  | 'invariant'
  | 'policy'
  | 'reject'
  | 'log'
  | 'for'
  | 'in'
  | 'when'
  | 'require'
  | 'message'
  | 'and'
  | 'or'
  | 'not'
  | 'implies'
  | 'some'
  | 'all'
  | 'true'
  | 'false'
  | 'below'
  | 'before'
  | 'installed'
  | 'catalog';

export const KEYWORDS: readonly Keyword[] = [
  'ruleset',
  'on',
  'rule',
  'allow',
  'invariant',
  'policy',
  'reject',
  'log',
  'for',
  'in',
  'when',
  'require',
  'message',
  'and',
  'or',
  'not',
  'implies',
  'some',
  'all',
  'true',
  'false',
  'below',
  'before',
  'installed',
  'catalog',
];

/** Two-character operators come first so that `<=` is not read as `<`. */
export type Punct = '.' | ',' | ':' | '(' | ')' | '==' | '!=' | '<=' | '>=' | '<' | '>';

const PUNCTUATION: readonly Punct[] = ['.', ',', ':', '(', ')', '==', '!=', '<=', '>=', '<', '>'];

export type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly span: Span }
  | { readonly kind: 'keyword'; readonly text: Keyword; readonly span: Span }
  | {
      readonly kind: 'number';
      readonly value: bigint;
      readonly radix: 'dec' | 'hex';
      readonly span: Span;
    }
  /** Raw: `span` includes the quotes; `closed` is false when the line ended first. */
  | { readonly kind: 'string'; readonly closed: boolean; readonly span: Span }
  | { readonly kind: 'punct'; readonly text: Punct; readonly span: Span }
  | { readonly kind: 'eof'; readonly span: Span };

export interface Lexed {
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

function isKeyword(word: string): word is Keyword {
  return KEYWORDS.some((k) => k === word);
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const HEX_DIGIT = /[0-9a-fA-F]/;

/** Help for characters people bring from other languages. */
const CHARACTER_HELP: Readonly<Record<string, string>> = {
  '=': 'did you mean `==`?',
  '!': 'write `not` for negation and `!=` for inequality',
  '&': 'write `and`',
  '|': 'write `or`',
  "'": 'strings use double quotes: `"..."`',
  '{': 'holes `{expr}` are only allowed inside message and log strings',
  '}': 'holes `{expr}` are only allowed inside message and log strings',
  '-': 'there is no arithmetic; `-` is only allowed inside names such as `same-or-higher-version`',
};

/** The token a common foreign operator stands for. */
const MEANT: Readonly<
  Record<
    string,
    | { readonly kind: 'keyword'; readonly text: Keyword }
    | { readonly kind: 'punct'; readonly text: Punct }
  >
> = {
  '=': { kind: 'punct', text: '==' },
  '!': { kind: 'keyword', text: 'not' },
  '&&': { kind: 'keyword', text: 'and' },
  '&': { kind: 'keyword', text: 'and' },
  '||': { kind: 'keyword', text: 'or' },
  '|': { kind: 'keyword', text: 'or' },
  '=>': { kind: 'keyword', text: 'implies' },
  '->': { kind: 'keyword', text: 'implies' },
};

/**
 * Lexes `source.text[from, to)`.
 *
 * @example
 * lex(new Source('r.klp', 'when new.replace')).tokens.map((t) => t.kind)
 * // ['keyword', 'ident', 'punct', 'ident', 'eof']
 */
export function lex(source: Source, from = 0, to = source.text.length): Lexed {
  const text = source.text;
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = from;
  const at = (k: number): string => (k < to ? (text[k] ?? '') : '');

  while (i < to) {
    const c = at(i);
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < to && at(i) !== '\n') i++;
      continue;
    }
    const start = i;
    if (IDENT_START.test(c)) {
      i++;
      for (;;) {
        while (IDENT_CHAR.test(at(i))) i++;
        // A hyphen continues a name only when a name character follows: `same-or-higher`.
        if (at(i) === '-' && IDENT_CHAR.test(at(i + 1))) i++;
        else break;
      }
      const word = text.slice(start, i);
      const span = { start, end: i };
      tokens.push(
        isKeyword(word)
          ? { kind: 'keyword', text: word, span }
          : { kind: 'ident', text: word, span },
      );
      continue;
    }
    if (DIGIT.test(c)) {
      tokens.push(lexNumber());
      continue;
    }
    if (c === '"') {
      i++;
      let closed = false;
      while (i < to) {
        const d = at(i);
        if (d === '\n') break;
        if (isControl(d)) {
          // Raw control bytes in a message would reach the terminal of whoever reads it.
          diagnostics.push(
            langDiagnostic(
              'KV2011',
              source,
              { start: i, end: i + 1 },
              `unexpected character \`\\u{${d.charCodeAt(0).toString(16)}}\` in a string`,
              'control characters cannot appear in strings; write the text without them',
            ),
          );
        }
        if (d === '\\' && i + 1 < to && at(i + 1) !== '\n') {
          i += 2;
          continue;
        }
        i++;
        if (d === '"') {
          closed = true;
          break;
        }
      }
      const span = { start, end: i };
      if (!closed) {
        diagnostics.push(
          langDiagnostic(
            'KV2012',
            source,
            span,
            'unterminated string',
            'close it with `"` on the same line',
          ),
        );
      }
      tokens.push({ kind: 'string', closed, span });
      continue;
    }
    const two = c + at(i + 1);
    const punct = PUNCTUATION.find((p) => p === two) ?? PUNCTUATION.find((p) => p === c);
    if (punct !== undefined) {
      i += punct.length;
      tokens.push({ kind: 'punct', text: punct, span: { start, end: i } });
      continue;
    }
    // `&&`, `||`, `=>` and `->` are one mistake each, not two. Where the intent is clear the
    // lexer reports it and goes on with the right token, so the parser does not cascade.
    const width = two === '&&' || two === '||' || two === '=>' || two === '->' ? 2 : 1;
    i += width;
    const shown = text.slice(start, i);
    const help = two === '=>' || two === '->' ? 'write `implies`' : CHARACTER_HELP[c];
    const span = { start, end: i };
    diagnostics.push(
      langDiagnostic('KV2011', source, span, `unexpected character \`${shown}\``, help),
    );
    const meant = MEANT[shown];
    if (meant !== undefined) tokens.push({ ...meant, span });
  }
  tokens.push({ kind: 'eof', span: { start: to, end: to } });
  return { tokens, diagnostics };

  function lexNumber(): Token {
    const start = i;
    const hex = at(i) === '0' && (at(i + 1) === 'x' || at(i + 1) === 'X');
    if (hex) i += 2;
    const digitsStart = i;
    while ((hex ? HEX_DIGIT : DIGIT).test(at(i))) i++;
    const digits = text.slice(digitsStart, i);
    let bad = hex && digits === '';
    // `12ab`, `0x1g`: a number runs into a name.
    while (IDENT_CHAR.test(at(i))) {
      i++;
      bad = true;
    }
    const span = { start, end: i };
    if (bad) {
      diagnostics.push(
        langDiagnostic(
          'KV2014',
          source,
          span,
          `malformed number \`${text.slice(start, i)}\``,
          'write a decimal number such as `42` or a hexadecimal one such as `0x8173f7e2ce67e6ca`',
        ),
      );
      return { kind: 'number', value: 0n, radix: hex ? 'hex' : 'dec', span };
    }
    return {
      kind: 'number',
      value: BigInt(hex ? `0x${digits}` : digits),
      radix: hex ? 'hex' : 'dec',
      span,
    };
  }
}

/** How a token reads in a message: `` `when` ``, `a number`, `end of file`. */
/** C0 and C1 control characters and DEL, tab excepted. */
function isControl(c: string): boolean {
  const n = c.charCodeAt(0);
  return (n < 0x20 && n !== 9) || (n >= 0x7f && n <= 0x9f);
}

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return `\`${t.text}\``;
    case 'keyword':
      return `\`${t.text}\``;
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'punct':
      return `\`${t.text}\``;
    case 'eof':
      return 'end of file';
    default:
      return assertNever(t, 'token');
  }
}
