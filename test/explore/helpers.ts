/**
 * Shared helpers for the explorer tests: operation builders, the shipped rule sets, replay of
 * a path on the simulator, and a naive enumerator of operation sequences that shares no code
 * with the explorer (no deduplication, no pruning of hopeless operations), used to confirm
 * that no shorter counterexample exists.
 */
import { expect } from 'vitest';
import { kernelRules } from '../../src/eval/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { installStack, type KernelRules, run, step } from '../../src/kernel/index.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import type { Op, OpResult } from '../../src/model/op.ts';
import type { System, TransitionMode } from '../../src/model/system.ts';

export const insmod = (patch: string): Op => ({ kind: 'insmod', patch });
export const rmmod = (patch: string): Op => ({ kind: 'rmmod', patch });
export const enable = (patch: string): Op => ({ kind: 'enable', patch });
export const disable = (patch: string): Op => ({ kind: 'disable', patch });
export const force = (patch: string): Op => ({ kind: 'force', patch });
export const complete: Op = { kind: 'complete' };

export type Mode = TransitionMode;
export const MODES: readonly Mode[] = ['auto', 'manual'];

/** A shipped rule set from rules/kernel, as the simulator's rules. */
export function shippedRules(name: string): KernelRules {
  const r = loadRuleSet(name);
  if (r.kind !== 'ok') throw new Error(`rule set ${name}: ${JSON.stringify(r.diagnostics)}`);
  return kernelRules(r.value);
}

/** The system an installed stack gives; the stack must load. */
export function stackSystem(
  cat: Catalog,
  rules: KernelRules,
  names: readonly string[],
  mode: Mode,
): System {
  const s = installStack(cat, rules, names, mode);
  if (s.kind !== 'ok') throw new Error(s.message);
  return s.system;
}

/** Replays `ops` from `from`; returns every result and the final system. */
export function replay(
  cat: Catalog,
  rules: KernelRules,
  mode: Mode,
  from: System,
  ops: readonly Op[],
): { results: OpResult[]; final: System } {
  const { outcomes, final } = run(from, ops, { rules, catalog: cat, transitions: mode });
  return { results: outcomes.map((o) => o.result), final };
}

/** Replays a refuting path: every operation `ok` but the last, `insmod P`, which is EINVAL. */
export function expectRefutes(
  cat: Catalog,
  rules: KernelRules,
  mode: Mode,
  from: System,
  path: readonly Op[],
  target: string,
): void {
  expect(path.at(-1)).toEqual(insmod(target));
  const { results } = replay(cat, rules, mode, from, path);
  expect(results.slice(0, -1).every((r) => r === 'ok')).toBe(true);
  expect(results.at(-1)).toBe('EINVAL');
  expect(path.slice(0, -1).some((op) => op.kind !== 'complete' && op.patch === target)).toBe(false);
}

/**
 * Whether some sequence of at most `maxLen` operations (on patches other than `target`) from
 * `from` reaches a counted configuration where `insmod target` fails with EINVAL. Every
 * operation kind on every patch is tried, failing ones included.
 */
export function naiveRefutable(
  cat: Catalog,
  rules: KernelRules,
  mode: Mode,
  from: System,
  target: string,
  maxLen: number,
): boolean {
  const opts = { rules, catalog: cat, transitions: mode } as const;
  const names = cat.patches.map((p) => p.name).filter((n) => n !== target);
  const ops: Op[] = [complete];
  for (const n of names) ops.push(insmod(n), rmmod(n), enable(n), disable(n), force(n));
  const rejected = (sys: System): boolean =>
    (mode === 'manual' || sys.transition === null) &&
    step(sys, insmod(target), opts).result === 'EINVAL';
  const go = (sys: System, left: number): boolean => {
    if (rejected(sys)) return true;
    if (left === 0) return false;
    return ops.some((op) => go(step(sys, op, opts).system, left - 1));
  };
  return go(from, maxLen);
}
