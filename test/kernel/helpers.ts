/**
 * Shared builders for the kernel simulator tests: options, operations, and a setup helper that
 * insists every preparatory step succeeds (so a test fails where its setup stops matching).
 */
import { expect } from 'vitest';
import {
  type KernelRules,
  run,
  type SimOptions,
  type StepOutcome,
  step,
} from '../../src/kernel/index.ts';
import { catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import type { Patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System, type TransitionMode } from '../../src/model/system.ts';
import { upstreamRules } from '../support/rules.ts';

export function options(
  patches: readonly Patch[],
  transitions: TransitionMode = 'auto',
  rules: KernelRules = upstreamRules,
): SimOptions {
  return { rules, catalog: catalog(patches), transitions };
}

export const insmod = (patch: string): Op => ({ kind: 'insmod', patch });
export const rmmod = (patch: string): Op => ({ kind: 'rmmod', patch });
export const enable = (patch: string): Op => ({ kind: 'enable', patch });
export const disable = (patch: string): Op => ({ kind: 'disable', patch });
export const force = (patch: string): Op => ({ kind: 'force', patch });
export const complete: Op = { kind: 'complete' };

/** Runs `ops` from the empty system; every one must succeed. */
export function setup(opts: SimOptions, ops: readonly Op[]): System {
  const { outcomes, final } = run(EMPTY_SYSTEM, ops, opts);
  for (const o of outcomes) expect(o.result, `setup step ${JSON.stringify(o.op)}`).toBe('ok');
  return final;
}

/** One step that must fail with `errno` and change nothing. */
export function expectRejected(
  sys: System,
  op: Op,
  opts: SimOptions,
  errno: StepOutcome['result'],
): StepOutcome {
  const out = step(sys, op, opts);
  expect(out.result).toBe(errno);
  expect(out.system).toEqual(sys);
  return out;
}
