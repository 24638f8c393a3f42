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
import type { TransitionMode } from '../../src/model/system.ts';

export const RULE_SETS = ['upstream', 'replace', 'block-disable', 'replace-set'] as const;
export type RuleSetName = (typeof RULE_SETS)[number];

/** One value per shipped kernel rule set. */
export function perRuleSet<T>(f: (name: RuleSetName) => T): Record<RuleSetName, T> {
  return {
    upstream: f('upstream'),
    replace: f('replace'),
    'block-disable': f('block-disable'),
    'replace-set': f('replace-set'),
  };
}
export type Mode = TransitionMode;
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

/**
 * A case the claim alone does not prove: `p0`, installed first, is cumulative and carries
 * block_disable states, so under the block-disable rules it can only leave klp_patches when a
 * cumulative patch that carries those states replaces it; the target `p1` carries them too,
 * and the other patches are random. Whether some patch that would block `p1` ever gets
 * installed depends on which patches can replace `p0`: an invariant must say that `p0` stays.
 */
export const arbBlockedCase = fc
  .record({
    blocking: fc.array(
      fc.record({
        id: fc.constantFrom(1, 2),
        version: fc.integer({ min: 0, max: 3 }),
        blockDisable: fc.constant(true),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    extra: fc.array(
      fc.record({
        id: fc.constantFrom(2, 3),
        version: fc.integer({ min: 0, max: 3 }),
        blockDisable: fc.boolean(),
      }),
      { maxLength: 1 },
    ),
    targetReplace: fc.boolean(),
    others: fc.integer({ min: 1, max: 4 }),
  })
  .chain(({ blocking, extra, targetReplace, others }) =>
    fc.tuple(...Array.from({ length: others }, (_, i) => arbPatch(`p${i + 2}`))).map((rest) => ({
      cat: catalog([
        patch('p0', { replace: true, states: blocking }),
        patch('p1', {
          replace: targetReplace,
          states: [...blocking.map((s) => ({ ...s, version: 3 })), ...extra],
        }),
        ...rest,
      ]),
      target: 'p1',
      initial: ['p0'] as readonly string[],
    })),
  );
