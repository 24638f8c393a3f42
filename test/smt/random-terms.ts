// Random well-sorted expressions for differential tests: a recipe tree, its meaning computed by
// a reference evaluator written straight from the SMT-LIB definitions, and the term the
// factory builds from it. Not a test file: imported by differential tests.
import fc from 'fast-check';
import { assertNever } from '../../src/model/op.ts';
import * as f from '../../src/smt/factory.ts';
import type { Term, Value } from '../../src/smt/term.ts';

export type Recipe =
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'bv'; readonly value: bigint; readonly width: number }
  | { readonly kind: 'var'; readonly name: string; readonly width: number | null }
  | { readonly kind: 'not'; readonly a: Recipe }
  | { readonly kind: 'and' | 'or' | 'distinct'; readonly args: readonly Recipe[] }
  | {
      readonly kind: 'implies' | 'eq' | 'bvule' | 'bvult' | 'bvuge' | 'bvugt' | 'bvadd';
      readonly a: Recipe;
      readonly b: Recipe;
    }
  | { readonly kind: 'ite'; readonly c: Recipe; readonly a: Recipe; readonly b: Recipe };

/** Widths in use: positions (3), versions and replace sets (32), state ids (64). */
export const WIDTHS = [3, 32, 64] as const;
export const BOOL_VARS = ['x', 'y', 'z'];
export const BV_VARS: Readonly<Record<number, readonly string[]>> = {
  3: ['p', 'q'],
  32: ['a', 'b'],
  64: ['s', 't'],
};

function max(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

/** Values biased to the edges, where folding and unsigned comparisons go wrong. */
export function bvValue(width: number): fc.Arbitrary<bigint> {
  // Mostly a small pool shared by literals and variables, so operands are often equal.
  return fc.oneof(
    { arbitrary: fc.constantFrom(0n, 1n, 2n, max(width), max(width) - 1n), weight: 5 },
    { arbitrary: fc.bigInt({ min: 0n, max: max(width) }), weight: 1 },
  );
}

const memo = new Map<string, fc.Arbitrary<Recipe>>();

function cached(key: string, make: () => fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> {
  let arb = memo.get(key);
  if (arb === undefined) {
    arb = make();
    memo.set(key, arb);
  }
  return arb;
}

function bvLeaf(width: number): fc.Arbitrary<Recipe> {
  return fc.oneof(
    bvValue(width).map((value): Recipe => ({ kind: 'bv', value, width })),
    fc
      .constantFrom(...(BV_VARS[width] ?? []))
      .map((name): Recipe => ({ kind: 'var', name, width })),
  );
}

function boolLeaf(): fc.Arbitrary<Recipe> {
  return fc.oneof(
    fc.boolean().map((value): Recipe => ({ kind: 'bool', value })),
    fc.constantFrom(...BOOL_VARS).map((name): Recipe => ({ kind: 'var', name, width: null })),
  );
}

/** A Bool recipe of at most `depth` levels. */
export function boolRecipe(depth: number): fc.Arbitrary<Recipe> {
  return cached(`bool/${depth}`, () => {
    if (depth === 0) return boolLeaf();
    const sub = boolRecipe(depth - 1);
    const width = fc.constantFrom(...WIDTHS);
    const cmp = width.chain((w) =>
      fc
        .tuple(
          fc.constantFrom('bvule', 'bvult', 'bvuge', 'bvugt', 'eq') satisfies fc.Arbitrary<
            'bvule' | 'bvult' | 'bvuge' | 'bvugt' | 'eq'
          >,
          bvRecipe(w, depth - 1),
          bvRecipe(w, depth - 1),
        )
        .map(([kind, a, b]): Recipe => ({ kind, a, b })),
    );
    return fc.oneof(
      { arbitrary: boolLeaf(), weight: 2 },
      { arbitrary: sub.map((a): Recipe => ({ kind: 'not', a })), weight: 1 },
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom('and', 'or') satisfies fc.Arbitrary<'and' | 'or'>,
            fc.array(sub, { maxLength: 4 }),
          )
          .map(([kind, args]): Recipe => ({ kind, args })),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom('implies', 'eq') satisfies fc.Arbitrary<'implies' | 'eq'>,
            sub,
            sub,
          )
          .map(([kind, a, b]): Recipe => ({ kind, a, b })),
        weight: 1,
      },
      {
        arbitrary: fc.tuple(sub, sub, sub).map(([c, a, b]): Recipe => ({ kind: 'ite', c, a, b })),
        weight: 1,
      },
      { arbitrary: cmp, weight: 3 },
      {
        arbitrary: width.chain((w) =>
          fc
            .array(bvRecipe(w, depth - 1), { minLength: 0, maxLength: 5 })
            .map((args): Recipe => ({ kind: 'distinct', args })),
        ),
        weight: 1,
      },
      {
        arbitrary: fc
          .array(sub, { maxLength: 3 })
          .map((args): Recipe => ({ kind: 'distinct', args })),
        weight: 1,
      },
    );
  });
}

/** A bit-vector recipe of `width` bits and at most `depth` levels. */
export function bvRecipe(width: number, depth: number): fc.Arbitrary<Recipe> {
  return cached(`bv${width}/${depth}`, () => {
    if (depth === 0) return bvLeaf(width);
    const sub = bvRecipe(width, depth - 1);
    return fc.oneof(
      { arbitrary: bvLeaf(width), weight: 2 },
      {
        arbitrary: fc
          .tuple(boolRecipe(depth - 1), sub, sub)
          .map(([c, a, b]): Recipe => ({ kind: 'ite', c, a, b })),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(sub, sub).map(([a, b]): Recipe => ({ kind: 'bvadd', a, b })),
        weight: 1,
      },
    );
  });
}

/** A value for every variable the recipes may use. */
export function assignment(): fc.Arbitrary<Map<string, Value>> {
  const entries: fc.Arbitrary<[string, Value]>[] = [
    ...BOOL_VARS.map((n) => fc.boolean().map((b): [string, Value] => [n, b])),
    ...WIDTHS.flatMap((w) =>
      (BV_VARS[w] ?? []).map((n) => bvValue(w).map((v): [string, Value] => [n, v])),
    ),
  ];
  return fc.tuple(...entries).map((es) => new Map(es));
}

function widthOfRecipe(r: Recipe): number {
  switch (r.kind) {
    case 'bv':
      return r.width;
    case 'var':
      return r.width ?? 0;
    case 'ite':
      return widthOfRecipe(r.a);
    case 'bvadd':
      return widthOfRecipe(r.a);
    default:
      return 0;
  }
}

/** The meaning of a recipe, straight from the SMT-LIB theory definitions. */
export function reference(r: Recipe, m: ReadonlyMap<string, Value>): Value {
  const b = (x: Recipe): boolean => {
    const v = reference(x, m);
    if (typeof v !== 'boolean') throw new Error('ill-sorted recipe');
    return v;
  };
  const n = (x: Recipe): bigint => {
    const v = reference(x, m);
    if (typeof v !== 'bigint') throw new Error('ill-sorted recipe');
    return v;
  };
  switch (r.kind) {
    case 'bool':
    case 'bv':
      return r.value;
    case 'var': {
      const v = m.get(r.name);
      if (v === undefined) throw new Error(`no value for ${r.name}`);
      return v;
    }
    case 'not':
      return !b(r.a);
    case 'and': {
      let out = true;
      for (const a of r.args) out = out && b(a);
      return out;
    }
    case 'or': {
      let out = false;
      for (const a of r.args) out = out || b(a);
      return out;
    }
    case 'implies':
      return !b(r.a) || b(r.b);
    case 'eq':
      return reference(r.a, m) === reference(r.b, m);
    case 'distinct': {
      const vs = r.args.map((a) => reference(a, m));
      for (let i = 0; i < vs.length; i++) {
        for (let j = i + 1; j < vs.length; j++) if (vs[i] === vs[j]) return false;
      }
      return true;
    }
    case 'bvule':
      return n(r.a) <= n(r.b);
    case 'bvult':
      return n(r.a) < n(r.b);
    case 'bvuge':
      return n(r.a) >= n(r.b);
    case 'bvugt':
      return n(r.a) > n(r.b);
    case 'bvadd':
      return (n(r.a) + n(r.b)) % (1n << BigInt(widthOfRecipe(r)));
    case 'ite':
      return b(r.c) ? reference(r.a, m) : reference(r.b, m);
    default:
      return assertNever(r, 'recipe');
  }
}

/** The term the factory builds for a recipe. */
export function build(r: Recipe): Term {
  switch (r.kind) {
    case 'bool':
      return f.bool(r.value);
    case 'bv':
      return f.bv(r.value, r.width);
    case 'var':
      return r.width === null ? f.boolVar(r.name) : f.bvVar(r.name, r.width);
    case 'not':
      return f.not(build(r.a));
    case 'and':
      return f.and(...r.args.map(build));
    case 'or':
      return f.or(...r.args.map(build));
    case 'distinct':
      return f.distinct(...r.args.map(build));
    case 'implies':
      return f.implies(build(r.a), build(r.b));
    case 'eq':
      return f.eq(build(r.a), build(r.b));
    case 'bvule':
      return f.bvule(build(r.a), build(r.b));
    case 'bvult':
      return f.bvult(build(r.a), build(r.b));
    case 'bvuge':
      return f.bvuge(build(r.a), build(r.b));
    case 'bvugt':
      return f.bvugt(build(r.a), build(r.b));
    case 'bvadd':
      return f.bvadd(build(r.a), build(r.b));
    case 'ite':
      return f.ite(build(r.c), build(r.a), build(r.b));
    default:
      return assertNever(r, 'recipe');
  }
}

/** The literal for a value of the sort of `t`. */
export function literalFor(t: Term, value: Value): Term {
  if (typeof value === 'boolean') return f.bool(value);
  if (t.sort.kind !== 'bitvec') throw new Error('a bit-vector value for a Bool term');
  return f.bv(value, t.sort.width);
}
