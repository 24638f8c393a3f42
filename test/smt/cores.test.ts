// Explanations: minimal unsat cores and correction sets, on a hand-made livepatch question and
// against brute force on random small problems.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  and,
  boolVar,
  bv,
  bvuge,
  bvugt,
  bvule,
  bvult,
  bvVar,
  eq,
  FALSE,
  implies,
  not,
  or,
} from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import type { NamedAssertion, Term, Value } from '../../src/smt/term.ts';
import { check } from '../../src/smt/z3/check.ts';
import {
  enumerateCorrectionSets,
  minimizeCore,
  smallestCorrectionSet,
} from '../../src/smt/z3/cores.ts';

const opts = { timeoutMs: 10_000 };

// insmod p2 over p1: p1 installed state 1 at version 3, p2 declares it at version 2 and is a
// cumulative (replace) patch. Two independent reasons reject it.
const installed = bvVar('p1.state1.version', 32);
const incoming = bvVar('p2.state1.version', 32);
const replace = boolVar('p2.replace');
const I = { name: 'installed p1 state 1 version 3', term: eq(installed, bv(3, 32)) };
const V = { name: 'p2 state 1 version 2', term: eq(incoming, bv(2, 32)) };
const R = { name: 'p2 replace', term: replace };
const ND = { name: 'rule:no-downgrade', term: bvuge(incoming, installed) };
const RN = { name: 'rule:replace-needs-newer', term: implies(replace, bvugt(incoming, installed)) };
const N = { name: 'p3 loaded', term: boolVar('p3.loaded') };
const facts = [I, V, R, N, ND, RN];

function sorted(sets: readonly (readonly string[])[]): string[][] {
  return sets.map((s) => [...s].sort()).sort((a, b) => a.join().localeCompare(b.join()));
}

describe('minimizeCore', () => {
  it('shrinks a core to one where every member is needed', async () => {
    const r = await check(facts, opts);
    expect(r.kind).toBe('unsat');
    if (r.kind !== 'unsat') return;
    const m = await minimizeCore(facts, r.core, opts);
    expect(m.kind).toBe('minimal');
    const core = facts.filter((f) => m.core.includes(f.name));
    expect((await check(core, opts)).kind).toBe('unsat');
    for (const dropped of core) {
      const rest = core.filter((f) => f !== dropped);
      expect((await check(rest, opts)).kind, `without ${dropped.name}`).toBe('sat');
    }
    expect(m.core).not.toContain(N.name);
  });

  it('starts from any superset of a core and keeps fixed members', async () => {
    const all = facts.map((f) => f.name);
    const m = await minimizeCore(facts, all, { ...opts, fixed: [RN.name, R.name] });
    expect(m).toEqual({ kind: 'minimal', core: [I.name, V.name, R.name, RN.name] });
  });

  it('says when Z3 could not decide', async () => {
    const pigeons = Array.from({ length: 13 }, (_, i) => bvVar(`pigeon${i}`, 8));
    const hard = pigeons.map((p, i) => ({ name: `hole${i}`, term: bvult(p, bv(12, 8)) }));
    const apart = pigeons.flatMap((p, i) =>
      pigeons.slice(i + 1).map((q, j) => ({ name: `apart${i}-${i + j + 1}`, term: not(eq(p, q)) })),
    );
    const all = [...hard, ...apart];
    const m = await minimizeCore(
      all,
      all.map((a) => a.name),
      { ...opts, rlimit: 1_000 },
    );
    expect(m).toMatchObject({ kind: 'reduced', reason: 'resource-limit' });
    expect(m.core).toHaveLength(all.length);
  });

  it('rejects a set that is not a core', async () => {
    await expect(minimizeCore(facts, [I.name, V.name], opts)).rejects.toThrow('not a core');
    await expect(minimizeCore(facts, ['nope'], opts)).rejects.toThrow(
      'core name `nope` is not an assertion',
    );
  });
});

describe('correction sets', () => {
  it('lists every minimal way out', async () => {
    const r = await enumerateCorrectionSets({ hard: [], soft: facts }, opts);
    expect(r.kind).toBe('complete');
    if (r.kind !== 'complete') return;
    expect(sorted(r.sets)).toEqual(
      sorted([[I.name], [V.name], [R.name, ND.name], [ND.name, RN.name]]),
    );
  });

  it('keeps hard constraints and stops at the limit', async () => {
    const withHard = await enumerateCorrectionSets({ hard: [I, V], soft: [R, N, ND, RN] }, opts);
    expect(withHard.kind).toBe('complete');
    if (withHard.kind === 'complete') {
      expect(sorted(withHard.sets)).toEqual(
        sorted([
          [R.name, ND.name],
          [ND.name, RN.name],
        ]),
      );
    }
    const limited = await enumerateCorrectionSets({ hard: [], soft: facts }, { ...opts, limit: 2 });
    expect(limited.kind).toBe('limit');
    if (limited.kind === 'limit') expect(limited.sets).toHaveLength(2);
  });

  it('reports hard constraints that conflict on their own', async () => {
    const r = await enumerateCorrectionSets(
      { hard: [I, N, { name: 'also 4', term: eq(installed, bv(4, 32)) }], soft: [V] },
      opts,
    );
    expect(r).toEqual({ kind: 'hard-unsat', core: [I.name, 'also 4'] });
  });

  it('gives the empty set when nothing conflicts', async () => {
    const r = await enumerateCorrectionSets({ hard: [], soft: [I, R, N, RN] }, opts);
    expect(r).toEqual({ kind: 'complete', sets: [[]] });
  });

  it('finds the cheapest way out by weight', async () => {
    const weights = new Map<NamedAssertion, number>([
      [I, 10],
      [V, 10],
      [R, 5],
      [N, 1],
      [ND, 1],
      [RN, 3],
    ]);
    const r = await smallestCorrectionSet(
      { hard: [], soft: facts.map((f) => ({ ...f, weight: weights.get(f) ?? 1 })) },
      opts,
    );
    expect(r).toMatchObject({ kind: 'optimal', set: [ND.name, RN.name] });
    const hard = await smallestCorrectionSet(
      { hard: [{ name: 'impossible', term: FALSE }], soft: [] },
      opts,
    );
    expect(hard).toEqual({ kind: 'hard-unsat', core: ['impossible'] });
  });
});

// ---------- against brute force ----------

const bx = boolVar('bx');
const by = boolVar('by');
const bz = boolVar('bz');
const pos = bvVar('pos', 2);

const ALL_MODELS: Map<string, Value>[] = [];
for (let i = 0; i < 32; i++) {
  ALL_MODELS.push(
    new Map<string, Value>([
      ['bx', (i & 1) !== 0],
      ['by', (i & 2) !== 0],
      ['bz', (i & 4) !== 0],
      ['pos', BigInt(i >> 3)],
    ]),
  );
}

const atom: fc.Arbitrary<Term> = fc.oneof(
  fc.constantFrom(bx, by, bz, not(bx), not(by), not(bz)),
  fc.integer({ min: 0, max: 3 }).map((k) => eq(pos, bv(k, 2))),
  fc.integer({ min: 0, max: 3 }).map((k) => bvult(pos, bv(k, 2))),
  fc.integer({ min: 0, max: 3 }).map((k) => bvule(bv(k, 2), pos)),
);
const constraint: fc.Arbitrary<Term> = fc.oneof(
  atom,
  fc.tuple(atom, atom).map(([a, b]) => or(a, b)),
  fc.tuple(atom, atom).map(([a, b]) => and(a, b)),
);

function satisfiable(terms: readonly Term[]): boolean {
  return ALL_MODELS.some((m) => terms.every((t) => interpretBool(t, m)));
}

/** Every minimal correction set, by trying all subsets. */
function bruteCorrectionSets(hard: readonly Term[], soft: readonly NamedAssertion[]): string[][] {
  const fixes: number[] = [];
  for (let mask = 0; mask < 1 << soft.length; mask++) {
    const kept = soft.filter((_, i) => (mask & (1 << i)) === 0).map((s) => s.term);
    if (satisfiable([...hard, ...kept])) fixes.push(mask);
  }
  const minimal = fixes.filter((m) => !fixes.some((o) => o !== m && (o & m) === o));
  return minimal.map((m) => soft.filter((_, i) => (m & (1 << i)) !== 0).map((s) => s.name));
}

describe('against brute force on small problems', () => {
  it('finds exactly the minimal correction sets, and minimal cores', async () => {
    const counts = { hardUnsat: 0, none: 0, one: 0, several: 0, cores: 0, shrunk: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(constraint, { maxLength: 1 }),
        fc.array(constraint, { minLength: 1, maxLength: 6 }),
        async (hardTerms, softTerms) => {
          const hard = hardTerms.map((term, i) => ({ name: `h${i}`, term }));
          const soft = softTerms.map((term, i) => ({ name: `s${i}`, term }));
          const r = await enumerateCorrectionSets({ hard, soft }, opts);
          if (!satisfiable(hardTerms)) {
            expect(r.kind).toBe('hard-unsat');
            counts.hardUnsat++;
            return;
          }
          expect(r.kind).toBe('complete');
          if (r.kind !== 'complete') return;
          const expected = bruteCorrectionSets(hardTerms, soft);
          expect(sorted(r.sets)).toEqual(sorted(expected));
          if (expected.length === 1 && expected[0]?.length === 0) counts.none++;
          else if (expected.length === 1) counts.one++;
          else counts.several++;

          const all = [...hard, ...soft];
          const whole = await check(all, opts);
          if (whole.kind !== 'unsat') return;
          const m = await minimizeCore(all, whole.core, opts);
          expect(m.kind).toBe('minimal');
          const core = all.filter((a) => m.core.includes(a.name));
          expect(satisfiable(core.map((a) => a.term))).toBe(false);
          for (const dropped of core) {
            expect(satisfiable(core.filter((a) => a !== dropped).map((a) => a.term))).toBe(true);
          }
          counts.cores++;
          // The deletion loop only matters when Z3's own core was not minimal.
          if (m.core.length < whole.core.length) counts.shrunk++;
        },
      ),
      { numRuns: 60 },
    );
    for (const [key, n] of Object.entries(counts)) {
      expect(n, `outcome ${key} never occurred: ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    }
  });
});
