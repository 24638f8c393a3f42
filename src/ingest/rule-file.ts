/**
 * Finding and reading rule files: `loadRuleSet('upstream')` or `loadRuleSet('path/x.klp')`.
 * Reading belongs here, with the other input files (through `fs.ts`); parsing and checking the
 * text is the rule language's (`src/lang/checker.ts` `compileRuleSet`).
 *
 * Names resolve to `rules/kernel/<name>.klp`, then `rules/policy/<name>.klp`, relative to the
 * package root (not the working directory), so the shipped rule sets are found from anywhere.
 * Failures are diagnostics, never exceptions.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CheckedRuleSet, compileRuleSet } from '../lang/checker.ts';
import { langDiagnostic } from '../lang/codes.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import type { Loaded } from '../source/diagnostic.ts';
import { Source } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import { DEFAULT_MAX_INPUT_BYTES, readTextFile } from './fs.ts';

/** The package root: rule sets ship in `<root>/rules`. */
export { PACKAGE_ROOT } from '../package-root.ts';
export type { Loaded } from '../source/diagnostic.ts';

/** Folders searched for a rule set given by name, in order. */
export const RULE_DIRS: readonly string[] = ['rules/kernel', 'rules/policy'];

/** The names of the shipped rule sets, per folder, sorted. */
export function ruleSetNames(): readonly string[] {
  const names: string[] = [];
  for (const dir of RULE_DIRS) {
    let files: string[];
    try {
      files = readdirSync(join(PACKAGE_ROOT, dir));
    } catch {
      continue;
    }
    const here = files.filter((f) => f.endsWith('.klp')).map((f) => f.slice(0, -'.klp'.length));
    names.push(...here.sort());
  }
  return names;
}

/**
 * Loads, parses and checks a rule set by name (`upstream`) or by path (anything with a `/` or
 * ending in `.klp`, relative to the working directory).
 *
 * @example
 * const r = loadRuleSet('upstream');
 * if (r.kind === 'ok') kernelRules(r.value);
 */
export function loadRuleSet(pathOrName: string): Loaded<CheckedRuleSet> {
  const isPath = pathOrName.includes('/') || pathOrName.endsWith('.klp');
  let file = pathOrName;
  let shown = pathOrName;
  if (!isPath) {
    const found = RULE_DIRS.map((d) => join(d, `${pathOrName}.klp`)).find((rel) =>
      existsSync(join(PACKAGE_ROOT, rel)),
    );
    if (found === undefined) {
      const names = ruleSetNames();
      const arg = new Source('<rule set>', pathOrName);
      return {
        kind: 'error',
        value: null,
        diagnostics: [
          langDiagnostic(
            'KV2001',
            arg,
            { start: 0, end: pathOrName.length },
            `unknown rule set \`${pathOrName}\``,
            didYouMean(pathOrName, names) ??
              `rule sets: ${names.map((n) => `\`${n}\``).join(', ')}`,
          ),
        ],
      };
    }
    file = join(PACKAGE_ROOT, found);
    shown = found;
  }
  const text = readTextFile(file);
  if (typeof text !== 'string') {
    // On an empty source named after the path: nothing of the file is shown.
    return {
      kind: 'error',
      value: null,
      diagnostics: [
        langDiagnostic(
          'KV2002',
          new Source(pathOrName, ''),
          { start: 0, end: 0 },
          `cannot read rule file \`${pathOrName}\`: ${text.kind === 'not-regular' ? 'it ' : ''}${text.reason}`,
          text.kind === 'too-large'
            ? `raise the limit with \`--max-input-size BYTES\` (default ${DEFAULT_MAX_INPUT_BYTES})`
            : 'give a rule set name such as `upstream`, or a path to a `.klp` file',
        ),
      ],
    };
  }
  const result = compileRuleSet(new Source(shown, text));
  if (result.kind === 'error') return result;
  const stem = basename(shown).replace(/\.klp$/, '');
  if (result.value.name === stem) return result;
  const header = result.value.ast.name;
  return {
    kind: 'ok',
    value: result.value,
    diagnostics: [
      ...result.diagnostics,
      langDiagnostic(
        'KV2003',
        result.value.source,
        header.span,
        `rule set \`${header.text}\` is declared in \`${basename(shown)}\``,
        `rename one of them: rule sets are found by file name, so \`${header.text}\` cannot be loaded by name`,
      ),
    ],
  };
}
