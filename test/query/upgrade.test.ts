/**
 * `upgrade` against the brute-force explorer: on random small catalogs (at most 4 patches, at
 * most 2 states each), the verdict and the shortest length agree with breadth-first search on
 * the simulator, every path replays, and the reasons for unreachable targets hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortestPath } from '../../src/explore/index.ts';
import { installStack, type KernelRules, run } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { formatOp } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';
import { upgrade } from '../../src/query/upgrade.ts';
import { upgradeSummary } from '../../src/report/upgrade.ts';
import { arbPatch } from '../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 120 : 15;
const RULE_SETS = ['upstream', 'block-disable', 'replace-set'] as const;
const MODES = ['auto', 'manual'] as const;

/** The target as the user means it, written independently of src/query/upgrade.ts. */
function reached(sys: System, to: readonly string[]): boolean {
  if (sys.klpPatches.join(',') !== to.join(',')) return false;
  return sys.transition === null || sys.transition.target === 'patched';
}

const arbCase = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbPatch(`p${i}`))))
  .map((ps) => catalog(ps.map((p) => ({ ...p, states: p.states.slice(0, 2) }))))
  .chain((cat) => {
    const names = cat.patches.map((p) => p.name);
    return fc.record({
      cat: fc.constant(cat),
      from: fc.shuffledSubarray(names, { maxLength: Math.min(2, names.length) }),
      to: fc.shuffledSubarray(names, { maxLength: Math.min(3, names.length) }),
    });
  });

type Counts = Record<string, number>;
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

describe('upgrade agrees with the explorer', () => {
  for (const rules of RULE_SETS) {
    for (const mode of MODES) {
      it(
        `under ${rules}, transitions ${mode}`,
        async () => {
          const kernel: KernelRules = rulesNamed(rules);
          const ruleSet = checkedRuleSet(rules);
          const counts: Counts = {};
          await fc.assert(
            fc.asyncProperty(arbCase, async ({ cat, from, to }) => {
              const stack = installStack(cat, kernel, from, mode);
              if (stack.kind !== 'ok') {
                const r = await upgrade({ catalog: cat, ruleSet, from, to, transitions: mode });
                expect(r.verdict).toBe('error');
                bump(counts, 'from-stack-refused');
                return;
              }
              const oracle = shortestPath(cat, kernel, stack.system, (s) => reached(s, to), {
                transitions: mode,
              });
              const r = await upgrade({
                catalog: cat,
                ruleSet,
                from,
                to,
                transitions: mode,
                timeoutMs: 30_000,
              });
              if (oracle.kind === 'unknown' || r.verdict === 'unknown') {
                bump(counts, 'unknown');
                return;
              }
              if (oracle.kind === 'found') {
                expect(r.verdict).toBe('reachable');
                expect(r.path?.steps.length).toBe(oracle.path.length);
                const { outcomes, final } = run(stack.system, r.path?.steps ?? [], {
                  rules: kernel,
                  catalog: cat,
                  transitions: mode,
                });
                expect(
                  outcomes.filter((o) => o.result !== 'ok').map((o) => formatOp(o.op)),
                ).toEqual([]);
                expect(reached(final, to)).toBe(true);
                bump(counts, `reachable-${Math.min(oracle.path.length, 3)}`);
              } else {
                expect(r.verdict).toBe('unreachable');
                expect(r.proof?.files.map((f) => f.name)).toEqual([
                  'initiation.smt2',
                  'consecution.smt2',
                  'safety.smt2',
                ]);
                const reason = r.reason;
                if (reason?.kind === 'stays') {
                  // The patch never leaves klp_patches on the explorer either.
                  const leaves = shortestPath(
                    cat,
                    kernel,
                    stack.system,
                    (s) => !s.klpPatches.includes(reason.patch),
                    { transitions: mode },
                  );
                  expect(leaves.kind).toBe('unreachable');
                } else if (reason?.kind === 'never-enabled') {
                  const enabled = shortestPath(
                    cat,
                    kernel,
                    stack.system,
                    (s) =>
                      s.klpPatches.includes(reason.patch) &&
                      !(
                        s.transition?.patch === reason.patch && s.transition.target === 'unpatched'
                      ),
                    { transitions: mode },
                  );
                  expect(enabled.kind).toBe('unreachable');
                }
                bump(counts, `unreachable-${reason?.kind ?? 'none'}`);
              }
            }),
            { numRuns: RUNS, seed: 20261126 },
          );
          expect(counts['reachable-0'] ?? 0).toBeGreaterThan(0);
          expect((counts['reachable-2'] ?? 0) + (counts['reachable-3'] ?? 0)).toBeGreaterThan(0);
          expect(
            Object.keys(counts).filter((k) => k.startsWith('unreachable-')).length,
          ).toBeGreaterThan(0);
        },
        FULL ? 900_000 : 120_000,
      );
    }
  }
});

/** p0 is cumulative with a block_disable state; only a cumulative patch carrying it replaces it. */
function blockedCatalog(carrier: boolean): Catalog {
  return catalog([
    patch('p0', { replace: true, states: [{ id: 1, version: 1, blockDisable: true }] }),
    patch('p1', {
      replace: true,
      states: carrier ? [{ id: 1, version: 2, blockDisable: true }] : [],
    }),
    patch('p2', {}),
  ]);
}

describe('upgrade reasons', () => {
  const ruleSet = checkedRuleSet('block-disable');

  it('names the block_disable patch that nothing in the catalog can replace', async () => {
    const r = await upgrade({ catalog: blockedCatalog(false), ruleSet, from: ['p0'], to: ['p2'] });
    expect(r.verdict).toBe('unreachable');
    expect(r.reason?.kind).toBe('stays');
    expect(r.reason?.kind === 'stays' ? r.reason.patch : null).toBe('p0');
    expect(r.reason?.kind === 'stays' ? r.reason.disable?.result : null).toBe('EINVAL');
    expect(upgradeSummary(r)).toContain('`p0` of the --from stack can never leave klp_patches');
  });

  it('finds the way through a cumulative patch that carries the state', async () => {
    const r = await upgrade({ catalog: blockedCatalog(true), ruleSet, from: ['p0'], to: ['p1'] });
    expect(r.verdict).toBe('reachable');
    expect(r.path?.steps.map(formatOp)).toEqual(['insmod p1']);
  });

  it('reports an unknown patch as an error', async () => {
    const r = await upgrade({ catalog: blockedCatalog(true), ruleSet, from: [], to: ['p9'] });
    expect(r.verdict).toBe('error');
    expect(upgradeSummary(r)).toBe('error: --to patch `p9` is not in the catalog');
  });
});
