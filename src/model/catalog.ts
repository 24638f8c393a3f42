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
