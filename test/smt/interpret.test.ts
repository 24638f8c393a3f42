// Evaluating terms under an assignment: SMT-LIB semantics, and errors on misuse.
import { describe, expect, it } from 'vitest';
import {
  and,
  boolVar,
  bv,
  bvadd,
  bvuge,
  bvult,
  bvVar,
  distinct,
  eq,
  implies,
  ite,
  not,
  or,
} from '../../src/smt/factory.ts';
import { interpret, interpretBool, interpretMany } from '../../src/smt/interpret.ts';

const x = boolVar('x');
const y = boolVar('y');
const v = bvVar('v', 32);
const w = bvVar('w', 32);
const id = bvVar('id', 64);

const model = new Map<string, boolean | bigint>([
  ['x', true],
  ['y', false],
  ['v', 3n],
  ['w', 0xffff_ffffn],
  ['id', 0x8173f7e2ce67e6can],
]);

describe('interpret', () => {
  it('evaluates Core operations', () => {
    expect(interpret(and(x, y), model)).toBe(false);
    expect(interpret(or(x, y), model)).toBe(true);
    expect(interpret(not(y), model)).toBe(true);
    expect(interpret(implies(y, x), model)).toBe(true);
    expect(interpret(implies(x, y), model)).toBe(false);
    expect(interpret(ite(y, v, w), model)).toBe(0xffff_ffffn);
    expect(interpret(eq(x, y), model)).toBe(false);
    expect(interpret(distinct(v, w, bvVar('u', 32)), new Map([...model, ['u', 3n]]))).toBe(false);
    expect(interpret(distinct(v, w, bvVar('u', 32)), new Map([...model, ['u', 4n]]))).toBe(true);
  });

  it('compares bit-vectors as unsigned and adds modulo 2^width', () => {
    expect(interpret(bvult(v, w), model)).toBe(true);
    expect(interpret(bvuge(id, bv(1n << 63n, 64)), model)).toBe(true);
    expect(interpret(bvadd(w, bv(1, 32)), model)).toBe(0n);
    expect(interpret(bvadd(w, v), model)).toBe(2n);
  });

  it('evaluates many terms with shared subterms', () => {
    expect(interpretMany([x, not(x), bvadd(v, v)], model)).toEqual([true, false, 6n]);
    expect(interpretBool(eq(bvadd(v, bv(1, 32)), bv(4, 32)), model)).toBe(true);
  });

  it('throws on a missing or ill-sorted value', () => {
    expect(() => interpret(boolVar('missing'), model)).toThrow('variable `missing` has no value');
    expect(() => interpret(x, new Map([['x', 1n]]))).toThrow('value 1 of `x` is not a Bool');
    expect(() => interpret(v, new Map([['v', 1n << 32n]]))).toThrow('is not a (_ BitVec 32)');
    expect(() => interpretBool(v, model)).toThrow('expected a Bool value, got 3');
  });
});
