/**
 * The generic traversal of rule expressions (src/lang/walk.ts): on random expressions, printed
 * and parsed back so that spans are real, the preorder reaches every expression node exactly
 * once (counted independently by walking the object graph) and goes left to right as written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr, ExprKind } from '../../src/lang/ast.ts';
import { parseExpression } from '../../src/lang/parser.ts';
import { printExpr } from '../../src/lang/printer.ts';
import { exprChildren, forEachExpr, someExpr } from '../../src/lang/walk.ts';
import { Source } from '../../src/source/source.ts';
import { exprArb } from './arbitraries.ts';
import { expr } from './helpers.ts';

const EXPR_KINDS: ReadonlySet<string> = new Set<ExprKind>([
  'bool',
  'number',
  'var',
  'attr',
  'call',
  'not',
  'and',
  'or',
  'implies',
  'compare',
  'order',
  'quantifier',
]);

/** Every object under `x` whose `kind` is an expression kind, found without src/lang/walk.ts. */
function countExprObjects(x: unknown): number {
  if (typeof x !== 'object' || x === null) return 0;
  let n = 0;
  if ('kind' in x && typeof x.kind === 'string' && EXPR_KINDS.has(x.kind)) n++;
  for (const v of Object.values(x)) n += countExprObjects(v);
  return n;
}

describe('walking rule expressions', () => {
  it('reaches every subexpression once, left to right as written', () => {
    let quantifiersOverStates = 0;
    fc.assert(
      fc.property(exprArb, (e0) => {
        const parsed = parseExpression(new Source('<printed>', printExpr(e0))).ast;
        if (parsed === null) throw new Error('the printer round trip is tested in printer.test.ts');
        const seen: Expr[] = [];
        forEachExpr(parsed, (x) => seen.push(x));
        expect(seen.length).toBe(countExprObjects(parsed));
        expect(new Set(seen).size).toBe(seen.length);
        for (const x of seen) {
          const kids = exprChildren(x);
          if (x.kind === 'quantifier' && kids.length === 2) quantifiersOverStates++;
          for (const [i, k] of kids.entries()) {
            // Inside the parent, and after the previous child.
            expect(k.span.start).toBeGreaterThanOrEqual(x.span.start);
            expect(k.span.end).toBeLessThanOrEqual(x.span.end);
            const prev = kids[i - 1];
            if (prev !== undefined) expect(k.span.start).toBeGreaterThanOrEqual(prev.span.end);
          }
        }
        // Preorder: a node comes before everything inside it.
        for (const [i, x] of seen.entries()) {
          const next = seen[i + 1];
          if (next !== undefined) expect(next.span.start).toBeGreaterThanOrEqual(x.span.start);
        }
      }),
      { numRuns: 1000 },
    );
    expect(quantifiersOverStates).toBeGreaterThan(0);
  });

  it('gives a quantifier’s domain expression before its body', () => {
    const e = expr('some s in p.states: s.id == 1');
    expect(exprChildren(e).map(printExpr)).toEqual(['p', 's.id == 1']);
    expect(exprChildren(expr('all q in installed: q.replace')).map(printExpr)).toEqual([
      'q.replace',
    ]);
  });

  it('stops at the first node that matches', () => {
    const visited: string[] = [];
    const found = someExpr(expr('a.replace or (b below c and d.replace)'), (x) => {
      visited.push(x.kind);
      return x.kind === 'order';
    });
    expect(found).toBe(true);
    expect(visited).toEqual(['or', 'attr', 'var', 'and', 'order']);
    expect(someExpr(expr('a.replace'), (x) => x.kind === 'order')).toBe(false);
  });
});
