/**
 * Random catalogs and reachable systems for the symbolic transition system and the prover:
 * small catalogs (at most 6 patches, at most 3 states each) whose patches share state ids,
 * versions, block_disable flags, replace sets and functions often enough that every rule of
 * every shipped rule set fires.
 */
import fc from 'fast-check';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import { type Patch, patch } from '../../src/model/patch.ts';

export const RULE_SETS = ['upstream', 'replace', 'block-disable', 'replace-set'] as const;
export type RuleSetName = (typeof RULE_SETS)[number];
export type Mode = 'auto' | 'manual';
export const MODES: readonly Mode[] = ['auto', 'manual'];

const FUNCTIONS = ['f1', 'f2', 'f3'].map((name) => ({ object: 'vmlinux', name, sympos: 0 }));

export const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 2 }),
      states: fc.array(
        fc.record({
          id: fc.constantFrom(1, 2, 3),
          version: fc.integer({ min: 0, max: 3 }),
          blockDisable: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      functions: fc.subarray(FUNCTIONS, { maxLength: 2 }),
    })
    .map((p) => patch(name, p));

/** A catalog of `min` to `max` patches named p0, p1, ... */
export const arbCatalog = (min = 1, max = 6): fc.Arbitrary<Catalog> =>
  fc
    .integer({ min, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbPatch(`p${i}`))))
    .map((ps) => catalog(ps));

/** Every operation on every patch of the catalog, `complete` included. */
export function allOps(cat: Catalog): Op[] {
  const ops: Op[] = [{ kind: 'complete' }];
  for (const { name: patch } of cat.patches) {
    for (const kind of ['insmod', 'rmmod', 'enable', 'disable', 'force'] as const) {
      ops.push({ kind, patch });
    }
  }
  return ops;
}
