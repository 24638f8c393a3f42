/**
 * Explanations for `check`: for each rule of a block and each binding, whether it is violated,
 * satisfied, allowed (and by which `allow` rule) or not applicable.
 */
import { describe, expect, it } from 'vitest';
import { explainDisable, explainEnable } from '../../src/eval/kernel-rules.ts';
import { formatBinding } from '../../src/eval/rules.ts';
import { patch } from '../../src/model/patch.ts';
import { cat, get, ruleSet, system } from './helpers.ts';

const upstream = ruleSet('upstream');

function table(ex: ReturnType<typeof explainEnable>): string[] {
  return ex.flatMap((r) =>
    r.outcomes.map((o) => {
      const msg =
        o.outcome.kind === 'violated' || o.outcome.kind === 'allowed'
          ? ` ${o.outcome.message}`
          : '';
      return `${r.rule} [${formatBinding(o.binding)}] ${o.outcome.kind}${msg}`;
    }),
  );
}

describe('explainEnable', () => {
  const c = cat(
    patch('old', {
      states: [
        { id: 1, version: 2 },
        { id: 2, version: 1 },
      ],
    }),
    patch('new', {
      states: [
        { id: 1, version: 1 },
        { id: 3, version: 1 },
      ],
    }),
  );

  it('lists every rule and binding, with the permission that admits it', () => {
    expect(table(explainEnable(upstream, system(['old']), c, get(c, 'new')))).toEqual([
      'new-state-modification [s = state 1] not-applicable',
      'new-state-modification [s = state 3] allowed state 3 of `new` is new to the system',
      'same-or-higher-version [old = `old`, s = state 1] violated patch `new` declares state 1 at version 1, lower than version 2 installed by `old`',
      'same-or-higher-version [old = `old`, s = state 2] not-applicable',
      'cumulative-handles-all [old = `old`, s = state 1] not-applicable',
      'cumulative-handles-all [old = `old`, s = state 2] not-applicable',
      'non-cumulative-may-touch [old = `old`, s = state 1] allowed `new` is not cumulative: it may leave state 1 of `old` alone or take it over',
      'non-cumulative-may-touch [old = `old`, s = state 2] allowed `new` is not cumulative: it may leave state 2 of `old` alone or take it over',
    ]);
  });

  it('says when a rule holds', () => {
    const c2 = cat(
      patch('old', { states: [{ id: 1, version: 1 }] }),
      patch('cum', { replace: true, states: [{ id: 1, version: 1 }] }),
    );
    expect(
      table(explainEnable(upstream, system(['old']), c2, get(c2, 'cum'))).filter((l) =>
        l.includes('satisfied'),
      ),
    ).toEqual([
      'same-or-higher-version [old = `old`, s = state 1] satisfied',
      'cumulative-handles-all [old = `old`, s = state 1] satisfied',
    ]);
  });

  it('has nothing to say for an absent block', () => {
    expect(explainDisable(upstream, system(['old']), c, get(c, 'old'))).toEqual([]);
  });
});
