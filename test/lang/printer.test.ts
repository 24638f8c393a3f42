/**
 * The pretty-printer: parse(print(ast)) equals ast (spans aside) on random ASTs, and the
 * shipped rule files are printed back to themselves up to comments and layout.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, ruleSetNames } from '../../src/ingest/rule-file.ts';
import { parseExpression, parseRuleSet } from '../../src/lang/parser.ts';
import { printExpr, printRuleSet } from '../../src/lang/printer.ts';
import { Source } from '../../src/source/source.ts';
import { exprArb, ruleSetArb } from './arbitraries.ts';
import { stripSpans } from './helpers.ts';

describe('print then parse', () => {
  it('gives back every expression', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(exprArb, (e) => {
        kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
        const text = printExpr(e);
        const r = parseExpression(new Source('<printed>', text));
        expect(r.diagnostics.map((d) => `${d.message} in ${text}`)).toEqual([]);
        expect(stripSpans(r.ast)).toEqual(stripSpans(e));
      }),
      { numRuns: 2000 },
    );
    // Every kind of expression was at the top at least once.
    expect([...kinds.keys()].sort()).toEqual(
      [
        'and',
        'attr',
        'bool',
        'call',
        'compare',
        'implies',
        'not',
        'number',
        'or',
        'order',
        'quantifier',
        'var',
      ].sort(),
    );
  });

  it('gives back every rule file', () => {
    let items = 0;
    fc.assert(
      fc.property(ruleSetArb, (ast) => {
        items += ast.items.length;
        const text = printRuleSet(ast);
        const r = parseRuleSet(new Source('<printed>', text));
        expect(r.diagnostics.map((d) => `${d.message} in\n${text}`)).toEqual([]);
        expect(stripSpans(r.ast)).toEqual(stripSpans(ast));
      }),
      { numRuns: 500 },
    );
    expect(items).toBeGreaterThan(500);
  });

  it('is a fixed point on the shipped rule sets', () => {
    for (const name of ruleSetNames()) {
      const loaded = loadRuleSet(name);
      if (loaded.kind !== 'ok') throw new Error(`${name} does not load`);
      const once = printRuleSet(loaded.value.ast);
      const again = parseRuleSet(new Source('<printed>', once));
      expect(again.diagnostics).toEqual([]);
      expect(stripSpans(again.ast)).toEqual(stripSpans(loaded.value.ast));
      if (again.ast === null) throw new Error('no AST');
      expect(printRuleSet(again.ast)).toBe(once);
    }
  });
});

describe('parentheses', () => {
  it.each([
    ['(a and b) or c', 'a and b or c'],
    ['a and (b or c)', 'a and (b or c)'],
    ['(a implies b) implies c', '(a implies b) implies c'],
    ['a implies (b implies c)', 'a implies b implies c'],
    ['not (a == b)', 'not a == b'],
    ['(not a) == b', '(not a) == b'],
    ['(some x in installed: x.replace) and y', '(some x in installed: x.replace) and y'],
    ['0x8173F7E2CE67E6CA == s.id', '0x8173f7e2ce67e6ca == s.id'],
  ])('%s prints as %s', (text, want) => {
    const r = parseExpression(new Source('<e>', text));
    if (r.ast === null) throw new Error('parse failed');
    expect(printExpr(r.ast)).toBe(want);
  });
});
