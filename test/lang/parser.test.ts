/**
 * The parser: precedence, literals, templates, clause order, spans, recovery.
 */
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/lang/ast.ts';
import { parseExpression, parseRuleSet } from '../../src/lang/parser.ts';
import { Source } from '../../src/source/source.ts';
import { expr, sexp, stripSpans } from './helpers.ts';

function file(text: string) {
  const r = parseRuleSet(new Source('t.klp', text));
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  if (r.ast === null) throw new Error('no AST');
  return r.ast;
}

function onlyRule(text: string): Rule {
  const item = file(text).items[0];
  if (item?.kind !== 'on') throw new Error('expected an on block');
  const r = item.rules[0];
  if (r === undefined) throw new Error('expected a rule');
  return r;
}

describe('expression precedence', () => {
  it.each([
    ['a implies b implies c', '(implies a (implies b c))'],
    ['a or b implies c', '(implies (or a b) c)'],
    ['a or b and c', '(or a (and b c))'],
    ['a and b or c', '(or (and a b) c)'],
    ['a and b and c', '(and (and a b) c)'],
    ['not a and b', '(and (not a) b)'],
    ['not a == b', '(not (== a b))'],
    ['not not a', '(not (not a))'],
    ['(a or b) and c', '(and (or a b) c)'],
    ['p below q and q before r', '(and (below p q) (before q r))'],
    ['new.version(s.id) >= s.version', '(>= new.version(s.id) s.version)'],
    ['some x in installed: a and b', '(some x installed (and a b))'],
    ['a and some x in catalog: b or c', '(and a (some x catalog (or b c)))'],
    ['(some x in p.states: x.block_disable) or c', '(or (some x p.states x.block_disable) c)'],
    ['all f in old.functions: not new.patches(f)', '(all f old.functions (not new.patches(f)))'],
  ])('%s', (text, want) => {
    expect(sexp(expr(text))).toBe(want);
  });

  it('rejects chained comparisons', () => {
    const r = parseExpression(new Source('<e>', 'a == b == c'));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['KV2106']);
  });
});

describe('literals and names', () => {
  it('reads decimal and hex numbers exactly, up to 64 bits', () => {
    const e = expr('0x8173f7e2ce67e6ca == 18446744073709551615');
    expect(e.kind === 'compare' && e.left.kind === 'number' && e.left.value).toBe(
      0x8173f7e2ce67e6can,
    );
    expect(e.kind === 'compare' && e.left.kind === 'number' && e.left.radix).toBe('hex');
    expect(e.kind === 'compare' && e.right.kind === 'number' && e.right.value).toBe(
      (1n << 64n) - 1n,
    );
  });

  it('reads a hyphenated word as one name, and a lone hyphen as an error', () => {
    expect(sexp(expr('same-or-higher == x'))).toBe('(== same-or-higher x)');
    const r = parseExpression(new Source('<e>', 'a - b'));
    expect(r.diagnostics[0]?.code).toBe('KV2011');
  });

  it('skips comments', () => {
    expect(sexp(expr('a # the rest is a comment\n and b'))).toBe('(and a b)');
  });
});

describe('spans', () => {
  it('cover exactly the text of each node', () => {
    const text = 'new.has(s.id) and new.version(s.id) >= s.version';
    const e = expr(text);
    if (e.kind !== 'and' || e.right.kind !== 'compare') throw new Error('shape');
    const slice = (s: { start: number; end: number }) => text.slice(s.start, s.end);
    expect(slice(e.span)).toBe(text);
    expect(slice(e.left.span)).toBe('new.has(s.id)');
    expect(slice(e.right.left.span)).toBe('new.version(s.id)');
    if (e.right.left.kind !== 'call') throw new Error('shape');
    expect(slice(e.right.left.methodSpan)).toBe('version');
  });

  it('include parentheses', () => {
    const text = 'not (a or b)';
    const e = expr(text);
    expect(text.slice(e.span.start, e.span.end)).toBe(text);
  });
});

describe('rules', () => {
  it('accept clauses in any order', () => {
    const canonical = onlyRule(`ruleset r
on enable new
  reject EINVAL
  rule a "A"
    for old in installed, s in old.states
    when new.has(s.id)
    require new.version(s.id) >= s.version
    message "{s.id}"
`);
    const shuffled = onlyRule(`ruleset r
on enable new
  reject EINVAL
  rule a "A" message "{s.id}" require new.version(s.id) >= s.version
    when new.has(s.id) for old in installed, s in old.states
`);
    expect(stripSpans(shuffled)).toEqual(stripSpans(canonical));
  });

  it('split templates into text and holes, with doubled braces and escapes', () => {
    const r = onlyRule(`ruleset r
on enable new
  reject EINVAL
  rule a "A \\"quoted\\" {literal}"
    require false
    message "{{x}} \\\\ {new} said \\"hi\\"{new.name}"
`);
    expect(r.sentence.value).toBe('A "quoted" {literal}');
    expect(stripSpans(r.message?.parts)).toEqual([
      { kind: 'text', value: '{x} \\ ' },
      { kind: 'hole', expr: { kind: 'var', name: 'new' } },
      { kind: 'text', value: ' said "hi"' },
      {
        kind: 'hole',
        expr: { kind: 'attr', object: { kind: 'var', name: 'new' }, attr: 'name' },
      },
    ]);
  });

  it('parse every item kind', () => {
    const ast = file(`ruleset r "R"
on enable new
  reject EINVAL log "x"
  allow a "A"
on disable p
  rule b "B"
    require false
    reject EBUSY
on complete new replaces old
  when new.replace
invariant c "C"
  require true
policy d "D"
  require true
`);
    expect(ast.items.map((i) => (i.kind === 'rule' ? i.mode : i.kind))).toEqual([
      'on',
      'on',
      'on-complete',
      'invariant',
      'policy',
    ]);
  });
});

describe('recovery', () => {
  it('reports an error in each broken rule and keeps the good ones', () => {
    const r = parseRuleSet(
      new Source(
        't.klp',
        `ruleset r
on enable new
  reject EINVAL
  rule broken-1 "A"
    require (new.replace
  rule good "B"
    require new.replace
  rule broken-2 "C"
    for x installed
    require true
invariant broken-3 "D"
  require 1 <
policy good-too "E"
  require true
`,
      ),
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(['KV2101', 'KV2101', 'KV2101']);
    const names = r.ast?.items.flatMap((i) =>
      i.kind === 'on' ? i.rules.map((x) => x.name.text) : i.kind === 'rule' ? [i.name.text] : [],
    );
    expect(names).toEqual(['good', 'good-too']);
  });
});
