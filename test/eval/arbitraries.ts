/**
 * fast-check arbitraries of ground configurations: a catalog of small patches (few ids, so
 * that states collide; duplicate entries allowed, as the kernel allows them), a system over it
 * and a candidate patch.
 */
import fc from 'fast-check';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { type KlpFunc, type Patch, patch } from '../../src/model/patch.ts';
import type { System, TransitionTarget } from '../../src/model/system.ts';

const NAMES = ['lp_1', 'lp_2', 'lp_3', 'test_klp_state2', 'test_klp_state3', 'other'];
const IDS = [1n, 2n, 3n, 0x8173f7e2ce67e6can];
const FUNCS: readonly KlpFunc[] = [
  { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 },
  { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 1 },
  { object: 'ext4', name: 'ext4_fill_super', sympos: 0 },
];

const stateArb = fc.record({
  id: fc.constantFrom(...IDS),
  version: fc.integer({ min: 0, max: 3 }),
  blockDisable: fc.boolean(),
});

function patchArb(name: string): fc.Arbitrary<Patch> {
  return fc
    .record({
      replace: fc.boolean(),
      replaceSet: fc.integer({ min: 0, max: 2 }),
      states: fc.array(stateArb, { maxLength: 3 }),
      functions: fc.subarray([...FUNCS], { maxLength: 2 }),
    })
    .map((o) => patch(name, o));
}

export const catalogArb: fc.Arbitrary<Catalog> = fc
  .shuffledSubarray(NAMES, { minLength: 1 })
  .chain((names) => fc.tuple(...names.map(patchArb)))
  .map((ps) => catalog(ps));

const targets: readonly TransitionTarget[] = ['patched', 'unpatched'];

/** A system over the catalog: some patches on klp_patches in some order, maybe one in transition. */
export function systemArb(cat: Catalog): fc.Arbitrary<System> {
  const names = cat.patches.map((p) => p.name);
  return fc
    .tuple(
      fc.shuffledSubarray(names),
      fc.option(fc.tuple(fc.nat(), fc.constantFrom(...targets)), { nil: null }),
    )
    .map(([klp, t]) => ({
      klpPatches: klp,
      transition:
        t === null || klp.length === 0
          ? null
          : { patch: klp[t[0] % klp.length] ?? '', target: t[1] },
      loaded: [...klp],
      forced: [],
    }));
}

/** A catalog, a system over it, and a patch of the catalog (the candidate or target). */
export const worldArb = catalogArb.chain((cat) =>
  fc.tuple(fc.constant(cat), systemArb(cat), fc.constantFrom(...cat.patches)),
);
