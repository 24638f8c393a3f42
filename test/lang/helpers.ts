/**
 * Helpers for rule-language tests: ASTs without spans, compact S-expressions, one-line parses.
 */
import type { Expr } from '../../src/lang/ast.ts';
import { parseExpression } from '../../src/lang/parser.ts';
import { assertNever } from '../../src/model/op.ts';
import { Source } from '../../src/source/source.ts';

const SPAN_KEYS = new Set(['span', 'attrSpan', 'methodSpan']);

/** A deep copy without spans: AST equality ignores them. */
export function stripSpans(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripSpans);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k]) => !SPAN_KEYS.has(k))
        .map(([k, v]) => [k, stripSpans(v)]),
    );
  }
  return x;
}

/** An S-expression of an expression: `(and a (not b))`, for compact precedence tests. */
export function sexp(e: Expr): string {
  switch (e.kind) {
    case 'bool':
      return String(e.value);
    case 'number':
      return e.radix === 'hex' ? `0x${e.value.toString(16)}` : String(e.value);
    case 'var':
      return e.name;
    case 'attr':
      return `${sexp(e.object)}.${e.attr}`;
    case 'call':
      return `${sexp(e.object)}.${e.method}(${sexp(e.arg)})`;
    case 'not':
      return `(not ${sexp(e.operand)})`;
    case 'and':
    case 'or':
    case 'implies':
      return `(${e.kind} ${sexp(e.left)} ${sexp(e.right)})`;
    case 'compare':
    case 'order':
      return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case 'quantifier': {
      const d = e.binder.domain;
      const dom =
        d.kind === 'states' || d.kind === 'functions' ? `${sexp(d.of)}.${d.kind}` : d.kind;
      return `(${e.quantifier} ${e.binder.name.text} ${dom} ${sexp(e.body)})`;
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** Parses one expression; fails the test on any diagnostic. */
export function expr(text: string): Expr {
  const r = parseExpression(new Source('<expr>', text));
  if (r.diagnostics.length > 0 || r.ast === null) {
    throw new Error(`parse failed: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  }
  return r.ast;
}
