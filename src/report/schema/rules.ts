/**
 * The JSON documents of `rules list` (every rule set with its rules, conditions printed in the
 * rule language) and `rules check` (one entry per file with its diagnostics); built by
 * src/report/rules.ts.
 */
import { z } from 'zod';
import { document, errno, output } from './common.ts';

/** One rule of a rule set, its conditions printed as in the rule file. */
const rule = z
  .strictObject({
    name: z.string(),
    mode: z.enum(['rule', 'allow', 'invariant', 'policy']),
    sentence: z.string(),
    for: z.array(z.string()).describe('the binders, e.g. `old in installed`'),
    when: z.string().nullable(),
    require: z.string().nullable(),
    errno: errno.nullable(),
  })
  .meta({ id: 'Rule' });

/** An `on enable` / `on disable` block: the binder of the patch and its rules. */
const guard = z.strictObject({ patch: z.string(), rules: z.array(rule) }).nullable();

/**
 * One rule set as `rules list` gives it.
 *
 * @example
 * ruleSetEntry.parse(doc.ruleSets[0]).name // 'upstream'
 */
export const ruleSetEntry = z.strictObject({
  name: z.string(),
  file: z.string(),
  sentence: z.string().nullable(),
  enable: guard,
  disable: guard,
  replaces: z
    .strictObject({ incoming: z.string(), old: z.string(), when: z.string() })
    .nullable()
    .describe('`on complete NEW replaces OLD when ...`, or null'),
  invariants: z.array(rule),
  policies: z.array(rule),
});

/**
 * `rules list --format json`: the rule sets asked for (every shipped one without arguments).
 *
 * @example
 * rulesListDocument.parse(JSON.parse(out)).ruleSets.map((r) => r.name)
 */
export const rulesListDocument = document({ ruleSets: z.array(ruleSetEntry) }).meta({
  title: 'klp-verify rules list --format json',
});

/**
 * One checked file: the rule set it defines, its number of rules and of warnings.
 *
 * @example
 * rulesCheckEntry.parse({ file: 'a.klp', ruleSet: 'a', rules: 2, warnings: 0 })
 */
export const rulesCheckEntry = z.strictObject({
  file: z.string(),
  ruleSet: z.string().describe('the name of the rule set the file defines'),
  rules: z.int().min(0),
  warnings: z.int().min(0).describe('how many warnings; they are in `diagnostics`'),
});

/**
 * `rules check FILE... --format json`: one entry per file, in the order given; a file with
 * errors makes the whole run bad input.
 *
 * @example
 * rulesCheckDocument.parse(JSON.parse(out)).files[0]?.ok // true
 */
export const rulesCheckDocument = document({ files: z.array(rulesCheckEntry) }).meta({
  title: 'klp-verify rules check --format json',
});

/** Everything `rules list --format json` prints. */
export const rulesListOutput = output(
  'klp-verify rules list --format json',
  'the rule sets with their rules',
  rulesListDocument,
);

/** Everything `rules check --format json` prints. */
export const rulesCheckOutput = output(
  'klp-verify rules check --format json',
  'every file checked, its warnings in `diagnostics` (a file with errors is bad input)',
  rulesCheckDocument,
);
