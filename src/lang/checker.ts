/**
 * The checker: the only maker of a `CheckedRuleSet`, the one input the evaluator (src/eval)
 * and the SMT compiler accept.
 *
 * It resolves names, checks types, and checks guards like Cedar's `has`: `p.version(x)` is an
 * error unless `p.has(x)` is known to hold wherever it is evaluated (see `knownTrue`). Hence the
 * guarantee back ends rely on: evaluating a checked rule set never yields an error value, on any
 * input (test/eval/totality.test.ts checks it on random programs and systems).
 *
 * Everything it finds is a diagnostic (never thrown); it runs even on a partial AST after parse
 * errors, to report as much as possible in one run, but then never returns a rule set.
 */
import type { Errno } from '../model/op.ts';
import { assertNever, ERRNOS } from '../model/op.ts';
import type { Diagnostic, Loaded, Related } from '../source/diagnostic.ts';
import { hasErrors, sortDiagnostics } from '../source/diagnostic.ts';
import type { Source, Span } from '../source/source.ts';
import { didYouMean, suggest } from '../source/suggest.ts';
import type {
  Binder,
  Expr,
  OnBlock,
  OnComplete,
  Reject,
  Rule,
  RuleSetAst,
  Template,
} from './ast.ts';
import { type LangCode, langDiagnostic } from './codes.ts';
import { parseRuleSet } from './parser.ts';
import { printExpr } from './printer.ts';
import {
  attributesOf,
  findAttribute,
  isObjectType,
  MAX_OF,
  type ObjectType,
  type Type,
} from './types.ts';

// INVARIANT: only this module can write this key, so only `compileRuleSet` makes rule sets.
const CHECKED: unique symbol = Symbol('CheckedRuleSet');

/** A rule set that parsed and checked without errors. Build it with `compileRuleSet`. */
export interface CheckedRuleSet {
  readonly [CHECKED]: true;
  readonly name: string;
  readonly sentence: string | null;
  readonly source: Source;
  readonly ast: RuleSetAst;
  /** `on enable NEW`, or null: every patch may be enabled. */
  readonly enable: CheckedGuard | null;
  /** `on disable P`, or null: every enabled patch may be disabled. */
  readonly disable: CheckedGuard | null;
  /** `on complete NEW replaces OLD when ...`, or null: a completing patch replaces nothing. */
  readonly complete: CheckedComplete | null;
  readonly invariants: readonly CheckedRule[];
  readonly policies: readonly CheckedRule[];
  /**
   * The type of every expression node, by node identity: number literals take the type of
   * the other side of their comparison (`u32` or `u64`), which the SMT compiler needs for
   * bit widths.
   */
  readonly types: ReadonlyMap<Expr, Type>;
}

/** A checked `on enable` / `on disable` block. */
export interface CheckedGuard {
  readonly event: 'enable' | 'disable';
  /** Name of the binder for the patch being enabled or disabled. */
  readonly patch: string;
  readonly reject: CheckedReject | null;
  /** In file order: the order of violations in a verdict. */
  readonly rules: readonly CheckedRule[];
}

export interface CheckedReject {
  readonly errno: Errno;
  /** Rendered with only the block's patch in scope; null: nothing is logged. */
  readonly log: Template | null;
}

export interface CheckedRule {
  readonly mode: Rule['mode'];
  readonly name: string;
  readonly sentence: string;
  readonly binders: readonly Binder[];
  readonly when: Expr | null;
  /** Null exactly for `allow` rules. */
  readonly require: Expr | null;
  readonly message: Template | null;
  /** For a `rule` in an `on` block: its own `reject`, else the block's. Null otherwise. */
  readonly reject: CheckedReject | null;
  /**
   * Binder indices that fill a kernel `Violation`: the first binder over `installed`, and the
   * first binder over some `p.states`.
   */
  readonly witness: { readonly installed: number | null; readonly state: number | null };
  readonly span: Span;
}

export interface CheckedComplete {
  readonly incoming: string;
  readonly old: string;
  readonly when: Expr;
}

/**
 * Parses and checks a rule file. `ok` carries the warnings; `error` every diagnostic.
 *
 * @example
 * const r = compileRuleSet(new Source('rules/kernel/upstream.klp', text));
 * if (r.kind === 'error') for (const d of r.diagnostics) console.error(renderDiagnostic(d));
 */
export function compileRuleSet(source: Source): Loaded<CheckedRuleSet> {
  const parsed = parseRuleSet(source);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const ast = parsed.ast;
  if (ast === null)
    return { kind: 'error', value: null, diagnostics: sortDiagnostics(diagnostics) };
  const checker = new Checker(source);
  const value = checker.checkFile(ast);
  diagnostics.push(...checker.diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { kind: 'error', value: null, diagnostics: sorted };
  return { kind: 'ok', value, diagnostics: sorted };
}

// ---- guard facts -------------------------------------------------------------------------

/** A canonical key of an expression: equal for equal expressions, spans and radix aside. */
export function exprKey(e: Expr): string {
  switch (e.kind) {
    case 'bool':
      return String(e.value);
    case 'number':
      return `#${e.value}`;
    case 'var':
      return `$${e.name}`;
    case 'attr':
      return `(${exprKey(e.object)}).${e.attr}`;
    case 'call':
      return `(${exprKey(e.object)}).${e.method}(${exprKey(e.arg)})`;
    case 'not':
      return `not(${exprKey(e.operand)})`;
    case 'and':
    case 'or':
    case 'implies':
      return `${e.kind}(${exprKey(e.left)},${exprKey(e.right)})`;
    case 'compare':
    case 'order':
      return `${e.op}(${exprKey(e.left)},${exprKey(e.right)})`;
    case 'quantifier':
      return `${e.quantifier}(${e.binder.name.text},${e.binder.domain.kind},${'of' in e.binder.domain ? exprKey(e.binder.domain.of) : ''},${exprKey(e.body)})`;
    default:
      return assertNever(e, 'expression');
  }
}

/** The fact `p.has(x)`, as a key. */
function hasFact(p: Expr, x: Expr): string {
  return `${exprKey(p)}|${exprKey(x)}`;
}

type Facts = ReadonlySet<string>;
const NO_FACTS: Facts = new Set();

function union(a: Facts, b: Facts): Facts {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  return new Set([...a, ...b]);
}

function intersection(a: Facts, b: Facts): Facts {
  return new Set([...a].filter((f) => b.has(f)));
}

/** `has` facts that hold whenever `e` evaluates to true. */
export function knownTrue(e: Expr): Facts {
  switch (e.kind) {
    case 'call':
      return e.method === 'has' ? new Set([hasFact(e.object, e.arg)]) : NO_FACTS;
    case 'not':
      return knownFalse(e.operand);
    case 'and':
      return union(knownTrue(e.left), knownTrue(e.right));
    case 'or':
      return intersection(knownTrue(e.left), knownTrue(e.right));
    case 'implies':
      return intersection(knownFalse(e.left), knownTrue(e.right));
    default:
      return NO_FACTS;
  }
}

/** `has` facts that hold whenever `e` evaluates to false. */
export function knownFalse(e: Expr): Facts {
  switch (e.kind) {
    case 'not':
      return knownTrue(e.operand);
    case 'and':
      return intersection(knownFalse(e.left), knownFalse(e.right));
    case 'or':
      return union(knownFalse(e.left), knownFalse(e.right));
    case 'implies':
      return union(knownTrue(e.left), knownFalse(e.right));
    default:
      return NO_FACTS;
  }
}

/** The value of an expression without variables, or null. */
function constant(e: Expr): boolean | bigint | null {
  switch (e.kind) {
    case 'bool':
    case 'number':
      return e.value;
    case 'not': {
      const v = constant(e.operand);
      return typeof v === 'boolean' ? !v : null;
    }
    case 'and':
    case 'or':
    case 'implies': {
      const l = constant(e.left);
      const r = constant(e.right);
      if (typeof l !== 'boolean' || typeof r !== 'boolean') return null;
      if (e.kind === 'and') return l && r;
      if (e.kind === 'or') return l || r;
      return !l || r;
    }
    case 'compare': {
      const l = constant(e.left);
      const r = constant(e.right);
      if (l === null || r === null || typeof l !== typeof r) return null;
      const op = e.op;
      switch (op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        default:
          return assertNever(op, 'operator');
      }
    }
    default:
      return null;
  }
}

// ---- scopes ------------------------------------------------------------------------------

interface Var {
  readonly type: Type;
  readonly span: Span;
  /** Block patches start used: they are the block's interface, never reported unused. */
  used: boolean;
}

interface BlockReject {
  readonly reject: CheckedReject | null;
  readonly rejectInvalid: boolean;
}

interface Ctx {
  readonly scope: ReadonlyMap<string, Var>;
  readonly facts: Facts;
  /** `installed`, `below` and `.enabled` need a running system: false in a `policy`. */
  readonly system: boolean;
  /** Rule binders out of reach (in a `log` line), for a precise message. */
  readonly hidden: ReadonlySet<string>;
  /** Binders and quantifiers around this expression: each multiplies its evaluation cost. */
  readonly loops?: number;
}

/**
 * The most binders and quantifiers one expression may sit in. Each one iterates over a
 * collection (up to every patch of the catalog), so evaluation costs the product of their
 * sizes: 28 nested `some p in catalog:` never end. The shipped rule sets need 3.
 */
export const MAX_LOOPS = 5;

class Checker {
  readonly source: Source;
  readonly diagnostics: Diagnostic[] = [];
  readonly types = new Map<Expr, Type>();

  constructor(source: Source) {
    this.source = source;
  }

  report(
    code: LangCode,
    span: Span,
    message: string,
    help?: string,
    related?: readonly Related[],
  ): void {
    this.diagnostics.push(langDiagnostic(code, this.source, span, message, help, related));
  }

  text(span: Span): string {
    return this.source.text.slice(span.start, span.end);
  }

  // ---- file ------------------------------------------------------------------------------

  checkFile(ast: RuleSetAst): CheckedRuleSet {
    let enable: CheckedGuard | null = null;
    let disable: CheckedGuard | null = null;
    let complete: CheckedComplete | null = null;
    const invariants: CheckedRule[] = [];
    const policies: CheckedRule[] = [];
    const firstBlock = new Map<string, Span>();
    const firstRule = new Map<string, Span>();

    const block = (key: string, span: Span): void => {
      const first = firstBlock.get(key);
      if (first === undefined) {
        firstBlock.set(key, span);
        return;
      }
      this.report('KV2214', span, `duplicate \`${key}\` block`, 'merge the two blocks into one', [
        { message: `first \`${key}\` block`, source: this.source, span: first },
      ]);
    };
    const ruleName = (r: Rule): void => {
      const first = firstRule.get(r.name.text);
      if (first === undefined) {
        firstRule.set(r.name.text, r.name.span);
        return;
      }
      this.report(
        'KV2210',
        r.name.span,
        `duplicate rule name \`${r.name.text}\``,
        'rule names identify rules in reports and proofs; rename one',
        [{ message: `first \`${r.name.text}\``, source: this.source, span: first }],
      );
    };

    for (const item of ast.items) {
      switch (item.kind) {
        case 'on': {
          const head = { start: item.span.start, end: item.patch.span.end };
          block(`on ${item.event}`, head);
          for (const r of item.rules) ruleName(r);
          const g = this.checkGuard(item);
          if (item.event === 'enable') enable ??= g;
          else disable ??= g;
          break;
        }
        case 'on-complete': {
          block('on complete', { start: item.span.start, end: item.old.span.end });
          complete ??= this.checkComplete(item);
          break;
        }
        case 'rule': {
          ruleName(item);
          if (item.mode === 'rule' || item.mode === 'allow') {
            this.report(
              'KV2219',
              item.name.span,
              `\`${item.mode}\` \`${item.name.text}\` is outside an \`on\` block`,
              'put it under `on enable NEW` or `on disable P`; top-level items are `invariant` and `policy`',
            );
          }
          const system = item.mode !== 'policy';
          const r = this.checkRule(item, new Map(), system, null);
          if (item.mode === 'invariant') invariants.push(r);
          if (item.mode === 'policy') policies.push(r);
          break;
        }
        default:
          assertNever(item, 'item');
      }
    }
    return {
      [CHECKED]: true,
      name: ast.name.text,
      sentence: ast.sentence?.value ?? null,
      source: this.source,
      ast,
      enable,
      disable,
      complete,
      invariants,
      policies,
      types: this.types,
    };
  }

  checkGuard(block: OnBlock): CheckedGuard {
    const outer = new Map<string, Var>([
      [block.patch.text, { type: 'patch', span: block.patch.span, used: true }],
    ]);
    const reject = block.reject === null ? null : this.checkReject(block.reject, outer, new Set());
    // An invalid block errno is reported once, not again for every rule that relies on it.
    const rejectInvalid = block.reject !== null && reject === null;
    const rules = block.rules.map((r) => this.checkRule(r, outer, true, { reject, rejectInvalid }));
    return { event: block.event, patch: block.patch.text, reject, rules };
  }

  checkComplete(c: OnComplete): CheckedComplete {
    const scope = new Map<string, Var>([
      [c.incoming.text, { type: 'patch', span: c.incoming.span, used: true }],
    ]);
    if (c.old.text === c.incoming.text) {
      this.report(
        'KV2209',
        c.old.span,
        `\`${c.old.text}\` is bound twice`,
        'name the installed patch differently, e.g. `old`',
      );
    } else {
      scope.set(c.old.text, { type: 'patch', span: c.old.span, used: true });
    }
    this.checkBool(c.when, { scope, facts: NO_FACTS, system: true, hidden: new Set() });
    return { incoming: c.incoming.text, old: c.old.text, when: c.when };
  }

  checkReject(
    r: Reject,
    scope: ReadonlyMap<string, Var>,
    hidden: ReadonlySet<string>,
  ): CheckedReject | null {
    if (r.log !== null) this.checkTemplate(r.log, { scope, facts: NO_FACTS, system: true, hidden });
    const errno = ERRNOS.find((e) => e === r.errno.text);
    if (errno === undefined) {
      this.report(
        'KV2213',
        r.errno.span,
        `unknown errno \`${r.errno.text}\``,
        didYouMean(r.errno.text, ERRNOS) ??
          `livepatch operations fail with ${ERRNOS.map((e) => `\`${e}\``).join(', ')}`,
      );
      return null;
    }
    return { errno, log: r.log };
  }

  /**
   * `outer` holds the block's patch (empty at top level); `block` is the enclosing `on` block's
   * `reject`, null at top level.
   */
  checkRule(
    r: Rule,
    outer: ReadonlyMap<string, Var>,
    system: boolean,
    block: BlockReject | null,
  ): CheckedRule {
    const scope = new Map(outer);
    let facts: Facts = NO_FACTS;
    // INVARIANT: `own[i]` is the variable of `r.binders[i]`, null when that binder is in error.
    const own: (Var | null)[] = [];
    for (const b of r.binders) {
      const bound = this.checkBinder(b, { scope, facts, system, hidden: new Set() });
      own.push(bound?.v ?? null);
      if (bound === null) continue;
      scope.set(b.name.text, bound.v);
      facts = union(facts, bound.facts);
    }
    const ctx = (f: Facts): Ctx => ({
      scope,
      facts: f,
      system,
      hidden: new Set(),
      loops: r.binders.length,
    });

    if (r.when !== null) {
      this.checkBool(r.when, ctx(facts));
      const c = constant(r.when);
      if (typeof c === 'boolean') {
        this.report(
          'KV2302',
          r.when.span,
          `\`when\` is always ${c}`,
          c
            ? 'drop the `when` clause'
            : `\`${r.name.text}\` never applies; remove it or fix the condition`,
        );
      }
    }
    const whenFacts = r.when === null ? facts : union(facts, knownTrue(r.when));
    if (r.require !== null) {
      this.checkBool(r.require, ctx(whenFacts));
      if (r.mode === 'allow') {
        this.report(
          'KV2211',
          r.require.span,
          `\`allow\` rule \`${r.name.text}\` has a \`require\` clause`,
          'an `allow` rule never rejects; make it a `rule` to enforce the condition',
        );
      } else if (constant(r.require) === true) {
        this.report(
          'KV2303',
          r.require.span,
          `\`require\` is always true: \`${r.name.text}\` can never be violated`,
          'use an `allow` rule to document a permission',
        );
      }
    } else if (r.mode !== 'allow') {
      this.report(
        'KV2220',
        r.name.span,
        `${r.mode} \`${r.name.text}\` has no \`require\` clause`,
        'write `require false` to reject every binding where `when` holds',
      );
    }
    if (r.message !== null) {
      // A message is rendered only for a violated binding: `when` holds, `require` does not.
      const f = r.require === null ? whenFacts : union(whenFacts, knownFalse(r.require));
      this.checkTemplate(r.message, ctx(f));
    }

    // Only a `rule` in an `on` block rejects; its `log` sees the block's patch, not the binders.
    const rejects = r.mode === 'rule' && block !== null;
    let reject: CheckedReject | null = null;
    if (r.reject !== null && rejects) {
      reject = this.checkReject(r.reject, outer, new Set(r.binders.map((b) => b.name.text)));
    } else if (r.reject !== null) {
      this.report(
        'KV2212',
        r.reject.span,
        r.mode === 'allow'
          ? '`reject` on an `allow` rule'
          : `\`reject\` on ${r.mode === 'invariant' ? 'an invariant' : `a ${r.mode}`}`,
        r.mode === 'allow'
          ? 'an `allow` rule never rejects'
          : 'only rules in `on enable` and `on disable` blocks reject operations',
      );
    }
    if (rejects && r.reject === null) {
      reject = block.reject;
      if (reject === null && !block.rejectInvalid) {
        this.report(
          'KV2215',
          r.name.span,
          `rule \`${r.name.text}\` can reject but no errno is given`,
          'add `reject EINVAL log "..."` to the block or to the rule',
        );
      }
    }

    r.binders.forEach((b, i) => {
      const v = own[i];
      if (v != null && !v.used && !b.name.text.startsWith('_')) this.unused(b);
    });
    const installed = r.binders.findIndex((b) => b.domain.kind === 'installed');
    const state = r.binders.findIndex((b) => b.domain.kind === 'states');
    return {
      mode: r.mode,
      name: r.name.text,
      sentence: r.sentence.value,
      binders: r.binders,
      when: r.when,
      require: r.require,
      message: r.message,
      reject,
      witness: { installed: installed < 0 ? null : installed, state: state < 0 ? null : state },
      span: r.span,
    };
  }

  unused(b: Binder): void {
    this.report(
      'KV2301',
      b.name.span,
      `binder \`${b.name.text}\` is never used`,
      `remove it, or name it \`_${b.name.text}\` if it is there to multiply the bindings`,
    );
  }

  /** Checks a binder's domain and name; returns the variable and the facts it brings. */
  checkBinder(b: Binder, ctx: Ctx): { v: Var; facts: Facts } | null {
    const d = b.domain;
    let element: Type | null;
    switch (d.kind) {
      case 'installed':
        if (!ctx.system) {
          this.report(
            'KV2216',
            d.span,
            '`installed` is not available in a policy',
            'a policy is about the catalog alone; quantify over `catalog`, or make it an `invariant`',
          );
        }
        element = 'patch';
        break;
      case 'catalog':
        element = 'patch';
        break;
      case 'states':
        element = this.checkAgainst(d.of, 'patch', ctx) ? 'state' : null;
        break;
      case 'functions':
        element = this.checkAgainst(d.of, 'patch', ctx) ? 'function' : null;
        break;
      default:
        return assertNever(d, 'domain');
    }
    const name = b.name.text;
    const prior = ctx.scope.get(name);
    if (prior !== undefined) {
      this.report(
        'KV2209',
        b.name.span,
        `binder \`${name}\` shadows an outer \`${name}\``,
        'give it another name; shadowing would make guards and messages ambiguous',
        [{ message: `outer \`${name}\``, source: this.source, span: prior.span }],
      );
      return null;
    }
    if (element === null) return null;
    const v: Var = { type: element, span: b.name.span, used: false };
    // `s in p.states` makes `p.has(s.id)` true for the binder's whole scope.
    const facts: Facts =
      d.kind === 'states'
        ? new Set([
            hasFact(d.of, {
              kind: 'attr',
              object: { kind: 'var', name, span: b.name.span },
              attr: 'id',
              attrSpan: b.name.span,
              span: b.name.span,
            }),
          ])
        : NO_FACTS;
    return { v, facts };
  }

  checkTemplate(t: Template, ctx: Ctx): void {
    for (const part of t.parts) {
      if (part.kind !== 'hole') continue;
      const ty = this.checkExpr(part.expr, ctx);
      if (ty === 'state') {
        this.report(
          'KV2218',
          part.expr.span,
          `state \`${this.text(part.expr.span)}\` cannot be printed`,
          `print \`{${this.text(part.expr.span)}.id}\` or \`{${this.text(part.expr.span)}.version}\``,
        );
      }
    }
  }

  // ---- expressions -----------------------------------------------------------------------

  checkBool(e: Expr, ctx: Ctx): void {
    this.checkAgainst(e, 'bool', ctx);
  }

  /** Checks `e` where a value of type `want` is expected; true when it has that type. */
  checkAgainst(e: Expr, want: Type, ctx: Ctx): boolean {
    if (e.kind === 'number' && (want === 'u32' || want === 'u64')) return this.literal(e, want);
    const got = this.checkExpr(e, ctx);
    if (got === null) return false;
    if (got === want) return true;
    this.report(
      'KV2203',
      e.span,
      `expected \`${want}\`, found \`${got}\``,
      mismatchHelp(want, got),
    );
    return false;
  }

  /** A number literal used as `want`: checks its range and records its type. */
  literal(e: Extract<Expr, { kind: 'number' }>, want: 'u32' | 'u64'): boolean {
    this.types.set(e, want);
    if (e.value <= MAX_OF[want]) return true;
    this.report(
      'KV2205',
      e.span,
      `number \`${this.text(e.span)}\` does not fit in \`${want}\``,
      `the largest \`${want}\` is ${want === 'u32' ? '4294967295 (0xffffffff)' : '18446744073709551615 (0xffffffffffffffff)'}`,
    );
    return false;
  }

  /** The type of `e`, or null after reporting an error inside it. */
  checkExpr(e: Expr, ctx: Ctx): Type | null {
    const t = this.synth(e, ctx);
    if (t !== null) this.types.set(e, t);
    return t;
  }

  synth(e: Expr, ctx: Ctx): Type | null {
    switch (e.kind) {
      case 'bool':
        return 'bool';
      case 'number':
        // Alone (e.g. in a message), a literal is a state id.
        return this.literal(e, 'u64') ? 'u64' : null;
      case 'var': {
        const v = ctx.scope.get(e.name);
        if (v !== undefined) {
          v.used = true;
          return v.type;
        }
        if (ctx.hidden.has(e.name)) {
          this.report(
            'KV2217',
            e.span,
            `\`${e.name}\` is not available in a log line`,
            `the log line is printed once per rejection, whatever binding failed; it can use only ${[...ctx.scope.keys()].map((k) => `\`${k}\``).join(', ')}`,
          );
          return null;
        }
        const near = suggest(e.name, ctx.scope.keys());
        // A misspelt use of a binder is still a use: no second warning that it is unused.
        if (near !== undefined) {
          const v = ctx.scope.get(near);
          if (v !== undefined) v.used = true;
        }
        this.report(
          'KV2201',
          e.span,
          `unknown identifier \`${e.name}\``,
          (near === undefined ? undefined : `did you mean \`${near}\`?`) ??
            (ctx.scope.size === 0
              ? 'bind it first: `for p in catalog`'
              : `names in scope: ${[...ctx.scope.keys()].map((k) => `\`${k}\``).join(', ')}`),
        );
        return null;
      }
      case 'attr': {
        const on = this.objectType(e.object, e.attr, e.attrSpan, ctx);
        if (on === null) return null;
        const info = findAttribute(on, e.attr);
        if (info === undefined) return this.unknownAttribute(on, e.attr, e.attrSpan);
        const obj = this.text(e.object.span);
        if (info.form === 'method') {
          this.report(
            'KV2204',
            e.attrSpan,
            `\`${e.attr}\` is a method, not an attribute`,
            `call it: \`${obj}.${e.attr}(${info.param === 'function' ? 'f' : 'id'})\``,
          );
          return null;
        }
        if (info.form === 'collection') {
          this.report(
            'KV2105',
            e.span,
            `\`${obj}.${e.attr}\` is a collection, not a value`,
            `quantify over it: \`some x in ${obj}.${e.attr}: ...\``,
          );
          return null;
        }
        if (info.needsSystem && !ctx.system) {
          this.report(
            'KV2216',
            e.attrSpan,
            `\`${e.attr}\` is not available in a policy`,
            'a policy is about the catalog alone; a running system is needed for it',
          );
          return null;
        }
        return info.type;
      }
      case 'call': {
        const on = this.objectType(e.object, e.method, e.methodSpan, ctx);
        if (on === null) {
          this.checkExpr(e.arg, ctx);
          return null;
        }
        const info = findAttribute(on, e.method);
        if (info === undefined) {
          this.checkExpr(e.arg, ctx);
          return this.unknownAttribute(on, e.method, e.methodSpan);
        }
        if (info.form !== 'method' || info.param === null) {
          this.report(
            'KV2204',
            e.methodSpan,
            `\`${e.method}\` is ${info.form === 'collection' ? 'a collection' : 'an attribute'}, not a method`,
            info.form === 'collection'
              ? `quantify over it: \`some x in ${this.text(e.object.span)}.${e.method}: ...\``
              : `write \`${this.text(e.object.span)}.${e.method}\``,
          );
          return null;
        }
        const argOk = this.checkAgainst(e.arg, info.param, ctx);
        if (e.method === 'version' && argOk && !ctx.facts.has(hasFact(e.object, e.arg))) {
          const p = printExpr(e.object);
          const x = printExpr(e.arg);
          this.report(
            'KV2208',
            e.span,
            `\`${p}.version(${x})\` is not guarded by \`${p}.has(${x})\``,
            `guard it with \`${p}.has(${x}) and ...\` (in \`when\`, or left of \`and\` or \`implies\`): \`version\` of a missing state is an error`,
          );
        }
        return info.type;
      }
      case 'not':
        this.checkBool(e.operand, ctx);
        return 'bool';
      case 'and':
        this.checkBool(e.left, ctx);
        this.checkBool(e.right, { ...ctx, facts: union(ctx.facts, knownTrue(e.left)) });
        return 'bool';
      case 'or':
        this.checkBool(e.left, ctx);
        this.checkBool(e.right, { ...ctx, facts: union(ctx.facts, knownFalse(e.left)) });
        return 'bool';
      case 'implies':
        this.checkBool(e.left, ctx);
        this.checkBool(e.right, { ...ctx, facts: union(ctx.facts, knownTrue(e.left)) });
        return 'bool';
      case 'compare':
        this.checkCompare(e, ctx);
        return 'bool';
      case 'order':
        if (e.op === 'below' && !ctx.system) {
          this.report(
            'KV2216',
            e.span,
            '`below` is not available in a policy',
            '`below` is the order of `klp_patches`; in a catalog, use `before`',
          );
        }
        this.checkAgainst(e.left, 'patch', ctx);
        this.checkAgainst(e.right, 'patch', ctx);
        return 'bool';
      case 'quantifier': {
        const loops = (ctx.loops ?? 0) + 1;
        if (loops === MAX_LOOPS + 1) {
          this.report(
            'KV2306',
            e.span,
            `quantifier nested in ${MAX_LOOPS} others: its cost grows as the product of their collections`,
            `at most ${MAX_LOOPS} binders and quantifiers may enclose each other; split the rule, or move a condition into a \`for\` binder of its own rule`,
          );
        }
        const bound = this.checkBinder(e.binder, { ...ctx, loops });
        if (bound === null) {
          this.checkExpr(e.body, { ...ctx, loops });
          return 'bool';
        }
        const scope = new Map(ctx.scope);
        scope.set(e.binder.name.text, bound.v);
        this.checkBool(e.body, { ...ctx, scope, facts: union(ctx.facts, bound.facts), loops });
        if (!bound.v.used && !e.binder.name.text.startsWith('_')) this.unused(e.binder);
        return 'bool';
      }
      default:
        return assertNever(e, 'expression');
    }
  }

  /** The object type of `object` in `object.name`, or null after reporting. */
  objectType(object: Expr, name: string, nameSpan: Span, ctx: Ctx): ObjectType | null {
    const t = this.checkExpr(object, ctx);
    if (t === null) return null;
    if (isObjectType(t)) return t;
    this.report(
      'KV2202',
      nameSpan,
      `\`${t}\` has no attribute \`${name}\``,
      'only patches, states and functions have attributes',
    );
    return null;
  }

  unknownAttribute(on: ObjectType, name: string, span: Span): null {
    const names = attributesOf(on).map((a) => a.name);
    this.report(
      'KV2202',
      span,
      `unknown attribute \`${name}\` of a ${on}`,
      didYouMean(name, names) ?? `a ${on} has ${names.map((n) => `\`${n}\``).join(', ')}`,
    );
    return null;
  }

  checkCompare(e: Extract<Expr, { kind: 'compare' }>, ctx: Ctx): void {
    const { left, right } = e;
    let lt: Type | null;
    let rt: Type | null;
    // A literal takes the type of the other side; two literals are state ids.
    if (left.kind === 'number' && right.kind === 'number') {
      lt = this.literal(left, 'u64') ? 'u64' : null;
      rt = this.literal(right, 'u64') ? 'u64' : null;
    } else if (left.kind === 'number') {
      rt = this.checkExpr(right, ctx);
      lt =
        rt === 'u32' || rt === 'u64'
          ? this.literal(left, rt)
            ? rt
            : null
          : this.checkExpr(left, ctx);
    } else if (right.kind === 'number') {
      lt = this.checkExpr(left, ctx);
      rt =
        lt === 'u32' || lt === 'u64'
          ? this.literal(right, lt)
            ? lt
            : null
          : this.checkExpr(right, ctx);
    } else {
      lt = this.checkExpr(left, ctx);
      rt = this.checkExpr(right, ctx);
    }
    if (lt === null || rt === null) return;
    if (lt !== rt) {
      const numbers = (lt === 'u32' || lt === 'u64') && (rt === 'u32' || rt === 'u64');
      this.report(
        numbers ? 'KV2206' : 'KV2203',
        e.span,
        `cannot compare \`${lt}\` with \`${rt}\``,
        numbers ? U64_U32_HELP : undefined,
      );
      return;
    }
    const ordering = e.op !== '==' && e.op !== '!=';
    if (ordering && lt !== 'u32' && lt !== 'u64') {
      this.report(
        'KV2207',
        e.span,
        `\`${e.op}\` is not defined on \`${lt}\``,
        lt === 'patch'
          ? 'only numbers are ordered; order patches with `below` (klp_patches) or `before` (catalog)'
          : 'only numbers are ordered',
      );
    } else if (!ordering && lt === 'state') {
      this.report(
        'KV2207',
        e.span,
        `\`${e.op}\` is not defined on \`state\``,
        'compare `s.id` (the same state) or `s.version`',
      );
    }
  }
}

function mismatchHelp(want: Type, got: Type): string | undefined {
  if (want === 'u64' && got === 'function') {
    return '`has` and `version` take a state id; to ask whether a patch patches `f`, write `p.patches(f)`';
  }
  if (want === 'u64' && got === 'state') return "pass the state's id: `s.id`";
  if (want === 'bool' && got === 'patch') return 'ask an attribute such as `p.replace`';
  if (want === 'bool' && (got === 'u32' || got === 'u64'))
    return 'compare it, e.g. `p.replace_set == 1`';
  if ((want === 'u64' && got === 'u32') || (want === 'u32' && got === 'u64')) return U64_U32_HELP;
  return undefined;
}

const U64_U32_HELP = 'state ids are `u64`; versions, replace sets and sympos are `u32`';
