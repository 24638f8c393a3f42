/**
 * Runtime values of the rule language, evaluation results (errors are values), and the world
 * an expression is evaluated in.
 *
 * `u32` and `u64` values are both `int` (a `bigint`): the checker keeps them apart, so the
 * evaluator needs no width. Patch identity is the module name (unique among loaded modules).
 */
import { type Catalog, patchNamed } from '../model/catalog.ts';
import { assertNever } from '../model/op.ts';
import { formatStateId, type KlpFunc, type KlpState, type Patch } from '../model/patch.ts';
import { isEnabled, type System } from '../model/system.ts';
import type { Span } from '../source/source.ts';

export type Value =
  | { readonly kind: 'bool'; readonly value: boolean }
  /** `u32` or `u64`. */
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'patch'; readonly patch: Patch }
  /** One `struct klp_state` entry of `owner`. */
  | { readonly kind: 'state'; readonly state: KlpState; readonly owner: Patch }
  | { readonly kind: 'function'; readonly func: KlpFunc };

/** The only error a rule can run into: `p.version(id)` when `p` lacks the state. */
export interface EvalError {
  readonly kind: 'missing-state';
  readonly patch: string;
  readonly id: bigint;
  /** The `version` call. */
  readonly span: Span;
}

export type EvalResult<T = Value> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: EvalError };

export function ok<T>(value: T): EvalResult<T> {
  return { kind: 'ok', value };
}

/**
 * What `installed`, `catalog`, `below`, `before` and `.enabled` refer to. Build it with
 * `systemWorld` or `catalogWorld`.
 */
export interface World {
  /** `klp_patches`, bottom to top. */
  readonly installed: readonly Patch[];
  /** Catalog order: for a release stream, oldest first. */
  readonly catalog: readonly Patch[];
  /** Position on `klp_patches` by name. */
  readonly installedIndex: ReadonlyMap<string, number>;
  /** Position in the catalog by name. */
  readonly catalogIndex: ReadonlyMap<string, number>;
  /** `patch->enabled`. */
  readonly enabled: (name: string) => boolean;
}

function indexByName(patches: readonly Patch[]): ReadonlyMap<string, number> {
  return new Map(patches.map((p, i) => [p.name, i]));
}

/**
 * The catalog's index, built once per catalog: a world is made for every simulator step, and
 * rebuilding an index of n patches each time made a load matrix cost n³.
 */
const catalogIndexes = new WeakMap<readonly Patch[], ReadonlyMap<string, number>>();

/** The catalog's name index, cached per catalog. */
export function catalogIndex(patches: readonly Patch[]): ReadonlyMap<string, number> {
  let index = catalogIndexes.get(patches);
  if (index === undefined) {
    index = indexByName(patches);
    catalogIndexes.set(patches, index);
  }
  return index;
}

/**
 * The world of a running system: `installed` is `sys.klpPatches` resolved in `cat`.
 * Throws when a patch on `klp_patches` is not in the catalog (the caller's inputs disagree).
 *
 * @example
 * systemWorld(EMPTY_SYSTEM, cat).installed // []
 */
export function systemWorld(sys: System, cat: Catalog): World {
  const installed = sys.klpPatches.map((name) => patchNamed(cat, name));
  return {
    installed,
    catalog: cat.patches,
    installedIndex: indexByName(installed),
    catalogIndex: catalogIndex(cat.patches),
    enabled: (name) => isEnabled(sys, name),
  };
}

/** The world of a policy: a catalog and no running system. */
export function catalogWorld(cat: Catalog): World {
  return {
    installed: [],
    catalog: cat.patches,
    installedIndex: new Map(),
    catalogIndex: catalogIndex(cat.patches),
    enabled: () => false,
  };
}

/**
 * A patch's family: its module name without the trailing release suffix, i.e. the longest run
 * of digits, `_`, `-` and `.` at its end; the whole name when nothing else would remain.
 *
 * @example
 * patchFamily('test_klp_state2') // 'test_klp_state'
 * patchFamily('livepatch_61_2')  // 'livepatch'
 */
export function patchFamily(name: string): string {
  const stem = name.replace(/[0-9_.-]+$/, '');
  return stem === '' ? name : stem;
}

/** A function as messages print it: `vmlinux:cmdline_proc_show`, with `,N` when sympos is set. */
export function formatFunction(f: KlpFunc): string {
  return f.sympos === 0 ? `${f.object}:${f.name}` : `${f.object}:${f.name},${f.sympos}`;
}

/**
 * A value as a message hole prints it: ids in decimal below 2^32 and `0x` hex above, patches by
 * name. States never reach a hole (the checker forbids it); for binding lists they print as
 * `state ID`.
 */
export function formatValue(v: Value): string {
  switch (v.kind) {
    case 'bool':
      return String(v.value);
    case 'int':
      return formatStateId(v.value);
    case 'string':
      return v.value;
    case 'patch':
      return v.patch.name;
    case 'state':
      return `state ${formatStateId(v.state.id)}`;
    case 'function':
      return formatFunction(v.func);
    default:
      return assertNever(v, 'value');
  }
}
