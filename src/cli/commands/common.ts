/**
 * What the commands share: their options, reading the catalog and the rule set named on the
 * command line (`-` is standard input), and writing certificate files.
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
import { loadCatalogFile, parseCatalogBytes, type SourcedCatalog } from '../../ingest/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { TransitionMode } from '../../model/system.ts';
import { didYouMean } from '../../source/suggest.ts';
import type { OptionSpec, Parsed } from '../args.ts';
import type { RunContext } from '../command.ts';
import { UsageError } from '../exit.ts';
import { deferSignals, errnoText } from '../files.ts';

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

/**
 * `--policy NAME|FILE,...` (repeatable) of the audits, with what the command does with the
 * policies; `readAuditInputs` reads it.
 *
 * @example
 * policyOption('rule files whose policies are compared')
 */
export function policyOption(what: string): OptionSpec {
  return {
    name: 'policy',
    short: 'p',
    kind: 'value',
    metavar: 'NAME|FILE,...',
    repeatable: true,
    description: what,
  };
}

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
export function transitionsOption(ctx: RunContext): TransitionMode {
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
  readonly transitions: TransitionMode;
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

/**
 * Writes certificate files (SMT-LIB queries and the like) as the folder `dir`, atomically: into
 * a temporary folder next to it, renamed to `dir` when every file is complete (an existing
 * `dir`, checked by `certificateDir`, is replaced whole). An interrupted run leaves no partial
 * folder under `dir`'s name and never mixes in files of an earlier run: a SIGINT or SIGTERM
 * during the write is acted on once it is complete or undone (src/cli/files.ts). A failure is
 * a usage error (exit 2), never a stack trace.
 */
export function writeFiles(
  dir: string,
  files: readonly { readonly name: string; readonly text: string }[],
): void {
  const abs = resolve(dir);
  let tmp: string | null = null;
  try {
    deferSignals(() => {
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
        throw e;
      }
    });
  } catch (e) {
    if (e instanceof Error && 'code' in e) {
      throw new UsageError(`cannot write certificate folder \`${dir}\`: ${errnoText(e)}`);
    }
    throw e;
  }
}

/**
 * The time an engine gets: what is left of the run's `--timeout` when it starts (reading the
 * input came out of the same budget), at least 1 ms; `fallback` without a deadline.
 */
export function remainingMs(ctx: RunContext, fallback: number): number {
  return ctx.deadline === null ? fallback : Math.max(1, Math.floor(ctx.deadline - Date.now()));
}
