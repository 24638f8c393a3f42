/**
 * Random plans for differential testing against a real kernel, from a seed: a few small
 * catalogs (so modules are built once and one boot runs many plans) and operation sequences
 * over them, written as plan files (YAML) so that every plan can be rerun as it is.
 *
 * Deterministic: the same seed gives the same text.
 */

import { formatStateId } from '../model/patch.ts';
import type { TransitionMode } from '../model/system.ts';

/** mulberry32: a small, fast, seedable generator (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomPatch {
  readonly name: string;
  readonly replace: boolean;
  readonly states: readonly { readonly id: bigint; readonly version: number }[];
  /** vmlinux functions the patch lists (none when absent). */
  readonly functions?: readonly string[];
}

export type RandomOp =
  | { readonly kind: 'insmod' | 'rmmod' | 'enable' | 'disable' | 'force'; readonly patch: string }
  | { readonly kind: 'complete' };

function pick<T>(r: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(r() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

/** State ids: small ones and one real-looking 64-bit id. */
const IDS: readonly bigint[] = [1n, 2n, 3n, 0x8173f7e2ce67e6can];

/**
 * A catalog of `size` patches named `k<tag>_p<i>`.
 *
 * @example
 * randomCatalog(rng(1), 0, 4).map((p) => p.name) // ['k0_p0', 'k0_p1', 'k0_p2', 'k0_p3']
 */
export function randomCatalog(r: () => number, tag: number, size: number): RandomPatch[] {
  return Array.from({ length: size }, (_, i) => {
    const n = Math.floor(r() * 3);
    const states = Array.from({ length: n }, () => ({
      id: pick(r, IDS),
      version: 1 + Math.floor(r() * 3),
    }));
    return { name: `k${tag}_p${i}`, replace: r() < 0.5, states };
  });
}

/** The function names random patches draw from: few, so that patches overlap. */
export const RANDOM_FUNCTIONS: readonly string[] = ['fn_a', 'fn_b', 'fn_c', 'fn_d', 'fn_e'];

/**
 * The same patches, each listing 0 to 3 of RANDOM_FUNCTIONS (so function stacks overlap and a
 * cumulative patch often leaves out a function a patch it replaces lists). Drawn from its own
 * generator so that adding functions leaves every other draw of a seed as it was.
 *
 * @example
 * withRandomFunctions(rng(7), randomCatalog(rng(1), 0, 3))[0]?.functions // e.g. ['fn_b', 'fn_e']
 */
export function withRandomFunctions(
  r: () => number,
  patches: readonly RandomPatch[],
): RandomPatch[] {
  return patches.map((p) => {
    const n = Math.floor(r() * 4);
    const pool = [...RANDOM_FUNCTIONS];
    const functions = Array.from({ length: n }, () => {
      const i = Math.floor(r() * pool.length);
      return pool.splice(i, 1)[0] ?? 'fn_a';
    });
    return { ...p, functions };
  });
}

/**
 * A random sequence of operations; `manual` adds `complete` and `force`.
 *
 * @example
 * randomOps(rng(2), ['a', 'b'], 'auto', 5).length // 5
 */
export function randomOps(
  r: () => number,
  names: readonly string[],
  mode: TransitionMode,
  length: number,
): RandomOp[] {
  const weights: readonly [RandomOp['kind'], number][] =
    mode === 'auto'
      ? [
          ['insmod', 40],
          ['rmmod', 25],
          ['disable', 25],
          ['enable', 10],
        ]
      : [
          ['insmod', 30],
          ['rmmod', 15],
          ['disable', 20],
          ['enable', 8],
          ['complete', 20],
          ['force', 7],
        ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  return Array.from({ length }, (): RandomOp => {
    let x = r() * total;
    let kind: RandomOp['kind'] = 'insmod';
    for (const [k, w] of weights) {
      if (x < w) {
        kind = k;
        break;
      }
      x -= w;
    }
    return kind === 'complete' ? { kind } : { kind, patch: pick(r, names) };
  });
}

/**
 * A plan file with the catalog inline; `expect` gives each step's expected result (default ok).
 *
 * @example
 * planYaml([{ name: 'p', replace: true, states: [] }], 'auto', [{ kind: 'insmod', patch: 'p' }])
 */
export function planYaml(
  patches: readonly RandomPatch[],
  mode: TransitionMode,
  ops: readonly RandomOp[],
  expect: readonly string[] = [],
  comment: readonly string[] = [],
): string {
  const lines = [
    ...comment.map((c) => `# ${c}`),
    'rules: upstream',
    `transitions: ${mode}`,
    'patches:',
  ];
  for (const p of patches) {
    lines.push(`  - name: ${p.name}`, `    replace: ${p.replace}`);
    if (p.states.length > 0) {
      lines.push('    states:');
      for (const s of p.states)
        lines.push(`      - { id: ${formatStateId(s.id)}, version: ${s.version} }`);
    }
    if (p.functions !== undefined && p.functions.length > 0) {
      lines.push('    functions:');
      for (const f of p.functions) lines.push(`      - { object: vmlinux, name: ${f} }`);
    }
  }
  lines.push('steps:');
  for (const [i, op] of ops.entries()) {
    const e = expect[i];
    const head = op.kind === 'complete' ? '  - complete: true' : `  - ${op.kind}: ${op.patch}`;
    lines.push(head);
    if (e !== undefined && e !== 'ok') lines.push(`    expect: ${e}`);
  }
  return `${lines.join('\n')}\n`;
}
