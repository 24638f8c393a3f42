// `audit catalog` against the brute-force explorer (src/explore), the oracle, on random catalogs
// of 2 to 4 patches under every shipped kernel rule set, from the empty system or from random
// deployed stacks: every patch's verdict (loadable, refuted, dead), every counterexample (it
// replays, its length from its stack is the oracle's shortest, it is shortest over its own
// patches and those are subset-minimal), every upgrade-matrix cell (reachable with the oracle's
// fewest operations, or unreachable exactly when the oracle finds no path), and the conflicts
// (exactly the minimal sets no order loads). Outcomes are counted; every kind must occur.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  explore,
  provesLoadable,
  restrictCatalog,
  shortestPath,
} from '../../../src/explore/index.ts';
import { installStack, type KernelRules, run } from '../../../src/kernel/index.ts';
import type { Catalog } from '../../../src/model/catalog.ts';
import { type AuditResult, auditCatalog } from '../../../src/query/audit/audit.ts';
import { isTarget } from '../../../src/query/upgrade.ts';
import {
  arbBlockedCase,
  arbCatalog,
  perRuleSet,
  RULE_SETS,
  type RuleSetName,
} from '../../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../../support/rules.ts';
import { bruteConflicts } from './brute-force.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 60 : 16;
const TIMEOUT = FULL ? 900_000 : 120_000;
const ORACLE = { maxStates: 200_000 } as const;

const kernel = perRuleSet(rulesNamed);
const checked = perRuleSet(checkedRuleSet);

interface Case {
  readonly cat: Catalog;
  /** null: the audit's default (the empty system). */
  readonly deployed: readonly (readonly string[])[] | null;
}

const arbRandom: fc.Arbitrary<Case> = arbCatalog(2, 4).chain((cat) => {
  const names = cat.patches.map((p) => p.name);
  return fc
    .option(
      fc.array(fc.shuffledSubarray(names, { maxLength: 2 }), { minLength: 1, maxLength: 2 }),
      {
        nil: null,
      },
    )
    .map((deployed) => ({ cat, deployed }));
});

/** p0 installed with block_disable states: under block-disable, dead patches occur. */
const arbBlocked: fc.Arbitrary<Case> = arbBlockedCase
  .filter((c) => c.cat.patches.length <= 4)
  .map((c) => ({ cat: c.cat, deployed: [c.initial] }));

const arbCase = fc.oneof({ weight: 3, arbitrary: arbRandom }, { weight: 1, arbitrary: arbBlocked });

type Counts = Record<string, number>;
const counts: Record<RuleSetName, Counts> = perRuleSet(() => ({}));
const bump = (c: Counts, k: string) => {
  c[k] = (c[k] ?? 0) + 1;
};

/** Whether every stack installs under the rules (cases where one does not are bad input). */
function installs(c: Case, rules: KernelRules): boolean {
  return (c.deployed ?? [[]]).every((s) => installStack(c.cat, rules, s, 'auto').kind === 'ok');
}

function checkAudit(c: Case, name: RuleSetName, r: AuditResult): void {
  const rules = kernel[name];
  const tally = counts[name];
  const stacks = c.deployed ?? [[]];
  const opts = { transitions: 'auto' } as const;
  for (const p of r.patches) {
    // The oracle, stack by stack.
    const per = stacks.map((s) => {
      const sys = installStack(c.cat, rules, s, 'auto');
      if (sys.kind !== 'ok') throw new Error('stack does not install');
      if (sys.system.loaded.includes(p.name)) return { kind: 'installed' as const };
      const v = provesLoadable(c.cat, rules, p.name, { ...opts, ...ORACLE, initial: s });
      if (v.kind !== 'proved' && v.kind !== 'refuted') throw new Error(`oracle: ${v.kind}`);
      const x = explore(c.cat, rules, { ...opts, ...ORACLE, initial: sys.system });
      if (x.status.kind !== 'complete') throw new Error('oracle: explore incomplete');
      const dead = !x.states.some((st) => st.system.klpPatches.includes(p.name));
      return { kind: v.kind, shortest: v.kind === 'refuted' ? v.path.length : 0, dead };
    });
    const asked = per.filter((v) => v.kind !== 'installed');
    const expected =
      asked.length === 0
        ? 'installed'
        : asked.every((v) => v.kind === 'refuted' && v.dead)
          ? 'dead'
          : asked.some((v) => v.kind === 'refuted')
            ? 'refuted'
            : 'loadable';
    expect(p.verdict, `${name}: verdict of ${p.name}`).toBe(expected);
    bump(tally, `patch-${p.verdict}`);
    for (const st of p.stacks) {
      if (st.kind === 'loadable' || st.kind === 'refuted') bump(tally, `${st.kind}-by-${st.how}`);
    }
    const cex = p.counterexample;
    if (expected === 'refuted' || expected === 'dead') {
      expect(cex).not.toBeNull();
      if (cex === null) continue;
      const i = stacks.findIndex((s) => s.join(',') === cex.from.join(','));
      const oracle = per[i];
      expect(oracle?.kind).toBe('refuted');
      // The audit's shortest is the oracle's.
      expect(cex.shortest).toBe(
        oracle !== undefined && 'shortest' in oracle ? oracle.shortest : -1,
      );
      // Replays: every step ok but the final insmod, refused with EINVAL.
      const sys = installStack(c.cat, rules, cex.from, 'auto');
      if (sys.kind !== 'ok') throw new Error('stack does not install');
      const { outcomes } = run(sys.system, cex.steps, {
        rules,
        catalog: c.cat,
        transitions: 'auto',
      });
      expect(outcomes.slice(0, -1).every((o) => o.result === 'ok')).toBe(true);
      expect(outcomes.at(-1)?.result).toBe('EINVAL');
      // Shortest over its own patches, and those are subset-minimal.
      const keep = (extra: readonly string[]) =>
        restrictCatalog(c.cat, new Set([p.name, ...sys.system.loaded, ...extra]));
      const on = (extra: readonly string[]) =>
        provesLoadable(keep(extra), rules, p.name, { ...opts, ...ORACLE, initial: cex.from });
      const own = on(cex.patches);
      expect(own.kind).toBe('refuted');
      if (own.kind === 'refuted') expect(cex.steps.length).toBe(own.path.length);
      for (const q of cex.patches) {
        expect(on(cex.patches.filter((x) => x !== q)).kind, `${q} is needed`).toBe('proved');
      }
      bump(tally, `cex-${cex.patches.length}-patches`);
    } else expect(cex).toBeNull();
  }
  // Every cell of the matrix.
  for (const cell of r.upgrades) {
    const sys = installStack(c.cat, rules, cell.from, 'auto');
    if (sys.kind !== 'ok') throw new Error('row does not install');
    const o = shortestPath(c.cat, rules, sys.system, (s) => isTarget(s, cell.to), {
      ...opts,
      ...ORACLE,
    });
    if (o.kind === 'unknown') throw new Error('oracle: shortest path unknown');
    expect(cell.verdict, `[${cell.from}] -> [${cell.to}]`).toBe(
      o.kind === 'found' ? 'reachable' : 'unreachable',
    );
    if (o.kind === 'found') expect(cell.steps?.length).toBe(o.path.length);
    else expect(cell.reason).not.toBeNull();
    bump(tally, `upgrade-${cell.verdict}-${cell.how}`);
  }
  // Rows: the deployed stacks, or each patch its empty system admits.
  const rows =
    c.deployed ??
    c.cat.patches
      .map((p) => [p.name])
      .filter((s) => installStack(c.cat, rules, s, 'auto').kind === 'ok');
  expect(r.rows).toEqual(rows);
  expect(r.upgrades.length).toBe(rows.length * c.cat.patches.length);
  // Conflicts.
  expect(r.conflicts.status).toBe('complete');
  const got = r.conflicts.sets.map((s) => s.join(',')).sort();
  expect(got).toEqual(bruteConflicts(c.cat, rules));
  bump(tally, got.length > 0 ? 'conflicts' : 'no-conflicts');
  // Findings: one refusal finding at least per refuted or dead patch; exit verdict.
  for (const p of r.patches) {
    if (p.verdict === 'refuted' || p.verdict === 'dead') {
      const kind = p.verdict === 'dead' ? 'dead-patch' : 'refusable-patch';
      expect(r.findings.some((f) => f.kind === kind && f.patches.includes(p.name))).toBe(true);
    }
  }
  expect(r.complete).toBe(true);
}

describe('audit catalog against the brute-force explorer', () => {
  for (const name of RULE_SETS) {
    it(
      `every verdict, counterexample, matrix cell and conflict under ${name}`,
      async () => {
        await fc.assert(
          fc.asyncProperty(arbCase, async (c) => {
            if (!installs(c, kernel[name])) {
              bump(counts[name], 'stack-refused');
              const out = await auditCatalog({
                catalog: c.cat,
                ruleSet: checked[name],
                policies: [],
                deployed: c.deployed,
                timeoutMs: 30_000,
              });
              expect(out.kind).toBe('stack-error');
              return;
            }
            const out = await auditCatalog({
              catalog: c.cat,
              ruleSet: checked[name],
              policies: [],
              deployed: c.deployed,
              timeoutMs: 60_000,
            });
            expect(out.kind).toBe('ok');
            if (out.kind === 'ok') checkAudit(c, name, out.result);
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  }

  afterAll(() => {
    const all: Counts = {};
    for (const name of RULE_SETS) {
      for (const [k, v] of Object.entries(counts[name])) all[k] = (all[k] ?? 0) + v;
    }
    console.log('audit oracle outcomes', JSON.stringify(counts));
    for (const k of [
      'patch-loadable',
      'patch-refuted',
      'patch-dead',
      'patch-installed',
      'loadable-by-engine',
      'refuted-by-simulator',
      'refuted-by-engine',
      'cex-0-patches',
      'cex-1-patches',
      'upgrade-reachable-simulator',
      'upgrade-reachable-engine',
      'upgrade-unreachable-engine',
      'conflicts',
      'no-conflicts',
    ]) {
      expect(all[k] ?? 0, `outcome ${k} never occurred`).toBeGreaterThan(0);
    }
  });
});
