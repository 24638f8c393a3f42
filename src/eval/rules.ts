/**
 * Evaluation of whole rules: the bindings of their `for` binders and the outcome at each.
 *
 * Semantics (docs/rules.md): bindings are enumerated as nested loops, the first binder
 * outermost, each domain in its order. At each binding, `when` is evaluated; if it holds, a
 * `rule`, `invariant` or `policy` evaluates `require` and is violated when it is false; an
 * `allow` rule admits the binding. A message is rendered only for a violated (or allowed)
 * binding, which is where the checker proved its `version` calls defined.
 */
import type { Domain, Expr } from '../lang/ast.ts';
import type { CheckedRule } from '../lang/checker.ts';
import { assertNever } from '../model/op.ts';
import { tick } from '../source/deadline.ts';
import { bind, type Env, evalBool, evalDomain, renderTemplate } from './eval.ts';
import { type EvalResult, formatValue, ok, type Value } from './value.ts';

/** The values of a rule's binders at one binding, in binder order. */
export type Binding = readonly { readonly name: string; readonly value: Value }[];

export type RuleOutcome =
  /** `when` is false here: the rule says nothing about this binding. */
  | { readonly kind: 'not-applicable' }
  | { readonly kind: 'satisfied' }
  | { readonly kind: 'violated'; readonly message: string }
  /** An `allow` rule admits this binding; `message` is its rendered message, if it has one. */
  | { readonly kind: 'allowed'; readonly message: string | null };

export interface BindingOutcome {
  readonly binding: Binding;
  readonly outcome: RuleOutcome;
}

/** Every binding of `binders` in order, each with the env it extends. */
function bindings(
  rule: CheckedRule,
  env: Env,
): EvalResult<readonly { binding: Binding; env: Env }[]> {
  let acc: { binding: Binding; env: Env }[] = [{ binding: [], env }];
  for (const b of rule.binders) {
    const next: { binding: Binding; env: Env }[] = [];
    for (const cur of acc) {
      const d = evalDomain(b.domain, cur.env);
      if (d.kind === 'error') return d;
      for (const value of d.value) {
        next.push({
          binding: [...cur.binding, { name: b.name.text, value }],
          env: bind(cur.env, b.name.text, value),
        });
      }
    }
    acc = next;
  }
  return ok(acc);
}

/** `x = v, y = w`, for default messages and reports. */
export function formatBinding(binding: Binding): string {
  return binding
    .map(
      ({ name, value }) =>
        `${name} = ${value.kind === 'patch' ? `\`${formatValue(value)}\`` : formatValue(value)}`,
    )
    .join(', ');
}

function defaultMessage(rule: CheckedRule, binding: Binding): string {
  return binding.length === 0
    ? `\`${rule.name}\` is violated`
    : `\`${rule.name}\` is violated for ${formatBinding(binding)}`;
}

/** The outcome of `rule` at one binding. */
function outcomeAt(rule: CheckedRule, binding: Binding, env: Env): EvalResult<RuleOutcome> {
  if (rule.when !== null) {
    const w = evalBool(rule.when, env);
    if (w.kind === 'error') return w;
    if (!w.value) return ok({ kind: 'not-applicable' });
  }
  if (rule.require === null) {
    if (rule.message === null) return ok({ kind: 'allowed', message: null });
    const m = renderTemplate(rule.message, env);
    return m.kind === 'ok' ? ok({ kind: 'allowed', message: m.value }) : m;
  }
  const r = evalBool(rule.require, env);
  if (r.kind === 'error') return r;
  if (r.value) return ok({ kind: 'satisfied' });
  if (rule.message === null)
    return ok({ kind: 'violated', message: defaultMessage(rule, binding) });
  const m = renderTemplate(rule.message, env);
  return m.kind === 'ok' ? ok({ kind: 'violated', message: m.value }) : m;
}

/**
 * Every binding of a rule with its outcome, in binding order; stops at the first error value
 * (which a checked rule set never produces).
 *
 * @example
 * evalRule(rs.enable!.rules[1]!, env) // ok([{ binding: [old, s], outcome: { kind: 'violated', ... } }])
 */
export function evalRule(rule: CheckedRule, env: Env): EvalResult<readonly BindingOutcome[]> {
  const bs = bindings(rule, env);
  if (bs.kind === 'error') return bs;
  const out: BindingOutcome[] = [];
  for (const { binding, env: at } of bs.value) {
    const o = outcomeAt(rule, binding, at);
    if (o.kind === 'error') return o;
    out.push({ binding, outcome: o.value });
  }
  return ok(out);
}

/** The value of a checked rule set's evaluation: an error value here is a checker bug. */
export function expectOk<T>(r: EvalResult<T>, what: string): T {
  if (r.kind === 'ok') return r.value;
  throw new Error(
    `internal: ${what} evaluated to an error (\`${r.error.patch}\` lacks state ${r.error.id}) although the rule set checked`,
  );
}

/** The names `e` reads that it does not bind itself. */
function freeVars(e: Expr, out: Set<string>, bound: ReadonlySet<string> = new Set()): void {
  switch (e.kind) {
    case 'bool':
    case 'number':
      return;
    case 'var':
      if (!bound.has(e.name)) out.add(e.name);
      return;
    case 'attr':
      freeVars(e.object, out, bound);
      return;
    case 'call':
      freeVars(e.object, out, bound);
      freeVars(e.arg, out, bound);
      return;
    case 'not':
      freeVars(e.operand, out, bound);
      return;
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order':
      freeVars(e.left, out, bound);
      freeVars(e.right, out, bound);
      return;
    case 'quantifier':
      domainVars(e.binder.domain, out, bound);
      freeVars(e.body, out, new Set(bound).add(e.binder.name.text));
      return;
    default:
      assertNever(e, 'expression');
  }
}

function domainVars(d: Domain, out: Set<string>, bound: ReadonlySet<string>): void {
  switch (d.kind) {
    case 'installed':
    case 'catalog':
      return;
    case 'states':
    case 'functions':
      freeVars(d.of, out, bound);
      return;
    default:
      assertNever(d, 'domain');
  }
}

/** `a and b and c` as `[a, b, c]`, in evaluation order. */
function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** The `when` conjuncts of a rule, each with the number of binders it needs bound. */
interface Staged {
  readonly conjuncts: readonly Expr[];
  /** `needs[i]`: conjunct i reads binders 0 .. needs[i] - 1 at most. */
  readonly needs: readonly number[];
}

const staging = new WeakMap<CheckedRule, Staged>();

function staged(rule: CheckedRule): Staged {
  const hit = staging.get(rule);
  if (hit !== undefined) return hit;
  const cs = rule.when === null ? [] : conjuncts(rule.when);
  const names = rule.binders.map((b) => b.name.text);
  const needs = cs.map((c) => {
    const vars = new Set<string>();
    freeVars(c, vars);
    // A name a later binder shadows counts as that binder's (the innermost binding wins).
    let need = 0;
    for (const [i, n] of names.entries()) if (vars.has(n)) need = i + 1;
    return need;
  });
  const out = { conjuncts: cs, needs };
  staging.set(rule, out);
  return out;
}

/**
 * The violated bindings of `rule` (an invariant, policy or `rule`), in binding order: the same
 * as the `violated` outcomes of {@link evalRule}, found without visiting every binding.
 *
 * The binders are walked as nested loops, depth first, and each conjunct of `when` is
 * evaluated as soon as the binders it reads are bound, in the order `and` evaluates them (a
 * conjunct waits for every conjunct before it): a false one skips every extension of the
 * binding, which `evalRule` would find not applicable one by one. A `when` over two patches
 * and a state of the first is then decided per pair, not per triple, and no list of bindings
 * is built. The result equals `evalRule`'s, because a conjunct's value does not depend on
 * binders it does not read. Should any evaluation give an error value (a checked rule set
 * never does), the answer is `evalRule`'s, so that even the error is the reference's.
 *
 * @example
 * violatedBindings(policy, { world: catalogWorld(cat), vars: new Map() }) // ok([{ binding, outcome: { kind: 'violated', ... } }])
 */
export function violatedBindings(
  rule: CheckedRule,
  env: Env,
): EvalResult<readonly BindingOutcome[]> {
  const { conjuncts: cs, needs } = staged(rule);
  /** The rule at a full binding, where every conjunct of `when` has been found true. */
  const decided: CheckedRule = { ...rule, when: null };
  const out: BindingOutcome[] = [];
  const binding: { name: string; value: Value }[] = [];
  let failed = false;
  /** `next`: the first conjunct of `when` not yet evaluated on this binding. */
  const go = (level: number, at: Env, next: number): void => {
    // Bindings grow as a power of the catalog: the deadline of `within` stops them.
    tick();
    let k = next;
    for (; k < cs.length && (needs[k] ?? 0) <= level; k++) {
      const c = cs[k];
      if (c === undefined) break;
      const w = evalBool(c, at);
      if (w.kind === 'error') {
        failed = true;
        return;
      }
      if (!w.value) return;
    }
    const b = rule.binders[level];
    if (b === undefined) {
      const o = outcomeAt(decided, binding, at);
      if (o.kind === 'error') failed = true;
      else if (o.value.kind === 'violated') out.push({ binding: [...binding], outcome: o.value });
      return;
    }
    const d = evalDomain(b.domain, at);
    if (d.kind === 'error') {
      failed = true;
      return;
    }
    for (const value of d.value) {
      binding.push({ name: b.name.text, value });
      go(level + 1, bind(at, b.name.text, value), k);
      binding.pop();
      if (failed) return;
    }
  };
  go(0, env, 0);
  if (!failed) return ok(out);
  const all = evalRule(rule, env);
  return all.kind === 'error' ? all : ok(all.value.filter((b) => b.outcome.kind === 'violated'));
}
