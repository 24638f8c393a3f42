/**
 * Catalog files: the livepatch modules a plan may load, as `struct klp_patch` values
 * (include/linux/livepatch.h) with their `struct klp_state` arrays.
 *
 * Guarantees: a returned catalog has unique module names (with `-` read as `_`, as kbuild
 * names modules), state ids in 1..2^64-1 held exactly as `bigint`, versions and replace sets
 * in 0..2^32-1, and every patch and state declaration keeps its span. Duplicate state ids are
 * kept in order with a warning: `klp_get_state()` returns the first, and so does `getState`.
 */

import { dirname, join } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { type Catalog, catalog } from '../model/catalog.ts';
import {
  type KlpFunc,
  type KlpState,
  MAX_REPLACE_SET,
  MAX_STATE_ID,
  MAX_STATE_VERSION,
  type Patch,
} from '../model/patch.ts';
import { checkDeadline } from '../source/deadline.ts';
import { Source, type Span } from '../source/source.ts';
import { readArtifact, resolvePatch, toPatch } from './artifacts/build.ts';
import { decodeUtf8, readerLimits, readTextFile } from './fs.ts';
import {
  type Fields,
  readBool,
  readFields,
  readList,
  readStateId,
  readString,
  readUnsigned,
} from './read.ts';
import { type Loaded, loaded, Reporter, unreadable } from './reporter.ts';
import { literal, parseYaml, type Value } from './yaml-tree.ts';

/** Where a `struct klp_state` entry is declared. */
export interface StateDecl {
  readonly id: bigint;
  /** The whole entry. */
  readonly span: Span;
  /** The `id` value. */
  readonly idSpan: Span;
}

/** Where a patch is declared, for reports that point back at the catalog. */
export interface PatchDecl {
  readonly source: Source;
  /** The whole entry of the `patches` list. */
  readonly span: Span;
  /** The `name` value. */
  readonly nameSpan: Span;
  /** Parallel to `Patch.states`, duplicates included. */
  readonly states: readonly StateDecl[];
}

/** A catalog read from a file, with the declaration of each patch by name. */
export interface SourcedCatalog extends Catalog {
  readonly decls: ReadonlyMap<string, PatchDecl>;
}

/**
 * The declaration of state `id` in a patch: the first one, the entry the kernel uses.
 *
 * @example
 * const decl = cat.decls.get('test_klp_state2');
 * const at = decl && stateDecl(decl, 1n); // spans of the entry `id: 1 ...` and of `1`
 */
export function stateDecl(decl: PatchDecl, id: bigint): StateDecl | undefined {
  return decl.states.find((s) => s.id === id);
}

const CATALOG_KEYS = ['patches'];
const PATCH_KEYS = ['name', 'replace', 'replace_set', 'states', 'functions', 'origin'];
const STATE_KEYS = ['id', 'version', 'block_disable', 'origin'];
/** A patch read from an artifact: `{ module: x.ko }` or `{ source: x.c }`, paths next to the catalog. */
const ARTIFACT_KEYS = ['module', 'source', 'replace'];
const FUNCTION_KEYS = ['object', 'name', 'sympos'];
/** Module names as kbuild makes them from file names. */
const MODULE_NAME = /^[A-Za-z0-9_-]+$/;
/** MODULE_NAME_LEN (56) less the final NUL (include/linux/module.h). */
export const MAX_MODULE_NAME = 55;
/** KSYM_NAME_LEN (512) less the final NUL (include/linux/kallsyms.h). */
const MAX_SYMBOL_NAME = 511;
/** `klp_func.old_sympos` is an `unsigned long`; positions beyond 2^32-1 do not occur. */
const MAX_SYMPOS = 0xffff_ffff;

const EMPTY_HELP = 'a catalog file starts with `patches:`, a list of livepatch modules';

/**
 * Reads a catalog document (top level `patches:`).
 *
 * @example
 * const { value, diagnostics } = parseCatalog(new Source('streams.yaml', text));
 * value?.byName.get('test_klp_state2')?.replace // true
 */
export function parseCatalog(source: Source): Loaded<SourcedCatalog> {
  const r = new Reporter(source);
  return loaded(readCatalogDocument(r).catalog, r.diagnostics);
}

/**
 * Reads a catalog file; an unreadable file is a diagnostic on an empty source named `path`.
 *
 * @example
 * const { value } = loadCatalogFile('examples/streams.yaml');
 */
export function loadCatalogFile(path: string): Loaded<SourcedCatalog> {
  const text = readTextFile(path);
  if (typeof text === 'string') return parseCatalog(new Source(path, text));
  return unreadable<SourcedCatalog>(path, text);
}

/**
 * Reads a catalog from bytes (standard input), named `name` in diagnostics.
 *
 * @example
 * parseCatalogBytes(new TextEncoder().encode('patches: []\n'), '<stdin>').value?.patches // []
 */
export function parseCatalogBytes(bytes: Uint8Array, name: string): Loaded<SourcedCatalog> {
  const text = decodeUtf8(bytes);
  if (typeof text === 'string') return parseCatalog(new Source(name, text));
  return unreadable<SourcedCatalog>(name, text);
}

/** What reading a catalog yields: the catalog if clean, and the names it declares anyway. */
export interface CatalogRead {
  readonly catalog: SourcedCatalog | null;
  /** Every well-formed patch name, even when other parts are wrong: plans check names against it. */
  readonly names: readonly string[] | null;
}

/** Reads a whole catalog document into `r`. */
export function readCatalogDocument(r: Reporter): CatalogRead {
  const top = parseYaml(r, EMPTY_HELP, { what: 'a catalog', keys: CATALOG_KEYS });
  if (top === null) return { catalog: null, names: null };
  const fields = readFields(r, top, 'the catalog', CATALOG_KEYS, CATALOG_KEYS);
  const patches = fields?.byKey.get('patches');
  if (patches === undefined) return { catalog: null, names: null };
  return readPatchList(r, patches.value);
}

/** Reads a `patches:` list, from a catalog file or inline in a plan. */
export function readPatchList(r: Reporter, v: Value): CatalogRead {
  const before = r.errorCount;
  const items = readList(r, v, '`patches`');
  if (items === null) return { catalog: null, names: null };
  const patches: Patch[] = [];
  const decls = new Map<string, PatchDecl>();
  // Keyed by the kernel's module name, to catch `a-b` next to `a_b`.
  const seen = new Map<string, Spanned<string>>();
  const names: string[] = [];
  const { deadline } = readerLimits();
  for (const [i, item] of items.entries()) {
    // Every 1,024 patches: a catalog of fewer is read whole (tens of milliseconds).
    if ((i & 1023) === 1023) checkDeadline(deadline, `reading ${r.source.file}`);
    const { name, entry } = isArtifactEntry(item) ? readArtifactEntry(r, item) : readPatch(r, item);
    if (name === null) continue;
    const first = seen.get(moduleName(name.value));
    if (first !== undefined) {
      reportDuplicateName(r, name, first);
      continue;
    }
    seen.set(moduleName(name.value), name);
    names.push(name.value);
    if (entry === null) continue;
    patches.push(entry.patch);
    decls.set(name.value, entry.decl);
  }
  if (r.errorCount > before) return { catalog: null, names };
  return { catalog: { ...catalog(patches), decls }, names };
}

function reportDuplicateName(r: Reporter, name: Spanned<string>, first: Spanned<string>): void {
  const same = first.value === name.value;
  const message = same
    ? `duplicate patch name \`${name.value}\``
    : `duplicate patch name \`${name.value}\`: same module as \`${first.value}\``;
  r.error('KV0111', name.span, message, {
    related: [r.related(first.span, `\`${first.value}\` first declared here`)],
    help: same ? undefined : 'kbuild names modules with `-` replaced by `_`',
  });
}

interface Spanned<T> {
  readonly value: T;
  readonly span: Span;
}

interface PatchRead {
  /** The name when well formed, even if other fields are wrong: plans check names against it. */
  readonly name: Spanned<string> | null;
  /** The patch and its declaration, when the whole entry is clean. */
  readonly entry: { readonly patch: Patch; readonly decl: PatchDecl } | null;
}

function readPatch(r: Reporter, v: Value): PatchRead {
  const before = r.errorCount;
  const f = readFields(r, v, 'a patch', PATCH_KEYS, ['name']);
  if (f === null) return { name: null, entry: null };
  const name = spanned(f, 'name', (x) => readModuleName(r, x, 'module'));
  const replace = optional(f, 'replace', false, (x) => readBool(r, x, '`replace`'));
  const replaceSet = optional(f, 'replace_set', 0, (x) =>
    readUnsigned(r, x, '`replace_set`', MAX_REPLACE_SET),
  );
  const states = optional(f, 'states', [], (x) => readStates(r, x, name?.value ?? null));
  const functions = optional(f, 'functions', [], (x) => readFunctions(r, x));
  const origin = optional(f, 'origin', null, (x) => readString(r, x, '`origin`'));
  if (
    r.errorCount > before ||
    name === null ||
    replace === null ||
    replaceSet === null ||
    states === null ||
    functions === null
  ) {
    return { name, entry: null };
  }
  const patch: Patch = {
    name: name.value,
    replace,
    replaceSet,
    states: states.map((s) => s.state),
    functions,
    ...(origin === null ? {} : { origin }),
  };
  const decl: PatchDecl = {
    source: r.source,
    span: v.span,
    nameSpan: name.span,
    states: states.map((s) => s.decl),
  };
  return { name, entry: { patch, decl } };
}

function readStates(
  r: Reporter,
  v: Value,
  patchName: string | null,
): { state: KlpState; decl: StateDecl }[] | null {
  const items = readList(r, v, '`states`');
  if (items === null) return null;
  const out: { state: KlpState; decl: StateDecl }[] = [];
  let ok = true;
  for (const item of items) {
    const read = readState(r, item);
    if (read === null) {
      ok = false;
      continue;
    }
    const first = out.find((s) => s.state.id === read.state.id);
    if (first !== undefined) {
      const of = patchName === null ? '' : ` in patch \`${patchName}\``;
      r.warning(
        'KV0114',
        read.decl.idSpan,
        `duplicate state id \`${literal(r, read.decl.idSpan)}\`${of}: the first one counts`,
        {
          related: [
            r.related(
              first.decl.span,
              'the kernel uses this entry (`klp_get_state()` returns the first)',
            ),
          ],
          help: 'remove the later entry',
        },
      );
    }
    out.push(read);
  }
  return ok ? out : null;
}

function readState(r: Reporter, v: Value): { state: KlpState; decl: StateDecl } | null {
  const f = readFields(r, v, 'a state', STATE_KEYS, ['id']);
  if (f === null) return null;
  const id = spanned(f, 'id', (x) => readStateId(r, x, MAX_STATE_ID));
  const version = optional(f, 'version', 0, (x) =>
    readUnsigned(r, x, '`version`', MAX_STATE_VERSION),
  );
  const blockDisable = optional(f, 'block_disable', false, (x) =>
    readBool(r, x, '`block_disable`'),
  );
  const origin = optional(f, 'origin', null, (x) => readString(r, x, '`origin`'));
  if (id === null || version === null || blockDisable === null) return null;
  return {
    state: { id: id.value, version, blockDisable, ...(origin === null ? {} : { origin }) },
    decl: { id: id.value, span: v.span, idSpan: id.span },
  };
}

function readFunctions(r: Reporter, v: Value): KlpFunc[] | null {
  const items = readList(r, v, '`functions`');
  if (items === null) return null;
  const out: KlpFunc[] = [];
  let ok = true;
  for (const item of items) {
    const f = readFields(r, item, 'a function', FUNCTION_KEYS, ['object', 'name']);
    if (f === null) {
      ok = false;
      continue;
    }
    const object = required(f, 'object', (x) => readModuleName(r, x, 'object'));
    const name = required(f, 'name', (x) => readFunctionName(r, x));
    const sympos = optional(f, 'sympos', 0, (x) => readUnsigned(r, x, '`sympos`', MAX_SYMPOS));
    if (object === null || name === null || sympos === null) ok = false;
    else out.push({ object, name, sympos });
  }
  return ok ? out : null;
}

/** A module name (`name` of a patch, `object` of a function: `vmlinux` or a module). */
function readModuleName(r: Reporter, v: Value, what: 'module' | 'object'): string | null {
  const name = readString(r, v, what === 'module' ? '`name`' : '`object`');
  if (name === null) return null;
  if (name.length > MAX_MODULE_NAME) {
    r.error(
      'KV0132',
      v.span,
      `${what} name \`${literal(r, v.span)}\` is ${name.length} characters long`,
      {
        help: `the kernel allows at most ${MAX_MODULE_NAME} characters (MODULE_NAME_LEN is ${MAX_MODULE_NAME + 1} with the final NUL)`,
      },
    );
    return null;
  }
  if (MODULE_NAME.test(name)) return name;
  r.error('KV0110', v.span, `invalid ${what} name \`${literal(r, v.span)}\``, {
    help:
      what === 'module'
        ? 'a module name uses only letters, digits, `_` and `-`'
        : 'an object is `vmlinux` or a module name (letters, digits, `_` and `-`)',
  });
  return null;
}

function readFunctionName(r: Reporter, v: Value): string | null {
  const name = readString(r, v, '`name`');
  if (name === null) return null;
  if (name.length > MAX_SYMBOL_NAME) {
    r.error(
      'KV0132',
      v.span,
      `function name \`${literal(r, v.span)}\` is ${name.length} characters long`,
      {
        help: `the kernel allows at most ${MAX_SYMBOL_NAME} characters (KSYM_NAME_LEN is ${MAX_SYMBOL_NAME + 1})`,
      },
    );
    return null;
  }
  // Printable ASCII only: a symbol name has no spaces and no control characters.
  if (/^[\x21-\x7e]+$/.test(name)) return name;
  r.error('KV0110', v.span, `invalid function name \`${literal(r, v.span)}\``, {
    help: 'a function name is a symbol name such as `cmdline_proc_show`',
  });
  return null;
}

/** The value of a field with a default; null when it is present but wrong (reported). */
function optional<T>(f: Fields, key: string, fallback: T, read: (v: Value) => T | null): T | null {
  const field = f.byKey.get(key);
  return field === undefined ? fallback : read(field.value);
}

/** The value of a required field; null when missing (reported by `readFields`) or wrong. */
function required<T>(f: Fields, key: string, read: (v: Value) => T | null): T | null {
  return spanned(f, key, read)?.value ?? null;
}

/** A required field's value with the span of the value. */
function spanned<T>(f: Fields, key: string, read: (v: Value) => T | null): Spanned<T> | null {
  const field = f.byKey.get(key);
  const value = field === undefined ? null : read(field.value);
  return field === undefined || value === null ? null : { value, span: field.value.span };
}

function isArtifactEntry(v: Value): boolean {
  const node = v.node;
  return (
    node !== null &&
    isMap(node) &&
    node.items.some(
      (pair) => isScalar(pair.key) && (pair.key.value === 'module' || pair.key.value === 'source'),
    )
  );
}

/**
 * `{ module: path/x.ko }` or `{ source: path/x.c }`: the patch read from the artifact (path
 * relative to the catalog's folder), `replace:` supplying a `replace` the artifact sets at run
 * time. The artifact's diagnostics are reported with the catalog's.
 */
function readArtifactEntry(r: Reporter, v: Value): PatchRead {
  const f = readFields(r, v, 'an artifact entry', ARTIFACT_KEYS);
  if (f === null) return { name: null, entry: null };
  const module = f.byKey.get('module');
  const source = f.byKey.get('source');
  if (module !== undefined && source !== undefined) {
    r.error('KV0105', source.keySpan, 'an artifact entry has both `module` and `source`', {
      help: 'list the module and its source as two entries, or only one of them',
    });
    return { name: null, entry: null };
  }
  const field = module ?? source;
  if (field === undefined) return { name: null, entry: null };
  const path = readString(r, field.value, `\`${field.key}\``);
  const replace = optional(f, 'replace', null, (x) => readBool(r, x, '`replace`'));
  if (path === null) return { name: null, entry: null };
  const full = join(dirname(r.source.file), path);
  const read = readArtifact(full);
  const given =
    read.patch === null || replace === null ? undefined : new Map([[read.patch.name, replace]]);
  const resolved = resolvePatch(read, given === undefined ? {} : { replace: given });
  for (const d of resolved.diagnostics) r.adopt(d);
  const built = resolved.patch;
  if (built === null) return { name: null, entry: null };
  const patch = toPatch(built);
  const decl: PatchDecl = {
    source: r.source,
    span: v.span,
    nameSpan: field.value.span,
    states: patch.states.map((s) => ({
      id: s.id,
      span: field.value.span,
      idSpan: field.value.span,
    })),
  };
  return { name: { value: patch.name, span: field.value.span }, entry: { patch, decl } };
}

function moduleName(name: string): string {
  return name.replaceAll('-', '_');
}
