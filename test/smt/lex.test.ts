/**
 * Lexicographic minimization by incremental checks (src/smt/z3/lex.ts) against Z3's Optimize
 * with the same objectives in the same order: the same least values on random problems over
 * small bit-vectors, and unsat exactly when Optimize says so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bv, bvadd, bvuge, bvule, bvVar, eq, not, or } from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import type { NamedAssertion, Term } from '../../src/smt/term.ts';
import { optimize } from '../../src/smt/z3/check.ts';
import { lexMinimize } from '../../src/smt/z3/lex.ts';

const W = 8;
const vars = ['x', 'y', 'z'].map((n) => bvVar(`lex.${n}`, W));
const opts = { timeoutMs: 20_000 };

const termArb: fc.Arbitrary<Term> = fc
  .tuple(fc.nat(2), fc.nat(2), fc.integer({ min: 0, max: 255 }), fc.nat(4))
  .map(([i, j, c, kind]) => {
    const a = vars[i] ?? bv(0, W);
    const b = vars[j] ?? bv(0, W);
    switch (kind) {
      case 0:
        return bvuge(a, bv(c, W));
      case 1:
        return bvule(a, bv(c, W));
      case 2:
        return bvuge(bvadd(a, b), bv(c, W));
      case 3:
        return not(eq(a, bv(c % 8, W)));
      default:
        return or(bvuge(a, bv(c, W)), bvuge(b, bv(255 - c, W)));
    }
  });

describe('lexMinimize', () => {
  it('finds the least values Optimize finds, objective by objective', async () => {
    const seen = { optimal: 0, unsat: 0, nonzero: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(termArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom([0, 1, 2], [2, 0, 1], [1, 2, 0]),
        async (terms, order) => {
          const hard: NamedAssertion[] = terms.map((term, i) => ({ name: `h${i}`, term }));
          const objectives = order.map((i) => vars[i] ?? bv(0, W));
          const mine = await lexMinimize({ hard, objectives }, opts);
          const z3 = await optimize(
            { hard, objectives: objectives.map((term) => ({ kind: 'minimize', term })) },
            opts,
          );
          expect(mine.kind).toBe(z3.kind);
          if (mine.kind === 'optimal' && z3.kind === 'optimal') {
            seen.optimal++;
            expect(mine.objectives).toEqual(z3.objectives);
            for (const h of hard) expect(interpretBool(h.term, mine.model)).toBe(true);
            if (mine.objectives.some((v) => v > 0n)) seen.nonzero++;
          } else seen.unsat++;
        },
      ),
      { numRuns: 40, seed: 14 },
    );
    expect(seen.optimal).toBeGreaterThan(5);
    expect(seen.nonzero).toBeGreaterThan(3);
    expect(seen.unsat).toBeGreaterThan(0);
  }, 120_000);
});
