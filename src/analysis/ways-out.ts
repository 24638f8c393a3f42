/**
 * Ways out of a rejected `insmod`: changes that, each on its own, make the load admissible.
 * Derived from the violations' witnesses: raise or add the state in the new patch, or take
 * the installed patches that hold the state out of the way first.
 */
import type { Violation } from '../kernel/rules.ts';
import { assertNever } from '../model/op.ts';
import { formatStateId } from '../model/patch.ts';

export type WayOut =
  | {
      readonly kind: 'declare-states';
      readonly patch: string;
      /** Each state to declare (or raise) with the lowest version that satisfies every holder. */
      readonly states: readonly { readonly id: bigint; readonly minVersion: number }[];
    }
  | { readonly kind: 'disable-first'; readonly patches: readonly string[] };

/** The ways out of one rejection of `patch`; empty when the witnesses give no hint. */
export function waysOut(patch: string, violations: readonly Violation[]): WayOut[] {
  const minVersions = new Map<bigint, number>();
  for (const v of violations) {
    if (v.state === null || v.installedVersion === null) continue;
    minVersions.set(v.state, Math.max(minVersions.get(v.state) ?? 0, v.installedVersion));
  }
  const holders = [
    ...new Set(violations.flatMap((v) => (v.installedBy === null ? [] : [v.installedBy]))),
  ];
  const out: WayOut[] = [];
  if (minVersions.size > 0) {
    const states = [...minVersions].map(([id, minVersion]) => ({ id, minVersion }));
    out.push({ kind: 'declare-states', patch, states });
  }
  if (holders.length > 0) out.push({ kind: 'disable-first', patches: holders });
  return out;
}

/** The way out in the user's words, e.g. "declare state 1 with version >= 2 in `P`". */
export function formatWayOut(w: WayOut): string {
  switch (w.kind) {
    case 'declare-states': {
      const list = w.states.map(
        (s) => `state ${formatStateId(s.id)} with version >= ${s.minVersion}`,
      );
      return `declare ${joinWords(list)} in \`${w.patch}\``;
    }
    case 'disable-first':
      return `disable ${joinWords(w.patches.map((p) => `\`${p}\``))} first`;
    default:
      return assertNever(w, 'way out');
  }
}

function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
