/**
 * `catalog build`'s engine: compiled modules, C sources and folders of them to one catalog,
 * one patch per module, every fact with its origin.
 *
 * Unresolved facts: klp-verify's model has no "unknown" `replace` or state array (the
 * kernel's rules would need three-valued patches, and every verdict would become "unknown").
 * So a fact assigned at run time is refused (an error, exit 2) with the option that supplies
 * it: `--replace MODULE=true|false` (or `replace:` on an artifact entry of a catalog file),
 * `-D NAME=VALUE` for a macro the reader could not see.
 *
 * Guarantees: the patches returned have unique module names (kbuild's `-` as `_`), state ids
 * in 1..2^64-1 and versions in 0..2^32-1, and every state and function carries its origin.
 * No input crashes it: every problem is a diagnostic.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KlpState, Patch } from '../../model/patch.ts';
import { type Diagnostic, sortDiagnostics } from '../../source/diagnostic.ts';
import { Source } from '../../source/source.ts';
import { readSourceFile } from './c/extract.ts';
import { readModuleFile } from './ko.ts';
import { formatOrigin, type Origin } from './origin.ts';
import type { ArtifactFunc, ArtifactRead, ArtifactState } from './types.ts';

export interface BuildOptions {
  /** `-D NAME=VALUE` for C sources. */
  readonly defines?: ReadonlyMap<string, string>;
  /** `-I DIR` for C sources. */
  readonly includeDirs?: readonly string[];
  /** `--replace MODULE=BOOL`: supplies `replace` where an artifact cannot tell it. */
  readonly replace?: ReadonlyMap<string, boolean>;
}

/** A patch read from an artifact, every fact resolved. */
export interface BuiltPatch {
  readonly name: string;
  readonly file: string;
  readonly origin: Origin;
  readonly replace: boolean;
  readonly replaceOrigin: Origin;
  readonly states: readonly ArtifactState[];
  /** Where a new state would be added: the state array, else the patch. */
  readonly statesOrigin: Origin;
  readonly functions: readonly ArtifactFunc[];
}

export interface BuiltCatalog {
  readonly patches: readonly BuiltPatch[];
  /** The artifacts read, in order. */
  readonly files: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The kind of artifact a file name says: a module, a C source (`*.mod.c` from kbuild is not
 * one), or neither.
 *
 * @example
 * artifactKind('klp_r2.ko') // 'module'
 */
export function artifactKind(path: string): 'module' | 'source' | null {
  if (path.endsWith('.ko')) return 'module';
  if (path.endsWith('.c') && !path.endsWith('.mod.c')) return 'source';
  return null;
}

/**
 * Reads one artifact, choosing the reader by file name (`.ko` or `.c`).
 *
 * @example
 * readArtifact('test_klp_state2.c', {}).patch?.name // 'test_klp_state2'
 */
export function readArtifact(path: string, options: BuildOptions = {}): ArtifactRead {
  const kind = artifactKind(path);
  if (kind === 'module') {
    try {
      return readModuleFile(path);
    } catch (e) {
      return unreadable(path, e);
    }
  }
  return readSourceFile(path, {
    ...(options.defines === undefined ? {} : { defines: options.defines }),
    ...(options.includeDirs === undefined ? {} : { includeDirs: options.includeDirs }),
  });
}

/**
 * Resolves an artifact's patch with the options; unresolved facts become errors.
 *
 * @example
 * resolvePatch(readArtifact('x.c'), { replace: new Map([['x', true]]) })
 */
export function resolvePatch(
  read: ArtifactRead,
  options: BuildOptions = {},
): { readonly patch: BuiltPatch | null; readonly diagnostics: readonly Diagnostic[] } {
  const p = read.patch;
  if (p === null) return { patch: null, diagnostics: read.diagnostics };
  const diagnostics = [...read.diagnostics];
  let replace: { value: boolean; origin: Origin } | null = null;
  if ('kind' in p.replace) {
    const given = options.replace?.get(p.name);
    if (given === undefined) diagnostics.push(p.replace.diagnostic);
    else
      replace = {
        value: given,
        origin: { kind: 'option', option: `--replace ${p.name}=${given}` },
      };
  } else {
    replace = p.replace;
  }
  let states: readonly ArtifactState[] | null = null;
  if ('kind' in p.states) diagnostics.push(p.states.diagnostic);
  else states = p.states;
  if (replace === null || states === null) return { patch: null, diagnostics };
  return {
    patch: {
      name: p.name,
      file: p.file,
      origin: p.origin,
      replace: replace.value,
      replaceOrigin: replace.origin,
      states,
      statesOrigin: p.statesOrigin,
      functions: p.functions,
    },
    diagnostics,
  };
}

/**
 * Expands paths: files as given, folders to their `.ko` and `.c` files (sorted by name, not
 * recursive, `*.mod.c` left out). A path that is neither is a diagnostic.
 *
 * @example
 * collectArtifacts(['examples/artifact-stream/ko']).files // ['.../klp_r1.ko', ...]
 */
export function collectArtifacts(paths: readonly string[]): {
  readonly files: readonly { readonly path: string; readonly fromFolder: boolean }[];
  readonly diagnostics: readonly Diagnostic[];
} {
  const files: { path: string; fromFolder: boolean }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      diagnostics.push(pathDiagnostic(path, `cannot read \`${path}\`: no such file or folder`));
      continue;
    }
    if (!isDir) {
      if (artifactKind(path) === null) {
        diagnostics.push(
          pathDiagnostic(path, `\`${path}\` is neither a module (\`.ko\`) nor a c source (\`.c\`)`),
        );
      } else {
        files.push({ path, fromFolder: false });
      }
      continue;
    }
    const entries = readdirSync(path)
      .filter((n) => artifactKind(n) !== null)
      .sort();
    if (entries.length === 0) {
      diagnostics.push(pathDiagnostic(path, `folder \`${path}\` holds no \`.ko\` or \`.c\` file`));
    }
    for (const n of entries) files.push({ path: join(path, n), fromFolder: true });
  }
  return { files, diagnostics };
}

/**
 * Builds a catalog from artifacts (files or folders), in the order given.
 *
 * @example
 * const built = buildCatalog(['test/fixtures/modules/kernel/ko'], {});
 * built.patches.map((p) => p.name) // ['livepatch_sample', 'test_klp_atomic_replace', ...]
 */
export function buildCatalog(paths: readonly string[], options: BuildOptions = {}): BuiltCatalog {
  const collected = collectArtifacts(paths);
  const diagnostics: Diagnostic[] = [...collected.diagnostics];
  const patches: BuiltPatch[] = [];
  const byName = new Map<string, BuiltPatch>();
  for (const { path, fromFolder } of collected.files) {
    const read = readArtifact(path, options);
    // In a folder, a C file that declares no patch is a helper, not a mistake.
    const notLivepatch = read.patch === null && read.diagnostics.some((d) => d.code === 'KV0404');
    if (fromFolder && notLivepatch && artifactKind(path) === 'source') {
      diagnostics.push(...read.diagnostics.map(asHelperWarning));
      continue;
    }
    const r = resolvePatch(read, options);
    diagnostics.push(...r.diagnostics);
    if (r.patch === null) continue;
    const key = r.patch.name.replaceAll('-', '_');
    const first = byName.get(key);
    if (first !== undefined) {
      diagnostics.push(
        pathDiagnostic(
          path,
          `\`${path}\` is module \`${r.patch.name}\` again (first from \`${first.file}\`)`,
          'KV0414',
          'a catalog has one patch per module: give either the modules or their sources',
        ),
      );
      continue;
    }
    byName.set(key, r.patch);
    patches.push(r.patch);
  }
  return {
    patches,
    files: collected.files.map((f) => f.path),
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/**
 * The model's patch, with origins as citations for explanations.
 *
 * @example
 * toPatch(built.patches[0]).states[0]?.origin // 'test_klp_state.c:137'
 */
export function toPatch(b: BuiltPatch): Patch {
  return {
    name: b.name,
    replace: b.replace,
    replaceSet: 0,
    states: b.states.map(
      (s): KlpState => ({
        id: s.id,
        version: s.version,
        blockDisable: false,
        origin: formatOrigin(s.origin),
      }),
    ),
    functions: b.functions.map((f) => ({ object: f.object, name: f.name, sympos: f.sympos })),
    origin: formatOrigin(b.origin),
    replaceOrigin: formatOrigin(b.replaceOrigin),
    statesOrigin: formatOrigin(b.statesOrigin),
  };
}

/** KV0404 on a C file met in a folder: a warning, the file is a helper. */
function asHelperWarning(d: Diagnostic): Diagnostic {
  if (d.code !== 'KV0404') return d;
  const warning: Diagnostic = { ...d, severity: 'warning' };
  return warning;
}

function pathDiagnostic(
  path: string,
  message: string,
  code: 'KV0414' | 'KV0415' = 'KV0415',
  help?: string,
): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    source: new Source(path, ''),
    span: { start: 0, end: 0 },
    ...(help === undefined ? {} : { help }),
  };
}

function unreadable(path: string, e: unknown): ArtifactRead {
  if (!(e instanceof Error && 'code' in e && typeof e.code === 'string')) throw e;
  const reason =
    e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code;
  return {
    patch: null,
    diagnostics: [pathDiagnostic(path, `cannot read \`${path}\`: ${reason}`)],
  };
}
