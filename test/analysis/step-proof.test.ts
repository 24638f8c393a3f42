// Solver-backed proofs of plan steps: the test-state.sh scenarios, the vendor stream examples
// and the proposals' rule sets give the expected verdicts, minimal explanations and ways out.
import { describe, expect, it } from 'vitest';
import {
  formatFact,
  type PlanProof,
  provePlan,
  proveStep,
  type StepProofResult,
} from '../../src/analysis/step-proof.ts';
import { loadPlanFile } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';

const OPTS = { timeoutMs: 20_000 };

function ruleSet(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

async function prove(file: string): Promise<PlanProof> {
  const p = loadPlanFile(file);
  if (p.value === null) throw new Error(p.diagnostics.map((d) => d.message).join('; '));
  const plan = p.value;
  return provePlan(
    ruleSet(plan.rules.value),
    {
      catalog: plan.catalog,
      transitions: plan.transitions,
      initial: plan.initial.map((i) => i.name),
      steps: plan.steps,
    },
    OPTS,
  );
}

/** `admitted`, `rejected` or `-` (no rule question) for each step. */
function verdicts(r: PlanProof): string[] {
  return r.steps.map((s) =>
    s.kind === 'proved' ? s.verdict : s.kind === 'no-question' ? '-' : s.kind,
  );
}

function proved(s: StepProofResult | undefined) {
  if (s?.kind !== 'proved') throw new Error(`not proved: ${s?.kind}`);
  return s;
}

function explanation(s: StepProofResult | undefined) {
  const e = proved(s).explanation;
  if (e === null) throw new Error('no explanation');
  return { facts: e.facts.map(formatFact), rules: e.rules, minimal: e.minimal };
}

function waysOut(s: StepProofResult | undefined): string[] {
  return proved(s).waysOut.map((w) => w.words);
}

describe('test-state.sh scenarios', () => {
  it('system state modification: every step admitted', async () => {
    const r = await prove('examples/selftests/system-state-modification.plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'admitted', '-']);
  });

  it('taking over system state modification: the higher version is admitted', async () => {
    const r = await prove('examples/selftests/taking-over.plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'admitted', '-', 'admitted', '-']);
  });

  it('compatible cumulative livepatches: equal versions are admitted', async () => {
    const r = await prove('examples/selftests/compatible-cumulative.plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'admitted', '-', 'admitted', 'admitted', '-', '-']);
  });

  it('incompatible cumulative livepatches: the lower version is rejected, with why and the ways out', async () => {
    const r = await prove('examples/selftests/incompatible-cumulative.plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'rejected', 'admitted', '-']);
    expect(explanation(r.steps[1])).toEqual({
      facts: [
        '`test_klp_state2` is installed',
        '`test_klp_state2` holds state 1 at version 2',
        '`test_klp_state` declares state 1 at version 1',
      ],
      rules: ['same-or-higher-version'],
      minimal: true,
    });
    expect(waysOut(r.steps[1])).toEqual([
      'declare state 1 with version >= 2 in `test_klp_state`',
      'disable `test_klp_state2` first',
    ]);
    expect(proved(r.steps[1]).waysOutComplete).toBe(true);
  });
});

describe('vendor stream examples', () => {
  it('forgotten state: the cumulative r4 must carry the io_uring state', async () => {
    const r = await prove('examples/vendor-stream/forgotten-state.plan.yaml');
    expect(verdicts(r)).toEqual(['rejected']);
    expect(explanation(r.steps[0])).toEqual({
      facts: [
        '`klp_6_8_0_45_r3` is installed',
        '`klp_6_8_0_45_r3` holds state 0x696f75726e670002 at version 1',
        '`klp_6_8_0_45_r4` does not declare state 0x696f75726e670002',
        '`klp_6_8_0_45_r4` is cumulative (replace: true)',
      ],
      rules: ['cumulative-handles-all'],
      minimal: true,
    });
    expect(waysOut(r.steps[0])).toEqual([
      'declare state 0x696f75726e670002 with version >= 1 in `klp_6_8_0_45_r4`',
      'make `klp_6_8_0_45_r4` non-cumulative (replace: false)',
      'disable `klp_6_8_0_45_r3` first',
    ]);
  });

  it('rollback: r2 would lower nf_tables; the smallest explanation and every way out', async () => {
    const r = await prove('examples/vendor-stream/rollback.plan.yaml');
    expect(verdicts(r)).toEqual(['rejected', 'admitted', 'admitted']);
    // r2 also forgets the hotfix state; the explanation with fewer facts wins.
    expect(explanation(r.steps[0])).toEqual({
      facts: [
        '`klp_6_8_0_45_r3` is installed',
        '`klp_6_8_0_45_r3` holds state 0x6e6574f117c60001 at version 2',
        '`klp_6_8_0_45_r2` declares state 0x6e6574f117c60001 at version 1',
      ],
      rules: ['same-or-higher-version'],
      minimal: true,
    });
    expect(waysOut(r.steps[0])).toEqual([
      'disable `klp_6_8_0_45_r3` first',
      'declare state 0x6e6574f117c60001 with version >= 2 in `klp_6_8_0_45_r2` and make `klp_6_8_0_45_r2` non-cumulative (replace: false)',
      'declare state 0x6e6574f117c60001 with version >= 2 in `klp_6_8_0_45_r2` and declare state 0x7463705f72740003 with version >= 1 in `klp_6_8_0_45_r2`',
    ]);
  });

  it('rollout: every insmod admitted, rmmod asks no rule', async () => {
    const r = await prove('examples/vendor-stream/rollout.plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'admitted', '-', 'admitted', 'admitted', '-', '-']);
  });
});

describe('proposals', () => {
  it('block-disable: a blocking state refuses the disable, and is no way out for the insmod', async () => {
    const r = await prove('test/fixtures/step-proof/block-disable-refuses-disable/plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'rejected', 'rejected', 'admitted']);
    expect(waysOut(r.steps[1])).toEqual([
      'declare state 7 in `lp_forgetful`',
      'make `lp_forgetful` non-cumulative (replace: false)',
    ]);
    expect(explanation(r.steps[2])).toEqual({
      facts: [
        '`lp_shadow` is installed',
        '`lp_shadow` holds state 7 at version 0 with block_disable',
      ],
      rules: ['no-disable-with-blocking-state'],
      minimal: true,
    });
    expect(waysOut(r.steps[2])).toEqual([]);
  });

  it('replace-set: a function of another set; moving sets or functions are ways out', async () => {
    const r = await prove('test/fixtures/step-proof/replace-set-foreign-function/plan.yaml');
    expect(verdicts(r)).toEqual(['admitted', 'rejected']);
    expect(explanation(r.steps[1]).rules).toEqual(['other-set-leaves-functions-alone']);
    expect(waysOut(r.steps[1])).toEqual([
      'put `lp_hotfix` in replace set 1',
      'stop patching vmlinux:tcp_retransmit_timer in `lp_hotfix`',
      'disable `lp_stream` first',
    ]);
  });
});

describe('operations that ask no rule', () => {
  const upstream = ruleSet('upstream');
  const cat = catalog([patch('a', { replace: true, states: [{ id: 1, version: 1 }] })]);
  const loaded: System = { klpPatches: ['a'], transition: null, loaded: ['a'], forced: [] };

  it('insmod of a loaded module fails with EEXIST before the compatibility check', async () => {
    const r = await proveStep(upstream, loaded, cat, { kind: 'insmod', patch: 'a' }, OPTS);
    expect(r.kind).toBe('no-question');
  });

  it('disable of a patch being unpatched is refused before the rules are asked', async () => {
    const sys: System = { ...loaded, transition: { patch: 'a', target: 'unpatched' } };
    expect((await proveStep(upstream, sys, cat, { kind: 'disable', patch: 'a' }, OPTS)).kind).toBe(
      'no-question',
    );
    expect(
      (await proveStep(upstream, loaded, cat, { kind: 'disable', patch: 'a' }, OPTS)).kind,
    ).toBe('proved');
  });
});
