/**
 * The map between our terms (src/smt/term.ts) and Z3 expressions: `encode` is total on terms,
 * one Z3 operation per term kind with the same SMT-LIB meaning (the differential test compares
 * it with src/smt/interpret.ts); `decode` reads a Z3 model back as an {@link Assignment}.
 *
 * Guarantees: a term is encoded once per session (cached by identity, which hash-consing makes
 * structural); a variable name keeps one sort for the whole session (a second sort throws,
 * since Z3 would silently make two variables of one name).
 */
import type { BitVec, Bool, Expr, Model } from 'z3-solver';
import { assertNever } from '../../model/op.ts';
import type { Assignment } from '../interpret.ts';
import { postorder, printSort, type Sort, sameSort, type Term, type Value } from '../term.ts';
import { guarded, type Session } from './session.ts';

export type Z3Expr = Expr<'klp'>;
export type Z3Bool = Bool<'klp'>;
type Z3BitVec = BitVec<number, 'klp'>;

/**
 * Encodes terms into one session's context. One encoder per session; it lives as long as the
 * session does, and its cache lets Z3 expressions die with their terms.
 */
export class Encoder {
  readonly session: Session;
  private readonly cache = new WeakMap<Term, Z3Expr>();
  private readonly declared = new Map<string, Sort>();

  constructor(session: Session) {
    this.session = session;
  }

  /**
   * The Z3 expression for `term`.
   *
   * @example
   * encoder.encode(bvult(v, bv(5, 32))).sexpr() // '(bvult v #x00000005)'
   */
  encode(term: Term): Z3Expr {
    const hit = this.cache.get(term);
    if (hit !== undefined) return hit;
    return guarded(this.session, () => {
      for (const t of postorder([term])) {
        if (!this.cache.has(t)) this.cache.set(t, this.encodeNode(t));
      }
      return this.get(term);
    });
  }

  /**
   * The Z3 expression for a Bool term.
   *
   * @example
   * solver.add(encoder.encodeBool(and(x, y)));
   */
  encodeBool(term: Term): Z3Bool {
    if (term.sort.kind !== 'bool')
      throw new TypeError(`expected a Bool term, got ${printSort(term.sort)}`);
    return this.encode(term) as Z3Bool;
  }

  /**
   * The values `model` gives `vars`, completing the model where Z3 left a variable free.
   *
   * @example
   * encoder.decode(solver.model(), freeVars(terms)) // Map { 'v' => 3n, 'x' => true }
   */
  decode(model: Model<'klp'>, vars: ReadonlyMap<string, Sort>): Assignment {
    const { ctx } = this.session;
    return guarded(this.session, () => {
      const out = new Map<string, Value>();
      for (const [name, sort] of vars) {
        const value = model.eval(this.variable(name, sort), true);
        out.set(name, decodeValue(ctx, value, sort, name));
      }
      return out;
    });
  }

  private get(t: Term): Z3Expr {
    const e = this.cache.get(t);
    if (e === undefined) throw new Error('unreachable: children are encoded first');
    return e;
  }

  private bool(t: Term): Z3Bool {
    return this.get(t) as Z3Bool;
  }

  private bits(t: Term): Z3BitVec {
    return this.get(t) as Z3BitVec;
  }

  private variable(name: string, sort: Sort): Z3Expr {
    const seen = this.declared.get(name);
    if (seen === undefined) this.declared.set(name, sort);
    else if (!sameSort(seen, sort)) {
      throw new TypeError(
        `variable \`${name}\` is used as ${printSort(seen)} and as ${printSort(sort)}`,
      );
    }
    const { ctx } = this.session;
    return sort.kind === 'bool' ? ctx.Bool.const(name) : ctx.BitVec.const(name, sort.width);
  }

  private encodeNode(t: Term): Z3Expr {
    const { ctx } = this.session;
    switch (t.kind) {
      case 'bool':
        return ctx.Bool.val(t.value);
      case 'bv':
        return ctx.BitVec.val(t.value, widthOf(t));
      case 'var':
        return this.variable(t.name, t.sort);
      case 'not':
        return ctx.Not(this.bool(t.arg));
      case 'and':
        return ctx.And(...t.args.map((a) => this.bool(a)));
      case 'or':
        return ctx.Or(...t.args.map((a) => this.bool(a)));
      case 'implies':
        return ctx.Implies(this.bool(t.lhs), this.bool(t.rhs));
      case 'ite':
        return ctx.If(this.bool(t.cond), this.get(t.onTrue), this.get(t.onFalse)) as Z3Expr;
      case 'eq':
        return ctx.Eq(this.get(t.lhs), this.get(t.rhs));
      case 'distinct':
        return ctx.Distinct(...t.args.map((a) => this.get(a)));
      case 'bvule':
        return this.bits(t.lhs).ule(this.bits(t.rhs));
      case 'bvult':
        return this.bits(t.lhs).ult(this.bits(t.rhs));
      case 'bvadd':
        return this.bits(t.lhs).add(this.bits(t.rhs));
      default:
        return assertNever(t, 'term');
    }
  }
}

function widthOf(t: Term): number {
  if (t.sort.kind !== 'bitvec')
    throw new TypeError(`expected a bit-vector, got ${printSort(t.sort)}`);
  return t.sort.width;
}

function decodeValue(ctx: Session['ctx'], value: Z3Expr, sort: Sort, name: string): Value {
  if (sort.kind === 'bool') {
    if (ctx.isTrue(value)) return true;
    if (ctx.isFalse(value)) return false;
  } else if (ctx.isBitVecVal(value)) {
    return value.value();
  }
  throw new Error(
    `z3 gave \`${name}\` the value \`${value.sexpr()}\`, not a ${printSort(sort)} literal`,
  );
}

const encoders = new WeakMap<Session, Encoder>();

/**
 * The encoder of `session`, made on first use.
 *
 * @example
 * const e = encoderOf(await init()).encode(term);
 */
export function encoderOf(session: Session): Encoder {
  let encoder = encoders.get(session);
  if (encoder === undefined) {
    encoder = new Encoder(session);
    encoders.set(session, encoder);
  }
  return encoder;
}
