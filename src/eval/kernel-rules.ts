/**
 * A checked rule set as the kernel simulator's `KernelRules` (src/kernel/rules.ts), plus the
 * explanations `check` prints.
 *
 * Verdicts follow the file: an operation is rejected iff some `rule` of its block is violated;
 * the violations come in rule order (as written), then binding order (for upstream: patches on
 * `klp_patches` bottom to top, then state entries in declaration order). The errno and log line
 * are the first violated rule's own `reject`, else the block's.
 */

import type { KernelRules, Verdict, Violation } from '../kernel/rules.ts';
import type { CheckedGuard, CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import { getState, type Patch } from '../model/patch.ts';
import type { System } from '../model/system.ts';
import { compileAdmission } from './admission.ts';
import { type Env, evalBool, renderTemplate } from './eval.ts';
import { type Binding, type BindingOutcome, evalRule, expectOk } from './rules.ts';
import { systemWorld } from './value.ts';

const OK: Verdict = { ok: true };

function guardEnv(guard: CheckedGuard, sys: System, cat: Catalog, patch: Patch): Env {
  return { world: systemWorld(sys, cat), vars: new Map([[guard.patch, { kind: 'patch', patch }]]) };
}

/**
 * The kernel `Violation` for a violated binding. `installedBy` is the rule's first binder over
 * `installed` (under `on disable`, failing that, the patch being disabled); `state` its first
 * binder over some `p.states`; `installedVersion` that state's version in `installedBy`;
 * `newVersion` the version the patch being enabled declares for it (`klp_get_state()`).
 */
function toViolation(
  guard: CheckedGuard,
  rule: CheckedRule,
  binding: Binding,
  message: string,
  patch: Patch,
): Violation {
  const at = (i: number | null) => (i === null ? undefined : binding[i]?.value);
  const inst = at(rule.witness.installed);
  const installed = inst?.kind === 'patch' ? inst.patch : guard.event === 'disable' ? patch : null;
  const st = at(rule.witness.state);
  const state = st?.kind === 'state' ? st : null;
  let installedVersion: number | null = null;
  if (state !== null && installed !== null) {
    installedVersion =
      state.owner.name === installed.name
        ? state.state.version
        : (getState(installed, state.state.id)?.version ?? null);
  }
  const newVersion =
    state !== null && guard.event === 'enable'
      ? (getState(patch, state.state.id)?.version ?? null)
      : null;
  return {
    rule: rule.name,
    sentence: rule.sentence,
    message,
    installedBy: installed?.name ?? null,
    state: state?.state.id ?? null,
    installedVersion,
    newVersion,
  };
}

function verdict(guard: CheckedGuard | null, sys: System, cat: Catalog, patch: Patch): Verdict {
  if (guard === null) return OK;
  const env = guardEnv(guard, sys, cat, patch);
  const violations: Violation[] = [];
  let firstReject: CheckedRule['reject'] = null;
  for (const rule of guard.rules) {
    if (rule.mode !== 'rule') continue;
    for (const { binding, outcome } of expectOk(evalRule(rule, env), `rule \`${rule.name}\``)) {
      if (outcome.kind !== 'violated') continue;
      firstReject ??= rule.reject;
      violations.push(toViolation(guard, rule, binding, outcome.message, patch));
    }
  }
  if (violations.length === 0) return OK;
  // INVARIANT: the checker gives every `rule` in a block an errno (KV2215).
  if (firstReject === null) throw new Error('internal: a violated rule has no errno');
  const log =
    firstReject.log === null ? [] : [expectOk(renderTemplate(firstReject.log, env), 'log line')];
  return { ok: false, errno: firstReject.errno, log, violations };
}

/**
 * The rule set as the simulator's `KernelRules`. Absent blocks admit everything and replace
 * nothing.
 *
 * @example
 * const r = loadRuleSet('upstream');
 * if (r.kind === 'ok') kernelRules(r.value).enable(sys, cat, cat.byName.get('test_klp_state')!);
 */
export function kernelRules(rs: CheckedRuleSet): KernelRules {
  return withAdmission(rs, referenceKernelRules(rs));
}

/**
 * The rule set as `KernelRules` through the reference evaluator alone: every verdict built
 * binding by binding, with its violations. What {@link kernelRules} falls back to for a
 * rejection; tests and the admissibility benchmark compare against it.
 *
 * @example
 * referenceKernelRules(rs).enable(sys, cat, candidate).ok === kernelRules(rs).enable(sys, cat, candidate).ok // true
 */
export function referenceKernelRules(rs: CheckedRuleSet): KernelRules {
  return {
    name: rs.name,
    enable: (sys, cat, candidate) => verdict(rs.enable, sys, cat, candidate),
    disable: (sys, cat, target) => verdict(rs.disable, sys, cat, target),
    replaces(sys, cat, incoming, old) {
      const c = rs.complete;
      if (c === null) return false;
      const env: Env = {
        world: systemWorld(sys, cat),
        vars: new Map([
          [c.incoming, { kind: 'patch', patch: incoming }],
          [c.old, { kind: 'patch', patch: old }],
        ]),
      };
      return expectOk(evalBool(c.when, env), '`on complete`');
    },
  };
}

/**
 * `reference` with the compiled admissibility question asked first: it answers "admitted"
 * without building violations (the common case in explorers and load matrices), and a
 * rejection is explained by the reference evaluator, which must agree.
 */
function withAdmission(rs: CheckedRuleSet, reference: KernelRules): KernelRules {
  const admission = compileAdmission(rs);
  const explained = (v: Verdict): Verdict => {
    if (v.ok) throw new Error('internal: the compiled rules reject, the evaluator admits');
    return v;
  };
  return {
    ...reference,
    enable: (sys, cat, candidate) =>
      admission.enable(sys, cat, candidate) ? OK : explained(reference.enable(sys, cat, candidate)),
    disable: (sys, cat, target) =>
      admission.disable(sys, cat, target) ? OK : explained(reference.disable(sys, cat, target)),
  };
}

/** What one rule of a block says about an operation, binding by binding. */
export interface RuleExplanation {
  readonly rule: string;
  readonly sentence: string;
  readonly mode: 'rule' | 'allow';
  readonly outcomes: readonly BindingOutcome[];
}

function explain(
  guard: CheckedGuard | null,
  sys: System,
  cat: Catalog,
  patch: Patch,
): RuleExplanation[] {
  if (guard === null) return [];
  const env = guardEnv(guard, sys, cat, patch);
  return guard.rules.map((rule) => ({
    rule: rule.name,
    sentence: rule.sentence,
    mode: rule.mode === 'allow' ? 'allow' : 'rule',
    outcomes: expectOk(evalRule(rule, env), `rule \`${rule.name}\``),
  }));
}

/**
 * Every rule of `on enable`, in file order, with the outcome at each binding: which rules a
 * binding violates and which `allow` rules admit it.
 *
 * @example
 * explainEnable(rs, sys, cat, candidate).filter((r) => r.outcomes.some((o) => o.outcome.kind === 'allowed'))
 */
export function explainEnable(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  candidate: Patch,
): RuleExplanation[] {
  return explain(rs.enable, sys, cat, candidate);
}

/** Like `explainEnable`, for `on disable`. */
export function explainDisable(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  target: Patch,
): RuleExplanation[] {
  return explain(rs.disable, sys, cat, target);
}
