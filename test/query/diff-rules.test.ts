/**
 * `diff-rules` against a lockstep breadth-first search on the simulator: on random small
 * catalogs (at most 4 patches, at most 2 states each), for pairs of shipped rule sets, the
 * shortest scenario in each direction has the length the search finds, every scenario
 * replays, and "none" is returned exactly when the search finds none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { installStack, type KernelRules, run, step } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { type System, systemKey } from '../../src/model/system.ts';
import { diffRules } from '../../src/query/diff-rules.ts';
import { allOps, arbPatch } from '../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 80 : 10;
const PAIRS = [
  ['upstream', 'replace-set'],
  ['upstream', 'block-disable'],
  ['replace', 'replace-set'],
] as const;
const MODES = ['auto', 'manual'] as const;

type Mode = (typeof MODES)[number];

/**
 * Shortest scenario lengths by breadth-first search over pairs of systems: every earlier step
 * ok under both, the last ok under `admits` only. Null when there is none.
 */
function lockstep(
  cat: Catalog,
  rules: readonly [KernelRules, KernelRules],
  from: System,
  mode: Mode,
): [number | null, number | null] {
  const opts = (i: 0 | 1) => ({ rules: rules[i], catalog: cat, transitions: mode });
  const ops: Op[] = allOps(cat);
  const found: [number | null, number | null] = [null, null];
  const seen = new Set<string>();
  let frontier: [System, System][] = [[from, from]];
  seen.add(`${systemKey(from)}#${systemKey(from)}`);
  for (let depth = 1; frontier.length > 0 && (found[0] === null || found[1] === null); depth++) {
    const next: [System, System][] = [];
    for (const [a, b] of frontier) {
      for (const op of ops) {
        const ra = step(a, op, opts(0));
        const rb = step(b, op, opts(1));
        if (ra.result === 'ok' && rb.result !== 'ok') found[0] ??= depth;
        if (ra.result !== 'ok' && rb.result === 'ok') found[1] ??= depth;
        if (ra.result !== 'ok' || rb.result !== 'ok') continue;
        const key = `${systemKey(ra.system)}#${systemKey(rb.system)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.push([ra.system, rb.system]);
      }
    }
    frontier = next;
  }
  return found;
}

const arbCat = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbPatch(`p${i}`))))
  .map((ps) => catalog(ps.map((p) => ({ ...p, states: p.states.slice(0, 2) }))));

type Counts = Record<string, number>;
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

describe('diff-rules agrees with a lockstep search on the simulator', () => {
  for (const [l, r] of PAIRS) {
    for (const mode of MODES) {
      it(
        `${l} against ${r}, transitions ${mode}`,
        async () => {
          const kernels = [rulesNamed(l), rulesNamed(r)] as const;
          const counts: Counts = {};
          await fc.assert(
            fc.asyncProperty(arbCat, async (cat) => {
              const res = await diffRules({
                catalog: cat,
                left: checkedRuleSet(l),
                right: checkedRuleSet(r),
                transitions: mode,
                timeoutMs: 30_000,
              });
              const stack = installStack(cat, kernels[0], [], mode);
              if (stack.kind !== 'ok') throw new Error('the empty stack always installs');
              const oracle = lockstep(cat, kernels, stack.system, mode);
              for (const [d, dir] of [res.leftOnly, res.rightOnly].entries()) {
                expect(dir).not.toBeNull();
                if (dir === null || dir.verdict === 'unknown') {
                  bump(counts, 'unknown');
                  continue;
                }
                const want = oracle[d === 0 ? 0 : 1] ?? null;
                if (want === null) {
                  expect(dir.verdict).toBe('none');
                  expect(dir.proof?.files.length).toBe(3);
                  bump(counts, 'none');
                } else {
                  expect(dir.verdict).toBe('found');
                  const steps = dir.scenario?.steps ?? [];
                  expect(steps.length).toBe(want);
                  const admits = kernels[d === 0 ? 0 : 1];
                  const rejects = kernels[d === 0 ? 1 : 0];
                  const a = run(stack.system, steps, {
                    rules: admits,
                    catalog: cat,
                    transitions: mode,
                  });
                  const b = run(stack.system, steps, {
                    rules: rejects,
                    catalog: cat,
                    transitions: mode,
                  });
                  expect(a.outcomes.every((o) => o.result === 'ok')).toBe(true);
                  expect(b.outcomes.slice(0, -1).every((o) => o.result === 'ok')).toBe(true);
                  expect(b.outcomes.at(-1)?.result).not.toBe('ok');
                  bump(counts, `found-${Math.min(want, 3)}`);
                }
              }
              bump(counts, res.verdict);
            }),
            { numRuns: RUNS, seed: 20261126 },
          );
          expect(counts.none ?? 0).toBeGreaterThan(0);
          expect(
            (counts['found-1'] ?? 0) + (counts['found-2'] ?? 0) + (counts['found-3'] ?? 0),
          ).toBeGreaterThan(0);
        },
        FULL ? 900_000 : 180_000,
      );
    }
  }
});

describe('diff-rules on a hand-made catalog', () => {
  it('finds what breaks when a block_disable patch is loaded under the block-disable rules', async () => {
    const cat = catalog([
      patch('a', { states: [{ id: 1, version: 1, blockDisable: true }] }),
      patch('b', {}),
    ]);
    const res = await diffRules({
      catalog: cat,
      left: checkedRuleSet('upstream'),
      right: checkedRuleSet('block-disable'),
    });
    expect(res.verdict).toBe('differ');
    expect(res.leftOnly?.scenario?.steps).toEqual([
      { kind: 'insmod', patch: 'a' },
      { kind: 'disable', patch: 'a' },
    ]);
    expect(res.leftOnly?.scenario?.rejected.at(-1)?.result).toBe('EINVAL');
  });

  it('starts from an installed stack', async () => {
    const cat = catalog([patch('a', { states: [{ id: 1, version: 1, blockDisable: true }] })]);
    const res = await diffRules({
      catalog: cat,
      left: checkedRuleSet('upstream'),
      right: checkedRuleSet('block-disable'),
      initial: ['a'],
    });
    expect(res.leftOnly?.scenario?.steps).toEqual([{ kind: 'disable', patch: 'a' }]);
    expect(res.rightOnly?.verdict).toBe('none');
    expect(res.verdict).toBe('differ');
  });
});
