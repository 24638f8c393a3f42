/**
 * `rules list` and `rules check` in JSON (docs/schema/rules-list.schema.json,
 * rules-check.schema.json): every rule set with its rules, conditions printed in the rule
 * language; every checked file with its diagnostics.
 */
import type { CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import { printBinder, printExpr } from '../lang/printer.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type {
  ruleSetEntry,
  rulesCheckDocument,
  rulesCheckEntry,
  rulesListDocument,
} from './schema/rules.ts';

type RuleSetJson = JsonOf<typeof ruleSetEntry>;

function ruleJson(r: CheckedRule): RuleSetJson['invariants'][number] {
  return {
    name: r.name,
    mode: r.mode,
    sentence: r.sentence,
    for: r.binders.map(printBinder),
    when: r.when === null ? null : printExpr(r.when),
    require: r.require === null ? null : printExpr(r.require),
    errno: r.reject?.errno ?? null,
  };
}

/**
 * One rule set: its guards and their rules, what completing replaces, invariants, policies.
 *
 * @example
 * ruleSetJson(upstream).enable?.rules[1]?.name // 'same-or-higher-version'
 */
export function ruleSetJson(rs: CheckedRuleSet): RuleSetJson {
  return {
    name: rs.name,
    file: rs.source.file,
    sentence: rs.sentence,
    enable:
      rs.enable === null ? null : { patch: rs.enable.patch, rules: rs.enable.rules.map(ruleJson) },
    disable:
      rs.disable === null
        ? null
        : { patch: rs.disable.patch, rules: rs.disable.rules.map(ruleJson) },
    replaces:
      rs.complete === null
        ? null
        : {
            incoming: rs.complete.incoming,
            old: rs.complete.old,
            when: printExpr(rs.complete.when),
          },
    invariants: rs.invariants.map(ruleJson),
    policies: rs.policies.map(ruleJson),
  };
}

/**
 * `rules list --format json`: `{schemaVersion, ruleSets}`.
 *
 * @example
 * stringify(rulesListJson([upstream])) // '{"schemaVersion":1,"ruleSets":[{"name":"upstream",...}]}'
 */
export function rulesListJson(sets: readonly CheckedRuleSet[]): JsonOf<typeof rulesListDocument> {
  return { schemaVersion: SCHEMA_VERSION, ruleSets: sets.map(ruleSetJson) };
}

/**
 * `rules check FILE... --format json` when every file is free of errors: `{schemaVersion,
 * files}`, one entry per file with the rule set it defines, its number of rules and of
 * warnings (the warnings themselves are the document's `diagnostics`).
 *
 * @example
 * stringify(rulesCheckJson([{ file: 'a.klp', ruleSet: 'a', rules: 2, warnings: 0 }])) // '{"schemaVersion":1,"files":[...]}'
 */
export function rulesCheckJson(
  files: readonly JsonOf<typeof rulesCheckEntry>[],
): JsonOf<typeof rulesCheckDocument> {
  return { schemaVersion: SCHEMA_VERSION, files };
}
