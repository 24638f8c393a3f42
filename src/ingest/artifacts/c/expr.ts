/**
 * Integer constant expressions of C, as `#if` and initializers of `struct klp_state` use them:
 * literals with suffixes (`0x8173f7e2ce67e6caUL`, `1U`), character constants, unary
 * `+ - ~ !`, casts to integer types, `* / % + - << >> < <= > >= == != & ^ | && || ?:`.
 *
 * Mirrors C11 6.4.4.1 (the type of an integer literal), 6.3.1.8 (usual arithmetic
 * conversions) and 6.5 (operators) on an LP64 machine: int is 32 bits, long 64. Values are
 * `bigint`, wrapped to their type after each operation, so `~0UL` is 2^64-1 and `1 << 31` is
 * negative as the compiler has it.
 *
 * Guarantees: total; division by zero, an unknown identifier or a syntax error is an
 * `ExprError` pointing at the token, never a throw.
 */
import type { Token } from './lexer.ts';

/** An integer value with its C type (LP64). */
export interface CInt {
  readonly value: bigint;
  readonly bits: 32 | 64;
  readonly unsigned: boolean;
}

export interface ExprError {
  readonly kind: 'error';
  readonly token: Token | null;
  readonly message: string;
  /** The identifier that is not a known constant, when that is the problem. */
  readonly unknown?: string;
}

export type ExprResult = { readonly kind: 'ok'; readonly value: CInt } | ExprError;

const INT: Omit<CInt, 'value'> = { bits: 32, unsigned: false };

function wrap(value: bigint, bits: 32 | 64, unsigned: boolean): CInt {
  const v = unsigned ? BigInt.asUintN(bits, value) : BigInt.asIntN(bits, value);
  return { value: v, bits, unsigned };
}

/**
 * The value and type of a C integer literal, or null if it is not one.
 *
 * @example
 * intLiteral('0xffffffffU') // { value: 4294967295n, bits: 32, unsigned: true }
 */
export function intLiteral(text: string): CInt | null {
  const m =
    /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uU]?(?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU])$/.exec(
      text,
    );
  if (m === null) return null;
  const digits = m[1] ?? '0';
  const suffix = (m[2] ?? '').toLowerCase();
  const value =
    /^0[0-7]+$/.test(digits) && digits.length > 1 ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const decimal = /^[1-9]/.test(digits) || digits === '0';
  const isUnsigned = suffix.includes('u');
  const isLong = suffix.includes('l');
  // C11 6.4.4.1: the first type of the list that holds the value.
  const candidates: Omit<CInt, 'value'>[] = [];
  if (!isLong) {
    if (!isUnsigned) candidates.push(INT);
    if (isUnsigned || !decimal) candidates.push({ bits: 32, unsigned: true });
  }
  if (!isUnsigned) candidates.push({ bits: 64, unsigned: false });
  if (isUnsigned || !decimal) candidates.push({ bits: 64, unsigned: true });
  for (const t of candidates) {
    const max = t.unsigned ? (1n << BigInt(t.bits)) - 1n : (1n << BigInt(t.bits - 1)) - 1n;
    if (value <= max) return { value, ...t };
  }
  return null;
}

const INTEGER_TYPE_WORDS = new Set([
  'unsigned',
  'signed',
  'int',
  'long',
  'short',
  'char',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'size_t',
  'bool',
  '_Bool',
]);

/** The type a cast names, or null if the words are not an integer type. */
function castType(words: readonly string[]): Omit<CInt, 'value'> | null {
  if (words.length === 0 || !words.every((w) => INTEGER_TYPE_WORDS.has(w))) return null;
  const w = words.join(' ');
  if (/^(u64|uint64_t|size_t)$/.test(w)) return { bits: 64, unsigned: true };
  if (/^(s64)$/.test(w)) return { bits: 64, unsigned: false };
  const unsigned =
    words.includes('unsigned') || /^(u8|u16|u32|uint8_t|uint16_t|uint32_t|bool|_Bool)$/.test(w);
  const long = words.includes('long');
  return { bits: long ? 64 : 32, unsigned };
}

/**
 * Evaluates tokens (already macro-expanded) as one integer constant expression.
 * `identifier` gives the value of a name left after expansion (`#if` reads them as 0), or
 * null when the name is unknown.
 *
 * @example
 * evaluate(tokens, () => null) // { kind: 'ok', value: { value: 2n, bits: 32, unsigned: false } }
 */
export function evaluate(
  tokens: readonly Token[],
  identifier: (name: string) => CInt | null,
): ExprResult {
  const p = new Parser(tokens, identifier);
  const v = p.conditional();
  if (v.kind === 'error') return v;
  const rest = p.peek();
  if (rest !== undefined) {
    return {
      kind: 'error',
      token: rest,
      message: `unexpected \`${rest.text}\` in a constant expression`,
    };
  }
  return v;
}

class Parser {
  readonly #tokens: readonly Token[];
  readonly #identifier: (name: string) => CInt | null;
  #i = 0;

  constructor(tokens: readonly Token[], identifier: (name: string) => CInt | null) {
    this.#tokens = tokens;
    this.#identifier = identifier;
  }

  peek(): Token | undefined {
    return this.#tokens[this.#i];
  }

  #eat(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.#i++;
    return true;
  }

  #fail(message: string): ExprError {
    const token = this.peek() ?? this.#tokens[this.#tokens.length - 1] ?? null;
    return { kind: 'error', token, message };
  }

  conditional(): ExprResult {
    const c = this.#binary(0);
    if (c.kind === 'error' || !this.#eat('?')) return c;
    const a = this.conditional();
    if (a.kind === 'error') return a;
    if (!this.#eat(':')) return this.#fail('expected `:` in a conditional expression');
    const b = this.conditional();
    if (b.kind === 'error') return b;
    const [x, y] = convert(a.value, b.value);
    return { kind: 'ok', value: c.value.value !== 0n ? x : y };
  }

  #binary(level: number): ExprResult {
    const ops = LEVELS[level];
    if (ops === undefined) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      if (left.kind === 'error') return left;
      const op = this.peek();
      if (op === undefined || op.kind !== 'punct' || !ops.includes(op.text)) return left;
      this.#i++;
      const right = this.#binary(level + 1);
      if (right.kind === 'error') return right;
      left = apply(op, left.value, right.value);
    }
  }

  #unary(): ExprResult {
    const t = this.peek();
    if (t === undefined) return this.#fail('expected a value');
    if (t.kind === 'punct' && ['-', '+', '~', '!'].includes(t.text)) {
      this.#i++;
      const v = this.#unary();
      if (v.kind === 'error') return v;
      const x = promote(v.value);
      switch (t.text) {
        case '-':
          return ok(wrap(-x.value, x.bits, x.unsigned));
        case '~':
          return ok(wrap(~x.value, x.bits, x.unsigned));
        case '!':
          return ok({ ...INT, value: x.value === 0n ? 1n : 0n });
        default:
          return ok(x);
      }
    }
    if (t.text === '(') {
      // A cast `(unsigned long)x` or a parenthesized expression.
      const words: string[] = [];
      let j: number;
      for (j = this.#i + 1; this.#tokens[j]?.kind === 'ident'; j++)
        words.push(this.#tokens[j]?.text ?? '');
      const type = this.#tokens[j]?.text === ')' ? castType(words) : null;
      if (type !== null) {
        this.#i = j + 1;
        const v = this.#unary();
        if (v.kind === 'error') return v;
        return ok(wrap(v.value.value, type.bits, type.unsigned));
      }
      this.#i++;
      const v = this.conditional();
      if (v.kind === 'error') return v;
      if (!this.#eat(')')) return this.#fail('expected `)`');
      return v;
    }
    this.#i++;
    if (t.kind === 'number') {
      const v = intLiteral(t.text);
      return v === null
        ? { kind: 'error', token: t, message: `\`${t.text}\` is not an integer constant` }
        : ok(v);
    }
    if (t.kind === 'char') {
      const m = /^'(\\x[0-9a-fA-F]+|\\[0-7]{1,3}|\\.|[^\\'])'$/.exec(t.text);
      const body = m?.[1];
      if (body === undefined)
        return { kind: 'error', token: t, message: `unsupported character constant \`${t.text}\`` };
      const code = charCode(body);
      return ok({ ...INT, value: BigInt(code) });
    }
    if (t.kind === 'ident') {
      const v = this.#identifier(t.text);
      if (v !== null) return ok(v);
      return {
        kind: 'error',
        token: t,
        message: `\`${t.text}\` is not a known constant`,
        unknown: t.text,
      };
    }
    return {
      kind: 'error',
      token: t,
      message: `unexpected \`${t.text}\` in a constant expression`,
    };
  }
}

/** The code of the body of a character constant: `a`, `\\n`, `\\x41`, `\\0`. */
function charCode(body: string): number {
  if (body.startsWith('\\x')) return Number.parseInt(body.slice(2), 16) & 0xff;
  if (/^\\[0-7]/.test(body)) return Number.parseInt(body.slice(1), 8) & 0xff;
  if (!body.startsWith('\\')) return body.charCodeAt(0);
  const simple: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11 };
  const e = body.slice(1);
  return simple[e] ?? e.charCodeAt(0);
}

const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

function ok(value: CInt): ExprResult {
  return { kind: 'ok', value };
}

/** Integer promotion: everything narrower than int is int (all values here are int or wider). */
function promote(x: CInt): CInt {
  return x;
}

/** Usual arithmetic conversions of two operands (C11 6.3.1.8, LP64). */
function convert(a: CInt, b: CInt): [CInt, CInt] {
  const bits = a.bits === 64 || b.bits === 64 ? 64 : 32;
  const unsigned =
    a.bits === b.bits ? a.unsigned || b.unsigned : a.bits === 64 ? a.unsigned : b.unsigned;
  return [wrap(a.value, bits, unsigned), wrap(b.value, bits, unsigned)];
}

function apply(op: Token, a: CInt, b: CInt): ExprResult {
  if (op.text === '&&') return ok({ ...INT, value: a.value !== 0n && b.value !== 0n ? 1n : 0n });
  if (op.text === '||') return ok({ ...INT, value: a.value !== 0n || b.value !== 0n ? 1n : 0n });
  if (op.text === '<<' || op.text === '>>') {
    // The result has the promoted type of the left operand.
    if (b.value < 0n || b.value >= BigInt(a.bits)) {
      return {
        kind: 'error',
        token: op,
        message: `shift by ${b.value} is undefined for a ${a.bits}-bit value`,
      };
    }
    const v = op.text === '<<' ? a.value << b.value : a.value >> b.value;
    return ok(wrap(v, a.bits, a.unsigned));
  }
  const [x, y] = convert(a, b);
  const t = { bits: x.bits, unsigned: x.unsigned };
  const bool = (c: boolean): ExprResult => ok({ ...INT, value: c ? 1n : 0n });
  switch (op.text) {
    case '*':
      return ok(wrap(x.value * y.value, t.bits, t.unsigned));
    case '/':
    case '%':
      if (y.value === 0n)
        return { kind: 'error', token: op, message: 'division by zero in a constant expression' };
      return ok(wrap(op.text === '/' ? x.value / y.value : x.value % y.value, t.bits, t.unsigned));
    case '+':
      return ok(wrap(x.value + y.value, t.bits, t.unsigned));
    case '-':
      return ok(wrap(x.value - y.value, t.bits, t.unsigned));
    case '<':
      return bool(x.value < y.value);
    case '<=':
      return bool(x.value <= y.value);
    case '>':
      return bool(x.value > y.value);
    case '>=':
      return bool(x.value >= y.value);
    case '==':
      return bool(x.value === y.value);
    case '!=':
      return bool(x.value !== y.value);
    case '&':
      return ok(wrap(x.value & y.value, t.bits, t.unsigned));
    case '^':
      return ok(wrap(x.value ^ y.value, t.bits, t.unsigned));
    case '|':
      return ok(wrap(x.value | y.value, t.bits, t.unsigned));
    default:
      return { kind: 'error', token: op, message: `unsupported operator \`${op.text}\`` };
  }
}
