/**
 * Evaluation of a term under an assignment of its free variables: the semantics of SMT-LIB's
 * Core and FixedSizeBitVectors theories for the operations of src/smt/term.ts. Used to check
 * every model the solver returns and to test the factory and the Z3 encoding without WASM.
 *
 * Guarantees: total on well-sorted terms whose free variables are all assigned a value of
 * their sort; anything else throws (a programming error, never a user error).
 */
import { assertNever } from '../model/op.ts';
import { isValueOf, postorder, printSort, type Term, type Value } from './term.ts';

/** Values of variables by name: what a solver model decodes to. */
export type Assignment = ReadonlyMap<string, Value>;

function asBool(v: Value): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`expected a Bool value, got ${String(v)}`);
  return v;
}

function asBits(v: Value): bigint {
  if (typeof v !== 'bigint') throw new TypeError(`expected a bit-vector value, got ${String(v)}`);
  return v;
}

/**
 * The value of `term` under `model`.
 *
 * @example
 * interpret(bvult(variable('v', bitvec(32)), bv(5, 32)), new Map([['v', 3n]])) // true
 */
export function interpret(term: Term, model: Assignment): Value {
  const [value] = interpretMany([term], model);
  if (value === undefined) throw new Error('unreachable: one term has one value');
  return value;
}

/**
 * The values of several terms under one model, evaluating shared subterms once.
 *
 * @example
 * interpretMany([x, not(x)], new Map([['x', true]])) // [true, false]
 */
export function interpretMany(terms: readonly Term[], model: Assignment): Value[] {
  const values = new Map<number, Value>();
  const of = (t: Term): Value => {
    const v = values.get(t.id);
    if (v === undefined) throw new Error('unreachable: children are evaluated first');
    return v;
  };
  for (const t of postorder(terms)) {
    values.set(t.id, step(t, of, model));
  }
  return terms.map(of);
}

/**
 * The value of a Bool term under `model`.
 *
 * @example
 * interpretBool(and(x, y), new Map([['x', true], ['y', false]])) // false
 */
export function interpretBool(term: Term, model: Assignment): boolean {
  return asBool(interpret(term, model));
}

function step(t: Term, of: (t: Term) => Value, model: Assignment): Value {
  switch (t.kind) {
    case 'bool':
    case 'bv':
      return t.value;
    case 'var': {
      const v = model.get(t.name);
      if (v === undefined) throw new RangeError(`variable \`${t.name}\` has no value`);
      if (!isValueOf(v, t.sort)) {
        throw new TypeError(`value ${String(v)} of \`${t.name}\` is not a ${printSort(t.sort)}`);
      }
      return v;
    }
    case 'not':
      return !asBool(of(t.arg));
    case 'and':
      return t.args.every((a) => asBool(of(a)));
    case 'or':
      return t.args.some((a) => asBool(of(a)));
    case 'implies':
      return !asBool(of(t.lhs)) || asBool(of(t.rhs));
    case 'ite':
      return asBool(of(t.cond)) ? of(t.onTrue) : of(t.onFalse);
    case 'eq':
      return of(t.lhs) === of(t.rhs);
    case 'distinct':
      return new Set(t.args.map(of)).size === t.args.length;
    case 'bvule':
      return asBits(of(t.lhs)) <= asBits(of(t.rhs));
    case 'bvult':
      return asBits(of(t.lhs)) < asBits(of(t.rhs));
    case 'bvadd': {
      const width = t.sort.kind === 'bitvec' ? t.sort.width : 0;
      return (asBits(of(t.lhs)) + asBits(of(t.rhs))) & ((1n << BigInt(width)) - 1n);
    }
    default:
      return assertNever(t, 'term');
  }
}
