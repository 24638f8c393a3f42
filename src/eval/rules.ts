/**
 * Evaluation of whole rules: the bindings of their `for` binders and the outcome at each.
 *
 * Semantics (docs/rules.md): bindings are enumerated as nested loops, the first binder
 * outermost, each domain in its order. At each binding, `when` is evaluated; if it holds, a
 * `rule`, `invariant` or `policy` evaluates `require` and is violated when it is false; an
 * `allow` rule admits the binding. A message is rendered only for a violated (or allowed)
 * binding, which is where the checker proved its `version` calls defined.
 */
import type { CheckedRule } from '../lang/checker.ts';
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
