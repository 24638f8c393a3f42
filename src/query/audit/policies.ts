/**
 * Policies over a catalog for `klp-verify audit catalog`: every `policy` of the given rule
 * files evaluated concretely by the reference evaluator (src/eval/audit.ts), each violation with
 * the patches and states its binding names. A release stream gets `release-stream` by default.
 */
import { evalPolicy } from '../../eval/audit.ts';
import { patchFamily } from '../../eval/value.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';

export interface PolicyViolation {
  /** The rule's message, rendered with its binding (the rule file's own words). */
  readonly message: string;
  /** Patches the binding names, in catalog order. */
  readonly patches: readonly string[];
  /** State ids the binding names, in binding order. */
  readonly states: readonly bigint[];
}

export interface PolicyResult {
  readonly ruleSet: string;
  readonly policy: string;
  readonly sentence: string;
  readonly violations: readonly PolicyViolation[];
}

/**
 * Every policy of every rule set, in file order.
 *
 * @example
 * evalAllPolicies([releaseStream], cat).map((p) => [p.policy, p.violations.length])
 * // [['never-lower-version', 0], ['cumulative-carries-previous-states', 1], ...]
 */
export function evalAllPolicies(ruleSets: readonly CheckedRuleSet[], cat: Catalog): PolicyResult[] {
  const order = new Map(cat.patches.map((p, i) => [p.name, i]));
  return ruleSets.flatMap((rs) =>
    rs.policies.map((rule) => ({
      ruleSet: rs.name,
      policy: rule.name,
      sentence: rule.sentence,
      violations: evalPolicy(rs, rule.name, cat).map((v) => {
        const patches = new Set<string>();
        const states: bigint[] = [];
        for (const { value } of v.binding) {
          if (value.kind === 'patch') patches.add(value.patch.name);
          else if (value.kind === 'state') {
            patches.add(value.owner.name);
            if (!states.includes(value.state.id)) states.push(value.state.id);
          }
        }
        return {
          message: v.message,
          patches: [...patches].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)),
          states,
        };
      }),
    })),
  );
}

/**
 * A release stream: two or more patches of one family (module name without its release
 * suffix, as the `family` of the rule language), some of them cumulative.
 *
 * @example
 * isReleaseStream(streamCatalog) // true: klp_6_8_0_45_r1 ... r4 are family `klp_6_8_0_45_r`
 */
export function isReleaseStream(cat: Catalog): boolean {
  const counts = new Map<string, number>();
  for (const p of cat.patches) {
    const f = patchFamily(p.name);
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return cat.patches.some((p) => p.replace) && [...counts.values()].some((n) => n >= 2);
}
