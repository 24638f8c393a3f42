/**
 * An independent reading of kernel/livepatch/patch.c and transition.c for function ownership,
 * written as a test oracle, separately from src/kernel/func-stack.ts. Where the simulator
 * derives every `func_stack` from the system, this oracle keeps the stacks as the kernel does,
 * event by event:
 * - enabling a patch (`__klp_enable_patch()`): `klp_add_nops()` first when it replaces, then
 *   every function of the patch is pushed on its stack (`klp_patch_func()`, head insertion) with
 *   `func->transition` set (`klp_init_transition()`);
 * - starting an unpatching transition or reversing one flips the target only;
 * - completing (`klp_complete_transition()`): to patched with replace, the replaced patches'
 *   entries go (`klp_unpatch_replaced_patches()`) and the nops with them (`klp_discard_nops()`);
 *   to unpatched, every entry of the patch goes (`klp_unpatch_objects()`); `func->transition`
 *   is cleared;
 * - `klp_ftrace_handler()`: the top entry, or for a task that is still in
 *   `KLP_TRANSITION_UNPATCHED` while the top entry is in transition, the one below it; a nop or
 *   no entry runs the original code.
 *
 * It learns what happened in a step from the operation, its result and whether a transition is
 * pending afterwards, never from the simulator's ownership. `replaces(incoming, old)` is the
 * rule set's choice (upstream: `incoming.replace`).
 */
import type { Catalog } from '../../src/model/catalog.ts';
import type { Op, OpResult } from '../../src/model/op.ts';
import { funcKey, type KlpFunc, type Patch } from '../../src/model/patch.ts';

interface Entry {
  readonly patch: string;
  readonly nop: boolean;
}

export interface OracleOwner {
  readonly key: string;
  /** Owner for tasks that run the transition patch's side (or every task when settled). */
  readonly patched: string | null;
  /** Owner for tasks still on the other side. */
  readonly unpatched: string | null;
}

export class FuncStackOracle {
  /** Function key -> entries, index 0 the newest (the head of `ops->func_stack`). */
  private readonly stacks = new Map<string, Entry[]>();
  /** The oracle's own `klp_patches`, bottom to top. */
  readonly patches: string[] = [];
  private transition: { patch: string; target: 'patched' | 'unpatched' } | null = null;

  private readonly catalog: Catalog;
  private readonly replaces: (incoming: Patch, old: Patch) => boolean;

  constructor(catalog: Catalog, replaces: (incoming: Patch, old: Patch) => boolean) {
    this.catalog = catalog;
    this.replaces = replaces;
  }

  /** Feeds one performed operation: its result and whether a transition is pending after it. */
  observe(op: Op, result: OpResult, pendingAfter: boolean): void {
    if (result !== 'ok') return;
    switch (op.kind) {
      case 'insmod':
        this.enable(this.patch(op.patch));
        break;
      case 'enable':
      case 'disable':
        if (this.transition?.patch === op.patch) {
          this.transition = {
            patch: op.patch,
            target: this.transition.target === 'patched' ? 'unpatched' : 'patched',
          };
        } else {
          this.transition = { patch: op.patch, target: 'unpatched' };
        }
        break;
      case 'force':
      case 'complete':
      case 'rmmod':
        break;
      default: {
        const never: never = op;
        throw new Error(`unexpected op ${JSON.stringify(never)}`);
      }
    }
    if (this.transition !== null && !pendingAfter) this.complete();
  }

  private patch(name: string): Patch {
    const p = this.catalog.byName.get(name);
    if (p === undefined) throw new Error(`unknown patch ${name}`);
    return p;
  }

  private enable(p: Patch): void {
    const funcs: Array<{ func: KlpFunc; nop: boolean }> = p.functions.map((func) => ({
      func,
      nop: false,
    }));
    const listed = new Set(p.functions.map(funcKey));
    for (const oldName of this.patches) {
      const old = this.patch(oldName);
      if (!this.replaces(p, old)) continue;
      for (const func of old.functions) {
        if (listed.has(funcKey(func))) continue;
        listed.add(funcKey(func));
        funcs.push({ func, nop: true });
      }
    }
    this.patches.push(p.name);
    for (const { func, nop } of funcs) {
      const stack = this.stacks.get(funcKey(func)) ?? [];
      this.stacks.set(funcKey(func), [{ patch: p.name, nop }, ...stack]);
    }
    this.transition = { patch: p.name, target: 'patched' };
  }

  private drop(keep: (e: Entry) => boolean): void {
    for (const [key, stack] of this.stacks) this.stacks.set(key, stack.filter(keep));
  }

  private complete(): void {
    const t = this.transition;
    if (t === null) return;
    if (t.target === 'patched') {
      const incoming = this.patch(t.patch);
      const at = this.patches.indexOf(t.patch);
      const replaced = this.patches
        .slice(0, at)
        .filter((old) => this.replaces(incoming, this.patch(old)));
      this.drop((e) => !replaced.includes(e.patch) && !(e.patch === t.patch && e.nop));
      for (const r of replaced) this.patches.splice(this.patches.indexOf(r), 1);
    } else {
      this.drop((e) => e.patch !== t.patch);
      this.patches.splice(this.patches.indexOf(t.patch), 1);
    }
    this.transition = null;
  }

  /** `klp_ftrace_handler()` for both task states, for each function in `funcs`. */
  owners(funcs: readonly KlpFunc[]): OracleOwner[] {
    return funcs.map((f) => {
      const stack = this.stacks.get(funcKey(f)) ?? [];
      const run = (state: 'patched' | 'unpatched'): string | null => {
        const top = stack[0];
        if (top === undefined) return null;
        const inTransition = this.transition !== null && top.patch === this.transition.patch;
        const chosen = inTransition && state === 'unpatched' ? stack[1] : top;
        if (chosen === undefined || chosen.nop) return null;
        return chosen.patch;
      };
      return { key: funcKey(f), patched: run('patched'), unpatched: run('unpatched') };
    });
  }
}
