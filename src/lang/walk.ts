/**
 * The one generic traversal of rule expressions: the children of a node, and the walks built on
 * them. Analyses that look for something anywhere in an expression (does it read the
 * configuration, which literals does it hold) use these instead of a switch of their own, so a
 * new expression kind is added here once. Analyses whose answer depends on the kind of every
 * node (the evaluator, the compiler, the checker, the printer) keep their own exhaustive switch.
 *
 * Guarantees: children come left to right as written, a quantifier's domain expression
 * (`p.states`, `p.functions`) before its body; every subexpression is reached exactly once.
 * Recursion is bounded by the parser's depth limit (KV2304).
 */
import { assertNever } from '../model/op.ts';
import type { Domain, Expr } from './ast.ts';

/**
 * The expression a domain is read from: `p` in `p.states` and `p.functions`; null for
 * `installed` and `catalog`.
 *
 * @example
 * domainExpr({ kind: 'installed', span }) // null
 */
export function domainExpr(d: Domain): Expr | null {
  switch (d.kind) {
    case 'installed':
    case 'catalog':
      return null;
    case 'states':
    case 'functions':
      return d.of;
    default:
      return assertNever(d, 'domain');
  }
}

/**
 * The direct subexpressions of `e`, left to right as written.
 *
 * @example
 * exprChildren(expr('some s in p.states: s.id == 1')) // [p, s.id == 1]
 */
export function exprChildren(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'bool':
    case 'number':
    case 'var':
      return [];
    case 'attr':
      return [e.object];
    case 'call':
      return [e.object, e.arg];
    case 'not':
      return [e.operand];
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order': {
      return [e.left, e.right];
    }
    case 'quantifier': {
      const of = domainExpr(e.binder.domain);
      return of === null ? [e.body] : [of, e.body];
    }
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * Calls `visit` on `e` and every subexpression, a node before its children (preorder).
 *
 * @example
 * const vars: string[] = [];
 * forEachExpr(expr('a.has(1) and b'), (x) => { if (x.kind === 'var') vars.push(x.name); });
 * vars // ['a', 'b']
 */
export function forEachExpr(e: Expr, visit: (x: Expr) => void): void {
  visit(e);
  for (const c of exprChildren(e)) forEachExpr(c, visit);
}

/**
 * True iff `pred` holds of `e` or of some subexpression; stops at the first, in preorder.
 *
 * @example
 * someExpr(expr('not a below b'), (x) => x.kind === 'order') // true
 */
export function someExpr(e: Expr, pred: (x: Expr) => boolean): boolean {
  return pred(e) || exprChildren(e).some((c) => someExpr(c, pred));
}
