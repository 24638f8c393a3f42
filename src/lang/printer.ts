/**
 * Pretty-printer: AST back to rule-file text, in the canonical layout of the files under
 * `rules/`.
 *
 * Guarantee (test/lang/printer.test.ts, a property test): parsing the printed text gives the
 * same AST, spans aside. Parentheses appear only where precedence needs them; a quantifier
 * inside an operator is always parenthesized because its body extends as far right as possible.
 */
import { assertNever } from '../model/op.ts';
import type { Binder, Domain, Expr, Item, Reject, Rule, RuleSetAst, Template } from './ast.ts';

/**
 * @example
 * printRuleSet(parseRuleSet(source).ast!) // 'ruleset upstream\n  "..."\n\non enable new\n...'
 */
export function printRuleSet(ast: RuleSetAst): string {
  const head =
    ast.sentence === null
      ? `ruleset ${ast.name.text}\n`
      : `ruleset ${ast.name.text}\n  ${printText(ast.sentence.value)}\n`;
  return [head, ...ast.items.map(printItem)].join('\n');
}

function printItem(item: Item): string {
  switch (item.kind) {
    case 'on': {
      const lines = [`on ${item.event} ${item.patch.text}`];
      if (item.reject !== null) lines.push(`  ${printReject(item.reject)}`);
      const rules = item.rules.map((r) => printRule(r, '  '));
      return [lines.join('\n'), ...rules].join('\n\n').concat('\n');
    }
    case 'on-complete':
      return `on complete ${item.incoming.text} replaces ${item.old.text}\n  when ${printExpr(item.when)}\n`;
    case 'rule':
      return `${printRule(item, '')}\n`;
    default:
      return assertNever(item, 'item');
  }
}

function printRule(r: Rule, indent: string): string {
  const inner = `${indent}  `;
  const lines = [`${indent}${r.mode} ${r.name.text}`, `${inner}${printText(r.sentence.value)}`];
  if (r.binders.length > 0) lines.push(`${inner}for ${r.binders.map(printBinder).join(', ')}`);
  if (r.when !== null) lines.push(`${inner}when ${printExpr(r.when)}`);
  if (r.require !== null) lines.push(`${inner}require ${printExpr(r.require)}`);
  if (r.message !== null) lines.push(`${inner}message ${printTemplate(r.message)}`);
  if (r.reject !== null) lines.push(`${inner}${printReject(r.reject)}`);
  return lines.join('\n');
}

function printReject(r: Reject): string {
  return r.log === null
    ? `reject ${r.errno.text}`
    : `reject ${r.errno.text} log ${printTemplate(r.log)}`;
}

export function printBinder(b: Binder): string {
  return `${b.name.text} in ${printDomain(b.domain)}`;
}

export function printDomain(d: Domain): string {
  switch (d.kind) {
    case 'installed':
    case 'catalog':
      return d.kind;
    case 'states':
    case 'functions':
      return `${wrap(d.of, POSTFIX)}.${d.kind}`;
    default:
      return assertNever(d, 'domain');
  }
}

/** A sentence: only `"` and `\` need escapes. */
export function printText(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A message or log line: braces in text are doubled, holes printed as `{expr}`. */
export function printTemplate(t: Template): string {
  const body = t.parts
    .map((p) =>
      p.kind === 'text'
        ? p.value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[{}]/g, (c) => c + c)
        : `{${printExpr(p.expr)}}`,
    )
    .join('');
  return `"${body}"`;
}

// Binding strength, loosest first. Operands below their slot's strength get parentheses.
const QUANTIFIER = 0;
const IMPLIES = 1;
const OR = 2;
const AND = 3;
const NOT = 4;
const COMPARE = 5;
const POSTFIX = 6;

function strength(e: Expr): number {
  switch (e.kind) {
    case 'bool':
    case 'number':
    case 'var':
    case 'attr':
    case 'call':
      return POSTFIX;
    case 'not':
      return NOT;
    case 'and':
      return AND;
    case 'or':
      return OR;
    case 'implies':
      return IMPLIES;
    case 'compare':
    case 'order':
      return COMPARE;
    case 'quantifier':
      return QUANTIFIER;
    default:
      return assertNever(e, 'expression');
  }
}

function wrap(e: Expr, min: number): string {
  const s = printExpr(e);
  return strength(e) < min ? `(${s})` : s;
}

/**
 * @example
 * printExpr(parseExpression(new Source('<e>', '(a and b) or c')).ast!) // 'a and b or c'
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'number':
      return e.radix === 'hex' ? `0x${e.value.toString(16)}` : e.value.toString(10);
    case 'var':
      return e.name;
    case 'attr':
      return `${wrap(e.object, POSTFIX)}.${e.attr}`;
    case 'call':
      return `${wrap(e.object, POSTFIX)}.${e.method}(${printExpr(e.arg)})`;
    case 'not':
      return `not ${wrap(e.operand, NOT)}`;
    case 'and':
      return `${wrap(e.left, AND)} and ${wrap(e.right, NOT)}`;
    case 'or':
      return `${wrap(e.left, OR)} or ${wrap(e.right, AND)}`;
    case 'implies':
      return `${wrap(e.left, OR)} implies ${wrap(e.right, IMPLIES)}`;
    case 'compare':
    case 'order':
      return `${wrap(e.left, POSTFIX)} ${e.op} ${wrap(e.right, POSTFIX)}`;
    case 'quantifier':
      return `${e.quantifier} ${printBinder(e.binder)}: ${printExpr(e.body)}`;
    default:
      return assertNever(e, 'expression');
  }
}
