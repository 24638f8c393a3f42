/**
 * What the commands share: their options, reading the catalog and the rule set named on the
 * command line (`-` is standard input), and writing certificate files.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadCatalogFile, parseCatalogBytes, type SourcedCatalog } from '../../ingest/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import { didYouMean } from '../../source/suggest.ts';
import type { OptionSpec } from '../args.ts';
import type { RunContext } from '../command.ts';
import { UsageError } from '../exit.ts';

/** Text and JSON: the formats of most commands. */
export const TEXT_JSON: readonly string[] = ['text', 'json'];

/** What `-` is called in messages. */
export const STDIN_NAME = '<stdin>';

export const RULES_OPTION: OptionSpec = {
  name: 'rules',
  short: 'r',
  kind: 'value',
  metavar: 'NAME|FILE',
  description:
    "rule set by name (`klp-verify rules list`) or rule file path; overrides the plan's `rules:`",
};

// ---------- what the commands over a catalog share (prove, conflicts, synth, upgrade, diff-rules)

export const CATALOG_OPTION: OptionSpec = {
  name: 'catalog',
  short: 'c',
  kind: 'value',
  metavar: 'FILE',
  description:
    'the catalog of patches (YAML or JSON; `-` reads standard input), as `check` reads it',
};

export const KERNEL_RULES_OPTION: OptionSpec = {
  name: 'rules',
  short: 'r',
  kind: 'value',
  metavar: 'NAME|FILE',
  default: 'upstream',
  description: 'the kernel rule set every operation is decided by (`klp-verify rules list`)',
};

export const INITIAL_OPTION: OptionSpec = {
  name: 'initial',
  kind: 'value',
  metavar: 'A,B,...',
  description: 'the installed stack to start from, bottom to top (default: nothing installed)',
};

export const MODE_OPTION: OptionSpec = {
  name: 'transitions',
  kind: 'value',
  metavar: 'MODE',
  choices: ['auto', 'manual'],
  default: 'auto',
  description:
    'auto: only steady configurations count; manual: configurations with a pending transition count too',
};

/** `--initial a,b` and the like: the names, bottom to top. */
export function patchList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A usage error, with a suggestion, unless the catalog has a patch of that name. */
export function requirePatch(cat: Catalog, name: string, what: string): void {
  if (cat.byName.has(name)) return;
  throw new UsageError(
    `${what}: patch \`${name}\` is not in the catalog`,
    didYouMean(
      name,
      cat.patches.map((p) => p.name),
    ) ?? `the catalog has ${cat.patches.length} patches`,
  );
}

/** No positional arguments beyond those a command takes. */
export function noExtraArguments(extra: readonly string[], usage: string, hint?: string): void {
  const [first] = extra;
  if (first !== undefined) {
    throw new UsageError(`unexpected argument \`${first}\``, hint ?? `usage: ${usage}`);
  }
}

/**
 * Reads `--catalog FILE` (required; `-` reads standard input) and reports its diagnostics.
 * Null when it has errors.
 */
export async function loadCatalogOption(
  ctx: RunContext,
  usage: string,
): Promise<SourcedCatalog | null> {
  const file = ctx.args.values.get('catalog');
  if (file === undefined) throw new UsageError('missing `--catalog FILE`', `usage: ${usage}`);
  const loaded =
    file === '-' ? parseCatalogBytes(await ctx.stdin(), STDIN_NAME) : loadCatalogFile(file);
  ctx.report(loaded.diagnostics, file === '-' ? STDIN_NAME : file);
  return loaded.value;
}

/**
 * Resolves a rule set named on the command line as the kernel's rules and reports its
 * diagnostics (a policy or invariant file is KV0002). Null on errors.
 */
export function loadRulesOption(name: string, ctx: RunContext): CheckedRuleSet | null {
  const rules = resolveRules(name, null);
  ctx.report(rules.diagnostics, name);
  return rules.kind === 'ok' ? rules.ruleSet : null;
}

/** The `--rules` value (default upstream) as the kernel's rules; null on errors (reported). */
export function kernelRulesOption(ctx: RunContext): CheckedRuleSet | null {
  return loadRulesOption(ctx.args.values.get('rules') ?? 'upstream', ctx);
}

/** `--transitions`: manual only when asked for. */
export function transitionsOption(ctx: RunContext): 'auto' | 'manual' {
  return ctx.args.values.get('transitions') === 'manual' ? 'manual' : 'auto';
}

/** `--initial a,b`: patch names of the catalog, bottom to top (a usage error otherwise). */
export function initialOption(ctx: RunContext, cat: Catalog): string[] {
  const initial = patchList(ctx.args.values.get('initial'));
  for (const name of initial) requirePatch(cat, name, '--initial');
  return initial;
}

/** What a question over a catalog starts from (prove, conflicts, synth, upgrade). */
export interface CatalogQuestion {
  readonly catalog: SourcedCatalog;
  /** The catalog as named in output: its path, or `<stdin>`. */
  readonly catalogName: string;
  readonly ruleSet: CheckedRuleSet;
  readonly transitions: 'auto' | 'manual';
}

/** Reads `--catalog` and `--rules` (both reported); null when either is bad input. */
export async function loadCatalogQuestion(
  ctx: RunContext,
  usage: string,
): Promise<CatalogQuestion | null> {
  const catalog = await loadCatalogOption(ctx, usage);
  if (catalog === null) return null;
  const ruleSet = kernelRulesOption(ctx);
  if (ruleSet === null) return null;
  const file = ctx.args.values.get('catalog') ?? '';
  return {
    catalog,
    catalogName: file === '-' ? STDIN_NAME : file,
    ruleSet,
    transitions: transitionsOption(ctx),
  };
}

/** `--certificate DIR`, with what the command writes there. */
export function certificateOption(what: string): OptionSpec {
  return { name: 'certificate', kind: 'value', metavar: 'DIR', description: what };
}

/**
 * Writes certificate files (SMT-LIB queries and the like) into `dir`, creating it: what every
 * `--certificate DIR` does.
 */
export function writeFiles(
  dir: string,
  files: readonly { readonly name: string; readonly text: string }[],
): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
}
