/**
 * Function ownership claims of `klp-verify prove` (src/prove/ownership.ts): the claim term
 * against the simulator's ownership on every reachable configuration of random catalogs, and
 * the prover's verdict and shortest counterexample against the brute-force explorer
 * (src/explore). Outcomes are counted; every kind must occur.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { explore } from '../../src/explore/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type KlpFunc, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import {
  type OwnershipClaim,
  ownershipBad,
  ownershipViolated,
  proveOwnership,
} from '../../src/prove/index.ts';
import { symbolicRules } from '../../src/prove/problem.ts';
import { TransitionSystem } from '../../src/smt/transition.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';

const F: KlpFunc = { object: 'vmlinux', name: 'f', sympos: 0 };
const G: KlpFunc = { object: 'vmlinux', name: 'g', sympos: 0 };
const NAMES = ['r1', 'r2', 'r3', 'r4'];

const arbCatalog = (max: number): fc.Arbitrary<Catalog> =>
  fc.integer({ min: 2, max }).chain((n) =>
    fc
      .tuple(
        ...NAMES.slice(0, n).map((name) =>
          fc
            .record({
              replace: fc.boolean(),
              replaceSet: fc.integer({ min: 0, max: 1 }),
              functions: fc.subarray([F, G], { minLength: 0, maxLength: 2 }),
            })
            .map((p) => patch(name, p)),
        ),
      )
      // The claim is about F: some patch must patch it.
      .filter((ps) => ps.some((p) => p.functions.includes(F)))
      .map((ps) => catalog(ps)),
  );

const arbClaim = (cat: Catalog): fc.Arbitrary<OwnershipClaim> =>
  fc.oneof(
    fc.constant<OwnershipClaim>({ kind: 'newest', func: F }),
    fc
      .constantFrom(...cat.patches.map((p) => p.name))
      .map((p): OwnershipClaim => ({ kind: 'original', func: F, patch: p })),
  );

const RULES = ['upstream', 'replace-set'] as const;
const MODES = ['auto', 'manual'] as const;

describe('the ownership claim term agrees with the simulator on every reachable configuration', () => {
  it('upstream and replace-set rules, both modes', () => {
    const counts = new Map<string, number>();
    for (const rulesName of RULES) {
      const kernel = rulesNamed(rulesName);
      const symbolic = symbolicRules(checkedRuleSet(rulesName));
      for (const mode of MODES) {
        fc.assert(
          fc.property(
            arbCatalog(4).chain((cat) => fc.tuple(fc.constant(cat), arbClaim(cat))),
            ([cat, claim]) => {
              const ts = new TransitionSystem({
                catalog: cat,
                rules: symbolic,
                transitions: mode,
                operable: new Set(cat.patches.map((p) => p.name)),
                initial: EMPTY_SYSTEM,
              });
              const bad = ownershipBad(ts, claim);
              const x = explore(cat, kernel, { initial: EMPTY_SYSTEM, transitions: mode });
              expect(x.status.kind).toBe('complete');
              for (const { system } of x.states) {
                const want = ownershipViolated(claim, system, { rules: kernel, catalog: cat });
                const got = ts.concrete(system).inst(bad);
                expect(got.kind === 'bool' && got.value).toBe(want);
                const key = `${claim.kind}:${mode}:${want}`;
                counts.set(key, (counts.get(key) ?? 0) + 1);
              }
            },
          ),
          { numRuns: 25 },
        );
      }
    }
    const missing = ['original', 'newest']
      .flatMap((k) => MODES.flatMap((m) => [`${k}:${m}:true`, `${k}:${m}:false`]))
      .filter((k) => (counts.get(k) ?? 0) === 0);
    expect(missing).toEqual([]);
  });
});

describe('prove original / newest against the brute-force explorer', () => {
  it('same verdict, and a counterexample as short as the shortest the explorer finds', async () => {
    const counts = new Map<string, number>();
    const cases = fc.sample(
      fc.tuple(
        arbCatalog(3).chain((cat) => fc.tuple(fc.constant(cat), arbClaim(cat))),
        fc.constantFrom(...MODES),
      ),
      { numRuns: 16, seed: 20261202 },
    );
    // An older release loaded over a newer non-cumulative one takes the function back.
    const older = catalog([patch('r1', { functions: [F] }), patch('r2', { functions: [F] })]);
    cases.push([[older, { kind: 'newest', func: F }], 'auto']);
    const kernel = rulesNamed('upstream');
    const ruleSet = checkedRuleSet('upstream');
    for (const [[cat, claim], mode] of cases) {
      const x = explore(cat, kernel, { initial: EMPTY_SYSTEM, transitions: mode });
      const bad = x.states.filter((s) =>
        ownershipViolated(claim, s.system, { rules: kernel, catalog: cat }),
      );
      const shortest = bad.length === 0 ? null : Math.min(...bad.map((s) => s.depth));
      const r = await proveOwnership({
        catalog: cat,
        ruleSet,
        transitions: mode,
        ownership: claim,
        timeoutMs: 60_000,
      });
      expect(r.verdict).toBe(shortest === null ? 'proved' : 'refuted');
      if (r.counterexample !== null) {
        expect(r.counterexample.shortest).toBe(shortest);
        expect(r.explanation?.kind).toBe('ownership');
      }
      const key = `${claim.kind}:${r.verdict}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const missing = [
      'original:proved',
      'original:refuted',
      'newest:proved',
      'newest:refuted',
    ].filter((k) => (counts.get(k) ?? 0) === 0);
    expect(missing).toEqual([]);
  }, 300_000);
});

describe('klp-verify prove original / newest', () => {
  const STREAM = 'examples/vendor-stream/stream.catalog.yaml';

  async function cli(...argv: string[]) {
    const io = bufferIo();
    const status = await main(argv, io);
    return { status, out: io.stdout(), err: io.stderr() };
  }

  it('newest: the hotfix loaded over r3 takes tcp_retransmit_timer back from the newer release', async () => {
    const r = await cli(
      'prove',
      'newest',
      'vmlinux:tcp_retransmit_timer',
      '--catalog',
      STREAM,
      '--format',
      'json',
    );
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.out);
    // Either release that patches the function (r3 or r4) makes a shortest counterexample; which
    // one the solver returns first is its choice.
    const release = doc.counterexample?.steps?.[0]?.patch;
    expect(['klp_6_8_0_45_r3', 'klp_6_8_0_45_r4']).toContain(release);
    expect(doc).toMatchObject({
      query: 'ownership',
      claim: 'newest',
      function: 'vmlinux:tcp_retransmit_timer',
      verdict: 'refuted',
      counterexample: {
        steps: [
          { op: 'insmod', patch: release },
          { op: 'insmod', patch: 'klp_hotfix_tcp_rto' },
        ],
      },
      explanation: { owner: 'klp_hotfix_tcp_rto', mixed: false, newer: [release] },
    });
  });

  it('original: with manual transitions, a pending replace runs the original code for switched tasks', async () => {
    const args = ['vmlinux:io_uring_setup', '--while', 'klp_6_8_0_50_r1'];
    const cat = ['--catalog', 'examples/reverted-function/stream.catalog.yaml'];
    const auto = await cli('prove', 'original', ...args, ...cat);
    expect(auto.status).toBe(0);
    expect(auto.out).toMatch(/^proved: no task runs the original code of vmlinux:io_uring_setup/);
    const manual = await cli('prove', 'original', ...args, ...cat, '--transitions', 'manual');
    expect(manual.status).toBe(1);
    expect(manual.out).toContain(
      "tasks that have switched run the original code, tasks that have not run\n    `klp_6_8_0_50_r1`'s code",
    );
  });

  it('bad input: unknown function, missing --while, --while on newest', async () => {
    const f = await cli('prove', 'newest', 'vmlinux:tcp_retransmit_time', '--catalog', STREAM);
    expect(f.status).toBe(2);
    expect(f.err).toContain('no patch of the catalog patches `vmlinux:tcp_retransmit_time`');
    expect(f.err).toContain('did you mean `vmlinux:tcp_retransmit_timer`?');
    const w = await cli('prove', 'original', 'vmlinux:io_sq_thread', '--catalog', STREAM);
    expect(w.status).toBe(2);
    expect(w.err).toContain('`prove original` needs `--while PATCH`');
    const n = await cli(
      'prove',
      'newest',
      'vmlinux:io_sq_thread',
      '--while',
      'x',
      '--catalog',
      STREAM,
    );
    expect(n.status).toBe(2);
    expect(n.err).toContain('`--while` is only for `prove original`');
  });
});
