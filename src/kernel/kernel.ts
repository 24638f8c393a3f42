/**
 * The kernel's livepatch globals while one operation runs: a private, mutable working copy of a
 * `System` (`klp_patches`, `klp_transition_patch` + `klp_target_state`, loaded modules,
 * `patch->forced`) plus the log lines printed so far.
 *
 * Only src/kernel/ sees it: `step()` copies the caller's `System` in and a fresh immutable
 * `System` out, so the simulator stays pure from the outside while the functions in core.ts and
 * transition.ts can read line by line like their C counterparts.
 */
import { type Catalog, patchNamed } from '../model/catalog.ts';
import type { Patch } from '../model/patch.ts';
import type { System, Transition, TransitionMode } from '../model/system.ts';
import type { KernelRules, Verdict } from './rules.ts';

export interface SimOptions {
  readonly rules: KernelRules;
  readonly catalog: Catalog;
  /**
   * `auto`: every transition completes within the step that started it, as the selftests wait
   * for it. `manual`: it stays pending until a `complete` or `force` step.
   */
  readonly transitions: TransitionMode;
}

export interface Kernel {
  readonly opts: SimOptions;
  klpPatches: string[];
  transition: Transition | null;
  loaded: string[];
  forced: string[];
  /** Transcript lines of this step so far. */
  readonly log: string[];
  /** The rules' rejection, when one was asked and it said no. */
  verdict: Verdict | null;
}

export function kernelOf(sys: System, opts: SimOptions): Kernel {
  return {
    opts,
    klpPatches: [...sys.klpPatches],
    transition: sys.transition,
    loaded: [...sys.loaded],
    forced: [...sys.forced],
    log: [],
    verdict: null,
  };
}

export function systemOf(k: Kernel): System {
  return {
    klpPatches: [...k.klpPatches],
    transition: k.transition,
    loaded: [...k.loaded],
    forced: [...k.forced],
  };
}

/** `struct klp_patch` of a module; every loaded module comes from the catalog. */
export function klpPatch(k: Kernel, name: string): Patch {
  return patchNamed(k.opts.catalog, name);
}

/** `pr_*()` with `pr_fmt` = `KBUILD_MODNAME ": "`: every kernel line starts `livepatch: `. */
export function pr(k: Kernel, line: string): void {
  k.log.push(`livepatch: ${line}`);
}

/** `patch->forced = true`, kept in marking order. */
export function markForced(k: Kernel, name: string): void {
  if (!k.forced.includes(name)) k.forced.push(name);
}

export function without(list: readonly string[], name: string): string[] {
  return list.filter((n) => n !== name);
}
