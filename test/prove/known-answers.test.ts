// Hand-worked answers of `prove`: the modules of tools/testing/selftests/livepatch/test-state.sh,
// the vendor stream of examples/, a claim that needs an invariant stronger than itself, the
// invariants of rules/policy/stack-invariants.klp under the rule sets that keep them and those
// that do not, and what `unknown` says when the time runs out. Each answer is also the
// explorer's (the oracle).
import { describe, expect, it } from 'vitest';
import { provesLoadable } from '../../src/explore/index.ts';
import { loadCatalogFile } from '../../src/ingest/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { formatOp } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { decide, pose, proveInvariant, proveLoadable } from '../../src/prove/index.ts';
import { proveSummary } from '../../src/report/prove.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';

function catalogFile(path: string): Catalog {
  const r = loadCatalogFile(path);
  if (r.kind === 'error') throw new Error(`${path} does not load`);
  return r.value;
}

const testModules = catalogFile('examples/selftests/test_modules.catalog.yaml');
const stream = catalogFile('examples/vendor-stream/stream.catalog.yaml');
const upstream = checkedRuleSet('upstream');
const blockDisable = checkedRuleSet('block-disable');
const stackInvariants = checkedRuleSet('stack-invariants');

describe('the modules of test-state.sh', () => {
  it('refutes test_klp_state: after a cumulative patch with state 1 at version 2, it is rejected', async () => {
    const r = await proveLoadable({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'test_klp_state',
    });
    expect(r.verdict).toBe('refuted');
    expect(proveSummary(r)).toBe('refuted: 2 steps over 1 other patch');
    const steps = r.counterexample?.steps.map(formatOp);
    // Scenario 4 of test-state.sh, or the same with test_klp_state3 (also version 2).
    expect(['insmod test_klp_state2', 'insmod test_klp_state3']).toContain(steps?.[0]);
    expect(steps?.[1]).toBe('insmod test_klp_state');
    expect(r.counterexample?.patches).toHaveLength(1);
    const log = r.counterexample?.outcomes.flatMap((o) => o.log) ?? [];
    expect(log.at(-2)).toBe(
      'livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.',
    );
    expect(log.at(-1)).toBe(
      'insmod: ERROR: could not insert module test_klp_state.ko: Invalid parameters',
    );
    expect(r.explanation).toMatchObject({
      kind: 'rejection',
      violations: [
        { rule: 'same-or-higher-version', state: 1n, installedVersion: 2, newVersion: 1 },
      ],
    });
  });

  it('proves test_klp_state2 and test_klp_state3: equal versions are compatible', async () => {
    for (const p of ['test_klp_state2', 'test_klp_state3']) {
      for (const transitions of ['auto', 'manual'] as const) {
        const r = await proveLoadable({
          catalog: testModules,
          ruleSet: upstream,
          patch: p,
          transitions,
        });
        expect(r.verdict).toBe('proved');
        expect(proveSummary(r)).toMatch(/^proved \((no configuration|the claim)/);
        expect(r.statement).toBe(
          `for every sequence of operations on the 2 other patches of the catalog from the empty system, \`insmod ${p}\` is admitted by rule set upstream (transitions ${transitions}: ${transitions === 'auto' ? 'steady configurations' : 'configurations with a pending transition included'})`,
        );
      }
    }
  });

  it('refutes at once from an installed stack that already blocks it', async () => {
    const r = await proveLoadable({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'test_klp_state',
      initial: ['test_klp_state2'],
    });
    expect(r.verdict).toBe('refuted');
    expect(r.counterexample?.steps.map(formatOp)).toEqual(['insmod test_klp_state']);
    expect(r.counterexample?.patches).toEqual([]);
  });

  it('counts a configuration with a pending transition with manual transitions', async () => {
    const r = await proveLoadable({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'test_klp_state',
      transitions: 'manual',
    });
    expect(r.verdict).toBe('refuted');
    // The compatibility check comes before the "transition in progress" one (EBUSY).
    expect(r.counterexample?.steps).toHaveLength(2);
    expect(r.counterexample?.outcomes[0]?.system.transition?.target).toBe('patched');
  });

  it('reports a patch that is not in the catalog, or already installed', async () => {
    const r = await proveLoadable({ catalog: testModules, ruleSet: upstream, patch: 'nope' });
    expect(r.verdict).toBe('error');
    expect(proveSummary(r)).toBe('error: patch `nope` is not in the catalog');
    const s = await proveLoadable({
      catalog: testModules,
      ruleSet: upstream,
      patch: 'test_klp_state',
      initial: ['test_klp_state'],
    });
    expect(s.verdict).toBe('error');
    expect(s.error?.kind).toBe('target-installed');
  });
});

describe('the vendor stream', () => {
  it('refutes r4: it forgets the io_uring state r2 installed', async () => {
    const r = await proveLoadable({ catalog: stream, ruleSet: upstream, patch: 'klp_6_8_0_45_r4' });
    expect(r.verdict).toBe('refuted');
    expect(r.counterexample?.steps).toHaveLength(2);
    expect(r.counterexample?.shortest).toBe(2);
    expect(r.counterexample?.steps[1]).toEqual({ kind: 'insmod', patch: 'klp_6_8_0_45_r4' });
    const [first] = r.counterexample?.patches ?? [];
    expect(['klp_6_8_0_45_r2', 'klp_6_8_0_45_r3']).toContain(first);
    expect(r.explanation).toMatchObject({
      kind: 'rejection',
      violations: [{ rule: 'cumulative-handles-all', state: 0x696f75726e670002n }],
    });
    const oracle = provesLoadable(stream, rulesNamed('upstream'), 'klp_6_8_0_45_r4', {
      transitions: 'auto',
    });
    expect(oracle.kind === 'refuted' && oracle.path.length).toBe(2);
  });

  it('proves r3: it carries every state at the highest version', async () => {
    const r = await proveLoadable({ catalog: stream, ruleSet: upstream, patch: 'klp_6_8_0_45_r3' });
    expect(r.verdict).toBe('proved');
    expect(r.certificate?.method).toBe('static');
  });
});

describe('claims that need an invariant stronger than themselves', () => {
  // `guard` carries block_disable state 1 and is installed: under the block-disable rules it can
  // never be disabled, and only a cumulative patch with state 1 can replace it; the only such
  // patch is the target. `blocker` (cumulative, without state 1) would block the target with its
  // own block_disable state 2, but it can never be loaded while `guard` is there.
  const guarded = catalog([
    patch('guard', { replace: true, states: [{ id: 1, blockDisable: true }] }),
    patch('target', { replace: true, states: [{ id: 1, blockDisable: true }] }),
    patch('blocker', { replace: true, states: [{ id: 2, blockDisable: true }] }),
    patch('bystander', { states: [{ id: 3 }] }),
  ]);
  // As above, but `first` can be replaced by `second` (which carries its state 1), and nothing
  // replaces `second`: one of the two is always installed, and either keeps `blocker` out.
  const handedOver = catalog([
    patch('first', { replace: true, states: [{ id: 1, blockDisable: true }] }),
    patch('second', { replace: true, states: [{ id: 1 }, { id: 2, blockDisable: true }] }),
    patch('target', {
      replace: true,
      states: [{ id: 1 }, { id: 2, blockDisable: true }],
    }),
    patch('blocker', { replace: true, states: [{ id: 3, blockDisable: true }] }),
  ]);

  const agree = async (cat: Catalog, initial: string[], method: string) => {
    for (const transitions of ['auto', 'manual'] as const) {
      const r = await proveLoadable({
        catalog: cat,
        ruleSet: blockDisable,
        patch: 'target',
        initial,
        transitions,
      });
      expect(r.verdict).toBe('proved');
      // The blocker is never loaded (src/prove/holders.ts): left out, the claim folds to false,
      // and the certificate carries the queries that justify leaving it out.
      expect(r.certificate?.method).toBe('static');
      expect(r.certificate?.ignored).toContain('blocker');
      expect(r.certificate?.files.map((f) => f.name)).toEqual(
        expect.arrayContaining(['never-loaded-initiation.smt2', 'never-loaded-consecution.smt2']),
      );
      // Without leaving it out, the proof needs the stronger invariant.
      const posed = pose({
        catalog: cat,
        ruleSet: blockDisable,
        transitions,
        initial,
        claim: { kind: 'loadable', patch: 'target' },
      });
      if (posed.kind !== 'ok') throw new Error(posed.error.message);
      const d = await decide(posed.value, new Set(posed.value.candidates), {
        deadline: Date.now() + 60_000,
        leaveOutNeverLoaded: false,
      });
      expect(d.kind === 'proved' && d.proof.method).toBe(method);
      const oracle = provesLoadable(cat, rulesNamed('block-disable'), 'target', {
        transitions,
        initial,
      });
      expect(oracle.kind).toBe('proved');
    }
  };

  it('is proved when a patch that stays keeps the blocker out, and matches the explorer', async () => {
    await agree(guarded, ['guard'], 'strengthened');
  });

  it('is proved with an invariant found by Spacer when the patch that keeps it out changes', async () => {
    await agree(handedOver, ['first'], 'spacer');
  });

  it('is refuted once nothing keeps the blocker out', async () => {
    const r = await proveLoadable({ catalog: guarded, ruleSet: blockDisable, patch: 'target' });
    expect(r.verdict).toBe('refuted');
    expect(r.counterexample?.steps.map(formatOp)).toEqual(['insmod blocker', 'insmod target']);
  });
});

describe('stack invariants', () => {
  const blocking = catalog([
    patch('keeper', { states: [{ id: 7, blockDisable: true }] }),
    patch('other', { replace: true, states: [{ id: 8 }] }),
  ]);

  it('block-disable-never-disabled fails upstream: the disable starts an unpatching transition', async () => {
    const r = await proveInvariant({
      catalog: blocking,
      ruleSet: upstream,
      invariants: stackInvariants,
      invariant: 'block-disable-never-disabled',
      transitions: 'manual',
    });
    expect(r.verdict).toBe('refuted');
    expect(r.counterexample?.steps.map(formatOp)).toEqual(['insmod keeper', 'disable keeper']);
    const log = r.counterexample?.outcomes.flatMap((o) => o.log) ?? [];
    expect(log).toContain("livepatch: 'keeper': reversing transition from patching to unpatching");
    expect(r.explanation).toMatchObject({
      kind: 'invariant',
      violations: [{ message: '`keeper` carries block_disable state 7 but is being disabled' }],
    });
  });

  it('block-disable-never-disabled holds under the block-disable rules', async () => {
    const r = await proveInvariant({
      catalog: blocking,
      ruleSet: blockDisable,
      invariants: stackInvariants,
      invariant: 'block-disable-never-disabled',
      transitions: 'manual',
    });
    expect(r.verdict).toBe('proved');
    expect(r.certificate?.method).toBe('induction');
  });

  it('no-lower-version-above holds upstream on the selftest modules', async () => {
    const r = await proveInvariant({
      catalog: testModules,
      ruleSet: upstream,
      invariants: stackInvariants,
      invariant: 'no-lower-version-above',
      transitions: 'manual',
    });
    expect(r.verdict).toBe('proved');
  });

  it('no-lower-version-above fails without state checks (rules of Linux 5.1 to 5.4)', async () => {
    const lower = catalog([
      patch('high', { states: [{ id: 1, version: 2 }] }),
      patch('low', { states: [{ id: 1, version: 1 }] }),
    ]);
    const r = await proveInvariant({
      catalog: lower,
      ruleSet: checkedRuleSet('replace'),
      invariants: stackInvariants,
      invariant: 'no-lower-version-above',
    });
    expect(r.verdict).toBe('refuted');
    expect(r.counterexample?.steps.map(formatOp)).toEqual(['insmod high', 'insmod low']);
    expect(r.counterexample?.patches).toEqual(['high', 'low']);
  });
});

describe('when the time runs out', () => {
  it('says up to which length no counterexample exists', async () => {
    // Compiling the rules for 60 patches alone takes longer than the millisecond allowed.
    const r = await proveLoadable({
      catalog: catalogFile('test/fixtures/prove/generated-stream-60-patches/catalog.yaml'),
      ruleSet: upstream,
      patch: 'klp_s1_r20',
      timeoutMs: 1,
    });
    expect(r.verdict).toBe('unknown');
    expect(proveSummary(r)).toBe(
      'unknown: no counterexample of at most 0 operations before `insmod klp_s1_r20`',
    );
  });
});
