// When the solver and the evaluator disagree, a step proof is never an answer: it throws an
// internal error that names the step. The evaluator is replaced by a wrong one to provoke it.
import { describe, expect, it, vi } from 'vitest';
import { proveStep, StepProofDisagreement } from '../../src/analysis/step-proof.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { Verdict } from '../../src/kernel/rules.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';

const wrong: { enable: Verdict | null } = { enable: null };

vi.mock('../../src/eval/kernel-rules.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/eval/kernel-rules.ts')>();
  return {
    ...real,
    kernelRules: (rs: Parameters<typeof real.kernelRules>[0]) => {
      const rules = real.kernelRules(rs);
      return {
        ...rules,
        enable: (...args: Parameters<typeof rules.enable>) => wrong.enable ?? rules.enable(...args),
      };
    },
  };
});

const upstream = (() => {
  const r = loadRuleSet('upstream');
  if (r.kind === 'error') throw new Error('upstream');
  return r.value;
})();
const cat = catalog([
  patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
  patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
]);
const sys: System = {
  klpPatches: ['test_klp_state2'],
  transition: null,
  loaded: ['test_klp_state2'],
  forced: [],
};

describe('a disagreement is an internal error', () => {
  it('an evaluator that admits what the rules reject', async () => {
    wrong.enable = { ok: true };
    const r = proveStep(
      upstream,
      sys,
      cat,
      { kind: 'insmod', patch: 'test_klp_state' },
      {
        timeoutMs: 20_000,
      },
    );
    await expect(r).rejects.toThrow(StepProofDisagreement);
    await expect(r).rejects.toThrow(
      /^internal error: the solver and the evaluator disagree on `insmod test_klp_state`: rule `same-or-higher-version`/,
    );
  });

  it('an evaluator that rejects what the rules admit', async () => {
    const empty: System = { klpPatches: [], transition: null, loaded: [], forced: [] };
    wrong.enable = {
      ok: false,
      errno: 'EINVAL',
      log: [],
      violations: [
        {
          rule: 'cumulative-handles-all',
          sentence: '',
          message: '',
          installedBy: null,
          state: null,
          installedVersion: null,
          newVersion: null,
        },
      ],
    };
    await expect(
      proveStep(
        upstream,
        empty,
        cat,
        { kind: 'insmod', patch: 'test_klp_state' },
        {
          timeoutMs: 20_000,
        },
      ),
    ).rejects.toThrow(/disagree on `insmod test_klp_state`: rule `cumulative-handles-all`/);
  });

  it('the same step with the right evaluator is proved', async () => {
    wrong.enable = null;
    const r = await proveStep(
      upstream,
      sys,
      cat,
      { kind: 'insmod', patch: 'test_klp_state' },
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.kind === 'proved' && r.verdict).toBe('rejected');
  });
});
