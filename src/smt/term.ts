/**
 * The solver layer's own term language: a small, quantifier-free, uninterpreted-function-free
 * fragment of SMT-LIB's Core and FixedSizeBitVectors theories (logic QF_BV). Rule compilation
 * produces these terms; src/smt/z3/ maps them to Z3 at the edge, so everything above the solver
 * (compilation, printing, model checking with {@link ../smt/interpret.ts}) runs without WASM.
 * Modelled on Cedar's `cedar-policy-symcc` `term.rs`.
 *
 * Guarantees: terms are immutable and hash-consed by src/smt/factory.ts (the only maker of
 * terms), so two terms are structurally equal exactly when they are the same object; every term
 * is well sorted; a variable name is a legal SMT-LIB symbol that cannot collide with a solver
 * keyword.
 */
import { assertNever } from '../model/op.ts';

/** The sorts a term can have. */
export type Sort =
  | { readonly kind: 'bool' }
  /** Unsigned machine words: state ids (64), versions and replace sets (32), positions. */
  | { readonly kind: 'bitvec'; readonly width: number };

/** The largest bit-vector width a term may have. */
export const MAX_BITVEC_WIDTH = 4096;

/**
 * A term. Always built through src/smt/factory.ts, never as an object literal: the factory
 * interns terms and simplifies them on the way in.
 *
 * INVARIANT: `and`/`or` have at least two arguments, none of them a literal or repeated;
 * `distinct` has at least three; every child has the sort its parent requires.
 */
export type Term =
  | { readonly kind: 'bool'; readonly id: number; readonly sort: Sort; readonly value: boolean }
  | { readonly kind: 'bv'; readonly id: number; readonly sort: Sort; readonly value: bigint }
  | { readonly kind: 'var'; readonly id: number; readonly sort: Sort; readonly name: string }
  | { readonly kind: 'not'; readonly id: number; readonly sort: Sort; readonly arg: Term }
  | {
      readonly kind: 'and';
      readonly id: number;
      readonly sort: Sort;
      readonly args: readonly Term[];
    }
  | {
      readonly kind: 'or';
      readonly id: number;
      readonly sort: Sort;
      readonly args: readonly Term[];
    }
  | {
      readonly kind: 'implies';
      readonly id: number;
      readonly sort: Sort;
      readonly lhs: Term;
      readonly rhs: Term;
    }
  | {
      readonly kind: 'ite';
      readonly id: number;
      readonly sort: Sort;
      readonly cond: Term;
      readonly onTrue: Term;
      readonly onFalse: Term;
    }
  | {
      readonly kind: 'eq';
      readonly id: number;
      readonly sort: Sort;
      readonly lhs: Term;
      readonly rhs: Term;
    }
  | {
      readonly kind: 'distinct';
      readonly id: number;
      readonly sort: Sort;
      readonly args: readonly Term[];
    }
  | {
      readonly kind: 'bvule';
      readonly id: number;
      readonly sort: Sort;
      readonly lhs: Term;
      readonly rhs: Term;
    }
  | {
      readonly kind: 'bvult';
      readonly id: number;
      readonly sort: Sort;
      readonly lhs: Term;
      readonly rhs: Term;
    }
  | {
      readonly kind: 'bvadd';
      readonly id: number;
      readonly sort: Sort;
      readonly lhs: Term;
      readonly rhs: Term;
    };

export type TermKind = Term['kind'];

/** A term with a name, as an assertion: the name comes back in unsat cores. */
export interface NamedAssertion {
  readonly name: string;
  readonly term: Term;
}

/** A value a term can take: `boolean` for Bool, an unsigned `bigint` for bit-vectors. */
export type Value = boolean | bigint;

/**
 * The sort as SMT-LIB writes it.
 *
 * @example
 * printSort(bitvec(32)) // '(_ BitVec 32)'
 */
export function printSort(sort: Sort): string {
  return sort.kind === 'bool' ? 'Bool' : `(_ BitVec ${sort.width})`;
}

/**
 * Sort equality.
 *
 * @example
 * sameSort(bitvec(32), bitvec(64)) // false
 */
export function sameSort(a: Sort, b: Sort): boolean {
  return a.kind === 'bool' ? b.kind === 'bool' : b.kind === 'bitvec' && a.width === b.width;
}

/**
 * Whether `value` is a value of `sort` (an unsigned bigint that fits, for bit-vectors).
 *
 * @example
 * isValueOf(256n, bitvec(8)) // false
 */
export function isValueOf(value: Value, sort: Sort): boolean {
  if (sort.kind === 'bool') return typeof value === 'boolean';
  return typeof value === 'bigint' && value >= 0n && value < 1n << BigInt(sort.width);
}

/**
 * Whether the term is a literal (`true`, `false`, a bit-vector constant).
 *
 * @example
 * isLiteral(bvule(bv(1, 8), bv(2, 8))) // true: it folded to `true`
 */
export function isLiteral(t: Term): boolean {
  return t.kind === 'bool' || t.kind === 'bv';
}

/**
 * The immediate subterms, in argument order.
 *
 * @example
 * children(ite(c, a, b)) // [c, a, b]
 */
export function children(t: Term): readonly Term[] {
  switch (t.kind) {
    case 'bool':
    case 'bv':
    case 'var':
      return [];
    case 'not':
      return [t.arg];
    case 'and':
    case 'or':
    case 'distinct':
      return t.args;
    case 'implies':
    case 'eq':
    case 'bvule':
    case 'bvult':
    case 'bvadd':
      return [t.lhs, t.rhs];
    case 'ite':
      return [t.cond, t.onTrue, t.onFalse];
    default:
      return assertNever(t, 'term');
  }
}

/**
 * Every distinct subterm of `roots`, children before parents, each once. Iterative, so deep
 * terms (long `ite` chains from unrolled transitions) cannot overflow the stack.
 *
 * @example
 * postorder([and(x, y)]).map((t) => t.kind) // ['var', 'var', 'and']
 */
export function postorder(roots: readonly Term[]): Term[] {
  const out: Term[] = [];
  const done = new Set<number>();
  const stack: Array<{ term: Term; expanded: boolean }> = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    const root = roots[i];
    if (root !== undefined) stack.push({ term: root, expanded: false });
  }
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined || done.has(top.term.id)) continue;
    if (top.expanded) {
      done.add(top.term.id);
      out.push(top.term);
      continue;
    }
    stack.push({ term: top.term, expanded: true });
    const kids = children(top.term);
    for (let i = kids.length - 1; i >= 0; i--) {
      const kid = kids[i];
      if (kid !== undefined && !done.has(kid.id)) stack.push({ term: kid, expanded: false });
    }
  }
  return out;
}

/**
 * The free variables of `terms` with their sorts, in order of first occurrence.
 * Throws when one name is used with two sorts: the terms could not be declared together.
 *
 * @example
 * freeVars([bvule(variable('v', bitvec(32)), bv(3, 32))]) // Map { 'v' => { kind: 'bitvec', width: 32 } }
 */
export function freeVars(terms: readonly Term[]): ReadonlyMap<string, Sort> {
  const vars = new Map<string, Sort>();
  for (const t of postorder(terms)) {
    if (t.kind !== 'var') continue;
    const seen = vars.get(t.name);
    if (seen === undefined) vars.set(t.name, t.sort);
    else if (!sameSort(seen, t.sort)) {
      throw new TypeError(
        `variable \`${t.name}\` is used as ${printSort(seen)} and as ${printSort(t.sort)}`,
      );
    }
  }
  return vars;
}

/**
 * The number of distinct nodes of the term (its size as a DAG).
 *
 * @example
 * termSize(and(x, not(x), y)) // 1: it folded to `false`
 */
export function termSize(t: Term): number {
  return postorder([t]).length;
}

// SMT-LIB 2.6 reserved words and the Core/BV symbols a declaration would clash with. cvc5
// rejects `(declare-fun |true| () Bool)`: quoting does not make a symbol distinct.
const RESERVED = new Set([
  '!',
  '_',
  'as',
  'BINARY',
  'DECIMAL',
  'exists',
  'forall',
  'HEXADECIMAL',
  'let',
  'match',
  'NUMERAL',
  'par',
  'STRING',
  'Bool',
  'BitVec',
  'true',
  'false',
  'not',
  'and',
  'or',
  'xor',
  '=>',
  '=',
  'distinct',
  'ite',
  'concat',
  'extract',
  'repeat',
  'zero_extend',
  'sign_extend',
  'rotate_left',
  'rotate_right',
  'bvnot',
  'bvand',
  'bvor',
  'bvneg',
  'bvadd',
  'bvmul',
  'bvudiv',
  'bvurem',
  'bvshl',
  'bvlshr',
  'bvult',
  'bvule',
  'bvugt',
  'bvuge',
  'bvslt',
  'bvsle',
  'bvsgt',
  'bvsge',
  'bvsub',
  'bvxor',
  'bvnand',
  'bvnor',
  'bvxnor',
  'bvcomp',
  'bvsdiv',
  'bvsrem',
  'bvsmod',
  'bvashr',
]);

const SIMPLE_SYMBOL = /^[A-Za-z~!@$%^&*_\-+=<>.?/][A-Za-z0-9~!@$%^&*_\-+=<>.?/]*$/;

/**
 * Why `name` cannot be a variable or assertion name, or null when it can. Names are printable
 * ASCII without `|` and `\`, not SMT-LIB keywords or theory symbols, and do not start with `@`,
 * `.` (reserved for solvers) or `?` (reserved for the printer's `let` bindings).
 *
 * @example
 * nameProblem('distinct') // 'name `distinct` is an SMT-LIB keyword or theory symbol'
 */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'a name cannot be empty';
  if (!/^[\x20-\x7e]*$/.test(name))
    return `name \`${name}\` has a character outside printable ASCII`;
  if (name.includes('|') || name.includes('\\')) return `name \`${name}\` contains \`|\` or \`\\\``;
  if (RESERVED.has(name)) return `name \`${name}\` is an SMT-LIB keyword or theory symbol`;
  if (/^[@.?]/.test(name)) return `name \`${name}\` starts with \`${name[0]}\``;
  return null;
}

/**
 * A name as an SMT-LIB symbol: bare when it is a simple symbol, else between `|`.
 *
 * @example
 * printSymbol('rule:gt10') // '|rule:gt10|'
 */
export function printSymbol(name: string): string {
  return SIMPLE_SYMBOL.test(name) ? name : `|${name}|`;
}

function printLiteral(t: Term): string | null {
  if (t.kind === 'bool') return t.value ? 'true' : 'false';
  if (t.kind === 'bv') return `(_ bv${t.value} ${widthOf(t)})`;
  return null;
}

function widthOf(t: Term): number {
  return t.sort.kind === 'bitvec' ? t.sort.width : 0;
}

function application(t: Term, arg: (c: Term) => string): string {
  switch (t.kind) {
    case 'bool':
    case 'bv':
      return printLiteral(t) ?? '';
    case 'var':
      return printSymbol(t.name);
    case 'not':
      return `(not ${arg(t.arg)})`;
    case 'and':
    case 'or':
    case 'distinct':
      return `(${t.kind} ${t.args.map(arg).join(' ')})`;
    case 'implies':
      return `(=> ${arg(t.lhs)} ${arg(t.rhs)})`;
    case 'eq':
      return `(= ${arg(t.lhs)} ${arg(t.rhs)})`;
    case 'bvule':
    case 'bvult':
    case 'bvadd':
      return `(${t.kind} ${arg(t.lhs)} ${arg(t.rhs)})`;
    case 'ite':
      return `(ite ${arg(t.cond)} ${arg(t.onTrue)} ${arg(t.onFalse)})`;
    default:
      return assertNever(t, 'term');
  }
}

/**
 * The term in SMT-LIB 2 syntax. With `share`, a compound subterm that occurs more than once is
 * bound once with `let` (names `?t0`, `?t1`, ... in order of appearance), so the text stays
 * linear in the size of the DAG; without it the tree is printed in full, for reading.
 *
 * @example
 * printTerm(bvult(variable('v', bitvec(32)), bv(5, 32))) // '(bvult v (_ bv5 32))'
 */
export function printTerm(term: Term, opts: { share?: boolean } = {}): string {
  const nodes = postorder([term]);
  const shared = new Set<number>();
  if (opts.share === true) {
    const uses = new Map<number, number>();
    for (const t of nodes) {
      for (const c of new Set(children(t))) uses.set(c.id, (uses.get(c.id) ?? 0) + 1);
    }
    for (const t of nodes) {
      if ((uses.get(t.id) ?? 0) > 1 && children(t).length > 0) shared.add(t.id);
    }
  }
  const text = new Map<number, string>();
  const bindings: string[] = [];
  for (const t of nodes) {
    const own = application(t, (c) => text.get(c.id) ?? '');
    if (shared.has(t.id)) {
      const name = `?t${bindings.length}`;
      bindings.push(`(let ((${name} ${own}))`);
      text.set(t.id, name);
    } else {
      text.set(t.id, own);
    }
  }
  // The root has no parent, so it is never bound: it is the body of the innermost `let`.
  return `${bindings.join(' ')}${bindings.length > 0 ? ' ' : ''}${text.get(term.id) ?? ''}${')'.repeat(bindings.length)}`;
}
