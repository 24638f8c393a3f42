// SMT-LIB export: the script text, name checks, and round trips through Z3: our script, Z3's
// own rendering and the direct check give the same answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, boolVar, bv, bvadd, bvuge, bvule, bvult, bvVar, eq } from '../../src/smt/factory.ts';
import { toSmtlib } from '../../src/smt/smtlib.ts';
import { check, checkSmtlib, toSmtlibViaZ3 } from '../../src/smt/z3/check.ts';
import { boolRecipe, build } from './random-terms.ts';

const opts = { timeoutMs: 10_000 };
const installed = bvVar('installed.version', 32);
const incoming = bvVar('incoming.version', 32);

const downgrade = [
  { name: 'installed p1', term: eq(installed, bv(3, 32)) },
  { name: 'incoming p2', term: eq(incoming, bv(2, 32)) },
  { name: 'rule:no-downgrade', term: bvuge(incoming, installed) },
];

describe('toSmtlib', () => {
  it('writes a standalone script with declarations, named assertions and the expected answer', () => {
    expect(
      toSmtlib(downgrade, { expected: 'unsat', description: 'insmod p2 over p1\nstate 1' }),
    ).toBe(`; insmod p2 over p1
; state 1
; expected: unsat
(set-info :smt-lib-version 2.6)
(set-option :produce-unsat-cores true)
(set-logic QF_BV)
(set-info :status unsat)
(declare-fun installed.version () (_ BitVec 32))
(declare-fun incoming.version () (_ BitVec 32))
(assert (! (= installed.version (_ bv3 32)) :named |installed p1|))
(assert (! (= incoming.version (_ bv2 32)) :named |incoming p2|))
(assert (! (bvule installed.version incoming.version) :named |rule:no-downgrade|))
(check-sat)
(get-unsat-core)
(exit)
`);
  });

  it('asks for the core only when unsat is expected, unless told', () => {
    expect(toSmtlib(downgrade, { expected: 'sat' })).not.toContain('(get-unsat-core)');
    expect(toSmtlib(downgrade)).not.toContain('(set-info :status');
    expect(toSmtlib(downgrade, { getUnsatCore: true })).toContain('(get-unsat-core)');
  });

  it('shares repeated subterms with let', () => {
    const next = bvadd(installed, bv(1, 32));
    const text = toSmtlib([
      { name: 'window', term: and(bvule(bv(2, 32), next), bvult(next, bv(9, 32))) },
    ]);
    expect(text).toContain(
      '(assert (! (let ((?t0 (bvadd installed.version (_ bv1 32)))) (and (bvule (_ bv2 32) ?t0) (bvult ?t0 (_ bv9 32)))) :named window))',
    );
  });

  it('rejects names that cannot label assertions together', () => {
    const t = boolVar('x');
    expect(() =>
      toSmtlib([
        { name: 'a', term: t },
        { name: 'a', term: t },
      ]),
    ).toThrow('assertion name `a` is used twice');
    expect(() => toSmtlib([{ name: 'x', term: t }])).toThrow(
      'assertion name `x` is also a variable',
    );
    expect(() => toSmtlib([{ name: 'assert', term: t }])).not.toThrow();
    expect(() => toSmtlib([{ name: 'not', term: t }])).toThrow(
      'is an SMT-LIB keyword or theory symbol',
    );
  });
});

describe('round trips through Z3', () => {
  it('gives the hand-made downgrade the same answer three ways', async () => {
    expect((await check(downgrade, opts)).kind).toBe('unsat');
    expect(await checkSmtlib(toSmtlib(downgrade, { expected: 'unsat' }), opts)).toEqual({
      kind: 'unsat',
    });
    expect(await checkSmtlib(await toSmtlibViaZ3(downgrade, 'unsat'), opts)).toEqual({
      kind: 'unsat',
    });
  });

  it('gives random problems the same answer through our script, Z3 script and direct check', async () => {
    const counts = { sat: 0, unsat: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(boolRecipe(3), { minLength: 1, maxLength: 4 }), async (recipes) => {
        const assertions = recipes.map((r, i) => ({ name: `a${i}`, term: build(r) }));
        const direct = await check(assertions, opts);
        const ours = await checkSmtlib(toSmtlib(assertions), opts);
        const theirs = await checkSmtlib(await toSmtlibViaZ3(assertions), opts);
        expect(ours.kind).toBe(direct.kind);
        expect(theirs.kind).toBe(direct.kind);
        if (direct.kind === 'sat' || direct.kind === 'unsat') counts[direct.kind]++;
      }),
      { numRuns: 60 },
    );
    expect(counts.sat, JSON.stringify(counts)).toBeGreaterThan(5);
    expect(counts.unsat, JSON.stringify(counts)).toBeGreaterThan(5);
  });
});
