/**
 * Function ownership claims for `klp-verify prove`: "can function F run the original code
 * while P is installed?" (`original`) and "does F, once no transition is pending, always run
 * the code of the newest installed release that patches it?" (`newest`).
 *
 * Each claim is given twice, like every claim of src/prove/problem.ts: as a test on a concrete
 * `System` through the simulator's ownership (src/kernel/func-stack.ts, the reference), and as
 * a template term over the transition system. The term mirrors func-stack.ts: a patch has an
 * entry on F's `func_stack` when it is on klp_patches and patches F, or when it is the
 * transition patch and has a nop for F (it replaces a patch below it that patches F and does
 * not patch F itself); the top entry is the highest one on klp_patches; a task that has not
 * switched to the transition patch runs the entry below it.
 */
import { functionOwners, type SimOptions } from '../kernel/index.ts';
import { funcKey, type KlpFunc } from '../model/patch.ts';
import type { System } from '../model/system.ts';
import { and, FALSE, implies, not, or, TRUE } from '../smt/factory.ts';
import type { Term } from '../smt/term.ts';
import type { TransitionSystem } from '../smt/transition.ts';

/** A function ownership claim. */
export type OwnershipClaim =
  /** No task ever runs F's original code while `patch` is on klp_patches, out of transition. */
  | { readonly kind: 'original'; readonly func: KlpFunc; readonly patch: string }
  /** With no transition pending, F runs the code of the newest installed release patching it. */
  | { readonly kind: 'newest'; readonly func: KlpFunc };

/**
 * The reference: whether `sys` violates the claim, by the simulator's ownership.
 *
 * @example
 * ownershipViolated(claim, sys, opts) // true when some task runs F's original code while P is installed
 */
export function ownershipViolated(
  claim: OwnershipClaim,
  sys: System,
  opts: Omit<SimOptions, 'transitions'>,
): boolean {
  const key = funcKey(claim.func);
  const o = functionOwners(sys, opts).find((x) => funcKey(x.func) === key);
  if (o === undefined) throw new Error(`no catalog patch patches ${key}`);
  switch (claim.kind) {
    case 'original':
      return (
        sys.klpPatches.includes(claim.patch) &&
        sys.transition?.patch !== claim.patch &&
        (o.patched === null || o.unpatched === null)
      );
    case 'newest': {
      if (sys.transition !== null || o.patched === null) return false;
      const order = opts.catalog.patches.map((p) => p.name);
      const at = order.indexOf(o.patched);
      return sys.klpPatches.some((name) => {
        const p = opts.catalog.byName.get(name);
        return (
          order.indexOf(name) > at && p !== undefined && p.functions.some((f) => funcKey(f) === key)
        );
      });
    }
    default:
      return assertNeverClaim(claim);
  }
}

function assertNeverClaim(x: never): never {
  throw new Error(`unexpected ownership claim ${JSON.stringify(x)}`);
}

/**
 * The claim's violation as a template over `ts` (instantiate it per state with `inst`).
 *
 * @example
 * const bad = ownershipBad(ts, { kind: 'newest', func });
 * ts.initialState().inst(bad) // a literal
 */
export function ownershipBad(ts: TransitionSystem, claim: OwnershipClaim): Term {
  const key = funcKey(claim.func);
  const n = ts.size;
  const lists = (x: number): boolean => ts.patch(x).functions.some((f) => funcKey(f) === key);
  const on = (x: number): Term => ts.onVar(x);
  const inTransition = (x: number): Term =>
    or(ts.transitionVar(x, 'patched'), ts.transitionVar(x, 'unpatched'));
  const below = (a: number, b: number): Term => ts.belowVar(a, b);
  // klp_add_nops(): a nop for F while x is the transition patch and replaces a patch below it
  // that patches F; x does not patch F itself.
  const nop = (x: number): Term => {
    if (lists(x)) return FALSE;
    const from: Term[] = [];
    for (let y = 0; y < n; y++) {
      if (y === x || !lists(y)) continue;
      from.push(and(on(y), below(y, x), ts.replaces(x, y)));
    }
    return and(inTransition(x), or(...from));
  };
  const entries: Term[] = [];
  for (let x = 0; x < n; x++) entries.push(and(on(x), lists(x) ? TRUE : nop(x)));
  const entry = (x: number): Term => entries[x] ?? FALSE;
  // The head of func_stack: the entry of the patch highest on klp_patches.
  const top = (x: number): Term => {
    const parts: Term[] = [entry(x)];
    for (let z = 0; z < n; z++) if (z !== x) parts.push(implies(entry(z), below(z, x)));
    return and(...parts);
  };
  // The entry right below x's.
  const next = (x: number, w: number): Term => {
    const parts: Term[] = [entry(w), below(w, x)];
    for (let z = 0; z < n; z++) {
      if (z !== x && z !== w) parts.push(implies(and(entry(z), below(z, x)), below(z, w)));
    }
    return and(...parts);
  };
  // klp_ftrace_handler(): the patch whose code runs, for tasks in each patch state.
  const runsPatched = (w: number): Term => (lists(w) ? top(w) : FALSE);
  const runsUnpatched = (w: number): Term => {
    if (!lists(w)) return FALSE;
    const parts: Term[] = [and(top(w), not(inTransition(w)))];
    for (let x = 0; x < n; x++) {
      if (x !== w) parts.push(and(top(x), inTransition(x), next(x, w)));
    }
    return or(...parts);
  };
  const all = Array.from({ length: n }, (_, x) => x);
  switch (claim.kind) {
    case 'original': {
      const p = ts.index.get(claim.patch);
      if (p === undefined) return FALSE; // never loaded: never installed
      const original = or(not(or(...all.map(runsPatched))), not(or(...all.map(runsUnpatched))));
      return and(on(p), not(inTransition(p)), original);
    }
    case 'newest': {
      const busy: Term[] = [];
      for (const x of all) busy.push(inTransition(x));
      const older: Term[] = [];
      for (const x of all) {
        for (const y of all) {
          if (x < y && lists(x) && lists(y)) older.push(and(runsPatched(x), on(y)));
        }
      }
      return and(not(or(...busy)), or(...older));
    }
    default:
      return assertNeverClaim(claim);
  }
}
