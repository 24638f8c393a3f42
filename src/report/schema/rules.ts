/**
 * The JSON documents of `rules list` (every rule set with its rules, conditions printed in the
 * rule language) and `rules check` (one entry per file with its diagnostics); built by
 * src/report/rules.ts.
 */
import { z } from 'zod';
import { badInputDocument, diagnostics, document, errno } from './common.ts';

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
 * One checked file: whether it has no errors, the rule set's name, every diagnostic.
 *
 * @example
 * rulesCheckEntry.parse({ file: 'a.klp', ok: true, ruleSet: 'a', diagnostics: [] })
 */
export const rulesCheckEntry = z.strictObject({
  file: z.string(),
  ok: z.boolean().describe('no errors (warnings may be listed)'),
  ruleSet: z.string().nullable().describe('the rule set it defines; null when it has errors'),
  diagnostics: diagnostics.describe('every diagnostic of the file, in file order'),
});

/**
 * `rules check FILE... --format json`: one entry per file, in the order given.
 *
 * @example
 * rulesCheckDocument.parse(JSON.parse(out)).files[0]?.ok // true
 */
export const rulesCheckDocument = document({ files: z.array(rulesCheckEntry) }).meta({
  title: 'klp-verify rules check --format json',
});

/** Everything `rules list --format json` prints. */
export const rulesListOutput = z.union([rulesListDocument, badInputDocument]).meta({
  title: 'klp-verify rules list --format json',
  description: 'the rule sets with their rules; or bad input',
});

/** Everything `rules check --format json` prints. */
export const rulesCheckOutput = z.union([rulesCheckDocument, badInputDocument]).meta({
  title: 'klp-verify rules check --format json',
  description: 'every file checked, with its diagnostics; or bad input (bad arguments)',
});
