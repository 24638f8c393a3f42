// The rule compiler against the reference evaluator, on random ground configurations, for every
// shipped rule set: the evaluator's verdict, the compiled term interpreted with its variables
// fixed to the configuration, and Z3's answer on the fixing equalities must all agree, rule by
// rule. Outcomes are counted per rule and question; a rule that was never both admitted and
// rejected fails the test. KLP_FULL=1 runs many more cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalInvariant, evalPolicy } from '../../src/eval/audit.ts';
import { explainDisable, explainEnable, kernelRules } from '../../src/eval/kernel-rules.ts';
import { loadRuleSet, ruleSetNames } from '../../src/ingest/rule-file.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type KlpFunc, type Patch, patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';
import { compileRules, invariantViolated, policyViolated } from '../../src/smt/compile.ts';
import {
  concreteConfig,
  fixConfig,
  pinning,
  symPatch,
  type VariablePatch,
  variableConfig,
  variablePatch,
} from '../../src/smt/compile-config.ts';
import { and, bool, eq } from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import type { SymConfig, SymPatch } from '../../src/smt/symbolic.ts';
import { freeVars, type NamedAssertion, type Term, type Value } from '../../src/smt/term.ts';
import { check } from '../../src/smt/z3/check.ts';

const FULL = process.env.KLP_FULL !== undefined;

function load(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

const RULE_SETS = ruleSetNames().map(load);

// ---------- random ground configurations ----------

const NAMES = ['lp_1', 'lp_2', 'lp_3', 'test_klp_state2', 'other'];
const IDS = [1n, 2n, 0x8173f7e2ce67e6can];
const FUNCS: readonly KlpFunc[] = [
  { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 },
  { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 1 },
  { object: 'ext4', name: 'ext4_fill_super', sympos: 0 },
];

function patchArb(name: string): fc.Arbitrary<Patch> {
  return fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 1 }),
      // Duplicate ids allowed: the kernel allows them and `klp_get_state()` takes the first.
      states: fc.array(
        fc.record({
          id: fc.constantFrom(...IDS),
          version: fc.integer({ min: 0, max: 2 }),
          blockDisable: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      functions: fc.subarray([...FUNCS], { maxLength: 2 }),
    })
    .map((o) => patch(name, o));
}

const catalogArb: fc.Arbitrary<Catalog> = fc
  .shuffledSubarray(NAMES, { minLength: 1, maxLength: 5 })
  .chain((names) => fc.tuple(...names.map(patchArb)))
  .map((ps) => catalog(ps));

function systemArb(cat: Catalog): fc.Arbitrary<System> {
  return fc
    .tuple(
      fc.shuffledSubarray(cat.patches.map((p) => p.name)),
      fc.option(fc.tuple(fc.nat(), fc.constantFrom('patched' as const, 'unpatched' as const)), {
        nil: null,
      }),
    )
    .map(([klp, t]) => ({
      klpPatches: klp,
      transition:
        t === null || klp.length === 0
          ? null
          : { patch: klp[t[0] % klp.length] ?? '', target: t[1] },
      loaded: [...klp],
      forced: [],
    }));
}

/** A configuration, and values for the attributes no rule may see (versions of absent ids). */
const caseArb = catalogArb.chain((cat) =>
  fc.tuple(
    fc.constant(cat),
    systemArb(cat),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), {
      minLength: 20,
      maxLength: 20,
    }),
  ),
);

// ---------- the questions ----------

interface Question {
  /** `ruleset/kind/rule`: the outcome counter. */
  readonly key: string;
  readonly label: string;
  readonly expected: boolean;
  readonly term: Term;
}

/** Every question each rule set answers about one configuration, with the evaluator's answer. */
function questions(
  cat: Catalog,
  sys: System,
  cfg: SymConfig,
  sym: (p: Patch) => SymPatch,
): Question[] {
  const out: Question[] = [];
  for (const rs of RULE_SETS) {
    const rules = compileRules(rs);
    const kernel = kernelRules(rs);
    for (const p of cat.patches) {
      const explained = explainEnable(rs, sys, cat, p);
      const verdict = kernel.enable(sys, cat, p);
      const got = rules.enableViolations(cfg, sym(p));
      expect(got.map((v) => v.rule)).toEqual(
        explained.filter((e) => e.mode === 'rule').map((e) => e.rule),
      );
      for (const v of got) {
        const e = explained.find((x) => x.rule === v.rule);
        const expected = e?.outcomes.some((o) => o.outcome.kind === 'violated') ?? false;
        expect(expected).toBe(!verdict.ok && verdict.violations.some((x) => x.rule === v.rule));
        out.push({
          key: `${rs.name}/enable/${v.rule}`,
          label: `enable ${p.name}`,
          expected,
          term: v.violated,
        });
      }
      const target = cfg.patches.find((i) => i.patch.name === p.name);
      if (target === undefined) throw new Error('every catalog patch has an entry');
      for (const v of rules.disableViolations(cfg, target)) {
        const e = explainDisable(rs, sys, cat, p).find((x) => x.rule === v.rule);
        out.push({
          key: `${rs.name}/disable/${v.rule}`,
          label: `disable ${p.name}`,
          expected: e?.outcomes.some((o) => o.outcome.kind === 'violated') ?? false,
          term: v.violated,
        });
      }
      if (rs.complete !== null) {
        for (const old of cat.patches) {
          out.push({
            key: `${rs.name}/replaces`,
            label: `${p.name} replaces ${old.name}`,
            expected: kernel.replaces(sys, cat, p, old),
            term: rules.replaces(cfg, sym(p), sym(old)),
          });
        }
      }
    }
    for (const inv of rs.invariants) {
      out.push({
        key: `${rs.name}/invariant/${inv.name}`,
        label: 'invariant',
        expected: evalInvariant(rs, inv.name, sys, cat).length > 0,
        term: invariantViolated(rs, inv.name, cfg),
      });
    }
    for (const pol of rs.policies) {
      out.push({
        key: `${rs.name}/policy/${pol.name}`,
        label: 'policy',
        expected: evalPolicy(rs, pol.name, cat).length > 0,
        term: policyViolated(rs, pol.name, cat.patches.map(sym)),
      });
    }
  }
  return out;
}

/** Variable patches for every catalog patch, over every id and function of the catalog. */
function variablePatches(cat: Catalog): Map<string, VariablePatch> {
  const ids = cat.patches.flatMap((p) => p.states.map((s) => s.id));
  const functions = cat.patches.flatMap((p) => p.functions);
  return new Map(
    cat.patches.map((p) => [
      p.name,
      variablePatch(p, `p.${p.name}`, { extraIds: [...IDS, ...ids], extraFunctions: functions }),
    ]),
  );
}

/** Values that describe `sys`, with random values for what no rule may see. */
function fixing(
  cfg: SymConfig,
  sys: System,
  vps: ReadonlyMap<string, VariablePatch>,
  noise: readonly (readonly [number, boolean])[],
): Map<string, Value> {
  const values = fixConfig(cfg, sys);
  let n = 0;
  for (const vp of vps.values()) {
    for (const [k, v] of vp.values) values.set(k, v);
    for (const s of vp.states) {
      if (s.index !== null) continue;
      const [version, bd] = noise[n++ % noise.length] ?? [0, false];
      for (const [t, v] of [
        [s.state.version, BigInt(version)],
        [s.state.blockDisable, bd],
      ] as const) {
        if (t.kind === 'var') values.set(t.name, v);
      }
    }
  }
  return values;
}

function counter() {
  const seen = new Map<string, { rejected: number; admitted: number }>();
  return {
    count(q: Question) {
      const c = seen.get(q.key) ?? { rejected: 0, admitted: 0 };
      if (q.expected) c.rejected++;
      else c.admitted++;
      seen.set(q.key, c);
    },
    /** Every rule and question that exists in the shipped rule sets was seen both ways. */
    expectBothOutcomes() {
      const keys: string[] = [];
      for (const rs of RULE_SETS) {
        for (const r of rs.enable?.rules ?? [])
          if (r.mode === 'rule') keys.push(`${rs.name}/enable/${r.name}`);
        for (const r of rs.disable?.rules ?? [])
          if (r.mode === 'rule') keys.push(`${rs.name}/disable/${r.name}`);
        if (rs.complete !== null) keys.push(`${rs.name}/replaces`);
        for (const r of rs.invariants) keys.push(`${rs.name}/invariant/${r.name}`);
        for (const r of rs.policies) keys.push(`${rs.name}/policy/${r.name}`);
      }
      expect(keys.length).toBeGreaterThan(15);
      for (const k of keys) {
        const c = seen.get(k);
        expect(c?.rejected ?? 0, `${k} never violated`).toBeGreaterThan(0);
        expect(c?.admitted ?? 0, `${k} never satisfied`).toBeGreaterThan(0);
      }
    },
  };
}

describe('compiled rules agree with the evaluator on random configurations', () => {
  it('on concrete configurations every question folds to the evaluator’s literal', () => {
    const seen = counter();
    fc.assert(
      fc.property(caseArb, ([cat, sys]) => {
        for (const q of questions(cat, sys, concreteConfig(sys, cat), symPatch)) {
          seen.count(q);
          expect(q.term.kind, `${q.key} ${q.label}`).toBe('bool');
          expect(q.term.kind === 'bool' && q.term.value, `${q.key} ${q.label}`).toBe(q.expected);
        }
      }),
      { numRuns: FULL ? 5000 : 400 },
    );
    seen.expectBothOutcomes();
  });

  it('on variable configurations and patches, interpreting the term under the fixing values gives the evaluator’s answer', () => {
    const seen = counter();
    fc.assert(
      fc.property(caseArb, ([cat, sys, noise]) => {
        const vps = variablePatches(cat);
        const sym = (p: Patch) => vps.get(p.name)?.sym ?? symPatch(p);
        const cfg = variableConfig(cat, 'c.', sym);
        const values = fixing(cfg, sys, vps, noise);
        for (const q of questions(cat, sys, cfg, sym)) {
          seen.count(q);
          expect(interpretBool(q.term, values), `${q.key} ${q.label}`).toBe(q.expected);
        }
      }),
      { numRuns: FULL ? 3000 : 300 },
    );
    seen.expectBothOutcomes();
  });

  it('Z3 agrees: the fixing equalities and every answer are satisfiable together', async () => {
    const seen = counter();
    let checks = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ([cat, sys, noise]) => {
        const vps = variablePatches(cat);
        const sym = (p: Patch) => vps.get(p.name)?.sym ?? symPatch(p);
        const cfg = variableConfig(cat, 'c.', sym);
        const values = fixing(cfg, sys, vps, noise);
        const qs = questions(cat, sys, cfg, sym);
        for (const q of qs) seen.count(q);
        // One query per configuration: with every variable fixed, each term has one value, so
        // the set is satisfiable exactly when Z3 computes every answer as the evaluator does
        // (a wrong answer makes it unsatisfiable, and the core names the question).
        const answers: NamedAssertion[] = qs.map((q, i) => ({
          name: `${q.key} ${q.label} #${i}`,
          term: eq(q.term, bool(q.expected)),
        }));
        const vars = freeVars(answers.map((a) => a.term));
        const fix = pinning(values, vars);
        const r = await check([{ name: 'configuration', term: and(...fix) }, ...answers], {
          timeoutMs: 20_000,
        });
        checks++;
        expect(r.kind === 'unsat' ? r.core : r.kind).toBe('sat');
      }),
      { numRuns: FULL ? 1000 : 120 },
    );
    expect(checks).toBe(FULL ? 1000 : 120);
    seen.expectBothOutcomes();
  });
});
