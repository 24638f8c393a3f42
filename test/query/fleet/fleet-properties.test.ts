/**
 * `audit fleet` against the simulator: fleets of hosts in random configurations the kernel can
 * reach (found by the brute-force explorer over random catalogs, under every rule set), with
 * `stack_order` shown or hidden and forced modules known or not. Every per-host verdict must be
 * what the simulator does with the rollout on that host's true configuration; configurations
 * mutated out of the reachable set must be inconsistent exactly when no reachable configuration
 * has their facts. Outcome counters fail the test when a kind never occurred.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore } from '../../../src/explore/index.ts';
import type { HostSnapshot, SysfsPatch } from '../../../src/ingest/snapshot.ts';
import { type KernelRules, run } from '../../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../../src/model/catalog.ts';
import type { Op } from '../../../src/model/op.ts';
import { patch } from '../../../src/model/patch.ts';
import { EMPTY_SYSTEM, isEnabled, type System } from '../../../src/model/system.ts';
import { FleetAudit } from '../../../src/query/fleet/audit.ts';
import { outcomeKey } from '../../../src/query/fleet/decide.ts';
import { rulesNamed } from '../../support/rules.ts';

const RULE_SETS = ['upstream', 'replace', 'block-disable', 'replace-set'] as const;
const NAMES = ['p0', 'p1', 'p2'];

/** The release being rolled out: in every catalog, loaded on no generated host. */
const NEXT = 'next';

const catalogArb: fc.Arbitrary<Catalog> = fc
  .integer({ min: 2, max: NAMES.length })
  .chain((n) =>
    fc.tuple(
      ...[...NAMES.slice(0, n), NEXT].map((name) =>
        fc
          .record({
            replace: fc.boolean(),
            replaceSet: fc.integer({ min: 0, max: 1 }),
            states: fc.array(
              fc.record({
                id: fc.constantFrom(1, 2),
                version: fc.integer({ min: 0, max: 2 }),
                blockDisable: fc.boolean(),
              }),
              { maxLength: 2 },
            ),
          })
          .map((o) => patch(name, o)),
      ),
    ),
  )
  .map((ps) => catalog(ps));

function snapshotOf(
  sys: System,
  cat: Catalog,
  host: string,
  showOrder: boolean,
  showForced: boolean,
  count: number,
): HostSnapshot {
  const livepatch: SysfsPatch[] = sys.klpPatches.map((name, i) => ({
    name,
    enabled: isEnabled(sys, name),
    transition: sys.transition?.patch === name,
    replace: cat.byName.get(name)?.replace ?? null,
    stackOrder: showOrder ? i + 1 : null,
  }));
  // sysfs lists directories in no particular order.
  livepatch.reverse();
  return {
    host,
    kernel: showOrder ? '6.14.0' : '6.8.0',
    bootId: null,
    livepatch,
    modules: [...sys.loaded].reverse(),
    forced: showForced ? sys.forced : null,
    modulesUnfiltered: false,
    count,
    sampleHosts: [host],
    origin: { file: 'generated', line: 1 },
  };
}

/** What a snapshot with `forced` shows of a configuration. */
function factKey(sys: System): string {
  const t = sys.transition === null ? '-' : `${sys.transition.patch}>${sys.transition.target}`;
  return `${sys.klpPatches.join(',')}|${t}|${[...sys.loaded].sort().join(',')}|${[...sys.forced].sort().join(',')}`;
}

/** The simulator's answer to the rollout from `sys`, in the audit's terms. */
function oracle(sys: System, rollout: readonly string[], cat: Catalog, rules: KernelRules) {
  const ops: Op[] = rollout.map((p) => ({ kind: 'insmod', patch: p }));
  const { outcomes, final } = run(sys, ops, { rules, catalog: cat, transitions: 'auto' });
  const failed = outcomes.find((o) => o.result !== 'ok');
  if (failed === undefined) return { kind: 'admitted' as const, stack: final.klpPatches };
  return {
    kind: 'refused' as const,
    errno: failed.result,
    patch: failed.op.kind === 'insmod' ? failed.op.patch : '',
    before: outcomes[outcomes.indexOf(failed) - 1]?.system ?? sys,
    rules:
      failed.verdict !== null && !failed.verdict.ok
        ? failed.verdict.violations.map((v) => v.rule)
        : [],
  };
}

const scenarioArb = fc.record({
  rules: fc.constantFrom(...RULE_SETS),
  monotone: fc.boolean(),
  cat: catalogArb,
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  showOrder: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  showForced: fc.boolean(),
  rolloutPicks: fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([]) },
    { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) },
  ),
  counts: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 6, maxLength: 6 }),
  mutations: fc.array(
    fc.tuple(fc.nat(), fc.constantFrom('reverse', 'add-loaded', 'drop-transition')),
    {
      maxLength: 2,
    },
  ),
});

describe('audit fleet agrees with the simulator', () => {
  it('on every host of fleets of reachable configurations, under every rule set', () => {
    const counts = new Map<string, number>();
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const rules = rulesNamed(sc.rules);
        const cat = sc.cat;
        const reached = explore(cat, rules, {
          initial: EMPTY_SYSTEM,
          transitions: 'manual',
          exclude: new Set([NEXT]),
        });
        expect(reached.status.kind).toBe('complete');
        // Inconsistent means: no configuration of the whole catalog has these facts.
        const everything =
          sc.mutations.length === 0
            ? reached
            : explore(cat, rules, { initial: EMPTY_SYSTEM, transitions: 'manual' });
        const facts = new Set(everything.states.map((s) => factKey(s.system)));
        const names = cat.patches.map((p) => p.name).filter((n) => n !== NEXT);
        const rollout = [NEXT, ...sc.rolloutPicks.map((i) => names[i % names.length] ?? 'p0')];
        // Every shipped rule set is monotone; half the runs check the order pruning it allows.
        const audit = new FleetAudit({ catalog: cat, rules, rollout, monotone: sc.monotone });
        const hosts: {
          snap: HostSnapshot;
          sys: System;
          reachable: boolean;
          showOrder: boolean;
          showForced: boolean;
        }[] = [];
        for (const [i, pick] of sc.picks.entries()) {
          const sys = reached.states[pick % reached.states.length]?.system ?? EMPTY_SYSTEM;
          const showOrder = sc.showOrder[i] ?? true;
          const snap = snapshotOf(sys, cat, `h${i}`, showOrder, sc.showForced, sc.counts[i] ?? 1);
          hosts.push({ snap, sys, reachable: true, showOrder, showForced: sc.showForced });
        }
        for (const [j, [pick, how]] of sc.mutations.entries()) {
          const base = reached.states[pick % reached.states.length]?.system ?? EMPTY_SYSTEM;
          let sys: System = base;
          if (how === 'reverse') sys = { ...base, klpPatches: [...base.klpPatches].reverse() };
          if (how === 'add-loaded') {
            const extra = names.find((n) => !base.loaded.includes(n));
            if (extra !== undefined) {
              sys = {
                ...base,
                klpPatches: [...base.klpPatches, extra],
                loaded: [...base.loaded, extra],
              };
            }
          }
          if (how === 'drop-transition') sys = { ...base, transition: null };
          const snap = snapshotOf(sys, cat, `m${j}`, true, true, 1);
          hosts.push({
            snap,
            sys,
            reachable: facts.has(factKey(sys)),
            showOrder: true,
            showForced: true,
          });
        }
        for (const h of hosts) audit.add(h.snap);
        const result = audit.finish();
        expect(result.hosts).toBe(hosts.reduce((n, h) => n + h.snap.count, 0));
        expect(Object.values(result.byVerdict).reduce((a, b) => a + b, 0)).toBe(result.hosts);
        for (const h of hosts) {
          const d = audit.resultOf(h.snap).decision;
          const v = d.verdict;
          if (!h.reachable) {
            expect(v.kind).toBe('inconsistent');
            bump('inconsistent');
            continue;
          }
          // A configuration the kernel reached is never called inconsistent.
          expect(v.kind).not.toBe('inconsistent');
          expect(d.orders.some((o) => o.join(',') === h.sys.klpPatches.join(','))).toBe(true);
          const want = oracle(h.sys, rollout, cat, rules);
          if (v.kind === 'unknown') {
            expect(h.showOrder).toBe(false);
            expect(v.why).toBe('order');
            const keys = new Set(v.answers.map((a) => outcomeKey(a.outcome)));
            expect(keys.size).toBeGreaterThan(1);
            const mine = v.answers.find((a) => a.order.join(',') === h.sys.klpPatches.join(','));
            expect(mine?.outcome.kind).toBe(want.kind);
            bump('unknown-order');
            continue;
          }
          if (!h.showOrder && d.orders.length > 1) bump('order-unknown-same-answer');
          expect(v.kind).toBe(want.kind);
          if (v.kind === 'admitted' && want.kind === 'admitted') {
            // The true stack is among those of the allowed orders.
            expect(v.stacks.map((st) => st.join(','))).toContain(want.stack.join(','));
            if (h.showOrder) expect(v.stacks).toEqual([want.stack]);
            bump(v.stacks.length > 1 ? 'admitted-stack-order-unknown' : 'admitted');
          }
          if (v.kind === 'refused' && want.kind === 'refused') {
            expect({ errno: v.errno, patch: v.patch }).toEqual({
              errno: want.errno,
              patch: want.patch,
            });
            expect(v.reasons.map((r) => r.rule)).toEqual(want.rules);
            bump(`refused:${v.errno}`);
            // Without `forced` in the snapshot a forced module looks like any replaced one.
            if (v.errno === 'EEXIST' && h.showForced) {
              const b = want.before;
              expect(v.loaded).toBe(
                b.klpPatches.includes(v.patch)
                  ? 'on-stack'
                  : b.forced.includes(v.patch)
                    ? 'forced'
                    : 'off-stack',
              );
            }
            // The fix replays on the simulator, then the whole rollout is admitted.
            if (v.fix.kind === 'found' && h.showOrder && h.showForced) {
              const ops: Op[] = [
                ...v.fix.ops,
                ...rollout.map((p): Op => ({ kind: 'insmod', patch: p })),
              ];
              const replay = run(h.sys, ops, { rules, catalog: cat, transitions: 'auto' });
              expect(replay.outcomes.map((o) => o.result).every((r) => r === 'ok')).toBe(true);
              bump('fix-replayed');
            }
          }
        }
      }),
      { numRuns: 100 },
    );
    for (const k of [
      'admitted',
      'refused:EINVAL',
      'refused:EEXIST',
      'refused:EBUSY',
      'admitted-stack-order-unknown',
      'order-unknown-same-answer',
      'inconsistent',
      'fix-replayed',
    ]) {
      expect(
        counts.get(k) ?? 0,
        `${k} never occurred: ${JSON.stringify([...counts])}`,
      ).toBeGreaterThan(0);
    }
  });
});
