// The rule compiler on hand-made cases: what concrete questions fold to, how symbolic patches
// answer `has`, `version` and quantifiers, what `below`, `enabled` and `catalog` mean for a
// symbolic configuration, and invariants and policies.
import { describe, expect, it } from 'vitest';
import { generateCatalog } from '../../bench/generate.ts';
import { evalPolicy } from '../../src/eval/audit.ts';
import { kernelRules } from '../../src/eval/kernel-rules.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { type CheckedRuleSet, compileRuleSet } from '../../src/lang/checker.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System } from '../../src/model/system.ts';
import {
  anyViolation,
  compileRules,
  invariantViolated,
  policyViolated,
} from '../../src/smt/compile.ts';
import {
  concreteConfig,
  fixConfig,
  symPatch,
  variableConfig,
  variablePatch,
} from '../../src/smt/compile-config.ts';
import { boolVar, FALSE, or, TRUE } from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import { freeVars, type Value } from '../../src/smt/term.ts';
import { Source } from '../../src/source/source.ts';

function load(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

function ruleSet(text: string): CheckedRuleSet {
  const r = compileRuleSet(new Source('test.klp', text));
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

function system(klpPatches: readonly string[]): System {
  return { klpPatches, transition: null, loaded: [...klpPatches], forced: [] };
}

const upstream = load('upstream');
const selftests = catalog([
  patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
  patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
  patch('test_klp_state3', { replace: true, states: [{ id: 1, version: 2 }] }),
]);

function get(name: string) {
  const p = selftests.byName.get(name);
  if (p === undefined) throw new Error(name);
  return p;
}

describe('concrete questions fold', () => {
  it('a concrete candidate against variable klp_patches: the `on` variables of the incompatible patches', () => {
    const rules = compileRules(upstream);
    const cfg = variableConfig(selftests, '');
    const [lower, cumulative] = rules.enableViolations(cfg, symPatch(get('test_klp_state')));
    expect(lower?.rule).toBe('same-or-higher-version');
    expect(lower?.violated).toBe(or(boolVar('on.test_klp_state2'), boolVar('on.test_klp_state3')));
    expect(cumulative?.violated).toBe(FALSE);
    // Equal versions are compatible (test-state.sh, "compatible cumulative livepatches").
    expect(anyViolation(rules.enableViolations(cfg, symPatch(get('test_klp_state3'))))).toBe(FALSE);
  });

  it('a concrete candidate on a concrete system: a literal, the evaluator’s verdict', () => {
    const rules = compileRules(upstream);
    const sys = system(['test_klp_state2']);
    const cfg = concreteConfig(sys, selftests);
    for (const p of selftests.patches) {
      const verdict = kernelRules(upstream).enable(sys, selftests, p);
      expect(anyViolation(rules.enableViolations(cfg, symPatch(p)))).toBe(
        verdict.ok ? FALSE : TRUE,
      );
    }
  });

  it('over a generated release stream, every violation is a disjunction of `on` variables', () => {
    const cat = generateCatalog({ patches: 60, seed: 3 });
    const rules = compileRules(upstream);
    const cfg = variableConfig(cat, 'c.');
    let nonLiteral = 0;
    for (const p of cat.patches) {
      for (const v of rules.enableViolations(cfg, symPatch(p))) {
        const t = v.violated;
        if (t.kind === 'bool') continue;
        nonLiteral++;
        const args = t.kind === 'or' ? t.args : [t];
        for (const a of args) expect(a.kind === 'var' && a.name.startsWith('c.on.')).toBe(true);
      }
    }
    expect(nonLiteral).toBeGreaterThan(10);
  });

  it('a second configuration gets the same answers over its own variables', () => {
    const rules = compileRules(upstream);
    const candidate = symPatch(get('test_klp_state'));
    rules.enableViolations(variableConfig(selftests, 'a.'), candidate);
    const [lower] = rules.enableViolations(variableConfig(selftests, 'b.'), candidate);
    expect(lower?.violated).toBe(
      or(boolVar('b.on.test_klp_state2'), boolVar('b.on.test_klp_state3')),
    );
  });
});

describe('symbolic patches', () => {
  it('`version` is the first entry whose `has` holds, like klp_get_state()', () => {
    const rs = ruleSet(`ruleset t "t"
on enable new
  reject EINVAL
  rule at-least-two "State 1 is at version 2 or more."
    when new.has(1)
    require new.version(1) >= 2
`);
    const p = patch('p', {
      states: [
        { id: 1, version: 1 },
        { id: 1, version: 5 },
      ],
    });
    const vp = variablePatch(p, 'p');
    const [rule] = compileRules(rs).enableViolations(variableConfig(catalog([p]), ''), vp.sym);
    const violated = rule?.violated ?? TRUE;
    const values = new Map<string, Value>(vp.values);
    expect(interpretBool(violated, values)).toBe(true); // the first entry, version 1, counts
    values.set('p.s0.has', false);
    expect(interpretBool(violated, values)).toBe(false); // now the second one, version 5
    values.set('p.s1.has', false);
    expect(interpretBool(violated, values)).toBe(false); // no state 1: `when` is false
  });

  it('an installed patch is checked at every entry, duplicates included', () => {
    const installed = patch('old', {
      states: [
        { id: 1, version: 1 },
        { id: 1, version: 5 },
      ],
    });
    const candidate = patch('new', { states: [{ id: 1, version: 3 }] });
    const cat = catalog([installed, candidate]);
    const [lower] = compileRules(upstream).enableViolations(
      concreteConfig(system(['old']), cat),
      symPatch(candidate),
    );
    expect(lower?.violated).toBe(TRUE);
  });

  it('`catalog` shows the block’s patch as given, not the catalog’s literal copy', () => {
    const rs = ruleSet(`ruleset t "t"
on enable new
  reject EINVAL
  rule no-cumulative "No cumulative patch in the catalog is enabled."
    for p in catalog
    when p == new
    require not p.replace
`);
    const p = patch('p', { replace: true });
    const vp = variablePatch(p, 'p');
    const [rule] = compileRules(rs).enableViolations(variableConfig(catalog([p]), ''), vp.sym);
    expect(rule?.violated).toBe(boolVar('p.replace'));
  });

  it('a patch without a configuration entry is neither enabled nor below anything', () => {
    const rs = ruleSet(`ruleset t "t"
on enable new
  reject EINVAL
  rule r "The new patch is not enabled and nothing is below it."
    require not new.enabled and not (some old in installed: old below new)
`);
    const outsider = symPatch(patch('outsider'));
    const [rule] = compileRules(rs).enableViolations(variableConfig(selftests, ''), outsider);
    expect(rule?.violated).toBe(FALSE);
  });
});

describe('invariants and policies', () => {
  const invariants = load('stack-invariants');

  it('`below` compares positions on klp_patches', () => {
    const cat = catalog([
      patch('a', { states: [{ id: 1, version: 2 }] }),
      patch('b', { states: [{ id: 1, version: 1 }] }),
    ]);
    const cfg = variableConfig(cat, '');
    const t = invariantViolated(invariants, 'no-lower-version-above', cfg);
    expect([...freeVars([t]).keys()].sort()).toEqual(['on.a', 'on.b', 'pos.a', 'pos.b']);
    expect(interpretBool(t, fixConfig(cfg, system(['a', 'b'])))).toBe(true);
    expect(interpretBool(t, fixConfig(cfg, system(['b', 'a'])))).toBe(false);
    expect(interpretBool(t, fixConfig(cfg, system(['b'])))).toBe(false);
    expect(
      invariantViolated(invariants, 'no-lower-version-above', concreteConfig(EMPTY_SYSTEM, cat)),
    ).toBe(FALSE);
  });

  it('a block_disable state of a patch being unpatched violates `block-disable-never-disabled`', () => {
    const cat = catalog([patch('a', { states: [{ id: 1, blockDisable: true }] })]);
    const cfg = variableConfig(cat, '');
    const t = invariantViolated(invariants, 'block-disable-never-disabled', cfg);
    expect([...freeVars([t]).keys()].sort()).toEqual(['enabled.a', 'on.a']);
    const at = (on: boolean, enabled: boolean) =>
      interpretBool(
        t,
        new Map([
          ['on.a', on],
          ['enabled.a', enabled],
        ]),
      );
    expect(at(true, false)).toBe(true);
    expect(at(true, true)).toBe(false);
    expect(at(false, false)).toBe(false);
  });

  it('policies fold on a concrete catalog to the evaluator’s answer', () => {
    const rs = load('release-stream');
    const cat = generateCatalog({ patches: 30, seed: 7 });
    for (const pol of rs.policies) {
      const expected = evalPolicy(rs, pol.name, cat).length > 0;
      expect(policyViolated(rs, pol.name, cat), pol.name).toBe(expected ? TRUE : FALSE);
    }
  });

  it('an unknown invariant name is an error that names the rule set', () => {
    expect(() => invariantViolated(invariants, 'no-such', variableConfig(selftests, ''))).toThrow(
      /`stack-invariants` has no invariant `no-such`/,
    );
  });
});
