/**
 * A catalog: the livepatch modules a user can load, in the order given (for a release
 * stream, the order of release). Names are unique.
 */
import type { Patch } from './patch.ts';

export interface Catalog {
  /** In file order; for a release stream, oldest first. */
  readonly patches: readonly Patch[];
  readonly byName: ReadonlyMap<string, Patch>;
}

/** Builds a catalog; throws on a duplicate name (input validation reports those earlier). */
export function catalog(patches: readonly Patch[]): Catalog {
  const byName = new Map<string, Patch>();
  for (const p of patches) {
    if (byName.has(p.name)) throw new Error(`duplicate patch name \`${p.name}\` in catalog`);
    byName.set(p.name, p);
  }
  return { patches, byName };
}

/**
 * The patch named `name`, for callers whose inputs were validated against the catalog: a
 * missing name is a bug in the caller, so it throws (an internal error, exit 4).
 *
 * @example
 * patchNamed(catalog([patch('a')]), 'a').name // 'a'
 */
export function patchNamed(cat: Catalog, name: string): Patch {
  const p = cat.byName.get(name);
  if (p === undefined) throw new Error(`patch \`${name}\` is not in the catalog`);
  return p;
}
