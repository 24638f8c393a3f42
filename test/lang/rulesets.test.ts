/**
 * The shipped rule sets: all load without a diagnostic, by name and by path, and the upstream
 * rules carry the wording of commit 92c9abf5 (Documentation/livepatch/system-state.rst).
 */
import { describe, expect, it } from 'vitest';
import { loadRuleSet, ruleSetNames } from '../../src/ingest/rule-file.ts';

function load(name: string) {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r;
}

describe('shipped rule sets', () => {
  it('are the kernel and policy rule sets', () => {
    expect(ruleSetNames()).toEqual([
      'block-disable',
      'replace',
      'replace-set',
      'upstream',
      'keep-functions',
      'release-stream',
      'stack-invariants',
    ]);
  });

  it.each(ruleSetNames())('%s loads without a diagnostic', (name) => {
    const r = load(name);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.name).toBe(name);
  });

  it('load by path too', () => {
    expect(load('./rules/kernel/upstream.klp').value.name).toBe('upstream');
    expect(load('rules/policy/release-stream.klp').value.policies.length).toBe(4);
  });

  it('upstream has the four rules of the commit, in its order and words', () => {
    const rules = load('upstream').value.enable?.rules ?? [];
    expect(rules.map((r) => [r.mode, r.name, r.sentence])).toEqual([
      [
        'allow',
        'new-state-modification',
        'Any completely new system state modification is allowed.',
      ],
      [
        'rule',
        'same-or-higher-version',
        'System state modifications with the same or higher version are allowed for already modified system states.',
      ],
      [
        'rule',
        'cumulative-handles-all',
        'Cumulative livepatches must handle all system state modifications from already installed livepatches.',
      ],
      [
        'allow',
        'non-cumulative-may-touch',
        'Non-cumulative livepatches are allowed to touch already modified system states.',
      ],
    ]);
  });

  it('kernel rule sets say which patches a completing patch replaces; policies do not', () => {
    for (const name of ['upstream', 'replace', 'block-disable', 'replace-set']) {
      expect(load(name).value.complete).not.toBeNull();
    }
    expect(load('stack-invariants').value.invariants.map((r) => r.name)).toEqual([
      'no-lower-version-above',
      'block-disable-never-disabled',
      'one-replace-set-per-function',
    ]);
  });
});
