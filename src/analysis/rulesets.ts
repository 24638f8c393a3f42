/**
 * Resolves the rule set named in a plan (`rules:`) or on the command line (`--rules`) to a
 * checked rule set and the `KernelRules` the simulator asks. Rule sets are files under
 * `rules/` (by name) or any `.klp` file (by path: relative to the plan file when written in a
 * plan, to the working directory on the command line).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { kernelRules } from '../eval/index.ts';
import { isInside, readerLimits } from '../ingest/fs.ts';
import { reportOutside } from '../ingest/plan.ts';
import { Reporter } from '../ingest/reporter.ts';
import { loadRuleSet } from '../ingest/rule-file.ts';
import type { KernelRules } from '../kernel/rules.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import type { Source, Span } from '../source/source.ts';

export type Resolved =
  | {
      readonly kind: 'ok';
      readonly ruleSet: CheckedRuleSet;
      readonly rules: KernelRules;
      /** Warnings from the rule file. */
      readonly diagnostics: readonly Diagnostic[];
    }
  | { readonly kind: 'error'; readonly value: null; readonly diagnostics: readonly Diagnostic[] };

/**
 * @param where the `rules:` value in a plan, so that paths resolve next to the plan and an
 *   unknown name is reported there; null for `--rules`
 *
 * @example
 * const r = resolveRules('upstream', null);
 * if (r.kind === 'ok') runPlan(plan, r.rules);
 */
export function resolveRules(
  name: string,
  where: { readonly source: Source; readonly span: Span | null } | null,
): Resolved {
  const r = resolveAnyRules(name, where);
  if (r.kind === 'error') return r;
  const wrongKind = notKernelRules(r.ruleSet, where);
  return wrongKind === null ? r : { kind: 'error', value: null, diagnostics: [wrongKind] };
}

/**
 * KV0002 when a rule set cannot decide what the kernel admits: it has neither `on enable` nor
 * `on disable` rules (a policy or invariant file), so as the kernel's rules it would admit
 * everything and every claim would be "proved".
 *
 * @example
 * notKernelRules(releaseStream, null)?.message
 * // 'rule set `release-stream` has no `on enable` or `on disable` rules: it cannot be the kernel\'s rules'
 */
export function notKernelRules(
  rs: CheckedRuleSet,
  where: { readonly source: Source; readonly span: Span | null } | null,
): Diagnostic | null {
  if (rs.enable !== null || rs.disable !== null) return null;
  const has = [
    rs.policies.length > 0
      ? `${rs.policies.length} polic${rs.policies.length === 1 ? 'y' : 'ies'}`
      : '',
    rs.invariants.length > 0
      ? `${rs.invariants.length} invariant${rs.invariants.length === 1 ? '' : 's'}`
      : '',
  ].filter((x) => x !== '');
  const kind = rs.policies.length > 0 ? 'policy' : rs.invariants.length > 0 ? 'invariant' : 'empty';
  const run =
    kind === 'policy'
      ? `run its policies with \`klp-verify audit catalog C --policy ${rs.name}\``
      : kind === 'invariant'
        ? `prove its invariants with \`klp-verify prove invariant NAME --catalog C --invariants ${rs.name}\``
        : 'add `on enable` or `on disable` rules';
  const at =
    where !== null && where.span !== null
      ? { source: where.source, span: where.span }
      : { source: rs.source, span: rs.ast.name.span };
  return {
    code: 'KV0002',
    severity: 'error',
    message: `rule set \`${rs.name}\` has no \`on enable\` or \`on disable\` rules: it cannot be the kernel's rules`,
    ...at,
    help: `it is ${kind === 'empty' ? 'empty' : `a${kind === 'invariant' ? 'n' : ''} ${kind} file (${has.join(', ')})`}; give a kernel rule set with \`--rules\` (upstream, replace, block-disable, replace-set: \`klp-verify rules list\`), and ${run}`,
  };
}

/** {@link resolveRules} without the kernel-rules check: policies and invariants load here. */
export function resolveAnyRules(
  name: string,
  where: { readonly source: Source; readonly span: Span | null } | null,
): Resolved {
  const isPath = name.includes('/') || name.endsWith('.klp');
  const target =
    isPath && where !== null && !isAbsolute(name) ? join(dirname(where.source.file), name) : name;
  if (isPath && where !== null && where.span !== null && !readerLimits().allowOutside) {
    const folder = dirname(where.source.file);
    if (!isInside(folder, target)) {
      const r = new Reporter(where.source);
      reportOutside(r, where.span, 'rule file', name);
      return { kind: 'error', value: null, diagnostics: r.diagnostics };
    }
  }
  const loaded = loadRuleSet(target);
  if (loaded.kind === 'ok') {
    return {
      kind: 'ok',
      ruleSet: loaded.value,
      rules: kernelRules(loaded.value),
      diagnostics: loaded.diagnostics,
    };
  }
  if (where === null || where.span === null) return loaded;
  // A name or path that could not be found: point at the plan's `rules:` value instead of the
  // bare argument. Problems inside a rule file keep their own locations.
  const span = where.span;
  return {
    kind: 'error',
    value: null,
    diagnostics: loaded.diagnostics.map((d) =>
      d.source.file === '<rule set>' || (d.code === 'KV2002' && d.source.text === '')
        ? { ...d, source: where.source, span }
        : d,
    ),
  };
}
