/**
 * The abstract syntax of rule files (`rules/**.klp`), as the parser builds it.
 *
 * The AST is what the user wrote, with a span on every node; it may still be ill-typed. The
 * checker (checker.ts) turns it into a `CheckedRuleSet`, the only input the back ends accept.
 * The concrete evaluator (src/eval/eval.ts) and the SMT compiler handle the expression kinds
 * below in exactly this order: `bool`, `number`, `var`, `attr`, `call`, `not`, `and`, `or`,
 * `implies`, `compare`, `order`, `quantifier`; and the domains `installed`, `catalog`,
 * `states`, `functions`.
 *
 * Equality of ASTs ignores spans (test/lang/printer.test.ts compares with spans stripped).
 */
import type { Span } from '../source/source.ts';

/** A name as written (rule set, rule, binder, errno), with its span. */
export interface Name {
  readonly text: string;
  readonly span: Span;
}

/** A plain string literal (a sentence), escapes decoded. Braces are literal here. */
export interface Text {
  readonly value: string;
  readonly span: Span;
}

/** A whole rule file. */
export interface RuleSetAst {
  readonly kind: 'ruleset';
  readonly name: Name;
  /** What the rule set describes, e.g. which kernels follow it. */
  readonly sentence: Text | null;
  readonly items: readonly Item[];
  readonly span: Span;
}

/** A top-level item. `rule`/`allow` at top level parse, but the checker rejects them. */
export type Item = OnBlock | OnComplete | Rule;

/**
 * `on enable NEW` / `on disable P`: a guard on an operation. The operation is admitted iff no
 * `rule` of the block is violated; `reject` gives the errno and kernel log line otherwise.
 */
export interface OnBlock {
  readonly kind: 'on';
  readonly event: 'enable' | 'disable';
  /** The binder for the patch being enabled or disabled. */
  readonly patch: Name;
  readonly reject: Reject | null;
  readonly rules: readonly Rule[];
  readonly span: Span;
}

/** `on complete NEW replaces OLD when COND`: which installed patches a completing patch replaces. */
export interface OnComplete {
  readonly kind: 'on-complete';
  readonly incoming: Name;
  readonly old: Name;
  readonly when: Expr;
  readonly span: Span;
}

/**
 * A named rule. `mode` says what it is:
 * - `rule`: violated at each binding where `when` holds and `require` is false;
 * - `allow`: a documented permission, never rejects (no `require`);
 * - `invariant`: a property of every installed stack (audits, proofs);
 * - `policy`: a property of a catalog (release streams).
 */
export interface Rule {
  readonly kind: 'rule';
  readonly mode: 'rule' | 'allow' | 'invariant' | 'policy';
  readonly name: Name;
  readonly sentence: Text;
  /** `for x in D, y in E`: nested loops, first binder outermost. */
  readonly binders: readonly Binder[];
  readonly when: Expr | null;
  readonly require: Expr | null;
  readonly message: Template | null;
  /** Overrides the block's `reject` for violations of this rule. */
  readonly reject: Reject | null;
  readonly span: Span;
}

/** `reject ERRNO log "..."`: how the kernel fails the operation. */
export interface Reject {
  readonly errno: Name;
  readonly log: Template | null;
  readonly span: Span;
}

/** `x in D`, in a `for` clause or a quantifier. */
export interface Binder {
  readonly name: Name;
  readonly domain: Domain;
  readonly span: Span;
}

/** What a binder ranges over, always in a fixed order. */
export type Domain =
  /** `installed`: `klp_patches`, bottom to top. */
  | { readonly kind: 'installed'; readonly span: Span }
  /** `catalog`: the catalog, in file order (oldest release first). */
  | { readonly kind: 'catalog'; readonly span: Span }
  /** `p.states`: every `struct klp_state` entry of `p`, in declaration order, as `klp_for_each_state` walks them. */
  | { readonly kind: 'states'; readonly of: Expr; readonly span: Span }
  /** `p.functions`: the functions `p` patches, in declaration order. */
  | { readonly kind: 'functions'; readonly of: Expr; readonly span: Span };

/** A string with `{expr}` holes (messages and log lines). */
export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly span: Span;
}

export type TemplatePart =
  | { readonly kind: 'text'; readonly value: string; readonly span: Span }
  | { readonly kind: 'hole'; readonly expr: Expr; readonly span: Span };

/** Comparison operators: equality on every type but `state`, ordering on numbers. */
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Order relations: `below` on `klp_patches`, `before` in the catalog. */
export type OrderOp = 'below' | 'before';

/** An expression. The evaluator's and the SMT compiler's cases follow this order. */
export type Expr =
  /** `true` / `false`. */
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  /** A number literal; its type (`u32` or `u64`) comes from the other side of a comparison. */
  | {
      readonly kind: 'number';
      readonly value: bigint;
      readonly radix: 'dec' | 'hex';
      readonly span: Span;
    }
  /** A binder or a block's patch. */
  | { readonly kind: 'var'; readonly name: string; readonly span: Span }
  /** `e.name`: an attribute of a patch, state or function (see types.ts `ATTRIBUTES`). */
  | {
      readonly kind: 'attr';
      readonly object: Expr;
      readonly attr: string;
      readonly attrSpan: Span;
      readonly span: Span;
    }
  /** `p.has(id)`, `p.version(id)`, `p.patches(f)`. */
  | {
      readonly kind: 'call';
      readonly object: Expr;
      readonly method: string;
      readonly methodSpan: Span;
      readonly arg: Expr;
      readonly span: Span;
    }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  /** Short-circuit, left to right. */
  | { readonly kind: 'and'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  /** Short-circuit, left to right. */
  | { readonly kind: 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  /** Lowest precedence, right associative; the right side is evaluated only if the left holds. */
  | { readonly kind: 'implies'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'order';
      readonly op: OrderOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  /** `some x in D: e` / `all x in D: e`; the body extends as far right as possible. */
  | {
      readonly kind: 'quantifier';
      readonly quantifier: 'some' | 'all';
      readonly binder: Binder;
      readonly body: Expr;
      readonly span: Span;
    };

export type ExprKind = Expr['kind'];
