/**
 * The only maker of terms: lowercase smart constructors that sort-check their arguments, fold
 * constants and apply local simplifications, then intern the result. Modelled on Cedar's
 * `cedar-policy-symcc` `factory.rs`.
 *
 * Guarantees:
 * - every constructor returns a term equivalent to the SMT-LIB operation applied to its
 *   arguments (test/smt/differential.test.ts checks this against a reference evaluator and Z3);
 * - a term whose arguments are all literals folds to a literal, so compiling a rule over a
 *   concrete catalog and state yields a literal and needs no solver call;
 * - hash-consing: structurally equal terms are the same object, so `===` is equality and
 *   `term.id` is a key for caches;
 * - misuse (wrong sorts, a bad name, an out-of-range literal) throws: it is a programming error,
 *   never a user error.
 */
import {
  isLiteral,
  MAX_BITVEC_WIDTH,
  nameProblem,
  printSort,
  type Sort,
  sameSort,
  type Term,
} from './term.ts';

// Interning table. Weak references let terms nobody holds be collected in long sessions (a
// model checker builds many short-lived terms); the registry drops their keys.
const table = new Map<string, WeakRef<Term>>();
const registry = new FinalizationRegistry<string>((key) => {
  if (table.get(key)?.deref() === undefined) table.delete(key);
});
let nextId = 0;

function intern(key: string, make: (id: number) => Term): Term {
  const hit = table.get(key)?.deref();
  if (hit !== undefined) return hit;
  const term = Object.freeze(make(nextId++));
  table.set(key, new WeakRef(term));
  registry.register(term, key);
  return term;
}

// ---------- sorts ----------

/** The Bool sort. */
export const BOOL: Sort = Object.freeze({ kind: 'bool' });

const bitvecSorts = new Map<number, Sort>();

/**
 * The sort of bit-vectors of `width` bits (1 to {@link MAX_BITVEC_WIDTH}).
 *
 * @example
 * bitvec(32) // (_ BitVec 32), the sort of a state version
 */
export function bitvec(width: number): Sort {
  if (!Number.isInteger(width) || width < 1 || width > MAX_BITVEC_WIDTH) {
    throw new RangeError(
      `bit-vector width must be an integer from 1 to ${MAX_BITVEC_WIDTH}, got ${width}`,
    );
  }
  let sort = bitvecSorts.get(width);
  if (sort === undefined) {
    sort = Object.freeze({ kind: 'bitvec', width });
    bitvecSorts.set(width, sort);
  }
  return sort;
}

function sortKey(sort: Sort): string {
  return sort.kind === 'bool' ? 'B' : `b${sort.width}`;
}

function expectBool(op: string, t: Term): void {
  if (t.sort.kind !== 'bool')
    throw new TypeError(`\`${op}\` expects Bool, got ${printSort(t.sort)}`);
}

function expectBitvec(op: string, t: Term): number {
  if (t.sort.kind !== 'bitvec') {
    throw new TypeError(`\`${op}\` expects a bit-vector, got ${printSort(t.sort)}`);
  }
  return t.sort.width;
}

function expectSameSort(op: string, a: Term, b: Term): void {
  if (!sameSort(a.sort, b.sort)) {
    throw new TypeError(
      `\`${op}\` expects arguments of one sort, got ${printSort(a.sort)} and ${printSort(b.sort)}`,
    );
  }
}

function key(kind: string, args: readonly Term[]): string {
  return `${kind}(${args.map((a) => a.id).join(',')})`;
}

// ---------- literals and variables ----------

/**
 * The Bool literal.
 *
 * @example
 * bool(true) === TRUE // true
 */
export function bool(value: boolean): Term {
  return intern(value ? 'T' : 'F', (id) => ({ kind: 'bool', id, sort: BOOL, value }));
}

export const TRUE: Term = bool(true);
export const FALSE: Term = bool(false);

/**
 * The bit-vector literal `value` of `width` bits; `value` must be an unsigned value that fits.
 *
 * @example
 * bv(0x8173f7e2ce67e6can, 64) // a state id
 */
export function bv(value: bigint | number, width: number): Term {
  const sort = bitvec(width);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`bit-vector literal must be an integer, got ${value}`);
  }
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(width)) {
    throw new RangeError(`bit-vector literal ${v} does not fit in ${width} bits`);
  }
  return intern(`#${width}:${v}`, (id) => ({ kind: 'bv', id, sort, value: v }));
}

/**
 * A free variable. Names follow {@link nameProblem}; the same name with two sorts is two
 * different variables, which `freeVars` and the solver reject when they meet.
 *
 * @example
 * variable('installed.version', bitvec(32))
 */
export function variable(name: string, sort: Sort): Term {
  const problem = nameProblem(name);
  if (problem !== null) throw new RangeError(problem);
  return intern(`v${sortKey(sort)}:${name}`, (id) => ({ kind: 'var', id, sort, name }));
}

/**
 * A Bool variable.
 *
 * @example
 * boolVar('p2.replace')
 */
export function boolVar(name: string): Term {
  return variable(name, BOOL);
}

/**
 * A bit-vector variable of `width` bits.
 *
 * @example
 * bvVar('state.id', 64)
 */
export function bvVar(name: string, width: number): Term {
  return variable(name, bitvec(width));
}

// ---------- Core theory ----------

/**
 * Negation; folds literals and double negation.
 *
 * @example
 * not(not(x)) === x // true
 */
export function not(t: Term): Term {
  expectBool('not', t);
  if (t.kind === 'bool') return bool(!t.value);
  if (t.kind === 'not') return t.arg;
  return intern(key('not', [t]), (id) => ({ kind: 'not', id, sort: BOOL, arg: t }));
}

function isNegationOf(a: Term, b: Term): boolean {
  return (a.kind === 'not' && a.arg === b) || (b.kind === 'not' && b.arg === a);
}

function junction(kind: 'and' | 'or', ts: readonly Term[]): Term {
  const absorbing = kind === 'or';
  const args: Term[] = [];
  const seen = new Set<number>();
  const add = (t: Term): boolean => {
    if (t.kind === 'bool') return t.value === absorbing;
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    args.push(t);
    return false;
  };
  for (const t of ts) {
    expectBool(kind, t);
    // INVARIANT: a nested junction of the same kind is already flat and free of literals.
    const parts = t.kind === kind ? t.args : [t];
    for (const p of parts) if (add(p)) return bool(absorbing);
  }
  for (const a of args) {
    if (a.kind === 'not' && seen.has(a.arg.id)) return bool(absorbing);
  }
  if (args.length === 0) return bool(!absorbing);
  if (args.length === 1) return args[0] ?? bool(!absorbing);
  return intern(key(kind, args), (id) => ({ kind, id, sort: BOOL, args }));
}

/**
 * Conjunction: flattened, `true` dropped, duplicates dropped (first occurrence kept, so terms
 * read in the order they were written), `false` or `x` with `not x` give `false`.
 *
 * @example
 * and(TRUE, x, and(y, x)) // (and x y)
 */
export function and(...ts: readonly Term[]): Term {
  return junction('and', ts);
}

/**
 * Disjunction; the dual of {@link and}.
 *
 * @example
 * or(x, not(x)) === TRUE // true
 */
export function or(...ts: readonly Term[]): Term {
  return junction('or', ts);
}

/**
 * Implication, kept as `=>` so that printed rules read as rules.
 *
 * @example
 * implies(FALSE, x) === TRUE // true
 */
export function implies(lhs: Term, rhs: Term): Term {
  expectBool('=>', lhs);
  expectBool('=>', rhs);
  if (lhs.kind === 'bool') return lhs.value ? rhs : TRUE;
  if (rhs.kind === 'bool') return rhs.value ? TRUE : not(lhs);
  if (lhs === rhs) return TRUE;
  if (isNegationOf(lhs, rhs)) return rhs;
  return intern(key('implies', [lhs, rhs]), (id) => ({
    kind: 'implies',
    id,
    sort: BOOL,
    lhs,
    rhs,
  }));
}

/**
 * If-then-else over any sort. A literal condition picks a branch; Bool branches with a literal
 * become `and`/`or`; a negated condition swaps the branches.
 *
 * @example
 * ite(c, TRUE, FALSE) === c // true
 */
export function ite(cond: Term, onTrue: Term, onFalse: Term): Term {
  expectBool('ite', cond);
  expectSameSort('ite', onTrue, onFalse);
  if (cond.kind === 'bool') return cond.value ? onTrue : onFalse;
  if (onTrue === onFalse) return onTrue;
  if (cond.kind === 'not') return ite(cond.arg, onFalse, onTrue);
  if (onTrue.kind === 'ite' && onTrue.cond === cond) return ite(cond, onTrue.onTrue, onFalse);
  if (onFalse.kind === 'ite' && onFalse.cond === cond) return ite(cond, onTrue, onFalse.onFalse);
  if (onTrue.sort.kind === 'bool') {
    if (onTrue.kind === 'bool') return onTrue.value ? or(cond, onFalse) : and(not(cond), onFalse);
    if (onFalse.kind === 'bool') return onFalse.value ? or(not(cond), onTrue) : and(cond, onTrue);
  }
  return intern(key('ite', [cond, onTrue, onFalse]), (id) => ({
    kind: 'ite',
    id,
    sort: onTrue.sort,
    cond,
    onTrue,
    onFalse,
  }));
}

// A lookup compiled over a concrete catalog is an `ite` chain with literal leaves, e.g. the
// version a patch declares for a state. Comparing it with a literal pushes the comparison to
// the leaves, where it folds: `(= (ite c 1 (ite d 2 3)) 3)` becomes `(and (not c) (not d))`.
const literalLeaves = new WeakMap<Term, boolean>();

/**
 * The ite nodes of the tree under `root` (through branches only, not conditions), children
 * before parents, skipping those `done` says are known. Iterative: lookups over a long release
 * stream are deep chains.
 */
function iteNodes(root: Term, done: (t: Term) => boolean): Term[] {
  const out: Term[] = [];
  const stack: Array<{ term: Term; expanded: boolean }> = [{ term: root, expanded: false }];
  const queued = new Set<number>();
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    const t = top.term;
    if (t.kind !== 'ite') continue;
    if (top.expanded) {
      out.push(t);
      continue;
    }
    if (done(t) || queued.has(t.id)) continue;
    queued.add(t.id);
    stack.push({ term: t, expanded: true });
    stack.push({ term: t.onFalse, expanded: false }, { term: t.onTrue, expanded: false });
  }
  return out;
}

function hasLiteralLeaves(t: Term): boolean {
  if (isLiteral(t)) return true;
  if (t.kind !== 'ite') return false;
  const leafOk = (b: Term): boolean => isLiteral(b) || literalLeaves.get(b) === true;
  for (const n of iteNodes(t, (m) => literalLeaves.has(m))) {
    if (n.kind === 'ite') literalLeaves.set(n, leafOk(n.onTrue) && leafOk(n.onFalse));
  }
  return literalLeaves.get(t) === true;
}

/** `leaf` applied at the leaves of an ite tree with literal leaves, once per DAG node. */
function liftIte(root: Term, leaf: (x: Term) => Term): Term {
  const memo = new Map<number, Term>();
  const lifted = (b: Term): Term => (b.kind === 'ite' ? (memo.get(b.id) ?? b) : leaf(b));
  for (const n of iteNodes(root, (m) => memo.has(m.id))) {
    if (n.kind === 'ite') memo.set(n.id, ite(n.cond, lifted(n.onTrue), lifted(n.onFalse)));
  }
  return lifted(root);
}

/** When one side is a literal and the other an ite tree with literal leaves: lift, else null. */
function liftBinary(lhs: Term, rhs: Term, op: (a: Term, b: Term) => Term): Term | null {
  if (isLiteral(rhs) && lhs.kind === 'ite' && hasLiteralLeaves(lhs)) {
    return liftIte(lhs, (x) => op(x, rhs));
  }
  if (isLiteral(lhs) && rhs.kind === 'ite' && hasLiteralLeaves(rhs)) {
    return liftIte(rhs, (x) => op(lhs, x));
  }
  return null;
}

function literalValue(t: Term): boolean | bigint | null {
  return t.kind === 'bool' || t.kind === 'bv' ? t.value : null;
}

/**
 * Equality over any sort (`iff` on Bool). Literal operands are moved to the right.
 *
 * @example
 * eq(bv(3, 32), bv(3, 32)) === TRUE // true
 * eq(x, FALSE) === not(x) // true
 */
export function eq(lhs: Term, rhs: Term): Term {
  expectSameSort('=', lhs, rhs);
  if (lhs === rhs) return TRUE;
  const a = literalValue(lhs);
  const b = literalValue(rhs);
  if (a !== null && b !== null) return bool(a === b);
  if (a !== null) return eq(rhs, lhs);
  if (rhs.kind === 'bool') return rhs.value ? lhs : not(lhs);
  const lifted = liftBinary(lhs, rhs, eq);
  if (lifted !== null) return lifted;
  return intern(key('eq', [lhs, rhs]), (id) => ({ kind: 'eq', id, sort: BOOL, lhs, rhs }));
}

/**
 * Pairwise disequality. Fewer than two arguments give `true`, two give `(not (= a b))`, a
 * repeated argument or more arguments than the sort has values give `false`.
 *
 * @example
 * distinct(bv(1, 32), bv(2, 32), bv(3, 32)) === TRUE // true
 */
export function distinct(...ts: readonly Term[]): Term {
  const first = ts[0];
  if (first === undefined) return TRUE;
  for (const t of ts) expectSameSort('distinct', first, t);
  if (ts.length === 1) return TRUE;
  if (ts.length === 2) return not(eq(first, ts[1] ?? first));
  const values = first.sort.kind === 'bool' ? 2n : 1n << BigInt(first.sort.width);
  if (BigInt(ts.length) > values) return FALSE;
  if (new Set(ts.map((t) => t.id)).size < ts.length) return FALSE;
  // INVARIANT (hash-consing): distinct literal objects have distinct values.
  if (ts.every(isLiteral)) return TRUE;
  const args = [...ts];
  return intern(key('distinct', args), (id) => ({ kind: 'distinct', id, sort: BOOL, args }));
}

// ---------- FixedSizeBitVectors theory ----------

function bvOperands(op: string, lhs: Term, rhs: Term): number {
  const width = expectBitvec(op, lhs);
  expectSameSort(op, lhs, rhs);
  return width;
}

function maxValue(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

function isBvLiteral(t: Term, value: bigint): boolean {
  return t.kind === 'bv' && t.value === value;
}

/**
 * Unsigned `lhs <= rhs`.
 *
 * @example
 * bvule(bv(0, 32), v) === TRUE // true
 */
export function bvule(lhs: Term, rhs: Term): Term {
  const width = bvOperands('bvule', lhs, rhs);
  if (lhs.kind === 'bv' && rhs.kind === 'bv') return bool(lhs.value <= rhs.value);
  if (lhs === rhs || isBvLiteral(lhs, 0n) || isBvLiteral(rhs, maxValue(width))) return TRUE;
  if (isBvLiteral(rhs, 0n) || isBvLiteral(lhs, maxValue(width))) return eq(lhs, rhs);
  const lifted = liftBinary(lhs, rhs, bvule);
  if (lifted !== null) return lifted;
  return intern(key('bvule', [lhs, rhs]), (id) => ({ kind: 'bvule', id, sort: BOOL, lhs, rhs }));
}

/**
 * Unsigned `lhs < rhs`.
 *
 * @example
 * bvult(v, bv(0, 32)) === FALSE // true
 */
export function bvult(lhs: Term, rhs: Term): Term {
  const width = bvOperands('bvult', lhs, rhs);
  if (lhs.kind === 'bv' && rhs.kind === 'bv') return bool(lhs.value < rhs.value);
  if (lhs === rhs || isBvLiteral(rhs, 0n) || isBvLiteral(lhs, maxValue(width))) return FALSE;
  const lifted = liftBinary(lhs, rhs, bvult);
  if (lifted !== null) return lifted;
  return intern(key('bvult', [lhs, rhs]), (id) => ({ kind: 'bvult', id, sort: BOOL, lhs, rhs }));
}

/**
 * Unsigned `lhs >= rhs`, as `(bvule rhs lhs)`.
 *
 * @example
 * printTerm(bvuge(v, bv(3, 32))) // '(bvule (_ bv3 32) v)'
 */
export function bvuge(lhs: Term, rhs: Term): Term {
  bvOperands('bvuge', lhs, rhs);
  return bvule(rhs, lhs);
}

/**
 * Unsigned `lhs > rhs`, as `(bvult rhs lhs)`.
 *
 * @example
 * printTerm(bvugt(v, bv(3, 32))) // '(bvult (_ bv3 32) v)'
 */
export function bvugt(lhs: Term, rhs: Term): Term {
  bvOperands('bvugt', lhs, rhs);
  return bvult(rhs, lhs);
}

/**
 * Addition modulo 2^width. A literal operand goes to the right.
 *
 * @example
 * bvadd(bv(0xffffffff, 32), bv(1, 32)) === bv(0, 32) // true
 */
export function bvadd(lhs: Term, rhs: Term): Term {
  const width = bvOperands('bvadd', lhs, rhs);
  if (lhs.kind === 'bv' && rhs.kind === 'bv')
    return bv((lhs.value + rhs.value) & maxValue(width), width);
  if (lhs.kind === 'bv') return bvadd(rhs, lhs);
  if (isBvLiteral(rhs, 0n)) return lhs;
  const lifted = liftBinary(lhs, rhs, bvadd);
  if (lifted !== null) return lifted;
  return intern(key('bvadd', [lhs, rhs]), (id) => ({
    kind: 'bvadd',
    id,
    sort: lhs.sort,
    lhs,
    rhs,
  }));
}
