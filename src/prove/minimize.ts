/**
 * A subset-minimal set of catalog patches for a counterexample: operations on these patches
 * (and the initial stack's) suffice to violate the claim, and dropping any one of them makes
 * the claim hold, each drop backed by a proof of the engine (src/prove/engine.ts).
 *
 * Deletion-based, in catalog order, as the explorer's oracle does it (src/explore/loadable.ts
 * `minimalPatchSet`): patches the current counterexample does not use are dropped at once (it
 * stays a shortest sequence without them: fewer patches never give a shorter one); then each
 * remaining patch is dropped in turn if the claim is still refuted without it. One pass
 * suffices because fewer patches allow fewer operations, so a patch whose drop was proved
 * harmless stays needed when later ones go.
 */
import type { Op } from '../model/op.ts';
import { type Decision, decide, type EngineOptions } from './engine.ts';
import type { Posed } from './problem.ts';

/** What dropping one patch did. */
export interface Drop {
  readonly patch: string;
  /** `proved`: the claim holds without it (it stays); `refuted`: it went; `unknown`: time ran out. */
  readonly outcome: Decision['kind'];
}

export interface MinimalSet {
  /** Catalog patches besides the initial stack's, in catalog order. */
  readonly patches: readonly string[];
  /** A shortest sequence over those patches. */
  readonly path: readonly Op[];
  readonly drops: readonly Drop[];
  /** Patches kept only because deciding their drop ran out of time. */
  readonly undecided: readonly string[];
}

function patchesOf(path: readonly Op[]): Set<string> {
  return new Set(path.flatMap((op) => (op.kind === 'complete' ? [] : [op.patch])));
}

/**
 * Shrinks the patch set of a refutation found with every candidate operable.
 *
 * @example
 * const m = await minimalSet(posed, refutation.path, { deadline });
 * m.patches // e.g. ['klp_6_8_0_45_r2']
 */
export async function minimalSet(
  posed: Posed,
  path: readonly Op[],
  opts: EngineOptions,
): Promise<MinimalSet> {
  const fixed = new Set(posed.problem.initial);
  const others = posed.candidates.filter((n) => !fixed.has(n));
  const shrink = (names: readonly string[], p: readonly Op[]) => {
    const used = patchesOf(p);
    return { names: names.filter((n) => used.has(n)), path: p };
  };
  let best = shrink(others, path);
  const drops: Drop[] = [];
  const undecided: string[] = [];
  for (const name of [...best.names]) {
    if (!best.names.includes(name)) continue;
    const names = best.names.filter((n) => n !== name);
    const d = await decide(posed, new Set([...fixed, ...names]), opts);
    drops.push({ patch: name, outcome: d.kind });
    if (d.kind === 'refuted') best = shrink(names, d.path);
    else if (d.kind === 'unknown') undecided.push(name);
  }
  return { patches: best.names, path: best.path, drops, undecided };
}
