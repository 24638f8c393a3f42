/**
 * The kernel's livepatch state that the operations change (kernel/livepatch/core.c,
 * transition.c), as an immutable value.
 */

export type TransitionTarget = 'patched' | 'unpatched';

/**
 * How transitions finish. `auto`: every transition completes within the operation that started
 * it, as the selftests wait for it. `manual`: it stays pending until a `complete` or `force`.
 */
export type TransitionMode = 'auto' | 'manual';

/** `klp_transition_patch` and `klp_target_state`. */
export interface Transition {
  readonly patch: string;
  readonly target: TransitionTarget;
}

export interface System {
  /**
   * `klp_patches`, bottom to top: the patches that are enabled or in transition, by name.
   * INVARIANT: no name twice; every name is also in `loaded`.
   */
  readonly klpPatches: readonly string[];
  /** INVARIANT: null, or a patch that is on `klpPatches`. */
  readonly transition: Transition | null;
  /** Loaded livepatch modules, in load order. */
  readonly loaded: readonly string[];
  /**
   * Modules that took part in a forced transition (`patch->forced`): their module reference
   * is never dropped, so they can never be removed. In marking order.
   */
  readonly forced: readonly string[];
}

export const EMPTY_SYSTEM: System = { klpPatches: [], transition: null, loaded: [], forced: [] };

/**
 * `patch->enabled` for a patch on `klp_patches`: true unless it is being unpatched.
 * False for patches not on the list.
 */
export function isEnabled(sys: System, name: string): boolean {
  if (!sys.klpPatches.includes(name)) return false;
  return !(sys.transition?.patch === name && sys.transition.target === 'unpatched');
}

/** A canonical string for a system, for hashing configurations and comparing them. */
export function systemKey(sys: System): string {
  const t = sys.transition === null ? '-' : `${sys.transition.patch}>${sys.transition.target}`;
  return `${sys.klpPatches.join(',')}|${t}|${[...sys.loaded].sort().join(',')}|${[...sys.forced].sort().join(',')}`;
}
