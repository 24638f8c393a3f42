/**
 * Brute-force answers for the audit tests: conflicts by trying every subset in every order on
 * the simulator, and each patch's verdict from the empty system by the explorer.
 */
import { explore, provesLoadable } from '../../../src/explore/index.ts';
import { type KernelRules, run } from '../../../src/kernel/index.ts';
import type { Catalog } from '../../../src/model/catalog.ts';
import { EMPTY_SYSTEM } from '../../../src/model/system.ts';

const ORACLE = { maxStates: 200_000 } as const;

export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

/** Minimal sets of patches no order of which loads from the empty system, as `a,b` keys, sorted. */
export function bruteConflicts(cat: Catalog, rules: KernelRules): string[] {
  const names = cat.patches.map((p) => p.name);
  const n = names.length;
  const members = (mask: number) => names.filter((_, i) => (mask & (1 << i)) !== 0);
  const loads = (order: readonly string[]) =>
    run(
      EMPTY_SYSTEM,
      order.map((patch) => ({ kind: 'insmod', patch }) as const),
      { rules, catalog: cat, transitions: 'auto' },
    ).outcomes.every((o) => o.result === 'ok');
  const rollable: boolean[] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    rollable[mask] = permutations(members(mask)).some(loads);
  }
  const out: string[] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    if (rollable[mask]) continue;
    let minimal = true;
    for (let sub = (mask - 1) & mask; sub > 0; sub = (sub - 1) & mask) {
      if (!rollable[sub]) minimal = false;
    }
    if (minimal) out.push(members(mask).join(','));
  }
  return out.sort();
}

/** The verdict on `patch` from the empty system: loadable, refuted or dead. */
export function oracleVerdict(
  cat: Catalog,
  rules: KernelRules,
  patch: string,
): 'loadable' | 'refuted' | 'dead' {
  const v = provesLoadable(cat, rules, patch, { transitions: 'auto', ...ORACLE });
  if (v.kind !== 'proved' && v.kind !== 'refuted') throw new Error(`oracle: ${v.kind}`);
  if (v.kind === 'proved') return 'loadable';
  const x = explore(cat, rules, { transitions: 'auto', initial: EMPTY_SYSTEM, ...ORACLE });
  if (x.status.kind !== 'complete') throw new Error('oracle: explore incomplete');
  return x.states.some((s) => s.system.klpPatches.includes(patch)) ? 'refuted' : 'dead';
}
