// Smart constructors: constant folding, local simplification, hash-consing and sort checking.
import { describe, expect, it } from 'vitest';
import {
  and,
  BOOL,
  bitvec,
  bool,
  boolVar,
  bv,
  bvadd,
  bvuge,
  bvugt,
  bvule,
  bvult,
  bvVar,
  distinct,
  eq,
  FALSE,
  implies,
  ite,
  not,
  or,
  TRUE,
  variable,
} from '../../src/smt/factory.ts';
import { printTerm, termSize } from '../../src/smt/term.ts';

const x = boolVar('x');
const y = boolVar('y');
const z = boolVar('z');
const v = bvVar('v', 32);
const w = bvVar('w', 32);

describe('hash-consing', () => {
  it('gives structurally equal terms the same identity', () => {
    expect(and(x, bvult(v, bv(3, 32)))).toBe(and(boolVar('x'), bvult(bvVar('v', 32), bv(3n, 32))));
    expect(bv(7, 64)).toBe(bv(7n, 64));
    expect(bitvec(32)).toBe(bitvec(32));
  });

  it('keeps variables of one name and two sorts apart', () => {
    expect(variable('s', BOOL)).not.toBe(variable('s', bitvec(64)));
    expect(bv(1, 8)).not.toBe(bv(1, 16));
  });

  it('freezes terms', () => {
    expect(Object.isFrozen(and(x, y))).toBe(true);
  });
});

describe('Core folding', () => {
  it('folds not', () => {
    expect(not(TRUE)).toBe(FALSE);
    expect(not(not(x))).toBe(x);
  });

  it('folds and/or with literals, duplicates, nesting and complements', () => {
    expect(and()).toBe(TRUE);
    expect(or()).toBe(FALSE);
    expect(and(TRUE, x)).toBe(x);
    expect(and(x, FALSE, y)).toBe(FALSE);
    expect(or(x, TRUE)).toBe(TRUE);
    expect(or(FALSE, x, FALSE)).toBe(x);
    expect(and(x, not(x))).toBe(FALSE);
    expect(or(not(y), y)).toBe(TRUE);
    expect(printTerm(and(x, and(y, x), z))).toBe('(and x y z)');
    expect(printTerm(or(or(x, y), or(z, x)))).toBe('(or x y z)');
    // Order of first occurrence is kept: printed rules read as written.
    expect(printTerm(and(z, x))).toBe('(and z x)');
  });

  it('folds implies', () => {
    expect(implies(FALSE, x)).toBe(TRUE);
    expect(implies(TRUE, x)).toBe(x);
    expect(implies(x, TRUE)).toBe(TRUE);
    expect(implies(x, FALSE)).toBe(not(x));
    expect(implies(x, x)).toBe(TRUE);
    expect(implies(x, not(x))).toBe(not(x));
    expect(printTerm(implies(x, y))).toBe('(=> x y)');
  });

  it('folds ite', () => {
    expect(ite(TRUE, v, w)).toBe(v);
    expect(ite(FALSE, v, w)).toBe(w);
    expect(ite(x, v, v)).toBe(v);
    expect(ite(x, TRUE, FALSE)).toBe(x);
    expect(ite(x, FALSE, TRUE)).toBe(not(x));
    expect(ite(x, TRUE, y)).toBe(or(x, y));
    expect(ite(x, y, FALSE)).toBe(and(x, y));
    expect(ite(not(x), v, w)).toBe(ite(x, w, v));
    expect(ite(x, ite(x, v, w), bv(0, 32))).toBe(ite(x, v, bv(0, 32)));
  });

  it('folds eq', () => {
    expect(eq(v, v)).toBe(TRUE);
    expect(eq(bv(3, 32), bv(3, 32))).toBe(TRUE);
    expect(eq(bv(3, 32), bv(4, 32))).toBe(FALSE);
    expect(eq(x, TRUE)).toBe(x);
    expect(eq(FALSE, x)).toBe(not(x));
    expect(eq(bv(5, 32), v)).toBe(eq(v, bv(5, 32)));
    expect(printTerm(eq(bv(5, 32), v))).toBe('(= v (_ bv5 32))');
  });

  it('pushes a comparison with a literal into an ite lookup with literal leaves', () => {
    // The version a patch declares for a state, looked up over a concrete catalog.
    const p1 = boolVar('is.p1');
    const p2 = boolVar('is.p2');
    const version = ite(p1, bv(1, 32), ite(p2, bv(2, 32), bv(3, 32)));
    expect(printTerm(eq(version, bv(3, 32)))).toBe('(and (not is.p1) (not is.p2))');
    expect(printTerm(bvult(version, bv(2, 32)))).toBe('is.p1');
    expect(bvuge(version, bv(1, 32))).toBe(TRUE);
    expect(eq(version, bv(9, 32))).toBe(FALSE);
    expect(printTerm(bvadd(version, bv(1, 32)))).toBe(
      '(ite is.p1 (_ bv2 32) (ite is.p2 (_ bv3 32) (_ bv4 32)))',
    );
  });

  it('keeps an ite with a symbolic leaf as it is', () => {
    const t = eq(ite(x, v, bv(1, 32)), bv(1, 32));
    expect(printTerm(t)).toBe('(= (ite x v (_ bv1 32)) (_ bv1 32))');
  });

  it('folds distinct', () => {
    expect(distinct()).toBe(TRUE);
    expect(distinct(v)).toBe(TRUE);
    expect(distinct(v, w)).toBe(not(eq(v, w)));
    expect(distinct(v, w, v)).toBe(FALSE);
    expect(distinct(bv(1, 32), bv(2, 32), bv(3, 32))).toBe(TRUE);
    expect(distinct(x, y, z)).toBe(FALSE);
    const p = [0, 1, 2, 3, 4].map((i) => bvVar(`pos${i}`, 2));
    expect(distinct(...p)).toBe(FALSE);
    expect(printTerm(distinct(...p.slice(0, 4)))).toBe('(distinct pos0 pos1 pos2 pos3)');
  });
});

describe('bit-vector folding', () => {
  const max = bv(0xffff_ffff, 32);
  const zero = bv(0, 32);

  it('folds comparisons of literals', () => {
    expect(bvule(bv(3, 32), bv(3, 32))).toBe(TRUE);
    expect(bvult(bv(3, 32), bv(3, 32))).toBe(FALSE);
    expect(bvuge(bv(4, 32), bv(3, 32))).toBe(TRUE);
    expect(bvugt(bv(3, 32), bv(4, 32))).toBe(FALSE);
    // Unsigned: the largest id is not negative.
    expect(bvult(bv(1, 64), bv(0xffff_ffff_ffff_ffffn, 64))).toBe(TRUE);
  });

  it('folds comparisons with the ends of the range', () => {
    expect(bvule(zero, v)).toBe(TRUE);
    expect(bvule(v, max)).toBe(TRUE);
    expect(bvule(v, zero)).toBe(eq(v, zero));
    expect(bvule(max, v)).toBe(eq(v, max));
    expect(bvult(v, zero)).toBe(FALSE);
    expect(bvult(max, v)).toBe(FALSE);
    expect(bvult(v, v)).toBe(FALSE);
    expect(bvule(v, v)).toBe(TRUE);
  });

  it('writes uge and ugt as ule and ult with the operands swapped', () => {
    expect(bvuge(v, w)).toBe(bvule(w, v));
    expect(bvugt(v, w)).toBe(bvult(w, v));
  });

  it('adds modulo 2^width', () => {
    expect(bvadd(max, bv(1, 32))).toBe(zero);
    expect(bvadd(bv(2, 8), bv(3, 8))).toBe(bv(5, 8));
    expect(bvadd(v, zero)).toBe(v);
    expect(bvadd(bv(1, 32), v)).toBe(bvadd(v, bv(1, 32)));
  });
});

describe('concrete questions fold to literals', () => {
  it('folds a rule over a concrete patch to a literal', () => {
    // "a newer patch must not downgrade a state": installed version 2, new version 3.
    const installed = bv(2, 32);
    const incoming = bv(3, 32);
    const sameId = eq(bv(0x8173f7e2ce67e6can, 64), bv(0x8173f7e2ce67e6can, 64));
    expect(implies(sameId, bvuge(incoming, installed))).toBe(TRUE);
    expect(and(sameId, bvult(incoming, installed))).toBe(FALSE);
  });

  it('keeps terms over a symbolic choice small', () => {
    const chosen = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => boolVar(`chosen.p${i}`));
    let version = bv(0, 32);
    chosen.forEach((c, i) => {
      version = ite(c, bv(i + 1, 32), version);
    });
    // The comparison stays linear in the catalog: no blow-up through the lifted ite.
    expect(termSize(bvuge(version, bv(4, 32)))).toBeLessThanOrEqual(2 * chosen.length + 2);
  });
});

describe('misuse throws', () => {
  it('rejects sort mismatches', () => {
    expect(() => and(x, v)).toThrow('`and` expects Bool, got (_ BitVec 32)');
    expect(() => eq(v, bvVar('narrow', 8))).toThrow(
      '`=` expects arguments of one sort, got (_ BitVec 32) and (_ BitVec 8)',
    );
    expect(() => ite(v, x, y)).toThrow('`ite` expects Bool');
    expect(() => ite(x, x, v)).toThrow('`ite` expects arguments of one sort');
    expect(() => bvult(x, y)).toThrow('`bvult` expects a bit-vector, got Bool');
    expect(() => bvadd(v, bv(1, 64))).toThrow('`bvadd` expects arguments of one sort');
    expect(() => distinct(v, x)).toThrow('`distinct` expects arguments of one sort');
  });

  it('rejects literals that do not fit', () => {
    expect(() => bv(256, 8)).toThrow('bit-vector literal 256 does not fit in 8 bits');
    expect(() => bv(-1, 8)).toThrow('does not fit');
    expect(() => bv(1.5, 8)).toThrow('must be an integer');
    expect(() => bitvec(0)).toThrow('bit-vector width must be an integer');
  });

  it('rejects names a solver would misread', () => {
    expect(() => boolVar('true')).toThrow('name `true` is an SMT-LIB keyword or theory symbol');
    expect(() => boolVar('a|b')).toThrow('contains `|`');
    expect(() => boolVar('')).toThrow('a name cannot be empty');
    expect(() => boolVar('?t0')).toThrow('starts with `?`');
    expect(() => boolVar('caf\u00e9')).toThrow('outside printable ASCII');
    expect(boolVar('installed:test_klp_state 1').kind).toBe('var');
  });

  it('accepts a Bool literal from bool()', () => {
    expect(bool(false)).toBe(FALSE);
  });
});

describe('deep terms', () => {
  it('folds a comparison with a lookup chain deeper than the call stack', () => {
    let version = bv(0, 32);
    for (let i = 1; i <= 50_000; i++)
      version = ite(boolVar(`chosen.p${i}`), bv(i % 7, 32), version);
    const t = eq(version, bv(9, 32));
    expect(t).toBe(FALSE);
    // Linear in the chain: each step adds its variable, a negation and a junction at most.
    expect(termSize(bvult(version, bv(1, 32)))).toBeLessThan(3 * 50_000);
  });
});
