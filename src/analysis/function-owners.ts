/**
 * Which functions change owner in a step, and why: the per-step view of function ownership
 * (src/kernel/func-stack.ts) that `simulate` and `check` print, and the warning for a cumulative
 * patch that reverts functions of the patches it replaces. Typed data, no English.
 */
import { functionOwners, type SimOptions } from '../kernel/index.ts';
import { funcKey, type KlpFunc } from '../model/patch.ts';
import type { System } from '../model/system.ts';

/** Who runs a function's code on a system; null is the original code. */
export interface FunctionOwner {
  readonly func: KlpFunc;
  /**
   * The code tasks that have switched to the pending transition's target run, which is what
   * every task runs once it completes; every task's code when no transition is pending.
   */
  readonly owner: string | null;
  /** The code tasks that have not switched yet run (equal to `owner` when not mixed). */
  readonly unswitched: string | null;
}

export type OwnerChangeKind = 'patched' | 'repatched' | 'reverted' | 'mixed';

/** The transition that completed within a step: what reverted a function to the original code. */
export type RevertCause =
  | { readonly kind: 'disable'; readonly patch: string }
  | { readonly kind: 'replace'; readonly patch: string };

export interface OwnerChange {
  readonly func: KlpFunc;
  /** What tasks ran before the step (tasks not yet switched, if it was mixed). */
  readonly before: string | null;
  /** What switched tasks run after it (every task once no transition is pending). */
  readonly after: string | null;
  /** After the step: the code of tasks that have not switched. */
  readonly unswitched: string | null;
  readonly kind: OwnerChangeKind;
  /** Only for `reverted`. */
  readonly cause: RevertCause | null;
}

/**
 * The owner of every function any catalog patch lists, in catalog order.
 *
 * @example
 * ownersOf(sys, opts).filter((o) => o.owner === null) // functions running the original code
 */
export function ownersOf(sys: System, opts: Omit<SimOptions, 'transitions'>): FunctionOwner[] {
  const switchedTo = sys.transition?.target ?? 'patched';
  return functionOwners(sys, opts).map((o) =>
    switchedTo === 'patched'
      ? { func: o.func, owner: o.patched, unswitched: o.unpatched }
      : { func: o.func, owner: o.unpatched, unswitched: o.patched },
  );
}

/**
 * The functions whose owners differ between `before` and `after`, classified. `log` is the
 * step's transcript, which names the transition that completed in it.
 *
 * @example
 * ownerChanges(before, outcome.system, outcome.log, opts).map((c) => c.kind) // ['reverted']
 */
export function ownerChanges(
  before: System,
  after: System,
  log: readonly string[],
  opts: Omit<SimOptions, 'transitions'>,
): OwnerChange[] {
  const was = new Map(ownersOf(before, opts).map((o) => [funcKey(o.func), o]));
  const out: OwnerChange[] = [];
  for (const now of ownersOf(after, opts)) {
    const old = was.get(funcKey(now.func));
    if (old === undefined) throw new Error(`function ${funcKey(now.func)} vanished`);
    if (old.owner === now.owner && old.unswitched === now.unswitched) continue;
    const b = old.unswitched;
    const a = now.owner;
    // INVARIANT: a step that ends a transition gives every task the switched tasks' code, and
    // a reversal leaves the function mixed; so a settled function never ends on the code its
    // unswitched tasks ran before (`b === a`) while the views changed.
    if (a === now.unswitched && b === a) {
      throw new Error(`function ${funcKey(now.func)} settled back on \`${String(a)}\``);
    }
    const kind: OwnerChangeKind =
      a !== now.unswitched
        ? 'mixed'
        : b === null
          ? 'patched'
          : a === null
            ? 'reverted'
            : 'repatched';
    out.push({
      func: now.func,
      before: b,
      after: a,
      unswitched: now.unswitched,
      kind,
      cause: kind === 'reverted' ? completedTransition(log) : null,
    });
  }
  return out;
}

/** The transition a step completed, from the kernel's `'%s': %s complete` line. */
function completedTransition(log: readonly string[]): RevertCause {
  for (const line of log) {
    const m = /^livepatch: '([^']+)': (patching|unpatching) complete$/.exec(line);
    if (m?.[1] === undefined) continue;
    return { kind: m[2] === 'patching' ? 'replace' : 'disable', patch: m[1] };
  }
  throw new Error('a function reverted to the original code in a step that completed nothing');
}

/**
 * The functions a cumulative patch reverted to the original code in a step, each with the
 * patch that last patched it (the check warning).
 *
 * @example
 * revertedByReplace(changes) // [{ patch: 'r4', func, lastPatchedBy: 'r3' }]
 */
export function revertedByReplace(
  changes: readonly OwnerChange[],
): Array<{ readonly patch: string; readonly func: KlpFunc; readonly lastPatchedBy: string }> {
  return changes.flatMap((c) =>
    c.kind === 'reverted' && c.cause?.kind === 'replace' && c.before !== null
      ? [{ patch: c.cause.patch, func: c.func, lastPatchedBy: c.before }]
      : [],
  );
}
