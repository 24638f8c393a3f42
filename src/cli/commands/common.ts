/**
 * What every command shares: the command type, common options, diagnostics output.
 */

import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { MAX_MODULE_NAME } from '../../ingest/catalog.ts';
import { loadCatalogFile, type SourcedCatalog } from '../../ingest/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import { stringify } from '../../report/json.ts';
import {
  type Diagnostic,
  diagnosticJson,
  escapeControl,
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

/** The most diagnostics printed for one file; the rest are counted. */
export const MAX_DIAGNOSTICS = 50;

/**
 * Diagnostics go to stderr: rendered with code frames, or as one JSON object per file; at most
 * `MAX_DIAGNOSTICS` of them (errors first), with a count of the rest.
 */
export function printDiagnostics(
  io: Io,
  diags: readonly Diagnostic[],
  format: string,
  file: string,
): void {
  if (diags.length === 0) return;
  const sorted = sortDiagnostics(diags);
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const warnings = sorted.length - errors;
  // Errors first when some must be left out: a cut must not hide why the input was refused.
  const shown =
    sorted.length <= MAX_DIAGNOSTICS
      ? sorted
      : sortDiagnostics(
          [
            ...sorted.filter((d) => d.severity === 'error'),
            ...sorted.filter((d) => d.severity !== 'error'),
          ].slice(0, MAX_DIAGNOSTICS),
        );
  const omitted = sorted.length - shown.length;
  if (format === 'json') {
    io.err(
      stringify({
        file: escapeControl(file),
        diagnostics: shown.map(diagnosticJson),
        ...(omitted > 0 ? { omitted } : {}),
      }),
    );
    return;
  }
  io.err(shown.map(renderDiagnostic).join('\n\n'));
  const parts = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ].filter((p) => p !== '');
  const rest = omitted > 0 ? ` (the first ${shown.length} shown, ${omitted} more not shown)` : '';
  io.err(`${escapeControl(file)}: ${parts.join(', ')}${rest}`);
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

/** Longest `--timeout`: 2^31-1 ms, the longest delay Node's timers keep (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * `--timeout` in whole milliseconds; a usage error unless it is a decimal number of seconds
 * from 0.001 to 2147483.647 (`Infinity`, `1e10`, `0.0001` and `-1` are refused).
 *
 * @example
 * timeoutMs(parseArgs(['-t', '2.5'], [timeoutOption(10_000, '')]), 10_000) // 2500
 */
export function timeoutMs(parsed: Parsed, defaultMs: number): number {
  const text = parsed.values.get('timeout');
  if (text === undefined) return defaultMs;
  const seconds = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
  const ms = Math.round(seconds * 1000);
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw new UsageError(
      `\`${text}\` is not a valid value for \`--timeout\``,
      `give a number of seconds from 0.001 to ${MAX_TIMEOUT_MS / 1000}, e.g. \`--timeout 30\``,
    );
  }
  return ms;
}

/**
 * `--initial a,b` and the like: the names, bottom to top. An empty entry (`a,,b`), a patch
 * named twice or a name longer than a module name can be is a usage error.
 */
export function patchList(text: string | undefined, option = '--initial'): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((s) => s.trim());
  if (names.length === 1 && names[0] === '') return [];
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') {
      throw new UsageError(`empty patch name in \`${option}\``, 'separate names with one comma');
    }
    if (name.length > MAX_MODULE_NAME) {
      throw new UsageError(
        `\`${option}\`: a patch name is ${name.length} characters long`,
        `module names have at most ${MAX_MODULE_NAME} characters`,
      );
    }
    if (seen.has(name)) {
      throw new UsageError(
        `\`${option}\` names patch \`${name}\` twice`,
        'a module can be loaded only once',
      );
    }
    seen.add(name);
  }
  return names;
}

/** A usage error, with a suggestion, unless the catalog has a patch of that name. */
export function requirePatch(cat: Catalog, name: string, what: string): void {
  if (cat.byName.has(name)) return;
  throw new UsageError(
    `${what}: patch \`${name.length > 40 ? `${name.slice(0, 39)}…` : name}\` is not in the catalog`,
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

/** `--replace-certificate`: an existing, non-empty `--certificate DIR` may be replaced. */
export const REPLACE_CERTIFICATE_OPTION: OptionSpec = {
  name: 'replace-certificate',
  kind: 'flag',
  description: 'replace the certificate folder if it exists and is not empty (refused otherwise)',
};

/** Where nothing may be written: pseudo file systems (writes there never end or do harm). */
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * `--certificate DIR` checked before any work: it must be a folder that can be created and
 * written, empty or absent (or `--replace-certificate`). A usage error otherwise, so a long
 * proof never ends in a stack trace at the last step.
 *
 * @example
 * const dir = certificateDir(parsed); // null without --certificate
 */
export function certificateDir(parsed: Parsed): string | null {
  const dir = parsed.values.get('certificate');
  if (dir === undefined) {
    if (parsed.flags.has('replace-certificate')) {
      throw new UsageError('`--replace-certificate` needs `--certificate DIR`');
    }
    return null;
  }
  const where = `certificate folder \`${dir}\``;
  if (dir === '') throw new UsageError('`--certificate` needs a folder name');
  const abs = resolve(dir);
  if (PSEUDO.some((p) => abs === p || abs.startsWith(`${p}/`))) {
    throw new UsageError(`${where} is in \`${abs.split('/')[1]}\``, 'write it to a real folder');
  }
  let existing = abs;
  for (;;) {
    const st = statOrNull(existing);
    if (st !== null) {
      if (!st.isDirectory()) {
        throw new UsageError(
          existing === abs ? `${where} is a file` : `${where} is below the file \`${existing}\``,
          'give the path of a folder, new or empty',
        );
      }
      break;
    }
    const up = dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  if (existing === abs && readdirSync(abs).length > 0 && !parsed.flags.has('replace-certificate')) {
    throw new UsageError(
      `${where} is not empty`,
      'give a new or empty folder, or pass `--replace-certificate` to replace it',
    );
  }
  // A real write: catches read-only file systems and permissions that access() misses.
  try {
    rmdirSync(mkdtempSync(join(existing, '.klp-verify-probe-')));
  } catch (e) {
    throw new UsageError(`${where} cannot be written: ${errnoText(e)}`);
  }
  return dir;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function errnoText(e: unknown): string {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  const words: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a parent is not a folder',
    EEXIST: 'a file is in the way',
  };
  return words[code] ?? (code === '' ? String(e) : code);
}

/**
 * Writes certificate files (SMT-LIB queries and the like) as the folder `dir`, atomically: into
 * a temporary folder next to it, renamed to `dir` when every file is complete (an existing
 * `dir`, checked by `certificateDir`, is replaced whole). An interrupted run leaves no partial
 * folder under `dir`'s name and never mixes in files of an earlier run. A failure is a usage
 * error (exit 2), never a stack trace.
 */
export function writeFiles(
  dir: string,
  files: readonly { readonly name: string; readonly text: string }[],
): void {
  const abs = resolve(dir);
  let tmp: string | null = null;
  try {
    mkdirSync(dirname(abs), { recursive: true });
    tmp = mkdtempSync(join(dirname(abs), `.${basename(abs)}.tmp-`));
    // mkdtemp makes the folder private (0700); a certificate is meant to be shared.
    chmodSync(tmp, 0o755);
    for (const f of files) writeFileSync(join(tmp, f.name), f.text);
    const old = statOrNull(abs) === null ? null : `${tmp}.old`;
    if (old !== null) renameSync(abs, old);
    renameSync(tmp, abs);
    tmp = null;
    if (old !== null) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
    if (e instanceof Error && 'code' in e) {
      throw new UsageError(`cannot write certificate folder \`${dir}\`: ${errnoText(e)}`);
    }
    throw e;
  }
}
