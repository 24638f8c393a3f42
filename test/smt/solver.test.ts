// Asking Z3: answers, models, core names, folded questions, limits, errors, incremental
// solving and optimization. One Z3 instance for the whole file (the module-level session).
import { describe, expect, it } from 'vitest';
import {
  and,
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
  not,
  or,
} from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import type { NamedAssertion } from '../../src/smt/term.ts';
import { check, checkSmtlib, incremental, optimize, solverChecks } from '../../src/smt/z3/check.ts';

const opts = { timeoutMs: 10_000 };
const version = bvVar('installed.version', 32);
const incoming = bvVar('incoming.version', 32);
const stateId = bvVar('state.id', 64);
const replace = boolVar('incoming.replace');

/** `n + 1` pigeons in `n` holes: unsatisfiable, and exponentially hard for CDCL. */
function pigeonhole(n: number): NamedAssertion[] {
  const pigeons = Array.from({ length: n + 1 }, (_, i) => bvVar(`pigeon${i}`, 8));
  return [
    { name: 'pigeons-apart', term: distinct(...pigeons) },
    ...pigeons.map((p, i) => ({ name: `hole${i}`, term: bvult(p, bv(n, 8)) })),
  ];
}

describe('check', () => {
  it('returns a model for every free variable that satisfies every assertion', async () => {
    const facts = [
      { name: 'installed', term: eq(version, bv(2, 32)) },
      { name: 'rule:no-downgrade', term: bvuge(incoming, version) },
      { name: 'state', term: bvugt(stateId, bv(0xffff_ffffn, 64)) },
      { name: 'either', term: or(replace, eq(version, bv(2, 32))) },
    ];
    const r = await check(facts, opts);
    expect(r.kind).toBe('sat');
    if (r.kind !== 'sat') return;
    expect(r.model.get('installed.version')).toBe(2n);
    expect(r.model.get('incoming.version')).toBeGreaterThanOrEqual(2n);
    expect(r.model.get('state.id')).toBeGreaterThan(0xffff_ffffn);
    expect(typeof r.model.get('incoming.replace')).toBe('boolean');
    for (const f of facts) expect(interpretBool(f.term, r.model)).toBe(true);
  });

  it('names the assertions of the core, in the caller order', async () => {
    const r = await check(
      [
        { name: 'installed p1', term: eq(version, bv(3, 32)) },
        { name: 'unrelated', term: bvult(stateId, bv(10, 64)) },
        { name: 'incoming p2', term: eq(incoming, bv(2, 32)) },
        { name: 'rule:no-downgrade', term: bvuge(incoming, version) },
      ],
      opts,
    );
    expect(r).toEqual({
      kind: 'unsat',
      core: ['installed p1', 'incoming p2', 'rule:no-downgrade'],
    });
  });

  it('reports a term asserted under two names once', async () => {
    const t = bvult(version, bv(1, 32));
    const r = await check(
      [
        { name: 'first', term: t },
        { name: 'second', term: t },
        { name: 'conflict', term: eq(version, bv(5, 32)) },
      ],
      opts,
    );
    expect(r).toEqual({ kind: 'unsat', core: ['first', 'conflict'] });
  });

  it('answers questions that fold to literals without Z3', async () => {
    const before = solverChecks();
    const concrete = [
      { name: 'same-state', term: eq(bv(7, 64), bv(7, 64)) },
      { name: 'rule:no-downgrade', term: bvuge(bv(1, 32), bv(2, 32)) },
    ];
    expect(concrete[1]?.term).toBe(FALSE);
    expect(await check(concrete, opts)).toEqual({ kind: 'unsat', core: ['rule:no-downgrade'] });
    expect(await check([{ name: 'ok', term: bvule(bv(1, 32), bv(2, 32)) }], opts)).toEqual({
      kind: 'sat',
      model: new Map(),
    });
    expect(await check([], opts)).toEqual({ kind: 'sat', model: new Map() });
    expect(solverChecks()).toBe(before);
  });

  it('answers concurrent questions each with its own answer', async () => {
    const answers = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        check(
          [
            { name: 'low', term: bvuge(version, bv(n, 32)) },
            { name: 'high', term: bvult(version, bv(4, 32)) },
          ],
          opts,
        ),
      ),
    );
    expect(answers.map((a) => a.kind)).toEqual(['sat', 'sat', 'sat', 'unsat', 'unsat', 'unsat']);
  });

  it('minimizes the core on request', async () => {
    const x = bvVar('x', 8);
    const facts = [
      { name: 'a', term: bvult(x, bv(10, 8)) },
      { name: 'b', term: bvult(x, bv(5, 8)) },
      { name: 'c', term: bvugt(x, bv(20, 8)) },
    ];
    const r = await check(facts, { ...opts, minimizeCore: true });
    expect(r.kind).toBe('unsat');
    if (r.kind === 'unsat') expect(r.core).toHaveLength(2);
  });
});

describe('limits', () => {
  it('gives unknown with reason timeout when the time is up', async () => {
    const started = performance.now();
    const r = await check(pigeonhole(14), { timeoutMs: 200 });
    expect(r).toMatchObject({ kind: 'unknown', reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('gives unknown with reason resource-limit under rlimit, reproducibly', async () => {
    const first = await check(pigeonhole(12), { timeoutMs: 60_000, rlimit: 20_000 });
    const again = await check(pigeonhole(12), { timeoutMs: 60_000, rlimit: 20_000 });
    expect(first).toMatchObject({ kind: 'unknown', reason: 'resource-limit' });
    expect(again).toEqual(first);
  });

  it('answers normally after an unknown', async () => {
    await check(pigeonhole(12), { timeoutMs: 60_000, rlimit: 1_000 });
    expect((await check(pigeonhole(4), opts)).kind).toBe('unsat');
  });

  it('rejects a missing or silly limit', async () => {
    await expect(check([], { timeoutMs: 0 })).rejects.toThrow('timeoutMs must be an integer');
    await expect(check([], { timeoutMs: 10, rlimit: -1 })).rejects.toThrow('rlimit must be');
  });
});

describe('errors', () => {
  it('keeps working after Z3 rejected a script', async () => {
    await expect(checkSmtlib('(declare-fun a () Bool)(assert (and a 1))', opts)).rejects.toThrow(
      'Sort mismatch',
    );
    expect((await check([{ name: 'v', term: bvult(version, bv(3, 32)) }], opts)).kind).toBe('sat');
    await expect(checkSmtlib('(assert (foo', opts)).rejects.toThrow('invalid expression');
    expect(await checkSmtlib('(declare-fun a () Bool)(assert (and a (not a)))', opts)).toEqual({
      kind: 'unsat',
    });
  });

  it('rejects ill-formed questions', async () => {
    const t = bvult(version, bv(3, 32));
    await expect(
      check(
        [
          { name: 'a', term: t },
          { name: 'a', term: t },
        ],
        opts,
      ),
    ).rejects.toThrow('assertion name `a` is used twice');
    await expect(check([{ name: 'installed.version', term: t }], opts)).rejects.toThrow(
      'assertion name `installed.version` is also a variable',
    );
    await expect(check([{ name: 'bits', term: version }], opts)).rejects.toThrow(
      'assertion `bits` is a (_ BitVec 32), not a Bool',
    );
    await expect(check([{ name: 'bad|name', term: t }], opts)).rejects.toThrow('contains `|`');
  });

  it('rejects one variable name with two sorts in one session', async () => {
    await check([{ name: 'as-bool', term: boolVar('klp.flag') }], opts);
    await expect(
      check([{ name: 'as-bits', term: bvult(bvVar('klp.flag', 8), bv(1, 8)) }], opts),
    ).rejects.toThrow('variable `klp.flag` is used as Bool and as (_ BitVec 8)');
    expect((await check([{ name: 'after', term: boolVar('klp.flag') }], opts)).kind).toBe('sat');
  });
});

describe('incremental', () => {
  it('keeps background assertions across checks and scopes', async () => {
    const s = await incremental();
    try {
      s.assert(bvuge(version, bv(3, 32)));
      s.push();
      s.assert(bvult(version, bv(5, 32)));
      const low = await s.check([{ name: 'is-2', term: eq(version, bv(2, 32)) }], opts);
      expect(low).toEqual({ kind: 'unsat', core: ['is-2'] });
      const high = await s.check([{ name: 'is-9', term: eq(version, bv(9, 32)) }], opts);
      expect(high).toEqual({ kind: 'unsat', core: ['is-9'] });
      s.pop();
      const after = await s.check([{ name: 'is-9', term: eq(version, bv(9, 32)) }], opts);
      expect(after.kind).toBe('sat');
      if (after.kind === 'sat') expect(after.model.get('installed.version')).toBe(9n);
    } finally {
      s.release();
    }
  });

  it('returns cores over assumptions only and models over every variable', async () => {
    const s = await incremental();
    try {
      // A two-step unrolling: step1 = step0 + 1, and a bad state at step 1.
      const step0 = bvVar('v@0', 32);
      const step1 = bvVar('v@1', 32);
      s.assert(eq(step0, bv(0, 32)));
      s.assert(eq(step1, bvadd(step0, bv(1, 32))));
      const bad = await s.check(
        [
          { name: 'bad@1', term: bvugt(step1, bv(1, 32)) },
          { name: 'flag', term: replace },
        ],
        opts,
      );
      expect(bad).toEqual({ kind: 'unsat', core: ['bad@1'] });
      const fine = await s.check([{ name: 'flag', term: replace }], opts);
      expect(fine.kind).toBe('sat');
      if (fine.kind === 'sat') {
        expect(fine.model).toEqual(
          new Map<string, boolean | bigint>([
            ['v@0', 0n],
            ['v@1', 1n],
            ['incoming.replace', true],
          ]),
        );
      }
    } finally {
      s.release();
    }
  });

  it('rejects misuse', async () => {
    const s = await incremental();
    expect(() => s.pop()).toThrow('cannot pop 1 scope(s): 0 open');
    expect(() => s.assert(version)).toThrow('not a Bool');
    s.release();
    expect(() => s.push()).toThrow('the incremental solver was released');
  });
});

describe('optimize', () => {
  it('minimizes and maximizes unsigned objectives lexicographically', async () => {
    const r = await optimize(
      {
        hard: [
          { name: 'range', term: and(bvuge(version, bv(3, 32)), bvult(version, bv(100, 32))) },
          { name: 'above', term: bvugt(incoming, version) },
        ],
        objectives: [
          { kind: 'minimize', term: version },
          { kind: 'maximize', term: incoming },
        ],
      },
      opts,
    );
    expect(r).toMatchObject({ kind: 'optimal', objectives: [3n, 0xffff_ffffn], violated: [] });
  });

  it('violates the soft constraints of least total weight', async () => {
    const x = bvVar('x', 8);
    const r = await optimize(
      {
        hard: [{ name: 'range', term: bvult(x, bv(10, 8)) }],
        soft: [
          { name: 'big', term: bvuge(x, bv(8, 8)), weight: 1 },
          { name: 'small', term: bvult(x, bv(3, 8)), weight: 2 },
          { name: 'odd', term: or(eq(x, bv(1, 8)), eq(x, bv(9, 8))), weight: 1 },
        ],
      },
      opts,
    );
    expect(r).toMatchObject({ kind: 'optimal', violated: ['big'] });
    if (r.kind === 'optimal') expect(r.model.get('x')).toBe(1n);
  });

  it('names the hard constraints that conflict', async () => {
    const r = await optimize(
      {
        hard: [
          { name: 'low', term: bvult(version, bv(2, 32)) },
          { name: 'free', term: replace },
          { name: 'high', term: bvugt(version, bv(5, 32)) },
        ],
        soft: [{ name: 'soft', term: not(replace) }],
      },
      opts,
    );
    expect(r).toEqual({ kind: 'unsat', core: ['low', 'high'] });
  });

  it('gives unknown when the time is up', async () => {
    const r = await optimize({ hard: pigeonhole(14) }, { timeoutMs: 200 });
    expect(r).toMatchObject({ kind: 'unknown', reason: 'timeout' });
  });
});
