// The term IR: SMT-LIB printing (with and without let-sharing), free variables, traversal.
import { describe, expect, it } from 'vitest';
import {
  and,
  bitvec,
  boolVar,
  bv,
  bvadd,
  bvule,
  bvult,
  bvVar,
  distinct,
  eq,
  implies,
  ite,
  not,
  or,
  variable,
} from '../../src/smt/factory.ts';
import { freeVars, postorder, printSymbol, printTerm, termSize } from '../../src/smt/term.ts';

const x = boolVar('x');
const y = boolVar('y');
const v = bvVar('v', 32);

describe('printTerm', () => {
  it('prints every operation in SMT-LIB syntax', () => {
    expect(printTerm(bv(5, 32))).toBe('(_ bv5 32)');
    expect(printTerm(bv(0xffff_ffff_ffff_ffffn, 64))).toBe('(_ bv18446744073709551615 64)');
    expect(printTerm(not(x))).toBe('(not x)');
    expect(printTerm(and(x, y))).toBe('(and x y)');
    expect(printTerm(or(x, y))).toBe('(or x y)');
    expect(printTerm(implies(x, y))).toBe('(=> x y)');
    expect(printTerm(ite(x, v, bv(1, 32)))).toBe('(ite x v (_ bv1 32))');
    expect(printTerm(eq(x, y))).toBe('(= x y)');
    const p = ['a', 'b', 'c'].map((n) => bvVar(n, 3));
    expect(printTerm(distinct(...p))).toBe('(distinct a b c)');
    expect(printTerm(bvule(v, bv(1, 32)))).toBe('(bvule v (_ bv1 32))');
    expect(printTerm(bvult(v, bv(1, 32)))).toBe('(bvult v (_ bv1 32))');
    expect(printTerm(bvadd(v, bv(1, 32)))).toBe('(bvadd v (_ bv1 32))');
  });

  it('quotes names that are not simple symbols', () => {
    expect(printSymbol('installed.p1')).toBe('installed.p1');
    expect(printSymbol('rule:no-downgrade')).toBe('|rule:no-downgrade|');
    expect(printSymbol('state 1')).toBe('|state 1|');
    expect(printSymbol('1st')).toBe('|1st|');
    expect(printTerm(boolVar('enabled[p1]'))).toBe('|enabled[p1]|');
  });

  it('binds shared subterms once with let when asked', () => {
    const sum = bvadd(v, bv(1, 32));
    const t = and(bvult(sum, bv(9, 32)), bvule(bv(2, 32), sum));
    expect(printTerm(t)).toBe(
      '(and (bvult (bvadd v (_ bv1 32)) (_ bv9 32)) (bvule (_ bv2 32) (bvadd v (_ bv1 32))))',
    );
    expect(printTerm(t, { share: true })).toBe(
      '(let ((?t0 (bvadd v (_ bv1 32)))) (and (bvult ?t0 (_ bv9 32)) (bvule (_ bv2 32) ?t0)))',
    );
  });

  it('keeps shared printing linear on a DAG that is exponential as a tree', () => {
    let t = bvVar('s0', 8);
    for (let i = 0; i < 40; i++) t = ite(boolVar(`c${i}`), bvadd(t, bv(1, 8)), bvadd(t, bv(2, 8)));
    expect(termSize(t)).toBeLessThan(300);
    expect(printTerm(t, { share: true }).length).toBeLessThan(10_000);
  });
});

describe('freeVars', () => {
  it('lists variables once, in order of first occurrence, with their sorts', () => {
    const vars = freeVars([and(x, bvult(v, bv(3, 32))), or(y, x)]);
    expect([...vars.keys()]).toEqual(['x', 'v', 'y']);
    expect(vars.get('v')).toEqual({ kind: 'bitvec', width: 32 });
    expect(freeVars([bv(1, 8)]).size).toBe(0);
  });

  it('rejects one name with two sorts', () => {
    expect(() => freeVars([variable('s', bitvec(64)), boolVar('s')])).toThrow(
      'variable `s` is used as (_ BitVec 64) and as Bool',
    );
  });
});

describe('postorder', () => {
  it('visits children before parents, each subterm once', () => {
    const t = and(x, or(x, y));
    expect(postorder([t]).map((n) => printTerm(n))).toEqual([
      'x',
      'y',
      '(or x y)',
      '(and x (or x y))',
    ]);
  });

  it('handles terms deeper than the call stack', () => {
    let t = bvVar('start', 32);
    for (let i = 0; i < 50_000; i++) t = ite(boolVar(`step${i}`), t, bv(i, 32));
    expect(postorder([t]).length).toBeGreaterThan(50_000);
    expect(freeVars([t]).size).toBe(50_001);
  });
});
