/**
 * The encoding behind `klp-verify synth` (src/query/synth.ts): the patch P being synthesized as
 * a symbolic patch (src/smt/symbolic.ts) whose state declaration is variables, "the rules
 * admit `insmod P` on this configuration" as a term over those variables, and the order in
 * which declarations count as smaller, both as solver objectives and as a plain comparison.
 *
 * P ranges over declarations with at most one entry per id, each id taken from the universe:
 * every id some catalog patch declares, and one fresh id no catalog patch uses. A fresh id
 * never helps under the shipped rule sets (their enable rules ask the new patch only about ids
 * of installed patches, which are catalog patches); it is there for house rules such as "a
 * cumulative patch declares at least one state" on a catalog without states. P's
 * `block_disable` flags are false (no shipped enable rule reads the new patch's flags; setting
 * them only restricts disabling P); its functions and replace set are the catalog entry's when
 * P is in the catalog, else none and 0.
 *
 * Guarantees: for every assignment of the variables, {@link admittedAt} is true exactly when
 * the simulator's `insmod P` (with the declaration {@link decodeDeclaration} reads from the
 * assignment) does not fail with EINVAL on the configuration, because it is built by the rule
 * compiler exactly as `prove loadable` builds its claim (src/prove/problem.ts). The objectives
 * order declarations exactly as {@link compareDeclarations} does.
 */

import type { Domain, Expr } from '../lang/ast.ts';
import type { CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import { domainExpr, someExpr } from '../lang/walk.ts';
import type { Catalog } from '../model/catalog.ts';
import { effectiveStates, funcKey, type Patch } from '../model/patch.ts';
import type { System } from '../model/system.ts';
import { rejectedWith } from '../smt/compile.ts';
import { concreteConfig } from '../smt/compile-config.ts';
import { boolVar, bv, bvadd, bvVar, eq, FALSE, implies, ite, not, TRUE } from '../smt/factory.ts';
import type { Assignment } from '../smt/interpret.ts';
import type { SymbolicRules, SymPatch } from '../smt/symbolic.ts';
import type { NamedAssertion, Term } from '../smt/term.ts';
import type { Objective } from '../smt/z3/index.ts';

/** The state ids P may declare. */
export interface Universe {
  /** Ascending; the catalog's ids and {@link Universe.fresh}. */
  readonly ids: readonly bigint[];
  /** The smallest positive id no catalog patch declares. */
  readonly fresh: bigint;
}

/**
 * Every id a catalog patch declares, and the smallest positive id none declares.
 *
 * @example
 * universeOf(testModules).ids // [1n, 2n]: state 1 of the selftest modules, and 2 as the fresh id
 */
export function universeOf(cat: Catalog): Universe {
  const used = new Set<bigint>();
  for (const p of cat.patches) for (const s of p.states) used.add(s.id);
  let fresh = 1n;
  while (used.has(fresh)) fresh++;
  const ids = [...used, fresh].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ids, fresh };
}

/** P with variables for its declaration. */
export interface SynthPatch {
  readonly sym: SymPatch;
  readonly universe: Universe;
  /** `replace`. */
  readonly replace: Term;
  /** Per universe id (same index): does P declare it. */
  readonly has: readonly Term[];
  /** Per universe id: the version P declares (0 when it does not declare the id). */
  readonly version: readonly Term[];
  /** P's catalog entry (or a bare patch) whose functions and replace set P keeps. */
  readonly base: Patch;
}

const PREFIX = 'synth';

/**
 * P as a symbolic patch over `universe`: `synth.replace`, `synth.s<k>.has`,
 * `synth.s<k>.version` for the k-th id of the universe.
 *
 * @example
 * synthPatch(patch('P'), universeOf(cat)).sym.states.length // the universe's size
 */
export function synthPatch(base: Patch, universe: Universe): SynthPatch {
  const replace = boolVar(`${PREFIX}.replace`);
  const has = universe.ids.map((_, k) => boolVar(`${PREFIX}.s${k}.has`));
  const version = universe.ids.map((_, k) => bvVar(`${PREFIX}.s${k}.version`, 32));
  const functions = new Set(base.functions.map(funcKey));
  return {
    sym: {
      name: base.name,
      concrete: null,
      replace,
      replaceSet: bv(base.replaceSet, 32),
      states: universe.ids.map((id, k) => ({
        id,
        has: has[k] ?? FALSE,
        version: version[k] ?? bv(0, 32),
        blockDisable: FALSE,
      })),
      functions: [...functions].map((key) => ({ key, has: TRUE })),
    },
    universe,
    replace,
    has,
    version,
    base,
  };
}

/**
 * The constraints every candidate obeys: `replace` as chosen, and version 0 for an id P does
 * not declare (so that equal declarations are equal assignments).
 *
 * @example
 * structure(p, true).map((a) => a.name) // ['replace', 'absent-version-0:0', ...]
 */
export function structure(p: SynthPatch, replace: boolean): NamedAssertion[] {
  return [
    { name: 'replace', term: replace ? p.replace : not(p.replace) },
    ...p.universe.ids.map((_, k) => ({
      name: `absent-version-0:${k}`,
      term: implies(not(p.has[k] ?? FALSE), eq(p.version[k] ?? bv(0, 32), bv(0, 32))),
    })),
  ];
}

const COUNT_WIDTH = 16;

/**
 * The objectives, lexicographic in this order: the number of states; then the versions, id
 * by id in ascending order (an id P does not declare counts as version 0); then, id by id,
 * declaring the id before not declaring it (ties go to the lower ids).
 *
 * @example
 * await optimize({ hard: structure(p, true), objectives: objectives(p) }, { timeoutMs: 5_000 })
 * // optimal: no state declared
 */
export function objectives(p: SynthPatch): Objective[] {
  let count: Term = bv(0, COUNT_WIDTH);
  for (const h of p.has) count = bvadd(count, ite(h, bv(1, COUNT_WIDTH), bv(0, COUNT_WIDTH)));
  return [
    { kind: 'minimize', term: count },
    ...p.version.map((v) => ({ kind: 'minimize' as const, term: v })),
    ...p.has.map((h) => ({ kind: 'minimize' as const, term: ite(h, bv(0, 1), bv(1, 1)) })),
  ];
}

/**
 * The declaration an assignment describes, as P's catalog entry (states by ascending id).
 *
 * @example
 * decodeDeclaration(p, new Map([['synth.replace', true], ['synth.s0.has', true], ['synth.s0.version', 2n]]))
 * // P with replace set and state (first id of the universe) at version 2
 */
export function decodeDeclaration(p: SynthPatch, model: Assignment): Patch {
  const states = p.universe.ids.flatMap((id, k) => {
    const h = p.has[k];
    const v = p.version[k];
    if (h === undefined || v === undefined || h.kind !== 'var' || v.kind !== 'var') return [];
    if (model.get(h.name) !== true) return [];
    const version = model.get(v.name);
    return [
      { id, version: typeof version === 'bigint' ? Number(version) : 0, blockDisable: false },
    ];
  });
  const replace = p.replace.kind === 'var' && model.get(p.replace.name) === true;
  return { ...p.base, replace, states };
}

/**
 * The assignment of P's variables that describes `decl` (ids outside the universe are
 * ignored; a declaration from {@link decodeDeclaration} has none): its inverse.
 *
 * @example
 * decodeDeclaration(p, encodeDeclaration(p, decl)) // decl, states in ascending id
 */
export function encodeDeclaration(p: SynthPatch, decl: Patch): Assignment {
  const out = new Map<string, boolean | bigint>();
  const put = (t: Term | undefined, v: boolean | bigint) => {
    if (t !== undefined && t.kind === 'var') out.set(t.name, v);
  };
  put(p.replace, decl.replace);
  const byId = new Map(effectiveStates(decl).map((s) => [s.id, s.version]));
  p.universe.ids.forEach((id, k) => {
    const v = byId.get(id);
    put(p.has[k], v !== undefined);
    put(p.version[k], BigInt(v ?? 0));
  });
  return out;
}

/**
 * "`insmod P` is not rejected with EINVAL" on a concrete configuration, over P's variables:
 * the negation of `prove loadable`'s claim (src/prove/problem.ts `rejectedWithEinval`). The
 * first violated `rule` of `on enable` (in file order) decides the errno, as
 * src/eval/kernel-rules.ts does (src/smt/compile.ts `rejectedWith`).
 *
 * @param cat the catalog with P in it (its declaration there does not matter: the rules see
 *   the symbolic P in its place)
 *
 * @example
 * printTerm(admittedAt(upstream, compileRules(upstream), cat, state2Installed, p))
 * // (not (or (and synth.s0.has (not (bvule (_ bv2 32) (ite synth.s0.has synth.s0.version (_ bv0 32)))))
 * //          (and synth.replace (not synth.s0.has))))   with state 1 as the universe's first id
 */
export function admittedAt(
  rs: CheckedRuleSet,
  symbolic: SymbolicRules,
  cat: Catalog,
  sys: System,
  p: SynthPatch,
): Term {
  const violations = symbolic.enableViolations(concreteConfig(sys, cat), p.sym);
  return not(rejectedWith(rs.enable, violations, 'EINVAL'));
}

/** The sort key of a declaration: see {@link compareDeclarations}. */
function key(decl: Patch, ids: readonly bigint[]): readonly number[] {
  const byId = new Map(effectiveStates(decl).map((s) => [s.id, s.version]));
  return [
    byId.size,
    ...ids.map((id) => byId.get(id) ?? 0),
    ...ids.map((id) => (byId.has(id) ? 0 : 1)),
  ];
}

/**
 * The order in which declarations count as smaller, as `synth` minimizes it: fewer states
 * first; then lower versions, compared id by id in ascending order of id (an id not declared
 * counts as version 0); then, id by id, the declaration that carries the lower id. This is a
 * total order on declarations with one entry per id; `replace` is not part of it. Under the
 * shipped rule sets, once the states are fixed every version has its own least value, so "lowest
 * versions" means each version as low as it can be.
 *
 * @example
 * compareDeclarations(patch('P', { states: [{ id: 1, version: 2 }] }), patch('P')) // > 0
 */
export function compareDeclarations(a: Patch, b: Patch): number {
  const ids = [...new Set([...a.states, ...b.states].map((s) => s.id))].sort((x, y) =>
    x < y ? -1 : x > y ? 1 : 0,
  );
  const ka = key(a, ids);
  const kb = key(b, ids);
  for (let i = 0; i < ka.length; i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether some rule of the kernel blocks ranges over `catalog`: then what the other patches can
 * do may depend on P's declaration, and configurations found with one candidate need not be
 * reachable with another. `synth` does not support such rule sets.
 *
 * @example
 * readsCatalog(upstream) // false
 */
export function readsCatalog(rs: CheckedRuleSet): boolean {
  const rules: CheckedRule[] = [...(rs.enable?.rules ?? []), ...(rs.disable?.rules ?? [])];
  if (rules.some(ruleReadsCatalog)) return true;
  return rs.complete !== null && exprReadsCatalog(rs.complete.when);
}

function ruleReadsCatalog(r: CheckedRule): boolean {
  return (
    r.binders.some((b) => domainReadsCatalog(b.domain)) ||
    (r.when !== null && exprReadsCatalog(r.when)) ||
    (r.require !== null && exprReadsCatalog(r.require))
  );
}

function domainReadsCatalog(d: Domain): boolean {
  const of = domainExpr(d);
  return of === null ? d.kind === 'catalog' : exprReadsCatalog(of);
}

// `before` reads catalog positions only, which P's declaration does not change.
function exprReadsCatalog(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === 'quantifier' && x.binder.domain.kind === 'catalog');
}
