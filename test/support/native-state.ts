/**
 * The upstream admissibility check, mirroring kernel/livepatch/state.c (Linux 5.5+, commit
 * 92c9abf5): `klp_get_state()`, `klp_is_state_compatible()`, `klp_is_patch_compatible()`.
 *
 * Guarantees: `klpIsPatchCompatible()` returns no violation exactly when the kernel's
 * `klp_is_patch_compatible()` returns true. Otherwise it returns every failing
 * (installed patch, installed state) pair, in the order the kernel's loops visit them, so the
 * first violation is the pair at which the kernel stops.
 *
 * Like the kernel, the installed patch's states are walked entry by entry
 * (`klp_for_each_state`), duplicates included, while the new patch's state is looked up with
 * `klp_get_state()`, which finds the FIRST entry with the id.
 */

import type { Violation } from '../../src/kernel/rules.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import { formatStateId, getState, type KlpState, type Patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';

/** Rule 2 of Documentation/livepatch/system-state.rst. */
export const SAME_OR_HIGHER_VERSION = {
  rule: 'same-or-higher-version',
  sentence:
    'System state modifications with the same or higher version are allowed for already modified system states.',
} as const;

/** Rule 3 of Documentation/livepatch/system-state.rst. */
export const CUMULATIVE_HANDLES_ALL = {
  rule: 'cumulative-handles-all',
  sentence:
    'Cumulative livepatches must handle all system state modifications from already installed livepatches.',
} as const;

/** The `pr_err()` of `klp_enable_patch()` (core.c) when the check fails, without `livepatch: `. */
export function notCompatibleLine(name: string): string {
  return `Livepatch patch (${name}) is not compatible with the already installed livepatches.`;
}

/**
 * state.c `klp_is_state_compatible()`: null when `patch` can take over `oldState` of the
 * installed patch `oldPatch`, else the violation.
 */
export function klpIsStateCompatible(
  patch: Patch,
  oldPatch: Patch,
  oldState: KlpState,
): Violation | null {
  const state = getState(patch, oldState.id);
  const id = formatStateId(oldState.id);
  // A cumulative livepatch must handle all already modified states.
  if (state === undefined) {
    if (!patch.replace) return null;
    return {
      ...CUMULATIVE_HANDLES_ALL,
      message: `cumulative patch \`${patch.name}\` does not declare state ${id}, installed by \`${oldPatch.name}\` at version ${oldState.version}`,
      installedBy: oldPatch.name,
      state: oldState.id,
      installedVersion: oldState.version,
      newVersion: null,
    };
  }
  if (state.version >= oldState.version) return null;
  return {
    ...SAME_OR_HIGHER_VERSION,
    message: `patch \`${patch.name}\` declares state ${id} at version ${state.version}, lower than version ${oldState.version} installed by \`${oldPatch.name}\``,
    installedBy: oldPatch.name,
    state: oldState.id,
    installedVersion: oldState.version,
    newVersion: state.version,
  };
}

/**
 * state.c `klp_is_patch_compatible()`: every state of every patch on `klp_patches` (enabled or
 * in transition, either direction) must be compatible with `patch`.
 *
 * @example
 * klpIsPatchCompatible(sys, cat, candidate).length === 0 // the kernel would accept it
 */
export function klpIsPatchCompatible(sys: System, cat: Catalog, patch: Patch): Violation[] {
  const violations: Violation[] = [];
  for (const oldName of sys.klpPatches) {
    const oldPatch = cat.byName.get(oldName);
    if (oldPatch === undefined) {
      throw new Error(`patch \`${oldName}\` on klp_patches is not in the catalog`);
    }
    // klp_for_each_state(): every entry, duplicates included.
    // INVARIANT: ids are never 0, so the kernel's terminator never cuts the array short.
    for (const oldState of oldPatch.states) {
      const v = klpIsStateCompatible(patch, oldPatch, oldState);
      if (v !== null) violations.push(v);
    }
  }
  return violations;
}
