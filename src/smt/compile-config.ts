/**
 * Symbolic configurations and patches to feed the rule compiler (src/smt/compile.ts): concrete
 * ones whose attributes are literals, ones whose attributes are variables, and the assignment
 * that makes variables describe a concrete system or patch.
 *
 * Mirrors the evaluator's world (src/eval/value.ts `systemWorld`): `on` is "on klp_patches",
 * `pos` the index on it (bottom is 0), `enabled` is `isEnabled` (on klp_patches and not being
 * unpatched).
 *
 * Guarantees: for a concrete system, {@link fixConfig} and {@link VariablePatch.values} give
 * every variable these helpers create a value of its sort; with those values the symbolic
 * configuration and patches describe exactly the concrete ones (test/smt/compile*.test.ts).
 */
import type { Catalog } from '../model/catalog.ts';
import { funcKey, type KlpFunc, type Patch } from '../model/patch.ts';
import { isEnabled, type System } from '../model/system.ts';
import { bool, boolVar, bv, bvVar, eq, variable } from './factory.ts';
import type { Assignment } from './interpret.ts';
import {
  concretePatch,
  POS_WIDTH,
  type SymConfig,
  type SymPatch,
  type SymState,
} from './symbolic.ts';
import type { Sort, Term, Value } from './term.ts';

const symPatches = new WeakMap<Patch, SymPatch>();

/**
 * {@link concretePatch}, one object per patch: the compiler caches per symbolic patch object,
 * so asking again about the same catalog patch reuses earlier work.
 *
 * @example
 * symPatch(p) === symPatch(p) // true
 */
export function symPatch(p: Patch): SymPatch {
  let s = symPatches.get(p);
  if (s === undefined) {
    s = concretePatch(p);
    symPatches.set(p, s);
  }
  return s;
}

/**
 * A concrete system as a configuration with literal attributes: compiled rules fold to
 * literals on it, without a solver.
 *
 * @example
 * concreteConfig(system(['a']), cat).patches.map((i) => i.on) // [TRUE] when `a` is the only patch
 */
export function concreteConfig(sys: System, cat: Catalog): SymConfig {
  const index = new Map(sys.klpPatches.map((name, i) => [name, i]));
  return {
    catalog: cat,
    patches: cat.patches.map((p) => {
      const i = index.get(p.name);
      return {
        patch: symPatch(p),
        on: bool(i !== undefined),
        pos: bv(i ?? 0, POS_WIDTH),
        enabled: bool(isEnabled(sys, p.name)),
      };
    }),
  };
}

/**
 * A configuration over a catalog whose `on`, `pos` and `enabled` are variables named
 * `<prefix>on.<patch>`, `<prefix>pos.<patch>`, `<prefix>enabled.<patch>`; the patches are the
 * concrete catalog patches unless `patchOf` gives others (e.g. {@link variablePatch}). The
 * variables are unconstrained: a caller who needs only real configurations adds the
 * constraints it relies on (enabled implies on, distinct positions).
 *
 * @example
 * variableConfig(cat, 's0.').patches[0]?.on // the variable `s0.on.<first patch>`
 */
export function variableConfig(
  cat: Catalog,
  prefix: string,
  patchOf: (p: Patch) => SymPatch = symPatch,
): SymConfig {
  return {
    catalog: cat,
    patches: cat.patches.map((p) => ({
      patch: patchOf(p),
      on: boolVar(`${prefix}on.${p.name}`),
      pos: bvVar(`${prefix}pos.${p.name}`, POS_WIDTH),
      enabled: boolVar(`${prefix}enabled.${p.name}`),
    })),
  };
}

/**
 * Values for the variables among `on`, `pos` and `enabled` of `cfg` that make it describe
 * `sys` (literal attributes are left alone). A patch off klp_patches gets position 0.
 *
 * @example
 * fixConfig(variableConfig(cat, ''), system(['a'])).get('on.a') // true
 */
export function fixConfig(cfg: SymConfig, sys: System): Map<string, Value> {
  const index = new Map(sys.klpPatches.map((name, i) => [name, i]));
  const out = new Map<string, Value>();
  const put = (t: Term, v: Value): void => {
    if (t.kind === 'var') out.set(t.name, v);
  };
  for (const i of cfg.patches) {
    const at = index.get(i.patch.name);
    put(i.on, at !== undefined);
    put(i.pos, BigInt(at ?? 0));
    put(i.enabled, isEnabled(sys, i.patch.name));
  }
  return out;
}

/**
 * The assignment as equalities `variable = value`, one per variable of `vars` it assigns: what
 * pins a query to a concrete configuration.
 *
 * @example
 * pinning(new Map([['x', true]]), new Map([['x', BOOL]])) // [x]
 */
export function pinning(values: Assignment, vars: ReadonlyMap<string, Sort>): Term[] {
  const out: Term[] = [];
  for (const [name, sort] of vars) {
    const v = values.get(name);
    if (v === undefined) continue;
    const x = variable(name, sort);
    out.push(
      eq(x, typeof v === 'boolean' ? bool(v) : bv(v, sort.kind === 'bitvec' ? sort.width : 1)),
    );
  }
  return out;
}

/** One state entry of a {@link VariablePatch}, with the variables behind it. */
export interface VariableState {
  /** Index in the patch's `states`, or null for an id the patch does not declare. */
  readonly index: number | null;
  readonly state: SymState;
}

/** One function of a {@link VariablePatch}. */
export interface VariableFunction {
  /** Whether the concrete patch patches it. */
  readonly declared: boolean;
  readonly func: KlpFunc;
  readonly has: Term;
}

/** A patch whose attributes are variables, and the values that make it the concrete patch. */
export interface VariablePatch {
  readonly sym: SymPatch;
  readonly replace: Term;
  readonly replaceSet: Term;
  /** The patch's own entries in declaration order, then one per extra id. */
  readonly states: readonly VariableState[];
  /** The patch's own functions, then the extra ones. */
  readonly functions: readonly VariableFunction[];
  /**
   * Values of every variable that make `sym` describe the concrete patch. The version and
   * block_disable of an extra id (absent: `has` false) get 0 and false; no rule can see them.
   */
  readonly values: ReadonlyMap<string, Value>;
}

/**
 * A patch with a variable for each attribute, named `<prefix>.replace`, `<prefix>.replace_set`,
 * `<prefix>.s<k>.has|version|block_disable` (entry k; extra ids after the patch's own entries)
 * and `<prefix>.f<k>.has`. `extraIds` and `extraFunctions` widen the universe beyond what the
 * patch declares, so that a solver may add states or functions to it.
 *
 * @example
 * const v = variablePatch(patch('p', { states: [{ id: 1, version: 2 }] }), 'p', { extraIds: [3n] });
 * v.states.map((s) => s.index) // [0, null]
 */
export function variablePatch(
  p: Patch,
  prefix: string,
  extra: { readonly extraIds?: Iterable<bigint>; readonly extraFunctions?: Iterable<KlpFunc> } = {},
): VariablePatch {
  const values = new Map<string, Value>();
  const replace = boolVar(`${prefix}.replace`);
  const replaceSet = bvVar(`${prefix}.replace_set`, 32);
  values.set(`${prefix}.replace`, p.replace);
  values.set(`${prefix}.replace_set`, BigInt(p.replaceSet));
  const states: VariableState[] = [];
  const entry = (k: number, index: number | null, id: bigint, version: number, bd: boolean) => {
    const base = `${prefix}.s${k}`;
    const s: SymState = {
      id,
      has: boolVar(`${base}.has`),
      version: bvVar(`${base}.version`, 32),
      blockDisable: boolVar(`${base}.block_disable`),
    };
    values.set(`${base}.has`, index !== null);
    values.set(`${base}.version`, BigInt(version));
    values.set(`${base}.block_disable`, bd);
    states.push({ index, state: s });
  };
  p.states.forEach((s, k) => {
    entry(k, k, s.id, s.version, s.blockDisable);
  });
  const own = new Set(p.states.map((s) => s.id));
  for (const id of extra.extraIds ?? []) {
    if (own.has(id)) continue;
    own.add(id);
    entry(states.length, null, id, 0, false);
  }
  const functions: VariableFunction[] = [];
  const keys = new Set<string>();
  const fn = (f: KlpFunc, declared: boolean) => {
    const key = funcKey(f);
    if (keys.has(key)) return;
    keys.add(key);
    const name = `${prefix}.f${functions.length}.has`;
    values.set(name, declared);
    functions.push({ declared, func: f, has: boolVar(name) });
  };
  for (const f of p.functions) fn(f, true);
  for (const f of extra.extraFunctions ?? []) fn(f, false);
  return {
    sym: {
      name: p.name,
      concrete: null,
      replace,
      replaceSet,
      states: states.map((s) => s.state),
      functions: functions.map((f) => ({ key: funcKey(f.func), has: f.has })),
    },
    replace,
    replaceSet,
    states,
    functions,
    values,
  };
}
