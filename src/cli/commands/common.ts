/**
 * What every command shares: the command type, common options, diagnostics output.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadCatalogFile, type SourcedCatalog } from '../../ingest/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import { stringify } from '../../report/json.ts';
import {
  type Diagnostic,
  diagnosticJson,
  renderDiagnostic,
  sortDiagnostics,
} from '../../source/diagnostic.ts';
import { didYouMean } from '../../source/suggest.ts';
import type { OptionSpec, Parsed } from '../args.ts';
import { UsageError } from '../exit.ts';
import type { Io } from '../io.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: () => string;
  /** Returns the exit status; throws UsageError for bad arguments. */
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

export const FORMAT_OPTION: OptionSpec = {
  name: 'format',
  short: 'f',
  kind: 'value',
  metavar: 'FORMAT',
  choices: ['text', 'json'],
  default: 'text',
  description: 'output format: text for people, json for scripts',
};

export const RULES_OPTION: OptionSpec = {
  name: 'rules',
  short: 'r',
  kind: 'value',
  metavar: 'NAME|FILE',
  description:
    "rule set by name (`klp-verify rules list`) or rule file path; overrides the plan's `rules:`",
};

/** Diagnostics go to stderr: rendered with code frames, or as one JSON object per file. */
export function printDiagnostics(
  io: Io,
  diags: readonly Diagnostic[],
  format: string,
  file: string,
): void {
  if (diags.length === 0) return;
  const sorted = sortDiagnostics(diags);
  if (format === 'json') {
    io.err(stringify({ file, diagnostics: sorted.map(diagnosticJson) }));
    return;
  }
  io.err(sorted.map(renderDiagnostic).join('\n\n'));
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const warnings = sorted.length - errors;
  const parts = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ].filter((p) => p !== '');
  io.err(`${file}: ${parts.join(', ')}`);
}

// ---------- what the commands over a catalog share (prove, conflicts, synth, upgrade, diff-rules)

export const CATALOG_OPTION: OptionSpec = {
  name: 'catalog',
  short: 'c',
  kind: 'value',
  metavar: 'FILE',
  description: 'the catalog of patches (YAML or JSON), as `check` reads it',
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

/** `--timeout SECONDS` with the command's default. */
export function timeoutOption(defaultMs: number, description: string): OptionSpec {
  return {
    name: 'timeout',
    short: 't',
    kind: 'value',
    metavar: 'SECONDS',
    default: String(defaultMs / 1000),
    description,
  };
}

/** `--timeout` in milliseconds; a usage error unless it is a positive number of seconds. */
export function timeoutMs(parsed: Parsed, defaultMs: number): number {
  const text = parsed.values.get('timeout');
  const seconds = text === undefined ? defaultMs / 1000 : Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(
      `\`${text}\` is not a valid value for \`--timeout\``,
      'give a positive number of seconds',
    );
  }
  return Math.round(seconds * 1000);
}

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

/**
 * Reads `--catalog FILE` (required); prints its diagnostics. Null when it has errors.
 */
export function loadCatalogOption(
  parsed: Parsed,
  io: Io,
  format: string,
  usage: string,
): SourcedCatalog | null {
  const file = parsed.values.get('catalog');
  if (file === undefined) throw new UsageError('missing `--catalog FILE`', `usage: ${usage}`);
  const loaded = loadCatalogFile(file);
  printDiagnostics(io, loaded.diagnostics, format, file);
  return loaded.value;
}

/** Resolves a rule set named on the command line; prints its diagnostics. Null on errors. */
export function loadRulesOption(name: string, io: Io, format: string): CheckedRuleSet | null {
  const rules = resolveRules(name, null);
  printDiagnostics(io, rules.diagnostics, format, name);
  return rules.kind === 'ok' ? rules.ruleSet : null;
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
