/**
 * Which patch's code runs for every patched function: the kernel's per-function `klp_ops` and
 * their `func_stack` (kernel/livepatch/patch.c), the `nop` functions of an atomic replace
 * (core.c `klp_add_nops()`, `klp_discard_nops()`), and `klp_ftrace_handler()`'s choice for a
 * task in each patch state (transition.c `klp_patch_state`).
 *
 * A `func_stack` is a function of the `System`: the kernel pushes a patch's functions when it
 * enables the patch (`__klp_enable_patch()` -> `klp_patch_object()`, `list_add_rcu` at the head)
 * and appends the patch to `klp_patches` in the same order (`klp_init_patch()`), and it removes
 * them only together with the patch (`klp_unpatch_objects()` of an unpatched or replaced patch),
 * so each stack lists, newest first, the patches on `klp_patches` that patch the function.
 * Nops exist only while the transition patch has not completed patching: they are created for
 * the patches it replaces that were on `klp_patches` when it was initialized, and those are
 * still there exactly until that completion (`klp_discard_nops()` runs then, and after it no
 * replaced patch is left below it). Every target module counts as loaded: plans have no
 * operation that loads or unloads one, so `klp_is_object_loaded()` holds for every object.
 *
 * Pure: reads the system, the catalog and the rules' `replaces`; changes nothing.
 */
import { patchNamed } from '../model/catalog.ts';
import { funcKey, type KlpFunc } from '../model/patch.ts';
import type { System, TransitionTarget } from '../model/system.ts';
import type { SimOptions } from './kernel.ts';

/** One `struct klp_func` on a `func_stack`. */
export interface KlpFuncEntry {
  /** The patch the entry belongs to. */
  readonly patch: string;
  /** `func->nop`: added by `klp_add_nops()`, runs the original code. */
  readonly nop: boolean;
  /** `func->transition`: the entry belongs to the transition patch. */
  readonly transition: boolean;
}

/** `struct klp_ops` of one patched function. */
export interface KlpOps {
  readonly func: KlpFunc;
  /** Newest first; never empty (an empty stack means no ftrace handler: the original code). */
  readonly funcStack: readonly KlpFuncEntry[];
}

/**
 * Which code a function runs: the patch whose code runs, null for the original code, for tasks
 * in each `klp_patch_state`. Outside a transition both are the same.
 */
export interface FuncOwner {
  readonly func: KlpFunc;
  /** Tasks in `KLP_TRANSITION_PATCHED` (every task when no transition is pending). */
  readonly patched: string | null;
  /** Tasks in `KLP_TRANSITION_UNPATCHED` (every task when no transition is pending). */
  readonly unpatched: string | null;
}

/**
 * Every function that some catalog patch lists, once, in catalog order then declaration order.
 *
 * @example
 * catalogFunctions(cat).map(funcKey) // ['vmlinux:cmdline_proc_show,0', ...]
 */
export function catalogFunctions(opts: Pick<SimOptions, 'catalog'>): KlpFunc[] {
  const seen = new Set<string>();
  const out: KlpFunc[] = [];
  for (const p of opts.catalog.patches) {
    for (const f of p.functions) {
      const key = funcKey(f);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

/**
 * The `klp_ops` of every function with a non-empty `func_stack` on `sys`, in order of first push.
 *
 * @example
 * klpFuncStacks(sys, opts)[0]?.funcStack[0]?.patch // the newest patch of the first function
 */
export function klpFuncStacks(sys: System, opts: Omit<SimOptions, 'transitions'>): KlpOps[] {
  const stacks = new Map<string, { func: KlpFunc; funcStack: KlpFuncEntry[] }>();
  const push = (func: KlpFunc, entry: KlpFuncEntry): void => {
    const key = funcKey(func);
    let ops = stacks.get(key);
    if (ops === undefined) {
      ops = { func, funcStack: [] };
      stacks.set(key, ops);
    }
    ops.funcStack.unshift(entry); // list_add_rcu(&func->stack_node, &ops->func_stack)
  };
  // klp_patches order is enable order, the order in which klp_patch_object() pushed.
  for (const [index, name] of sys.klpPatches.entries()) {
    const transition = sys.transition?.patch === name;
    for (const f of klpPatchFuncs(sys, opts, index)) {
      push(f.func, { patch: name, nop: f.nop, transition });
    }
  }
  return [...stacks.values()];
}

/**
 * The `struct klp_func`s of the patch at `index` on `klp_patches` that are on func stacks: its
 * own functions, and while it is the transition patch, the nops `klp_add_nops()` gave it for
 * the functions of the patches below it that it replaces and does not patch itself. Upstream,
 * `klp_add_nops()` runs when `patch->replace` is set, which is when the rules say it replaces.
 */
function klpPatchFuncs(
  sys: System,
  opts: Omit<SimOptions, 'transitions'>,
  index: number,
): Array<{ func: KlpFunc; nop: boolean }> {
  const name = sys.klpPatches[index];
  const patch = name === undefined ? undefined : opts.catalog.byName.get(name);
  if (patch === undefined) throw new Error(`no patch at ${index} on klp_patches`);
  const own = new Set(patch.functions.map(funcKey));
  const out = patch.functions.map((func) => ({ func, nop: false }));
  if (sys.transition?.patch !== patch.name) return out;
  for (const oldName of sys.klpPatches.slice(0, index)) {
    const old = patchNamed(opts.catalog, oldName);
    if (!opts.rules.replaces(sys, opts.catalog, patch, old)) continue;
    for (const func of old.functions) {
      // klp_add_object_nops(): klp_find_func() finds the patch's own functions and its nops.
      const key = funcKey(func);
      if (own.has(key)) continue;
      own.add(key);
      out.push({ func, nop: true });
    }
  }
  return out;
}

/**
 * patch.c `klp_ftrace_handler()`: the code a task in `state` runs for a function with this
 * `func_stack` (null: the original code).
 *
 * @example
 * klpFtraceHandler([{ patch: 'p', nop: false, transition: true }], 'unpatched') // null
 */
export function klpFtraceHandler(
  funcStack: readonly KlpFuncEntry[],
  state: TransitionTarget,
): string | null {
  let func = funcStack[0];
  if (func === undefined) return null;
  // A task that has not switched to the transition patch runs the entry below it.
  if (func.transition && state === 'unpatched') {
    func = funcStack[1];
    if (func === undefined) return null;
  }
  return func.nop ? null : func.patch;
}

/**
 * The owner of every function any catalog patch lists, in `catalogFunctions` order.
 *
 * @example
 * functionOwners(sys, opts).filter((o) => o.patched !== o.unpatched) // the mixed functions
 */
export function functionOwners(sys: System, opts: Omit<SimOptions, 'transitions'>): FuncOwner[] {
  const stacks = new Map(klpFuncStacks(sys, opts).map((o) => [funcKey(o.func), o.funcStack]));
  return catalogFunctions(opts).map((func) => {
    const stack = stacks.get(funcKey(func)) ?? [];
    return {
      func,
      patched: klpFtraceHandler(stack, 'patched'),
      unpatched: klpFtraceHandler(stack, 'unpatched'),
    };
  });
}
