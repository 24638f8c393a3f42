/**
 * Substitution over our terms: replace variables by terms and rebuild through the smart
 * constructors of src/smt/factory.ts, so that whatever becomes literal folds away. The
 * transition encoding (src/smt/transition.ts) compiles each rule once over template variables
 * and instantiates it per configuration with this.
 *
 * Guarantees: `substitute(t, f)` is equivalent to `t` with every variable `v` for which `f`
 * returns a term replaced by that term (the factory's constructors are equivalence-preserving,
 * test/smt/factory.test.ts); it visits each DAG node once per {@link Substitution}, iteratively
 * (no recursion, so long chains cannot overflow the stack).
 */
import { assertNever } from '../model/op.ts';
import { and, bvadd, bvule, bvult, distinct, eq, implies, ite, not, or } from './factory.ts';
import { postorder, type Term } from './term.ts';

/** The replacement of a variable, or undefined to keep it. */
export type VarMap = (name: string) => Term | undefined;

/**
 * A substitution with a memo: many terms instantiated with one map share their common
 * subterms' results.
 *
 * @example
 * const s = new Substitution((n) => (n === 'x' ? TRUE : undefined));
 * s.apply(and(boolVar('x'), boolVar('y'))) // y
 */
export class Substitution {
  private readonly memo = new Map<number, Term>();
  private readonly map: VarMap;

  constructor(map: VarMap) {
    this.map = map;
  }

  /** `term` with the map applied. */
  apply(term: Term): Term {
    const hit = this.memo.get(term.id);
    if (hit !== undefined) return hit;
    for (const t of postorder([term])) {
      if (!this.memo.has(t.id)) this.memo.set(t.id, this.rebuild(t));
    }
    return this.get(term);
  }

  private get(t: Term): Term {
    const r = this.memo.get(t.id);
    if (r === undefined) throw new Error('unreachable: children are rebuilt first');
    return r;
  }

  private rebuild(t: Term): Term {
    if (t.kind === 'var') return this.map(t.name) ?? t;
    return rebuildWith(t, (c) => this.get(c));
  }
}

/**
 * `term` with the variables `map` names replaced.
 *
 * @example
 * substitute(or(boolVar('on.a'), boolVar('on.b')), (n) => (n === 'on.a' ? FALSE : undefined)) // on.b
 */
export function substitute(term: Term, map: VarMap): Term {
  return new Substitution(map).apply(term);
}

/**
 * A term rewritten bottom-up by `rewrite`, which sees each node with its children already
 * rewritten and returns a replacement (or the node itself). Used to turn comparisons of
 * positions into order literals.
 *
 * @example
 * rewriteBottomUp(t, (n) => (n.kind === 'bvult' ? boolVar('lt') : n))
 */
export function rewriteBottomUp(term: Term, rewrite: (t: Term) => Term): Term {
  const memo = new Map<number, Term>();
  for (const t of postorder([term])) {
    // Children first, then the caller rewrites the node itself.
    const rebuilt = rebuildWith(t, (c) => {
      const r = memo.get(c.id);
      if (r === undefined) throw new Error('unreachable: children are rewritten first');
      return r;
    });
    memo.set(t.id, rewrite(rebuilt));
  }
  const out = memo.get(term.id);
  if (out === undefined) throw new Error('unreachable: the root is rewritten');
  return out;
}

function rebuildWith(t: Term, g: (c: Term) => Term): Term {
  switch (t.kind) {
    case 'bool':
    case 'bv':
    case 'var':
      return t;
    case 'not':
      return not(g(t.arg));
    case 'and':
      return and(...t.args.map(g));
    case 'or':
      return or(...t.args.map(g));
    case 'implies':
      return implies(g(t.lhs), g(t.rhs));
    case 'ite':
      return ite(g(t.cond), g(t.onTrue), g(t.onFalse));
    case 'eq':
      return eq(g(t.lhs), g(t.rhs));
    case 'distinct':
      return distinct(...t.args.map(g));
    case 'bvule':
      return bvule(g(t.lhs), g(t.rhs));
    case 'bvult':
      return bvult(g(t.lhs), g(t.rhs));
    case 'bvadd':
      return bvadd(g(t.lhs), g(t.rhs));
    default:
      return assertNever(t, 'term');
  }
}
