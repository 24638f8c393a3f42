/**
 * What the real kernel did with a plan, in the simulator's own terms: each step's result (from
 * the command's exit status and error text), its transcript (the `% ...` line, the kernel's
 * `livepatch:` lines in order, the user-space error line in kmod's and bash's words, as
 * `src/kernel/transcript.ts` writes them) and the final `System`.
 *
 * Left out of the transcript: taint lines and every other non-livepatch kernel line, and
 * `livepatch: signaling remaining tasks` (printed once a transition has been stuck for 15 s,
 * a matter of wall-clock time that no plan step causes).
 *
 * The final stack comes from sysfs; 6.1 has no `stack_order`, so the order on `klp_patches` is
 * the order in which the patches were last enabled (`klp_init_patch()` appends). Forced
 * modules are the loaded ones off `klp_patches` that still hold a reference.
 */
import { commandLine, userspaceError } from '../kernel/transcript.ts';
import type { Op, OpResult } from '../model/op.ts';
import type { System } from '../model/system.ts';
import type { GuestPlanResult, GuestStep } from './parse.ts';

export interface KernelStep {
  readonly op: Op;
  /** null: the command failed with an error text this tool does not recognize. */
  readonly result: OpResult | null;
  /** The command's own error text, as printed in the guest. */
  readonly error: string;
  readonly log: readonly string[];
  /**
   * What each observed file's first line was after the step (`functionSlots` order): a patch's
   * name where its code runs, the original output otherwise; empty when nothing is observed.
   */
  readonly observed: readonly string[];
}

export interface KernelPlanRun {
  /** The plan's `initial` loads (and their `complete` in manual mode). */
  readonly setup: readonly KernelStep[];
  readonly steps: readonly KernelStep[];
  readonly final: System;
}

/** Time-dependent kernel lines that no operation causes. */
export const TIMING_LINES: readonly string[] = ['livepatch: signaling remaining tasks'];

/**
 * The errno behind a failed command's message (kmod insmod/rmmod, busybox sh).
 *
 * @example
 * errnoOf('insmod: ERROR: could not insert module p.ko: Invalid parameters') // 'EINVAL'
 */
export function errnoOf(text: string): OpResult | null {
  if (/File exists/.test(text)) return 'EEXIST';
  if (/Invalid parameters|Invalid argument/.test(text)) return 'EINVAL';
  if (/is in use|Device or resource busy/.test(text)) return 'EBUSY';
  if (
    /not currently loaded|No such file or directory|nonexistent directory|can't create/.test(text)
  )
    return 'ENOENT';
  return null;
}

function kernelStep(op: Op, g: GuestStep | undefined): KernelStep {
  if (g === undefined)
    return { op, result: null, error: 'the guest did not run this step', log: [], observed: [] };
  const result = g.status === 0 ? 'ok' : errnoOf(g.error);
  const log: string[] = [];
  const cmd = commandLine(op);
  if (cmd !== null) log.push(cmd);
  for (const line of g.kmsg) {
    if (line.startsWith('livepatch: ') && !TIMING_LINES.includes(line)) log.push(line);
  }
  if (result !== null && result !== 'ok') log.push(userspaceError(op, result));
  return { op, result, error: g.error, log, observed: [...g.probes] };
}

function enablingOrder(steps: readonly KernelStep[]): Map<string, number> {
  const order = new Map<string, number>();
  let n = 0;
  for (const s of steps) {
    for (const line of s.log) {
      const m = /^livepatch: enabling patch '(.+)'$/.exec(line);
      if (m?.[1] !== undefined) order.set(m[1], n++);
    }
  }
  return order;
}

function loadOrder(steps: readonly KernelStep[]): Map<string, number> {
  const order = new Map<string, number>();
  for (const [i, s] of steps.entries()) {
    if (s.op.kind === 'insmod' && s.result === 'ok') order.set(s.op.patch, i);
  }
  return order;
}

function byOrder(names: readonly string[], order: ReadonlyMap<string, number>): string[] {
  return [...names].sort((a, b) => (order.get(a) ?? -1) - (order.get(b) ?? -1));
}

/**
 * @example
 * const run = kernelPlanRun(ops, 1, guest.plans[0]); // ops: the initial loads, then the steps
 * run.final.klpPatches // e.g. ['test_klp_state2']
 */
export function kernelPlanRun(
  ops: readonly Op[],
  setupCount: number,
  g: GuestPlanResult,
): KernelPlanRun {
  const all = ops.map((op, i) =>
    kernelStep(
      op,
      g.steps.find((s) => s.index === i),
    ),
  );
  const onList = g.sysfs.map((s) => s.name);
  const pending = g.sysfs.find((s) => s.transition);
  const loaded = g.modules.map((m) => m.name);
  const forced = g.modules
    .filter((m) => m.refcnt > 0 && !onList.includes(m.name))
    .map((m) => m.name);
  const loads = loadOrder(all);
  const final: System = {
    klpPatches: byOrder(onList, enablingOrder(all)),
    transition:
      pending === undefined
        ? null
        : { patch: pending.name, target: pending.enabled ? 'patched' : 'unpatched' },
    loaded: byOrder(loaded, loads),
    forced: byOrder(forced, loads),
  };
  return { setup: all.slice(0, setupCount), steps: all.slice(setupCount), final };
}
