/**
 * fast-check arbitraries of rule-file ASTs, well-formed for the parser but not necessarily
 * well-typed: inputs for the print/parse round trip. Spans are dummies (equality ignores them).
 */
import fc from 'fast-check';
import type {
  Binder,
  CompareOp,
  Domain,
  Expr,
  Item,
  Name,
  Reject,
  Rule,
  RuleSetAst,
  Template,
  TemplatePart,
  Text,
} from '../../src/lang/ast.ts';
import { KEYWORDS } from '../../src/lang/lexer.ts';

const SPAN = { start: 0, end: 0 };

const word = fc
  .stringMatching(/^[a-z_][a-z0-9_]{0,6}(-[a-z0-9]{1,3}){0,2}$/)
  .filter((w) => !KEYWORDS.some((k) => k === w));

export const nameArb: fc.Arbitrary<Name> = fc
  .oneof(fc.constantFrom('new', 'old', 'p', 's', 'f', 'same-or-higher', '_x'), word)
  .map((text) => ({ text, span: SPAN }));

const textChars = fc.constantFrom('a', 'b', ' ', '{', '}', '"', '\\', '`', 'é', '(', '#', '.');

const textArb: fc.Arbitrary<Text> = fc
  .array(textChars, { maxLength: 12 })
  .map((cs) => ({ value: cs.join(''), span: SPAN }));

const compareOps: readonly CompareOp[] = ['==', '!=', '<', '<=', '>', '>='];

const { expr: exprArb } = fc.letrec<{ expr: Expr }>((tie) => {
  const sub = tie('expr');
  return {
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.boolean().map((value): Expr => ({ kind: 'bool', value, span: SPAN })),
      fc
        .tuple(
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.constantFrom<'dec' | 'hex'>('dec', 'hex'),
        )
        .map(([value, radix]): Expr => ({ kind: 'number', value, radix, span: SPAN })),
      nameArb.map((n): Expr => ({ kind: 'var', name: n.text, span: SPAN })),
      fc
        .tuple(sub, word)
        .map(
          ([object, attr]): Expr => ({ kind: 'attr', object, attr, attrSpan: SPAN, span: SPAN }),
        ),
      fc.tuple(sub, fc.constantFrom('has', 'version', 'patches'), sub).map(
        ([object, method, arg]): Expr => ({
          kind: 'call',
          object,
          method,
          methodSpan: SPAN,
          arg,
          span: SPAN,
        }),
      ),
      sub.map((operand): Expr => ({ kind: 'not', operand, span: SPAN })),
      fc
        .tuple(fc.constantFrom<'and' | 'or' | 'implies'>('and', 'or', 'implies'), sub, sub)
        .map(([kind, left, right]): Expr => ({ kind, left, right, span: SPAN })),
      fc
        .tuple(fc.constantFrom(...compareOps), sub, sub)
        .map(([op, left, right]): Expr => ({ kind: 'compare', op, left, right, span: SPAN })),
      fc
        .tuple(fc.constantFrom<'below' | 'before'>('below', 'before'), sub, sub)
        .map(([op, left, right]): Expr => ({ kind: 'order', op, left, right, span: SPAN })),
      fc.tuple(fc.constantFrom<'some' | 'all'>('some', 'all'), binderOf(sub), sub).map(
        ([quantifier, binder, body]): Expr => ({
          kind: 'quantifier',
          quantifier,
          binder,
          body,
          span: SPAN,
        }),
      ),
    ),
  };
});

function binderOf(e: fc.Arbitrary<Expr>): fc.Arbitrary<Binder> {
  const domain: fc.Arbitrary<Domain> = fc.oneof(
    fc.constant<Domain>({ kind: 'installed', span: SPAN }),
    fc.constant<Domain>({ kind: 'catalog', span: SPAN }),
    fc
      .tuple(fc.constantFrom<'states' | 'functions'>('states', 'functions'), e)
      .map(([kind, of]): Domain => ({ kind, of, span: SPAN })),
  );
  return fc.tuple(nameArb, domain).map(([name, d]) => ({ name, domain: d, span: SPAN }));
}

export { exprArb };

/** Templates in normal form: no empty text part, no two text parts in a row. */
export const templateArb: fc.Arbitrary<Template> = fc
  .array(
    fc.oneof(
      textArb
        .filter((t) => t.value !== '')
        .map((t): TemplatePart => ({ kind: 'text', value: t.value, span: SPAN })),
      exprArb.map((expr): TemplatePart => ({ kind: 'hole', expr, span: SPAN })),
    ),
    { maxLength: 4 },
  )
  .map((items) => {
    const parts: TemplatePart[] = [];
    for (const it of items) {
      const last = parts[parts.length - 1];
      if (it.kind === 'text' && last?.kind === 'text') {
        parts[parts.length - 1] = { ...last, value: last.value + it.value };
      } else {
        parts.push(it);
      }
    }
    return { parts, span: SPAN };
  });

const rejectArb: fc.Arbitrary<Reject> = fc
  .tuple(fc.constantFrom('EINVAL', 'EBUSY', 'EPERM'), fc.option(templateArb, { nil: null }))
  .map(([errno, log]) => ({ errno: { text: errno, span: SPAN }, log, span: SPAN }));

function ruleArb(modes: readonly Rule['mode'][]): fc.Arbitrary<Rule> {
  return fc
    .record({
      mode: fc.constantFrom(...modes),
      name: nameArb,
      sentence: textArb,
      binders: fc.array(binderOf(exprArb), { maxLength: 3 }),
      when: fc.option(exprArb, { nil: null }),
      require: fc.option(exprArb, { nil: null }),
      message: fc.option(templateArb, { nil: null }),
      reject: fc.option(rejectArb, { nil: null }),
    })
    .map((r) => ({ kind: 'rule', ...r, span: SPAN }));
}

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc
    .record({
      event: fc.constantFrom<'enable' | 'disable'>('enable', 'disable'),
      patch: nameArb,
      reject: fc.option(rejectArb, { nil: null }),
      rules: fc.array(ruleArb(['rule', 'allow']), { maxLength: 3 }),
    })
    .map((b): Item => ({ kind: 'on', ...b, span: SPAN })),
  fc
    .record({ incoming: nameArb, old: nameArb, when: exprArb })
    .map((c): Item => ({ kind: 'on-complete', ...c, span: SPAN })),
  ruleArb(['invariant', 'policy']),
);

export const ruleSetArb: fc.Arbitrary<RuleSetAst> = fc
  .record({
    name: nameArb,
    sentence: fc.option(textArb, { nil: null }),
    items: fc.array(itemArb, { maxLength: 4 }),
  })
  .map((r) => ({ kind: 'ruleset', ...r, span: SPAN }));
