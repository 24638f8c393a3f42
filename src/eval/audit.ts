/**
 * Invariants (over an installed stack) and policies (over a catalog), evaluated concretely:
 * every violated binding, in binding order.
 */
import type { CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import type { System } from '../model/system.ts';
import { didYouMean } from '../source/suggest.ts';
import { type Binding, expectOk, violatedBindings } from './rules.ts';
import { catalogWorld, systemWorld, type World } from './value.ts';

/** One violated binding of an invariant or policy. */
export interface RuleViolation {
  readonly rule: string;
  readonly sentence: string;
  readonly message: string;
  readonly binding: Binding;
}

function find(
  rules: readonly CheckedRule[],
  name: string,
  what: string,
  rs: CheckedRuleSet,
): CheckedRule {
  const r = rules.find((x) => x.name === name);
  if (r !== undefined) return r;
  const names = rules.map((x) => x.name);
  const hint =
    didYouMean(name, names) ??
    `it has ${names.length === 0 ? 'none' : names.map((n) => `\`${n}\``).join(', ')}`;
  throw new Error(`rule set \`${rs.name}\` has no ${what} \`${name}\`; ${hint}`);
}

function violations(rule: CheckedRule, world: World): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const { binding, outcome } of expectOk(
    violatedBindings(rule, { world, vars: new Map() }),
    `\`${rule.name}\``,
  )) {
    if (outcome.kind === 'violated') {
      out.push({ rule: rule.name, sentence: rule.sentence, message: outcome.message, binding });
    }
  }
  return out;
}

/**
 * The violations of one invariant on a system; throws on an unknown name (list the names with
 * `rs.invariants`).
 *
 * @example
 * evalInvariant(rs, 'no-lower-version-above', sys, cat) // [] when it holds
 */
export function evalInvariant(
  rs: CheckedRuleSet,
  name: string,
  sys: System,
  cat: Catalog,
): RuleViolation[] {
  return violations(find(rs.invariants, name, 'invariant', rs), systemWorld(sys, cat));
}

/**
 * The violations of one policy on a catalog; throws on an unknown name.
 *
 * @example
 * evalPolicy(rs, 'all-cumulative', cat).map((v) => v.message) // ['`p1` is not cumulative']
 */
export function evalPolicy(rs: CheckedRuleSet, name: string, cat: Catalog): RuleViolation[] {
  return violations(find(rs.policies, name, 'policy', rs), catalogWorld(cat));
}

/** Every invariant of the rule set, in file order. */
export function evalInvariants(rs: CheckedRuleSet, sys: System, cat: Catalog): RuleViolation[] {
  const world = systemWorld(sys, cat);
  return rs.invariants.flatMap((r) => violations(r, world));
}

/** Every policy of the rule set, in file order. */
export function evalPolicies(rs: CheckedRuleSet, cat: Catalog): RuleViolation[] {
  const world = catalogWorld(cat);
  return rs.policies.flatMap((r) => violations(r, world));
}
