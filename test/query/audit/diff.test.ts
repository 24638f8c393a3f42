// `audit diff` against brute force on random catalog pairs: OLD a random catalog of 2 to 4
// patches, NEW the same with one patch replaced by a random patch of the same name, under every
// shipped kernel rule set. The breaks and fixes are exactly those the oracle's answers imply
// (patch verdicts by the explorer, upgrade cells by shortest paths, conflicts by every subset in
// every order), and every break's witness replays on the simulator in NEW. Outcomes are counted.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shortestPath } from '../../../src/explore/index.ts';
import { installStack, type KernelRules, run } from '../../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../../src/model/catalog.ts';
import { auditDiff, type DiffChange } from '../../../src/query/audit/diff.ts';
import { isTarget } from '../../../src/query/upgrade.ts';
import { arbCatalog, arbPatch, perRuleSet, RULE_SETS } from '../../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../../support/rules.ts';
import { bruteConflicts, oracleVerdict } from './brute-force.ts';

const FULL = process.env.KLP_FULL !== undefined;
const RUNS = FULL ? 60 : 10;
const TIMEOUT = FULL ? 900_000 : 120_000;

const kernel = perRuleSet(rulesNamed);
const checked = perRuleSet(checkedRuleSet);

const arbPair = arbCatalog(2, 4).chain((old) =>
  fc
    .integer({ min: 0, max: old.patches.length - 1 })
    .chain((i) => arbPatch(old.patches[i]?.name ?? 'p0').map((p) => ({ i, p })))
    .map(({ i, p }) => ({ old, new: catalog(old.patches.map((x, j) => (j === i ? p : x))) })),
);

const counts: Record<string, number> = {};
const bump = (k: string) => {
  counts[k] = (counts[k] ?? 0) + 1;
};

/** Every change the oracle implies, as `kind subject` keys. */
function expectedChanges(
  o: Catalog,
  n: Catalog,
  rules: KernelRules,
): { breaks: string[]; fixes: string[] } {
  const breaks: string[] = [];
  const fixes: string[] = [];
  const isBad = (v: string) => v === 'refuted' || v === 'dead';
  for (const p of n.patches) {
    const v0 = oracleVerdict(o, rules, p.name);
    const v1 = oracleVerdict(n, rules, p.name);
    if ((v1 === 'refuted' && !isBad(v0)) || (v1 === 'dead' && v0 !== 'dead'))
      breaks.push(`patch-broken ${p.name}`);
    else if (isBad(v0) && (v1 === 'loadable' || (v0 === 'dead' && v1 === 'refuted')))
      fixes.push(`patch-fixed ${p.name}`);
  }
  const rows = (c: Catalog) =>
    c.patches.map((p) => p.name).filter((x) => installStack(c, rules, [x], 'auto').kind === 'ok');
  const cell = (c: Catalog, from: string, to: string) => {
    const s = installStack(c, rules, [from], 'auto');
    if (s.kind !== 'ok') throw new Error('row does not install');
    const r = shortestPath(c, rules, s.system, (x) => isTarget(x, [to]), {
      transitions: 'auto',
      maxStates: 200_000,
    });
    if (r.kind === 'unknown') throw new Error('oracle: unknown');
    return r.kind === 'found';
  };
  const rows1 = new Set(rows(n));
  for (const from of rows(o).filter((x) => rows1.has(x))) {
    for (const p of n.patches) {
      const a = cell(o, from, p.name);
      const b = cell(n, from, p.name);
      if (a && !b) breaks.push(`upgrade-cut ${from}>${p.name}`);
      if (!a && b) fixes.push(`upgrade-restored ${from}>${p.name}`);
    }
  }
  const c0 = new Set(bruteConflicts(o, rules));
  const c1 = new Set(bruteConflicts(n, rules));
  for (const s of c1) if (!c0.has(s)) breaks.push(`conflict-new ${s}`);
  for (const s of c0) if (!c1.has(s)) fixes.push(`conflict-gone ${s}`);
  return { breaks: breaks.sort(), fixes: fixes.sort() };
}

function keyOf(c: DiffChange): string {
  switch (c.kind) {
    case 'patch-broken':
    case 'patch-fixed':
      return `${c.kind} ${c.patch}`;
    case 'upgrade-cut':
    case 'upgrade-restored':
      return `${c.kind} ${c.from.join(',')}>${c.to}`;
    case 'conflict-new':
    case 'conflict-gone':
      return `${c.kind} ${c.patches.join(',')}`;
    default:
      return c.kind;
  }
}

describe('audit diff against brute force on catalogs with one patch changed', () => {
  for (const name of RULE_SETS) {
    it(
      `breaks and fixes under ${name}`,
      async () => {
        await fc.assert(
          fc.asyncProperty(arbPair, async (pair) => {
            const out = await auditDiff({
              old: pair.old,
              new: pair.new,
              ruleSet: checked[name],
              policies: [],
              deployed: null,
              timeoutMs: 120_000,
            });
            expect(out.kind).toBe('ok');
            if (out.kind !== 'ok') return;
            const r = out.result;
            expect(r.undecided).toEqual([]);
            const want = expectedChanges(pair.old, pair.new, kernel[name]);
            expect(r.breaks.map(keyOf).sort()).toEqual(want.breaks);
            expect(r.fixes.map(keyOf).sort()).toEqual(want.fixes);
            for (const c of r.breaks) {
              bump(c.kind);
              if (c.kind !== 'patch-broken') continue;
              const s = installStack(pair.new, kernel[name], c.witness.from, 'auto');
              if (s.kind !== 'ok') throw new Error('stack does not install');
              const { outcomes } = run(s.system, c.witness.steps, {
                rules: kernel[name],
                catalog: pair.new,
                transitions: 'auto',
              });
              expect(outcomes.slice(0, -1).every((o) => o.result === 'ok')).toBe(true);
              expect(outcomes.at(-1)?.result).toBe('EINVAL');
            }
            for (const c of r.fixes) bump(c.kind);
            bump(r.breaks.length > 0 ? 'gate-fails' : 'gate-passes');
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  }

  afterAll(() => {
    console.log('audit diff outcomes', JSON.stringify(counts));
    for (const k of [
      'patch-broken',
      'patch-fixed',
      'upgrade-cut',
      'upgrade-restored',
      'conflict-new',
      'conflict-gone',
      'gate-fails',
      'gate-passes',
    ]) {
      expect(counts[k] ?? 0, `outcome ${k} never occurred`).toBeGreaterThan(0);
    }
  });
});
