// Hand-worked answers of `synth`: a new module next to those of
// tools/testing/selftests/livepatch/test-state.sh, the next release of the vendor stream in
// examples/ (and what r4 should have declared), the house rules of test/fixtures/synth under
// which P must, must not, or cannot be cumulative, a replace-set catalog no declaration fits, a
// state only a counterexample reveals, the fresh id, errors and `unknown`. Every declaration
// found is also checked with the explorer (src/explore), and the order of declarations by hand.
import { describe, expect, it } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { provesLoadable } from '../../src/explore/index.ts';
import { loadCatalogFile } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { formatOp } from '../../src/model/op.ts';
import { type Patch, patch } from '../../src/model/patch.ts';
import {
  type ChoiceResult,
  compareDeclarations,
  type SynthInput,
  type SynthResult,
  synthesize,
  universeOf,
} from '../../src/query/synth.ts';
import { declarationC, declarationYaml } from '../../src/report/synth.ts';
import { checkedRuleSet } from '../support/rules.ts';

const FIXTURES = 'test/fixtures/synth';

function catalogFile(path: string): Catalog {
  const r = loadCatalogFile(path);
  if (r.kind === 'error') throw new Error(`${path} does not load`);
  return r.value;
}

function ruleFile(path: string): CheckedRuleSet {
  const r = loadRuleSet(path);
  if (r.kind !== 'ok') throw new Error(`${path} does not load`);
  return r.value;
}

const testModules = catalogFile('examples/selftests/test_modules.catalog.yaml');
const stream = catalogFile('examples/vendor-stream/stream.catalog.yaml');
const upstream = checkedRuleSet('upstream');
const house = ruleFile(`${FIXTURES}/house-rules/house-rules.klp`);

const R1 = 0x6e6574f117c60001n;
const R2 = 0x696f75726e670002n;
const R3 = 0x7463705f72740003n;

function choice(r: SynthResult, replace: boolean): ChoiceResult {
  const c = r.choices.find((x) => x.replace === replace);
  if (c === undefined) throw new Error(`no choice ${replace}`);
  return c;
}

function found(r: SynthResult, replace: boolean): Extract<ChoiceResult, { kind: 'found' }> {
  const c = choice(r, replace);
  if (c.kind !== 'found') throw new Error(`choice ${replace} is ${c.kind}`);
  return c;
}

function none(r: SynthResult, replace: boolean): Extract<ChoiceResult, { kind: 'none' }> {
  const c = choice(r, replace);
  if (c.kind !== 'none') throw new Error(`choice ${replace} is ${c.kind}`);
  return c;
}

function states(d: Patch): [bigint, number][] {
  return d.states.map((s) => [s.id, s.version]);
}

/** The explorer's verdict on `insmod name` with `decl` in the catalog. */
function explorerVerdict(input: SynthInput, decl: Patch): string {
  const cat = input.catalog.byName.has(decl.name)
    ? catalog(input.catalog.patches.map((p) => (p.name === decl.name ? decl : p)))
    : catalog([...input.catalog.patches, decl]);
  return provesLoadable(cat, kernelRules(input.ruleSet), decl.name, {
    transitions: input.transitions ?? 'auto',
    initial: input.initial ?? [],
  }).kind;
}

describe('a new module next to those of test-state.sh', () => {
  const input: SynthInput = { catalog: testModules, ruleSet: upstream, patch: 'test_klp_state4' };

  it('a cumulative one loadable after any of them declares state 1 at version 2', async () => {
    const r = await synthesize(input);
    expect(r.verdict).toBe('found');
    const c = found(r, true);
    expect(states(c.declaration)).toEqual([[1n, 2]]);
    expect(c.declaration.replace).toBe(true);
    expect(c.proof.verdict).toBe('proved');
    expect(explorerVerdict(input, c.declaration)).toBe('proved');
    // One lower, or without the state, and the explorer finds the rejection.
    const lower = { ...c.declaration, states: [{ id: 1n, version: 1, blockDisable: false }] };
    expect(explorerVerdict(input, lower)).toBe('refuted');
    expect(explorerVerdict(input, { ...c.declaration, states: [] })).toBe('refuted');
  });

  it('says why: without state 1 after test_klp_state, at version 1 after a version 2 module', async () => {
    const r = await synthesize({ ...input, replace: true });
    const [need] = found(r, true).needs;
    expect(need?.id).toBe(1n);
    expect(need?.without.witness.steps.map(formatOp)).toEqual(['insmod test_klp_state']);
    expect(need?.without.violations.map((v) => v.rule)).toEqual(['cumulative-handles-all']);
    expect(need?.lower?.witness.system.klpPatches).toEqual(['test_klp_state2']);
    expect(need?.lower?.violations.map((v) => v.message)).toEqual([
      'patch `test_klp_state4` declares state 1 at version 1, lower than version 2 installed by `test_klp_state2`',
    ]);
    expect(need?.lower?.outcome.log).toContain(
      'livepatch: Livepatch patch (test_klp_state4) is not compatible with the already installed livepatches.',
    );
  });

  it('a non-cumulative one needs no state, and is the smallest overall', async () => {
    const r = await synthesize(input);
    expect(states(found(r, false).declaration)).toEqual([]);
    expect(r.cumulative).toBe('either');
    expect(r.smallest?.replace).toBe(false);
    expect(r.smallest?.states).toEqual([]);
  });

  it('--replace fixes the choice: the other one is not asked', async () => {
    const r = await synthesize({ ...input, replace: true });
    expect(r.replaceFixed).toBe(true);
    expect(choice(r, false).kind).toBe('not-asked');
    expect(r.cumulative).toBeNull();
    expect(r.smallest?.replace).toBe(true);
    expect(states(r.smallest ?? patch('x'))).toEqual([[1n, 2]]);
  });

  it('prints the declaration as a catalog entry and as C', async () => {
    const r = await synthesize({ ...input, replace: true });
    const d = found(r, true).declaration;
    expect(declarationYaml(d)).toBe(
      [
        '  - name: test_klp_state4',
        '    replace: true',
        '    states:',
        '      - { id: 1, version: 2 }',
      ].join('\n'),
    );
    expect(declarationC(d)).toBe(
      [
        'static struct klp_state states[] = {',
        '\t{ .id = 1, .version = 2 },',
        '\t{}',
        '};',
        '',
        'static struct klp_patch patch = {',
        '\t.mod = THIS_MODULE,',
        '\t.objs = objs,',
        '\t.states = states,',
        '\t.replace = true,',
        '};',
      ].join('\n'),
    );
  });
});

describe('the vendor stream', () => {
  it('the next cumulative release carries every state at its newest version', async () => {
    const input: SynthInput = { catalog: stream, ruleSet: upstream, patch: 'klp_6_8_0_45_r5' };
    const r = await synthesize(input);
    expect(r.verdict).toBe('found');
    const c = found(r, true);
    // Ascending id: 0x696f... < 0x6e65... < 0x7463...
    expect(states(c.declaration)).toEqual([
      [R2, 1],
      [R1, 2],
      [R3, 1],
    ]);
    expect(explorerVerdict(input, c.declaration)).toBe('proved');
    // r3 alone asks for layout 2 of the nf_tables state.
    const nf = c.needs.find((n) => n.id === R1);
    expect(nf?.lower?.witness.system.klpPatches).toEqual(['klp_6_8_0_45_r3']);
    expect(declarationYaml(c.declaration)).toContain(
      '      - { id: "0x6e6574f117c60001", version: 2 }',
    );
    expect(declarationC(c.declaration)).toContain(
      '\t{ .id = 0x6e6574f117c60001UL, .version = 2 },',
    );
  });

  it('r4, which forgot the io_uring state, should have declared it: its functions stay', async () => {
    const input: SynthInput = {
      catalog: stream,
      ruleSet: upstream,
      patch: 'klp_6_8_0_45_r4',
      replace: true,
    };
    const r = await synthesize(input);
    const c = found(r, true);
    expect(states(c.declaration)).toEqual([
      [R2, 1],
      [R1, 2],
      [R3, 1],
    ]);
    expect(c.declaration.functions).toEqual(stream.byName.get('klp_6_8_0_45_r4')?.functions);
    expect(c.needs.find((n) => n.id === R2)?.without.witness.steps.map(formatOp)).toEqual([
      'insmod klp_6_8_0_45_r2',
    ]);
    expect(explorerVerdict(input, c.declaration)).toBe('proved');
  });
});

describe('the house rules: must, must not, cannot', () => {
  it('after a release only a cumulative P loads: P must be cumulative', async () => {
    const r = await synthesize({
      catalog: catalogFile(`${FIXTURES}/must-be-cumulative/catalog.yaml`),
      ruleSet: house,
      patch: 'P',
    });
    expect(r.verdict).toBe('found');
    expect(r.cumulative).toBe('must');
    expect(states(found(r, true).declaration)).toEqual([[1n, 1]]);
    const n = none(r, false);
    expect(n.minimal).toBe(true);
    expect(n.blockers.map((b) => b.witness.steps.map(formatOp))).toEqual([['insmod release_1']]);
    expect(n.blockers[0]?.rejection?.violations.map((v) => v.rule)).toEqual([
      'hotfix-stays-off-releases',
    ]);
  });

  it('a pinned state keeps every cumulative P out: P must not be cumulative', async () => {
    const r = await synthesize({
      catalog: catalogFile(`${FIXTURES}/must-not-be-cumulative/catalog.yaml`),
      ruleSet: house,
      patch: 'P',
    });
    expect(r.verdict).toBe('found');
    expect(r.cumulative).toBe('must-not');
    expect(r.smallest?.replace).toBe(false);
    const n = none(r, true);
    expect(n.blockers.map((b) => b.witness.system.klpPatches)).toEqual([['hotfix_pinned']]);
  });

  it('with both, no declaration exists, and each choice names its configuration', async () => {
    const r = await synthesize({
      catalog: catalogFile(`${FIXTURES}/no-declaration-house-rules/catalog.yaml`),
      ruleSet: house,
      patch: 'P',
    });
    expect(r.verdict).toBe('none');
    expect(r.smallest).toBeNull();
    expect(r.cumulative).toBeNull();
    expect(none(r, true).blockers.map((b) => b.witness.system.klpPatches)).toEqual([
      ['hotfix_pinned'],
    ]);
    expect(none(r, false).blockers.map((b) => b.witness.system.klpPatches)).toEqual([
      ['release_1'],
    ]);
  });

  it('a release must declare a state the catalog does not have: the fresh id', async () => {
    const cat = catalogFile(`${FIXTURES}/release-needs-a-fresh-state/catalog.yaml`);
    expect(universeOf(cat)).toEqual({ ids: [1n], fresh: 1n });
    const r = await synthesize({ catalog: cat, ruleSet: house, patch: 'P', replace: true });
    const c = found(r, true);
    expect(states(c.declaration)).toEqual([[1n, 0]]);
    expect(c.needs[0]?.without.violations.map((v) => v.rule)).toEqual(['release-declares-a-state']);
  });
});

describe('replace sets', () => {
  it('state 1 of both sets: P must declare it and must not, so no declaration exists', async () => {
    const cat = catalogFile(`${FIXTURES}/same-state-in-two-replace-sets/catalog.yaml`);
    const r = await synthesize({
      catalog: cat,
      ruleSet: checkedRuleSet('replace-set'),
      patch: 'P',
      replace: true,
    });
    expect(r.verdict).toBe('none');
    const n = none(r, true);
    expect(n.minimal).toBe(true);
    const byStack = new Map(n.blockers.map((b) => [b.witness.system.klpPatches.join(','), b]));
    expect([...byStack.keys()].sort()).toEqual(['base_set0', 'base_set1']);
    // Admitted with base_set1 installed means no state 1, which base_set0 rejects; and back.
    expect(byStack.get('base_set0')?.rejection?.violations.map((v) => v.rule)).toEqual([
      'same-set-handles-all',
    ]);
    expect(byStack.get('base_set1')?.rejection?.violations.map((v) => v.rule)).toEqual([
      'other-set-leaves-states-alone',
    ]);
    expect(states(byStack.get('base_set1')?.rejection?.declaration ?? patch('x'))).toEqual([
      [1n, 1],
    ]);
  });
});

describe('configurations only a counterexample shows', () => {
  it('state 2 of a hotfix the installed release keeps out until it is disabled', async () => {
    const input: SynthInput = {
      catalog: catalogFile(`${FIXTURES}/hotfix-kept-out-by-the-installed-release/catalog.yaml`),
      ruleSet: upstream,
      patch: 'P',
      initial: ['release_3'],
      replace: true,
    };
    const r = await synthesize(input);
    const c = found(r, true);
    expect(states(c.declaration)).toEqual([
      [1n, 3],
      [2n, 3],
    ]);
    expect(c.candidates).toBe(2);
    const two = c.needs.find((n) => n.id === 2n);
    expect(two?.without.witness.origin).toBe('counterexample');
    expect(two?.without.witness.steps.map(formatOp)).toEqual([
      'disable release_3',
      'insmod hotfix_old',
    ]);
    expect(explorerVerdict(input, c.declaration)).toBe('proved');
  });
});

describe('errors and limits', () => {
  it('refuses a rule set whose kernel rules range over the catalog', async () => {
    const r = await synthesize({
      catalog: catalogFile(`${FIXTURES}/reads-the-catalog/catalog.yaml`),
      ruleSet: ruleFile(`${FIXTURES}/reads-the-catalog/catalog-rules.klp`),
      patch: 'P',
    });
    expect(r.verdict).toBe('error');
    expect(r.error).toBe(
      'rule set `catalog-rules` ranges over `catalog` in a kernel rule: what the other patches can do may depend on the declaration of `P`',
    );
  });

  it('refuses P in the initial stack, and a stack the kernel refuses', async () => {
    const inStack = await synthesize({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'test_klp_state',
      initial: ['test_klp_state'],
    });
    expect(inStack.verdict).toBe('error');
    expect(inStack.error).toContain('is in the initial stack');
    const refused = await synthesize({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'P',
      initial: ['test_klp_state2', 'test_klp_state'],
    });
    expect(refused.verdict).toBe('error');
    expect(refused.error).toBe(
      'initial patch `test_klp_state` cannot be loaded: insmod fails with EINVAL',
    );
  });

  it('says unknown, not found or none, when the time runs out', async () => {
    const r = await synthesize({ catalog: stream, ruleSet: upstream, patch: 'P', timeoutMs: 1 });
    expect(r.verdict).toBe('unknown');
    expect(r.smallest).toBeNull();
    expect(r.choices.every((c) => c.kind === 'unknown')).toBe(true);
  });
});

describe('the order of declarations', () => {
  const d = (...ss: [number, number][]) =>
    patch('P', { states: ss.map(([id, version]) => ({ id, version })) });

  // Versions compare id by id from the lowest id, an absent id counting as version 0: state 3
  // at version 3 comes before state 1 at version 1. Under the shipped rule sets the states of
  // a loadable declaration are forced and each version has its own least value, so this only
  // breaks ties no shipped rule set creates.
  it('fewer states first, then lower versions id by id, then the lower ids', () => {
    const sorted = [
      d([1, 0], [2, 0]),
      d([3, 3]),
      d([1, 1]),
      d(),
      d([2, 0]),
      d([1, 0]),
      d([1, 0], [2, 1]),
      d([1, 1], [2, 0]),
    ].sort(compareDeclarations);
    expect(sorted.map(states)).toEqual([
      [],
      [[1n, 0]],
      [[2n, 0]],
      [[3n, 3]],
      [[1n, 1]],
      [
        [1n, 0],
        [2n, 0],
      ],
      [
        [1n, 0],
        [2n, 1],
      ],
      [
        [1n, 1],
        [2n, 0],
      ],
    ]);
  });
});
