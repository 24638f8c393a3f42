/**
 * Transitions, mirroring kernel/livepatch/transition.c: `klp_init_transition()`,
 * `klp_start_transition()`, `klp_try_complete_transition()`, `klp_complete_transition()`,
 * `klp_reverse_transition()`, `klp_force_transition()`, and the freeing done after completion
 * (core.c `klp_free_patch_async()`, `klp_free_replaced_patches_async()`).
 *
 * Tasks are not modelled: "every task has switched" is decided by the caller (the `auto` mode,
 * a `complete` step, or `force`). Per-function state (ftrace handlers, nops) is not modelled
 * either; what remains visible is `klp_patches`, the transition, `patch->forced` and the log.
 */
import type { Patch } from '../model/patch.ts';
import type { TransitionTarget } from '../model/system.ts';
import { type Kernel, klpPatch, markForced, pr, systemOf, without } from './kernel.ts';

function verb(target: TransitionTarget): string {
  return target === 'patched' ? 'patching' : 'unpatching';
}

/** transition.c `klp_init_transition()`: sets `klp_transition_patch` and `klp_target_state`. */
export function klpInitTransition(k: Kernel, name: string, target: TransitionTarget): void {
  k.transition = { patch: name, target };
  pr(k, `'${name}': initializing ${verb(target)} transition`); // pr_debug
}

/** transition.c `klp_start_transition()`. */
export function klpStartTransition(k: Kernel): void {
  const t = current(k);
  pr(k, `'${t.patch}': starting ${verb(t.target)} transition`);
}

/**
 * transition.c `klp_try_complete_transition()`. When some task has not switched yet the kernel
 * re-schedules itself (`klp_transition_work`) and the transition stays pending; in `auto` mode
 * every task switches at once.
 */
export function klpTryCompleteTransition(k: Kernel, allTasksSwitched: boolean): void {
  if (!allTasksSwitched) return;
  const { patch: name, target } = current(k);
  const replaced = target === 'patched' ? klpReplacedPatches(k, klpPatch(k, name)) : [];
  klpCompleteTransition(k);
  // "It would make more sense to free the unused patches in klp_complete_transition() ..."
  if (target === 'unpatched') klpFreePatch(k, name);
  else for (const old of replaced) klpFreePatch(k, old);
}

/** Whether every task switches within the step that started a transition. */
export function autoComplete(k: Kernel): boolean {
  return k.opts.transitions === 'auto';
}

/**
 * transition.c `klp_complete_transition()`. The replaced patches are unpatched here
 * (`klp_unpatch_replaced_patches()`), silently: only the transition patch's lines are printed.
 */
function klpCompleteTransition(k: Kernel): void {
  const t = current(k);
  pr(k, `'${t.patch}': completing ${verb(t.target)} transition`); // pr_debug
  pr(k, `'${t.patch}': ${verb(t.target)} complete`);
  k.transition = null;
}

/**
 * core.c `klp_unpatch_replaced_patches()` / `klp_free_replaced_patches_async()`: the patches
 * BEFORE `incoming` on `klp_patches` (`klp_for_each_patch` until it meets `incoming`) that the
 * rules say it replaces. Upstream asks `klp_transition_patch->replace` once in
 * `klp_complete_transition()`; `KernelRules.replaces` asks per patch so that a replace-set can
 * choose. Patches after `incoming` (possible only after a reversal from unpatching) stay.
 */
function klpReplacedPatches(k: Kernel, incoming: Patch): string[] {
  const sys = systemOf(k);
  const before = k.klpPatches.slice(0, k.klpPatches.indexOf(incoming.name));
  return before.filter((old) =>
    k.opts.rules.replaces(sys, k.opts.catalog, incoming, klpPatch(k, old)),
  );
}

/**
 * core.c `klp_free_patch_start()` + `klp_free_patch_finish()`: off `klp_patches`, sysfs
 * directory gone, and the module reference dropped unless `patch->forced` (that last part is
 * read off `forced` by rmmod).
 */
function klpFreePatch(k: Kernel, name: string): void {
  k.klpPatches = without(k.klpPatches, name);
}

/** transition.c `klp_reverse_transition()`: flips `patch->enabled` and the target, restarts. */
export function klpReverseTransition(k: Kernel): void {
  const t = current(k);
  const target: TransitionTarget = t.target === 'patched' ? 'unpatched' : 'patched';
  pr(k, `'${t.patch}': reversing transition from ${verb(t.target)} to ${verb(target)}`); // pr_debug
  k.transition = { patch: t.patch, target };
  klpStartTransition(k);
}

/**
 * transition.c `klp_force_transition()`: every task is switched, and the patches being removed
 * are marked `forced` so their modules are never put. Unpatching: the transition patch.
 * Patching: every OTHER patch on `klp_patches` that the transition patch replaces (upstream:
 * all of them when `replace` is set, even ones after it on the list, which completion does not
 * remove). The kernel then completes the transition from `klp_transition_work`; here at once.
 */
export function klpForceTransition(k: Kernel): void {
  const t = current(k);
  pr(k, 'forcing remaining tasks to the patched state'); // pr_warn, same words both ways
  if (t.target === 'unpatched') {
    markForced(k, t.patch);
  } else {
    const sys = systemOf(k);
    const incoming = klpPatch(k, t.patch);
    for (const old of k.klpPatches) {
      if (old === t.patch) continue;
      if (k.opts.rules.replaces(sys, k.opts.catalog, incoming, klpPatch(k, old))) {
        markForced(k, old);
      }
    }
  }
  klpTryCompleteTransition(k, true);
}

function current(k: Kernel): { readonly patch: string; readonly target: TransitionTarget } {
  if (k.transition === null) throw new Error('no transition in progress');
  return k.transition;
}
