/**
 * The livepatch core entry points, mirroring kernel/livepatch/core.c: `klp_enable_patch()`
 * (module init of a livepatch module), `__klp_enable_patch()`, `enabled_store()`,
 * `__klp_disable_patch()`, `force_store()`.
 *
 * Each returns `ok` or the errno the kernel returns; an error return changes nothing (the checks
 * all come before the first change, as in the kernel). Admissibility is asked only through
 * `KernelRules`: `enable` where `klp_is_patch_compatible()` is called, `disable` right after the
 * "already in requested state" check.
 */
import type { OpResult } from '../model/op.ts';
import type { Patch } from '../model/patch.ts';
import { isEnabled } from '../model/system.ts';
import { type Kernel, klpPatch, pr, systemOf } from './kernel.ts';
import type { Verdict } from './rules.ts';
import {
  autoComplete,
  klpForceTransition,
  klpInitTransition,
  klpReverseTransition,
  klpStartTransition,
  klpTryCompleteTransition,
} from './transition.ts';

/**
 * core.c `klp_enable_patch()`, called from the module's init once the module loader accepted
 * it (the caller has ruled out EEXIST). Compatibility first, then EBUSY from
 * `__klp_enable_patch()`: its `klp_init_patch()` already appended the patch to `klp_patches`,
 * but the error path (`klp_free_patch_start()`) takes it off again, silently.
 */
export function klpEnablePatch(k: Kernel, patch: Patch): OpResult {
  const verdict = k.opts.rules.enable(systemOf(k), k.opts.catalog, patch);
  if (!verdict.ok) return reject(k, verdict);
  if (k.transition !== null) return 'EBUSY';
  k.loaded.push(patch.name);
  k.klpPatches.push(patch.name); // klp_init_patch(): list_add_tail
  __klpEnablePatch(k, patch.name);
  return 'ok';
}

/** core.c `__klp_enable_patch()`, past its `klp_transition_patch` check. */
function __klpEnablePatch(k: Kernel, name: string): void {
  pr(k, `enabling patch '${name}'`);
  klpInitTransition(k, name, 'patched');
  klpStartTransition(k); // then patch->enabled = true
  klpTryCompleteTransition(k, autoComplete(k));
}

/**
 * `echo 0|1 > /sys/kernel/livepatch/P/enabled`: core.c `enabled_store()`. A patch off
 * `klp_patches` has no sysfs directory, so the write fails before reaching the kernel (ENOENT):
 * a fully disabled patch cannot be enabled again.
 */
export function enabledStore(k: Kernel, name: string, enabled: boolean): OpResult {
  if (!k.klpPatches.includes(name)) return 'ENOENT';
  const patchEnabled = isEnabled(systemOf(k), name);
  // already in requested state
  if (patchEnabled === enabled) return 'EINVAL';
  // The rules' extra guard sits here, so it also stops the reversal of a patch being patched.
  if (patchEnabled) {
    const verdict = k.opts.rules.disable(systemOf(k), k.opts.catalog, klpPatch(k, name));
    if (!verdict.ok) return reject(k, verdict);
  }
  // Allow to reverse a pending transition in both ways.
  if (k.transition?.patch === name) {
    klpReverseTransition(k);
    // klp_transition_work, still scheduled, completes the reversed transition.
    klpTryCompleteTransition(k, autoComplete(k));
    return 'ok';
  }
  if (!enabled) return __klpDisablePatch(k, name);
  // Do not allow to re-enable a disabled patch. Unreachable here: a patch on klp_patches that
  // is not enabled is the transition patch, handled above.
  return 'EINVAL';
}

/** core.c `__klp_disable_patch()`. */
function __klpDisablePatch(k: Kernel, name: string): OpResult {
  if (k.transition !== null) return 'EBUSY';
  klpInitTransition(k, name, 'unpatched');
  klpStartTransition(k); // then patch->enabled = false
  klpTryCompleteTransition(k, autoComplete(k));
  return 'ok';
}

/** `echo 1 > /sys/kernel/livepatch/P/force`: core.c `force_store()`. */
export function forceStore(k: Kernel, name: string): OpResult {
  if (!k.klpPatches.includes(name)) return 'ENOENT'; // no sysfs directory
  if (k.transition?.patch !== name) return 'EINVAL';
  klpForceTransition(k);
  return 'ok';
}

function reject(k: Kernel, verdict: Verdict & { ok: false }): OpResult {
  for (const line of verdict.log) pr(k, line);
  k.verdict = verdict;
  return verdict.errno;
}
