/**
 * Resolves a rule set named in a plan or on the command line to the rules the simulator asks.
 */
import { replaceRules, upstreamRules } from '../kernel/index.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import { Source, type Span } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';

const BUILT_IN: ReadonlyMap<string, KernelRules> = new Map([
  ['upstream', upstreamRules],
  ['replace', replaceRules],
]);

export type Resolved =
  | { readonly kind: 'ok'; readonly rules: KernelRules }
  | { readonly kind: 'error'; readonly diagnostics: readonly Diagnostic[] };

/**
 * @param where the `rules:` value in a plan, for the diagnostic; null for `--rules`
 */
export function resolveRules(
  name: string,
  where: { source: Source; span: Span | null } | null,
): Resolved {
  const rules = BUILT_IN.get(name);
  if (rules !== undefined) return { kind: 'ok', rules };
  const source = where?.source ?? new Source('--rules', name);
  const span = where?.span ?? { start: 0, end: name.length };
  const help =
    didYouMean(name, BUILT_IN.keys()) ?? `known rule sets: ${[...BUILT_IN.keys()].join(', ')}`;
  return {
    kind: 'error',
    diagnostics: [
      {
        code: 'KV0301',
        severity: 'error',
        message: `unknown rule set \`${name}\``,
        source,
        span,
        help,
      },
    ],
  };
}
