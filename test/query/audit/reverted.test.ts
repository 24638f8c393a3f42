// The audit's reverted-functions finding (src/query/audit/reverted.ts) against an independent
// computation: the brute-force explorer enumerates every configuration reachable from the
// deployed stacks (or the empty system), `insmod` of every catalog patch is tried from each, and
// a function counts as reverted when the top-most patch on klp_patches that lists it before the
// step is some patch L and, after the step, no patch on klp_patches lists it and the new patch
// does not either (read directly from the patches' function lists, not from func-stack.ts).
// Random catalogs with function overlaps under every shipped kernel rule set; the upgrade cells
// the computation reads come from the explorer too. Outcomes are counted. Then the known answer
// of the bundled example that `check` warns about, in every report format, and the artifact
// origins that findings cite.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { explore } from '../../../src/explore/index.ts';
import { loadCatalogFile } from '../../../src/ingest/index.ts';
import { type KernelRules, step } from '../../../src/kernel/index.ts';
import type { Catalog } from '../../../src/model/catalog.ts';
import { funcKey } from '../../../src/model/patch.ts';
import type { System } from '../../../src/model/system.ts';
import { auditCatalog } from '../../../src/query/audit/audit.ts';
import { deployStacks } from '../../../src/query/audit/patches.ts';
import { revertedFunctions } from '../../../src/query/audit/reverted.ts';
import type { UpgradeCell } from '../../../src/query/audit/upgrades.ts';
import { loadMatrix } from '../../../src/query/conflicts-replay.ts';
import { auditJson, auditText } from '../../../src/report/audit.ts';
import { auditHtml } from '../../../src/report/html.ts';
import { auditSarif } from '../../../src/report/sarif.ts';
import { arbCatalog, perRuleSet, RULE_SETS, type RuleSetName } from '../../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../../support/rules.ts';

const RUNS = process.env.KLP_FULL !== undefined ? 1000 : 300;
const ORACLE = { maxStates: 200_000 } as const;
const kernel = perRuleSet(rulesNamed);
const keepFunctions = checkedRuleSet('keep-functions');

/** Every reachable configuration from `starts`, by the explorer. */
function reachable(cat: Catalog, rules: KernelRules, starts: readonly System[]): System[] {
  const out = new Map<string, System>();
  for (const initial of starts) {
    const x = explore(cat, rules, { transitions: 'auto', initial, ...ORACLE });
    if (x.status.kind !== 'complete') throw new Error('oracle: explore incomplete');
    for (const s of x.states) out.set(JSON.stringify(s.system), s.system);
  }
  return [...out.values()];
}

/** `cumulative|replaced` -> sorted function keys, from every reachable configuration. */
function oracle(
  cat: Catalog,
  rules: KernelRules,
  systems: readonly System[],
): Map<string, string[]> {
  const lists = (name: string) => new Set(cat.byName.get(name)?.functions.map(funcKey) ?? []);
  const top = (stack: readonly string[], f: string): string | null =>
    [...stack].reverse().find((n) => lists(n).has(f)) ?? null;
  const out = new Map<string, Set<string>>();
  for (const sys of systems) {
    if (sys.transition !== null) continue;
    for (const c of cat.patches) {
      if (sys.loaded.includes(c.name)) continue;
      const next = step(
        sys,
        { kind: 'insmod', patch: c.name },
        {
          rules,
          catalog: cat,
          transitions: 'auto',
        },
      );
      if (next.result !== 'ok') continue;
      for (const f of new Set(sys.klpPatches.flatMap((n) => [...lists(n)]))) {
        const before = top(sys.klpPatches, f);
        if (before === null || lists(c.name).has(f)) continue;
        if (top(next.system.klpPatches, f) !== null) continue;
        const k = `${c.name}|${before}`;
        out.set(k, (out.get(k) ?? new Set()).add(f));
      }
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** The upgrade cells the audit would compute, from the explorer: [L] reachable or not. */
function oracleCells(cat: Catalog, systems: readonly System[]): UpgradeCell[] {
  return cat.patches.map((p) => {
    const hit = systems.some(
      (s) => s.transition === null && s.klpPatches.length === 1 && s.klpPatches[0] === p.name,
    );
    return {
      from: [],
      to: [p.name],
      verdict: hit ? 'reachable' : 'unreachable',
      steps: null,
      reason: null,
      depth: 0,
      how: 'simulator',
    };
  });
}

type Counts = Record<string, number>;
const counts: Counts = {};
const bump = (k: string) => {
  counts[k] = (counts[k] ?? 0) + 1;
};

const arbCase = arbCatalog(2, 4).chain((cat) =>
  fc.record({
    cat: fc.constant(cat),
    rules: fc.constantFrom(...RULE_SETS),
    useMatrix: fc.boolean(),
    deployed: fc.option(
      fc.array(
        fc.shuffledSubarray(
          cat.patches.map((p) => p.name),
          { maxLength: Math.min(3, cat.patches.length) },
        ),
        {
          minLength: 1,
          maxLength: 2,
        },
      ),
      { nil: null },
    ),
  }),
);

describe('reverted functions against the explorer', () => {
  it('every pair, its functions and its severity, from the empty system and deployed stacks', () => {
    fc.assert(
      fc.property(arbCase, ({ cat, rules: name, deployed, useMatrix }) => {
        const rules = kernel[name as RuleSetName];
        const ctx = { catalog: cat, kernel: rules };
        const stacks = deployStacks(ctx, deployed ?? [[]]);
        if (stacks.kind !== 'ok') {
          bump('stack-refused');
          return;
        }
        const systems = reachable(
          cat,
          rules,
          stacks.stacks.map((d) => d.system),
        );
        const want = oracle(cat, rules, systems);
        const got = revertedFunctions(ctx, {
          deployed: deployed === null ? null : stacks.stacks,
          upgrades: deployed === null ? [] : oracleCells(cat, systems),
          policies: [keepFunctions],
          // The load matrix of the conflict enumeration stands for the steps from [L] alone.
          matrix: useMatrix && deployed === null ? loadMatrix(cat, rules) : null,
        });
        const gotMap = new Map(
          got.pairs.map((p) => [`${p.cumulative}|${p.replaced}`, p.functions.map(funcKey).sort()]),
        );
        // Sound: every pair reported happens, with exactly the functions the oracle sees.
        for (const [k, fs] of gotMap) expect(want.get(k), k).toEqual(fs);
        // Complete: every pair that happens is reported, or said to be undecided.
        const open = new Set(got.undecided.map((u) => `${u.cumulative}|${u.replaced}`));
        for (const k of want.keys()) expect(gotMap.has(k) || open.has(k), k).toBe(true);
        for (const k of open) expect(gotMap.has(k)).toBe(false);
        // Each witness is a reachable configuration; keep-functions refuses each revert.
        const keys = new Set(systems.map((s) => s.klpPatches.join(',')));
        for (const p of got.pairs) {
          expect(keys.has(p.from.join(','))).toBe(true);
          // keep-functions reads `replace` as upstream does; replace-set ignores the flag.
          if (name !== 'replace-set') {
            expect(p.policies.flatMap((x) => x.rules)).toContain('cumulative-keeps-functions');
          }
        }
        bump(deployed === null ? 'from-empty' : 'from-deployed');
        if (useMatrix && deployed === null && got.pairs.length > 0) bump('reverts-from-matrix');
        bump(got.pairs.length === 0 ? 'no-revert' : 'reverts');
        if (got.pairs.some((p) => p.functions.length > 1)) bump('several-functions');
        if (got.pairs.some((p) => p.from.length > 1)) bump('witness-deployed-stack');
        if (got.undecided.length > 0) bump('undecided');
        if (want.size > 0 && deployed !== null) bump('reverts-from-deployed');
        bump(`rules-${name}${got.pairs.length > 0 ? '-reverts' : ''}`);
      }),
      { numRuns: RUNS, seed: 15 },
    );
  }, 120_000);

  it('end to end in auditCatalog (the upgrade matrix stands for the steps from [L])', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ cat, rules: name, deployed, useMatrix }) => {
        const rules = kernel[name as RuleSetName];
        if (deployStacks({ catalog: cat, kernel: rules }, deployed ?? [[]]).kind !== 'ok') return;
        const out = await auditCatalog({
          catalog: cat,
          ruleSet: checkedRuleSet(name),
          policies: [],
          deployed,
          timeoutMs: 30_000,
          // With the conflict enumeration its load matrix is used, without it the matrix rows.
          skipConflicts: !useMatrix,
        });
        if (out.kind !== 'ok') throw new Error(out.message);
        const starts = deployStacks({ catalog: cat, kernel: rules }, deployed ?? [[]]);
        if (starts.kind !== 'ok') throw new Error('unreachable');
        const want = oracle(
          cat,
          rules,
          reachable(
            cat,
            rules,
            starts.stacks.map((d) => d.system),
          ),
        );
        const got = new Map<string, string[]>();
        const open = new Set<string>();
        for (const f of out.result.findings) {
          if (f.kind === 'reverted-functions') {
            got.set(`${f.patch}|${f.replaced}`, f.functions.map(funcKey).sort());
          } else if (f.kind === 'undecided' && f.what === 'reverted-functions') {
            open.add(f.subject.replace(' over ', '|'));
          }
        }
        for (const [k, fs] of got) expect(want.get(k), k).toEqual(fs);
        for (const k of want.keys()) expect(got.has(k) || open.has(k), k).toBe(true);
        bump(got.size > 0 ? `audit-reverts-${useMatrix ? 'matrix' : 'cells'}` : 'audit-no-revert');
      }),
      { numRuns: process.env.KLP_FULL !== undefined ? 100 : 24, seed: 11 },
    );
  }, 300_000);

  afterAll(() => {
    console.log('reverted outcomes', JSON.stringify(counts));
    for (const k of [
      'from-empty',
      'from-deployed',
      'reverts-from-matrix',
      'audit-reverts-matrix',
      'audit-reverts-cells',
      'audit-no-revert',
      'no-revert',
      'reverts',
      'several-functions',
      'reverts-from-deployed',
      'witness-deployed-stack',
      'undecided',
      ...RULE_SETS.filter((r) => r !== 'block-disable').map((r) => `rules-${r}-reverts`),
    ]) {
      expect(counts[k] ?? 0, `outcome ${k} never occurred`).toBeGreaterThan(0);
    }
  });
});

describe('the bundled example', () => {
  const file = 'examples/reverted-function/stream.catalog.yaml';

  async function audit(policy: boolean) {
    const cat = loadCatalogFile(file).value;
    if (cat === null) throw new Error('example catalog does not load');
    const out = await auditCatalog({
      catalog: cat,
      ruleSet: checkedRuleSet('upstream'),
      policies: policy ? [keepFunctions] : [],
      deployed: [['klp_6_8_0_50_r1']],
      timeoutMs: 60_000,
    });
    if (out.kind !== 'ok') throw new Error(out.message);
    return out.result;
  }

  it('r2 reverts io_uring_setup, last patched by r1, as `check` warns; a warning', async () => {
    const r = await audit(false);
    const f = r.findings.filter((x) => x.kind === 'reverted-functions');
    const r2 = f.find(
      (x) =>
        x.kind === 'reverted-functions' &&
        x.patch === 'klp_6_8_0_50_r2' &&
        x.replaced === 'klp_6_8_0_50_r1',
    );
    expect(r2).toMatchObject({
      severity: 'warning',
      patch: 'klp_6_8_0_50_r2',
      replaced: 'klp_6_8_0_50_r1',
      functions: [{ object: 'vmlinux', name: 'io_uring_setup', sympos: 0 }],
      location: { file, line: 12, col: 11 },
    });
    // The same event as `check`'s warning on the example plan (r2 loaded over r1).
    const io = bufferIo();
    await main(
      ['check', 'examples/reverted-function/silent-revert.plan.yaml', '--format', 'json'],
      io,
    );
    const warned = JSON.parse(io.stdout())
      .steps.flatMap(
        (st: { functions: { name: string; before: string | null; revertedBy: unknown }[] }) =>
          st.functions,
      )
      .filter((x: { revertedBy: { kind: string } | null }) => x.revertedBy?.kind === 'replace')
      .map((x: { name: string; before: string | null; revertedBy: { patch: string } }) => [
        x.revertedBy.patch,
        x.name,
        x.before,
      ]);
    expect(warned).toEqual([['klp_6_8_0_50_r2', 'io_uring_setup', 'klp_6_8_0_50_r1']]);
    expect(warned[0]).toEqual([
      r2?.patches[1],
      r2?.kind === 'reverted-functions' ? r2.functions[0]?.name : null,
      r2?.patches[0],
    ]);
    // r2b keeps every function; r1 loaded over r2 or r2b reverts their tcp_ack.
    expect(f.some((x) => x.kind === 'reverted-functions' && x.patch === 'klp_6_8_0_50_r2b')).toBe(
      false,
    );
    const text = auditText(r, file, 200).replace(/\s+/g, ' ');
    expect(text).toContain(
      'warning[reverted-functions]: cumulative `klp_6_8_0_50_r2` reverts `vmlinux:io_uring_setup` to the original code; `klp_6_8_0_50_r1` patched it last',
    );
    expect(text).toContain(`--> ${file}:12:11`);
    const json = auditJson(r);
    expect(JSON.stringify(json.findings)).toContain('"kind":"reverted-functions"');
    const sarif = auditSarif(r, file);
    const res = sarif.runs[0]?.results.find(
      (x) =>
        x.ruleId === 'reverted-functions' &&
        x.message.text.startsWith('cumulative `klp_6_8_0_50_r2` '),
    );
    expect(res?.level).toBe('warning');
    expect(res?.locations[0]?.physicalLocation.region?.startLine).toBe(12);
    expect(auditHtml(r, file)).toContain('<code>vmlinux:io_uring_setup</code>');
  }, 90_000);

  it('is an error when the keep-functions policy is given', async () => {
    const r = await audit(true);
    const f = r.findings.find(
      (x) => x.kind === 'reverted-functions' && x.patch === 'klp_6_8_0_50_r2',
    );
    expect(f?.severity).toBe('error');
    expect(auditText(r, file, 200).replace(/\s+/g, ' ')).toContain(
      'forbidden by keep-functions (cumulative-keeps-functions)',
    );
  }, 90_000);
});

describe('artifact origins', () => {
  it('findings on a catalog built from artifacts cite the C line or the module offset', async () => {
    const file = 'examples/artifact-stream/stream.catalog.yaml';
    const cat = loadCatalogFile(file).value;
    if (cat === null) throw new Error('example catalog does not load');
    const out = await auditCatalog({
      catalog: cat,
      ruleSet: checkedRuleSet('upstream'),
      policies: [],
      deployed: null,
      timeoutMs: 60_000,
      skipConflicts: true,
    });
    if (out.kind !== 'ok') throw new Error(out.message);
    const located = out.result.findings.filter((f) => f.location !== null);
    expect(located.length).toBeGreaterThan(0);
    for (const f of located)
      expect(f.location?.origin).toMatch(/\.c:\d+$|\.ko: \.[\w.]+\+0x[0-9a-f]+$/);
    const text = auditText(out.result, file, 200);
    expect(text).toMatch(/--> .*stream\.catalog\.yaml:\d+:\d+ \(\w+\.(c:\d+|ko: \S+)\)/);
    const sarif = auditSarif(out.result, file);
    const rel = sarif.runs[0]?.results.flatMap((r) => r.relatedLocations ?? []) ?? [];
    expect(rel.length).toBe(located.length);
  }, 90_000);
});
