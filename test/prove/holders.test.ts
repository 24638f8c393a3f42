// The patches kept out by an always-enabled holder (src/prove/holders.ts) against the
// brute-force explorer: whenever the analysis names patches that are never loaded, no
// configuration the explorer reaches has one of them loaded and some holder is enabled in each;
// Z3 accepts the invariant (initiation and consecution), and rejects it once a patch that does
// get loaded is added to it. Outcomes are counted and every kind must occur. Then the engine
// with the pruning on a block_disable chain: the counterexample is the explorer's shortest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, provesLoadable } from '../../src/explore/index.ts';
import { run } from '../../src/kernel/index.ts';
import { installStack } from '../../src/kernel/install.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { isEnabled } from '../../src/model/system.ts';
import {
  checkInductive,
  type Holders,
  holders,
  holdersInvariant,
  proveLoadable,
} from '../../src/prove/index.ts';
import { symbolicRules } from '../../src/prove/problem.ts';
import { TransitionSystem } from '../../src/smt/transition.ts';
import { blockDisableRules, checkedRuleSet } from '../support/rules.ts';
import { arbBlockedCase, MODES } from './arbitraries.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 200 : 25;
const blockDisable = checkedRuleSet('block-disable');

type Counts = Record<string, number>;
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

describe('patches kept out by an always-enabled holder', () => {
  for (const mode of MODES) {
    it(`are never loaded in any reachable configuration, transitions ${mode}`, async () => {
      const counts: Counts = {};
      await fc.assert(
        fc.asyncProperty(arbBlockedCase, async ({ cat, initial }) => {
          const stack = installStack(cat, blockDisableRules, initial, mode);
          if (stack.kind !== 'ok') {
            bump(counts, 'initial-stack-refused');
            return;
          }
          const ts = new TransitionSystem({
            catalog: cat,
            rules: symbolicRules(blockDisable),
            transitions: mode,
            operable: new Set(cat.patches.map((p) => p.name)),
            initial: stack.system,
          });
          const h = holders(ts);
          if (h === null) {
            bump(counts, 'no-holders');
            return;
          }
          const name = (x: number) => ts.patch(x).name;
          const reached = explore(cat, blockDisableRules, {
            initial: stack.system,
            transitions: mode,
            maxStates: 300_000,
          });
          expect(reached.status.kind).toBe('complete');
          const never = h.neverLoaded.map(name);
          const loadedSomewhere = new Set<string>();
          for (const { system } of reached.states) {
            for (const n of system.loaded) loadedSomewhere.add(n);
            expect(never.filter((n) => system.loaded.includes(n))).toEqual([]);
            expect(h.holders.some((m) => isEnabled(system, name(m)))).toBe(true);
          }
          const inductive = (g: Holders) =>
            checkInductive(
              ts,
              (s) => holdersInvariant(g, s),
              new Set(g.neverLoaded),
              Date.now() + 30_000,
            );
          expect(await inductive(h)).not.toBeNull();
          bump(counts, h.neverLoaded.length > 0 ? 'some-never-loaded' : 'none-never-loaded');
          // A patch that does get loaded somewhere, claimed never loaded: Z3 must refuse.
          const wrong = ts.patches.findIndex(
            (p, x) => loadedSomewhere.has(p.name) && !h.holders.includes(x),
          );
          if (wrong >= 0) {
            expect(await inductive({ ...h, neverLoaded: [...h.neverLoaded, wrong] })).toBeNull();
            bump(counts, 'wrong-claim-refused');
          }
        }),
        { numRuns: RUNS },
      );
      console.log(`holders ${mode}`, JSON.stringify(counts));
      expect(counts['some-never-loaded'] ?? 0).toBeGreaterThan(0);
      expect(counts['wrong-claim-refused'] ?? 0).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('prove loadable on a block_disable chain among releases that can never load', () => {
  // Release i adds blocking state b_i and keeps b_(i-1) without the flag: from `chain_1`, only
  // the chain can be walked; `other_*` lack b_1 and carry blocking states of their own, so the
  // cone of influence alone keeps them (the target lacks their states).
  const b = (i: number) => 0xb10c_0000n + BigInt(i);
  const chain = [1, 2, 3, 4].map((i) =>
    patch(`chain_${i}`, {
      replace: true,
      states: [
        { id: b(i), version: 1, blockDisable: true },
        ...(i > 1 ? [{ id: b(i - 1), version: 1, blockDisable: false }] : []),
      ],
    }),
  );
  const others = [1, 2, 3].map((i) =>
    patch(`other_${i}`, {
      replace: true,
      states: [{ id: 0x0e00n + BigInt(i), version: 1, blockDisable: true }],
    }),
  );
  const target = patch('target', {
    replace: true,
    states: [1, 2, 3].map((i) => ({ id: b(i), version: 1 })),
  });
  const cat = catalog([...chain, ...others, target]);

  for (const mode of MODES) {
    it(`gives the explorer's shortest counterexample, transitions ${mode}`, async () => {
      const r = await proveLoadable({
        catalog: cat,
        ruleSet: blockDisable,
        patch: 'target',
        initial: ['chain_1'],
        transitions: mode,
        timeoutMs: 60_000,
      });
      const oracle = provesLoadable(cat, blockDisableRules, 'target', {
        transitions: mode,
        initial: ['chain_1'],
      });
      expect(oracle.kind).toBe('refuted');
      expect(r.verdict).toBe('refuted');
      if (oracle.kind !== 'refuted' || r.counterexample === null) return;
      expect(r.counterexample.shortest).toBe(oracle.path.length);
      expect(r.counterexample.steps.length).toBe(oracle.path.length);
      // The releases outside the chain were left out of the transition system.
      expect(r.stats.ignored).toEqual(expect.arrayContaining(['other_1', 'other_2', 'other_3']));
      const start = installStack(cat, blockDisableRules, ['chain_1'], mode);
      if (start.kind !== 'ok') throw new Error('stack');
      const { outcomes } = run(start.system, r.counterexample.steps, {
        rules: blockDisableRules,
        catalog: cat,
        transitions: mode,
      });
      expect(outcomes.slice(0, -1).every((o) => o.result === 'ok')).toBe(true);
      expect(outcomes.at(-1)?.result).toBe('EINVAL');
    }, 120_000);
  }
});
