// Differential properties of the term layer: the factory's simplifications and `interpret`
// agree with a reference evaluator on random expressions (no WASM, many runs), and Z3's
// evaluation of the encoded term agrees with both under a fixed assignment (few runs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eq, not } from '../../src/smt/factory.ts';
import { interpret } from '../../src/smt/interpret.ts';
import { freeVars, isLiteral, type Term } from '../../src/smt/term.ts';
import { check, solverChecks } from '../../src/smt/z3/check.ts';
import {
  assignment,
  boolRecipe,
  build,
  bvRecipe,
  literalFor,
  type Recipe,
  reference,
  WIDTHS,
} from './random-terms.ts';

const anyRecipe: fc.Arbitrary<Recipe> = fc.oneof(
  { arbitrary: boolRecipe(4), weight: 3 },
  ...WIDTHS.map((w) => ({ arbitrary: bvRecipe(w, 3), weight: 1 })),
);

type Counts = Record<string, number>;

function bump(counts: Counts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function outcome(t: Term, value: unknown): string {
  const shape = isLiteral(t) ? 'folded' : 'symbolic';
  return typeof value === 'boolean' ? `${shape}-${value}` : `${shape}-bv`;
}

describe('factory and interpret against the reference evaluator', () => {
  it('agree on random terms under random assignments', () => {
    const counts: Counts = {};
    fc.assert(
      fc.property(anyRecipe, assignment(), (recipe, model) => {
        const term = build(recipe);
        const expected = reference(recipe, model);
        expect(interpret(term, model)).toBe(expected);
        bump(counts, outcome(term, expected));
      }),
      { numRuns: 3000 },
    );
    for (const key of [
      'folded-true',
      'folded-false',
      'symbolic-true',
      'symbolic-false',
      'symbolic-bv',
      'folded-bv',
    ]) {
      expect(
        counts[key] ?? 0,
        `outcome ${key} never occurred: ${JSON.stringify(counts)}`,
      ).toBeGreaterThan(20);
    }
  });

  it('folds every term without variables to a literal', () => {
    let ground = 0;
    fc.assert(
      fc.property(anyRecipe, (recipe) => {
        const term = build(recipe);
        if (freeVars([term]).size === 0) {
          ground++;
          expect(isLiteral(term)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    expect(ground).toBeGreaterThan(50);
  });
});

describe('Z3 against the reference evaluator', () => {
  it('gives every random term the reference value under a fixed assignment', async () => {
    const counts: Counts = {};
    const before = solverChecks();
    await fc.assert(
      fc.asyncProperty(anyRecipe, assignment(), async (recipe, model) => {
        const term = build(recipe);
        const expected = reference(recipe, model);
        const fixes = [...freeVars([term])].map(([name, sort]) => {
          const v = build({ kind: 'var', name, width: sort.kind === 'bool' ? null : sort.width });
          return { name: `fix:${name}`, term: eq(v, literalFor(v, model.get(name) ?? false)) };
        });
        const other = { name: 'differs', term: not(eq(term, literalFor(term, expected))) };
        const differs = await check([...fixes, other], { timeoutMs: 10_000 });
        expect(differs.kind).toBe('unsat');
        const same = await check(
          [...fixes, { name: 'same', term: eq(term, literalFor(term, expected)) }],
          {
            timeoutMs: 10_000,
          },
        );
        expect(same.kind).toBe('sat');
        if (same.kind === 'sat') {
          for (const [name, value] of same.model) expect(value).toBe(model.get(name));
        }
        bump(counts, outcome(term, expected));
      }),
      { numRuns: 150 },
    );
    for (const key of ['symbolic-true', 'symbolic-false', 'symbolic-bv']) {
      expect(
        counts[key] ?? 0,
        `outcome ${key} never occurred: ${JSON.stringify(counts)}`,
      ).toBeGreaterThan(5);
    }
    expect(solverChecks() - before).toBeGreaterThan(100);
  });
});
