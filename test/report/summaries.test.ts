/**
 * The one-line verdicts the report layer words from the engines' data (the engines return no
 * English verdict of their own): the cases that need no solver, on real results.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { diffRules } from '../../src/query/diff-rules.ts';
import { upgrade } from '../../src/query/upgrade.ts';
import { diffRulesJson, diffRulesSummary, diffRulesText } from '../../src/report/diff-rules.ts';
import { upgradeJson, upgradeSummary, upgradeText } from '../../src/report/upgrade.ts';
import { checkedRuleSet } from '../support/rules.ts';

const upstream = checkedRuleSet('upstream');
const replaceSet = checkedRuleSet('replace-set');

describe('verdict lines worded by src/report', () => {
  it('diff-rules on an empty catalog: agree, and why', async () => {
    const r = await diffRules({ catalog: catalog([]), left: upstream, right: replaceSet });
    const line = 'agree: the catalog has no patches, so there is no operation to tell them apart';
    expect(diffRulesSummary(r)).toBe(line);
    expect(diffRulesJson(r).summary).toBe(line);
    expect(diffRulesText(r).split('\n')[0]).toBe(
      'agree: rule sets upstream and replace-set admit and reject the same operations on this catalog',
    );
  });

  it('diff-rules whose initial stack does not load: the error', async () => {
    const r = await diffRules({
      catalog: catalog([patch('a')]),
      left: upstream,
      right: replaceSet,
      initial: ['ghost'],
    });
    expect(r.verdict).toBe('error');
    expect(diffRulesSummary(r)).toBe(
      'error: initial patch `ghost` is not in the catalog under rule set `upstream`',
    );
    expect(diffRulesText(r)).toBe(diffRulesSummary(r));
  });

  it('upgrade to a patch that is not in the catalog: the error', async () => {
    const r = await upgrade({
      catalog: catalog([patch('a')]),
      ruleSet: upstream,
      from: [],
      to: ['b'],
    });
    const line = 'error: --to patch `b` is not in the catalog';
    expect(upgradeSummary(r)).toBe(line);
    expect(upgradeJson(r).summary).toBe(line);
    expect(upgradeText(r)).toBe(line);
  });
});
