/**
 * Installing an initial stack: the names of the patches loaded bottom to top, each
 * `insmod`-ed on an empty system in turn and, with manual transitions, its transition
 * completed before the next one, as a user (or the selftests' helpers) would. The one way
 * every command starts from a stack: plan runs (`initial:`), prove, the queries and the
 * explorer.
 *
 * Guarantees: an `ok` stack is exactly what the simulator reaches by those operations; a
 * stack the kernel refuses is an error value naming the operation that failed, never thrown.
 */
import type { Catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import { EMPTY_SYSTEM, type System, type TransitionMode } from '../model/system.ts';
import type { KernelRules } from './rules.ts';
import { type StepOutcome, step } from './simulator.ts';

/** Why an installed stack cannot be set up. */
export type StackError =
  | { readonly kind: 'not-in-catalog'; readonly patch: string; readonly message: string }
  | {
      readonly kind: 'load-failed';
      readonly patch: string;
      /** The position of `patch` in the stack. */
      readonly index: number;
      /** Every operation's outcome up to and including the one that failed. */
      readonly outcomes: readonly StepOutcome[];
      /** The operation that failed, with the kernel's log and the rules' verdict. */
      readonly outcome: StepOutcome;
      readonly message: string;
    };

export type Stack =
  | {
      readonly kind: 'ok';
      readonly system: System;
      readonly ops: readonly Op[];
      /** The outcome of each of `ops`. */
      readonly outcomes: readonly StepOutcome[];
    }
  | StackError;

/**
 * Loads `names` bottom to top on an empty system.
 *
 * @example
 * const s = installStack(cat, upstreamRules, ['test_klp_state2'], 'manual');
 * s.kind === 'ok' && s.system.klpPatches // ['test_klp_state2']
 * s.kind === 'ok' && s.ops // [insmod test_klp_state2, complete]
 */
export function installStack(
  cat: Catalog,
  rules: KernelRules,
  names: readonly string[],
  transitions: TransitionMode,
): Stack {
  const opts = { rules, catalog: cat, transitions } as const;
  let sys = EMPTY_SYSTEM;
  const ops: Op[] = [];
  const outcomes: StepOutcome[] = [];
  for (const [index, name] of names.entries()) {
    if (!cat.byName.has(name)) {
      return {
        kind: 'not-in-catalog',
        patch: name,
        message: `initial patch \`${name}\` is not in the catalog`,
      };
    }
    const load: Op[] = [{ kind: 'insmod', patch: name }];
    if (transitions === 'manual') load.push({ kind: 'complete' });
    for (const op of load) {
      const out = step(sys, op, opts);
      outcomes.push(out);
      if (out.result !== 'ok') {
        return {
          kind: 'load-failed',
          patch: name,
          index,
          outcomes,
          outcome: out,
          message: `initial patch \`${name}\` cannot be loaded: insmod fails with ${out.result}`,
        };
      }
      ops.push(op);
      sys = out.system;
    }
  }
  return { kind: 'ok', system: sys, ops, outcomes };
}
