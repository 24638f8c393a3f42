// `prove loadable` and `prove invariant` against the brute-force explorer (src/explore), the
// oracle: on random catalogs of up to 6 patches with up to 3 states each, for every shipped
// rule set and both transition modes, the verdict is the oracle's; a counterexample's global
// shortest length is the oracle's shortest; the counterexample replays on the simulator and
// fails as claimed; it is a shortest sequence over its own patch set; and that set is
// subset-minimal (the oracle proves the claim without any one of its patches). Outcomes are
// counted and every kind must occur. `KLP_FULL=1` runs many more cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalInvariant } from '../../src/eval/index.ts';
import { checkInvariant, provesLoadable, restrictCatalog } from '../../src/explore/index.ts';
import { installStack, run } from '../../src/kernel/index.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import { type ProveResult, proveInvariant, proveLoadable } from '../../src/prove/index.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';
import { arbBlockedCase, arbCatalog, MODES, perRuleSet, RULE_SETS } from './arbitraries.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 150 : 12;
const ORACLE = { maxStates: 300_000 };
/** Per test: the full runs take minutes. */
const TIMEOUT = FULL ? 900_000 : 60_000;

interface Case {
  readonly cat: Catalog;
  readonly target: string;
  readonly initial: readonly string[];
}

const arbAnyCase: fc.Arbitrary<Case> = arbCatalog(2, 6).chain((cat) => {
  const names = cat.patches.map((p) => p.name);
  return fc
    .record({
      target: fc.constantFrom(...names),
      initial: fc.shuffledSubarray(names, { maxLength: 2 }),
    })
    .map(({ target, initial }) => ({ cat, target, initial: initial.filter((n) => n !== target) }));
});

const arbCase: fc.Arbitrary<Case> = fc.oneof(
  { weight: 3, arbitrary: arbAnyCase },
  { weight: 1, arbitrary: arbBlockedCase },
);

const kernel = perRuleSet(rulesNamed);
const checked = perRuleSet(checkedRuleSet);
const stackInvariants = checkedRuleSet('stack-invariants');

function keep(cat: Catalog, names: Iterable<string>): Catalog {
  return restrictCatalog(cat, new Set(names));
}

type Counts = Record<string, number>;
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

/** The checks every refutation must pass, against the oracle `shortestOn(patches)`. */
function checkRefutation(
  r: ProveResult,
  oracleShortest: number,
  shortestOn: (patches: readonly string[]) => number | 'proved' | 'unknown',
  replays: (r: ProveResult) => void,
  counts: Counts,
): void {
  const cex = r.counterexample;
  expect(cex).not.toBeNull();
  if (cex === null) return;
  expect(cex.shortest).toBe(oracleShortest);
  replays(r);
  // A shortest sequence over its own patches, and those patches are subset-minimal.
  expect(shortestOn(cex.patches)).toBe(cex.steps.length);
  for (const p of cex.patches) {
    expect(shortestOn(cex.patches.filter((q) => q !== p))).toBe('proved');
  }
  expect(cex.undecided).toEqual([]);
  bump(counts, `refuted-${Math.min(cex.steps.length, 4)}-steps`);
  if (cex.patches.length >= 2) bump(counts, 'refuted-2+-patches');
  if (cex.steps.length > cex.shortest) bump(counts, 'minimal-set-longer-than-shortest');
}

describe('prove loadable agrees with the explorer', () => {
  for (const rules of RULE_SETS) {
    for (const mode of MODES) {
      it(
        `under ${rules}, transitions ${mode}`,
        async () => {
          const counts: Counts = {};
          await fc.assert(
            fc.asyncProperty(arbCase, async ({ cat, target, initial }) => {
              if (installStack(cat, kernel[rules], initial, mode).kind !== 'ok') {
                bump(counts, 'initial-stack-refused');
                return;
              }
              const opts = { transitions: mode, initial, ...ORACLE };
              const oracle = provesLoadable(cat, kernel[rules], target, opts);
              if (oracle.kind === 'unknown' || oracle.kind === 'error') {
                bump(counts, `oracle-${oracle.kind}`);
                return;
              }
              const r = await proveLoadable({
                catalog: cat,
                ruleSet: checked[rules],
                patch: target,
                transitions: mode,
                initial,
                timeoutMs: 30_000,
              });
              expect(r.verdict).toBe(oracle.kind);
              if (r.verdict === 'proved') {
                bump(counts, 'proved');
                bump(counts, `proved-by-${r.certificate?.method}`);
                return;
              }
              if (oracle.kind !== 'refuted') return;
              const shortestOn = (patches: readonly string[]) => {
                const o = provesLoadable(
                  keep(cat, [...patches, ...initial, target]),
                  kernel[rules],
                  target,
                  opts,
                );
                return o.kind === 'refuted'
                  ? o.path.length
                  : o.kind === 'proved'
                    ? 'proved'
                    : 'unknown';
              };
              checkRefutation(
                r,
                oracle.path.length,
                shortestOn,
                (res) => {
                  const steps = res.counterexample?.steps ?? [];
                  const start = installStack(cat, kernel[rules], initial, mode);
                  if (start.kind !== 'ok') throw new Error('stack');
                  const { outcomes } = run(start.system, steps, {
                    rules: kernel[rules],
                    catalog: cat,
                    transitions: mode,
                  });
                  expect(outcomes.slice(0, -1).every((o) => o.result === 'ok')).toBe(true);
                  expect(outcomes.at(-1)?.result).toBe('EINVAL');
                  expect(steps.at(-1)).toEqual({ kind: 'insmod', patch: target });
                  expect(
                    steps.slice(0, -1).some((op) => op.kind !== 'complete' && op.patch === target),
                  ).toBe(false);
                },
                counts,
              );
            }),
            { numRuns: RUNS },
          );
          // Every kind of answer occurred: a property that never saw one tests nothing.
          expect(counts.proved ?? 0).toBeGreaterThan(0);
          // The replace rules check no states: nothing is ever rejected.
          const refuted = Object.keys(counts).some((k) => k.startsWith('refuted-'));
          expect(refuted).toBe(rules !== 'replace');
          console.log(`loadable ${rules} ${mode}`, JSON.stringify(counts));
        },
        TIMEOUT,
      );
    }
  }
});

const INVARIANTS = stackInvariants.invariants.map((r) => r.name);

describe('prove invariant agrees with the explorer', () => {
  for (const rules of RULE_SETS) {
    for (const mode of MODES) {
      it(
        `under ${rules}, transitions ${mode}`,
        async () => {
          const counts: Counts = {};
          const arb = fc.record({ c: arbCase, invariant: fc.constantFrom(...INVARIANTS) });
          await fc.assert(
            fc.asyncProperty(arb, async ({ c: { cat, initial }, invariant }) => {
              const start = installStack(cat, kernel[rules], initial, mode);
              if (start.kind !== 'ok') return;
              const holds = (c: Catalog) => (sys: Parameters<typeof evalInvariant>[2]) =>
                evalInvariant(stackInvariants, invariant, sys, c).length === 0;
              const oracleOn = (c: Catalog) =>
                checkInvariant(c, kernel[rules], holds(c), {
                  initial: start.system,
                  transitions: mode,
                  ...ORACLE,
                });
              const oracle = oracleOn(cat);
              if (oracle.kind === 'unknown') {
                bump(counts, 'oracle-unknown');
                return;
              }
              const r = await proveInvariant({
                catalog: cat,
                ruleSet: checked[rules],
                invariants: stackInvariants,
                invariant,
                transitions: mode,
                initial,
                timeoutMs: 30_000,
              });
              expect(r.verdict).toBe(oracle.kind === 'holds' ? 'proved' : 'refuted');
              if (r.verdict === 'proved') {
                bump(counts, 'proved');
                bump(counts, `proved-by-${r.certificate?.method}`);
                return;
              }
              if (oracle.kind !== 'violated') return;
              const shortestOn = (patches: readonly string[]) => {
                const o = oracleOn(keep(cat, [...patches, ...initial]));
                return o.kind === 'violated'
                  ? o.path.length
                  : o.kind === 'holds'
                    ? 'proved'
                    : 'unknown';
              };
              checkRefutation(
                r,
                oracle.path.length,
                shortestOn,
                (res) => {
                  const steps = res.counterexample?.steps ?? [];
                  const { outcomes, final } = run(start.system, steps, {
                    rules: kernel[rules],
                    catalog: cat,
                    transitions: mode,
                  });
                  expect(outcomes.every((o) => o.result === 'ok')).toBe(true);
                  expect(holds(cat)(final)).toBe(false);
                },
                counts,
              );
            }),
            { numRuns: RUNS },
          );
          expect(counts.proved ?? 0).toBeGreaterThan(0);
          console.log(`invariant ${rules} ${mode}`, JSON.stringify(counts));
        },
        TIMEOUT,
      );
    }
  }
});
