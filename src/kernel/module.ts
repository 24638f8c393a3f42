/**
 * Loading and removing livepatch modules: kmod's insmod and rmmod (tools/insmod.c,
 * tools/rmmod.c `check_module_inuse()`) over the kernel's module loader
 * (kernel/module/main.c `load_module()` / `add_unformed_module()`).
 *
 * A livepatch module holds a reference on itself from `klp_enable_patch()` until its patch is
 * freed (core.c `klp_free_patch_finish()`), which is exactly while it is on `klp_patches`; a
 * forced patch never drops it. rmmod refuses while the reference is held.
 */
import type { OpResult } from '../model/op.ts';
import { klpEnablePatch } from './core.ts';
import { type Kernel, klpPatch, without } from './kernel.ts';

/** `insmod P.ko`: the module loader, then the module's init, `klp_enable_patch()`. */
export function insmod(k: Kernel, name: string): OpResult {
  const patch = klpPatch(k, name); // throws: plans only load modules of the catalog
  // add_unformed_module(): a module with this name is already loaded.
  if (k.loaded.includes(name)) return 'EEXIST';
  return klpEnablePatch(k, patch);
}

/** `rmmod P`: kmod's `check_module_inuse()`, then `delete_module()`. */
export function rmmod(k: Kernel, name: string): OpResult {
  if (!k.loaded.includes(name)) return 'ENOENT';
  // kmod_module_get_refcnt() != 0: the patch still holds its own module reference.
  if (k.klpPatches.includes(name) || k.forced.includes(name)) return 'EBUSY';
  k.loaded = without(k.loaded, name);
  return 'ok';
}
