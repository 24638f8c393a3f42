/**
 * The rule compiler: a checked rule set (src/lang/checker.ts) as terms over symbolic
 * configurations and patches (src/smt/symbolic.ts). Compile once with {@link compileRules},
 * then ask it about as many configurations as needed.
 *
 * It mirrors the concrete evaluator (src/eval/eval.ts, src/eval/rules.ts) case by case, in the
 * order of the `Expr` union of src/lang/ast.ts: `compileExpr` is `evalExpr`, `compileDomain` is
 * `evalDomain`, `compileBindings` is `bindings` + `outcomeAt`. Where it departs, a comment
 * says why. The main departures, all sound because a checked rule set never evaluates to an
 * error (the checker's guard analysis):
 * - a domain is a list of (guard, value) pairs: `installed` ranges over every configuration
 *   entry guarded by `on`, `p.states` / `p.functions` over a symbolic patch's entries guarded
 *   by `has`. Bindings are disjuncts, not a sequence, so their order does not matter;
 * - short-circuiting matters only for errors, so `and`, `or`, `implies` and quantifiers compile
 *   both sides, except that a side a literal already decides is not compiled at all (the
 *   concrete fast path);
 * - `p.version(x)` of a state `p` lacks is the evaluator's one error; here it is 0, a value no
 *   checked rule can observe.
 *
 * Guarantees: if `compileRules(rs)` answers with a term, then for every assignment of its
 * variables, the term is true exactly when the evaluator says so on the configuration and
 * patches the assignment describes (test/smt/compile*.test.ts checks this against the
 * evaluator and Z3 on random configurations, for every shipped rule set and random ones).
 * Questions about literal configurations and patches fold to literals; with a concrete
 * candidate and concrete installed patches, an upstream violation folds to the disjunction of
 * the `on` variables of the incompatible patches.
 */
import { patchFamily } from '../eval/value.ts';
import type { CompareOp, Domain, Expr, OrderOp } from '../lang/ast.ts';
import type { CheckedGuard, CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import { domainExpr, exprChildren, someExpr } from '../lang/walk.ts';
import type { Catalog } from '../model/catalog.ts';
import { assertNever, type Errno } from '../model/op.ts';
import type { KlpFunc } from '../model/patch.ts';
import { tick } from '../source/deadline.ts';
import { symPatch } from './compile-config.ts';
import {
  and,
  bv,
  bvule,
  bvult,
  eq,
  FALSE as FACTORY_FALSE,
  TRUE as FACTORY_TRUE,
  implies,
  ite,
  not,
  or,
} from './factory.ts';
import type {
  SymbolicRules,
  SymConfig,
  SymInstalled,
  SymPatch,
  SymState,
  SymViolation,
} from './symbolic.ts';
import type { Term } from './term.ts';

// ---------- literal fast paths ----------

// Local copies: module bindings may be compiled to getters, and these are compared often.
const TRUE: Term = FACTORY_TRUE;
const FALSE: Term = FACTORY_FALSE;

// Concrete questions decide almost every subterm; these skip the factory (which allocates and
// interns) whenever an operand is a literal. They return exactly what the factory would.

function lit(b: boolean): Term {
  return b ? TRUE : FALSE;
}

function and2(a: Term, b: Term): Term {
  if (a === FALSE || b === FALSE) return FALSE;
  if (a === TRUE) return b;
  if (b === TRUE) return a;
  return and(a, b);
}

function not1(a: Term): Term {
  if (a === TRUE) return FALSE;
  if (a === FALSE) return TRUE;
  return not(a);
}

/** `or` of a list that holds no literal (callers drop `false` and stop at `true`). */
function orList(ts: readonly Term[]): Term {
  if (ts.length === 0) return FALSE;
  if (ts.length === 1) return ts[0] ?? FALSE;
  return or(...ts);
}

/** `and` of a list that holds no literal. */
function andList(ts: readonly Term[]): Term {
  if (ts.length === 0) return TRUE;
  if (ts.length === 1) return ts[0] ?? TRUE;
  return and(...ts);
}

// ---------- values ----------

/** A compiled value: the evaluator's `Value` with terms where the evaluator has data. */
type SymValue =
  | { readonly kind: 'bool'; readonly term: Term }
  /**
   * `u32` or `u64`. `lit` holds the value when it is known, so that concrete comparisons fold
   * in JavaScript without making literal terms.
   */
  | {
      readonly kind: 'int';
      readonly width: number;
      readonly lit: bigint | null;
      readonly term: Term | null;
    }
  // Names are never symbolic: strings fold.
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'patch'; readonly patch: SymPatch }
  | { readonly kind: 'state'; readonly state: SymState; readonly owner: SymPatch }
  | { readonly kind: 'function'; readonly func: KlpFunc; readonly key: string };

type IntValue = Extract<SymValue, { kind: 'int' }>;

function boolValue(term: Term): SymValue {
  return { kind: 'bool', term };
}

function intLit(value: bigint, width: number): IntValue {
  return { kind: 'int', width, lit: value, term: null };
}

function intTerm(term: Term): IntValue {
  const width = term.sort.kind === 'bitvec' ? term.sort.width : 0;
  return term.kind === 'bv'
    ? { kind: 'int', width, lit: term.value, term }
    : { kind: 'int', width, lit: null, term };
}

function termOfInt(v: IntValue): Term {
  return v.term ?? bv(v.lit ?? 0n, v.width);
}

function asBool(v: SymValue): Term {
  if (v.kind !== 'bool') throw new Error(`internal: expected a bool, found ${v.kind}`);
  return v.term;
}

function asInt(v: SymValue): IntValue {
  if (v.kind !== 'int') throw new Error(`internal: expected an int, found ${v.kind}`);
  return v;
}

function asPatch(v: SymValue): SymPatch {
  if (v.kind !== 'patch') throw new Error(`internal: expected a patch, found ${v.kind}`);
  return v.patch;
}

/**
 * A function from its `funcKey` (`object:name,sympos`). Departure: the evaluator has the
 * `KlpFunc` itself; a symbolic patch keeps only the key. Object (module) names contain no `:`
 * and C identifiers no `,`, so the split is exact.
 */
function funcOfKey(key: string): KlpFunc {
  const hit = funcs.get(key);
  if (hit !== undefined) return hit;
  const colon = key.indexOf(':');
  const comma = key.lastIndexOf(',');
  const f: KlpFunc = {
    object: key.slice(0, colon),
    name: key.slice(colon + 1, comma),
    sympos: Number(key.slice(comma + 1)),
  };
  funcs.set(key, f);
  return f;
}

const funcs = new Map<string, KlpFunc>();

// ---------- world and environment ----------

/** One element of a domain: the value, present where `guard` holds. */
interface Choice {
  readonly guard: Term;
  readonly value: SymValue;
}

/** What `installed`, `catalog`, `below`, `before` and `.enabled` refer to: the evaluator's `World`. */
interface World {
  readonly installed: readonly Choice[];
  /** Configuration entries by patch name (`on`, `pos`, `enabled`). */
  readonly entries: ReadonlyMap<string, SymInstalled>;
  /** The catalog, with configuration entries' patches in place of catalog patches. */
  readonly catalog: readonly SymPatch[];
  readonly catalogIndex: ReadonlyMap<string, number>;
}

/** What stays fixed while a rule compiles. */
interface Ctx {
  readonly world: World;
  /**
   * The block's patches by name. Departure: the evaluator's `catalog` holds the very patch
   * objects a block binds; here the block's patch may be symbolic, so `catalog` shows it in
   * place of the catalog's literal patch of the same name.
   */
  readonly bound: ReadonlyMap<string, SymPatch>;
  readonly rs: CheckedRuleSet;
}

/**
 * The evaluator's `Env`: bound names as a linked list, so that binding is one small object
 * (rules bind millions of times over large catalogs) and a lookup walks a few links.
 */
interface Env {
  readonly ctx: Ctx;
  readonly name: string;
  readonly value: SymValue | null;
  readonly next: Env | null;
}

function rootEnv(ctx: Ctx, vars: readonly (readonly [string, SymValue])[]): Env {
  let env: Env = { ctx, name: '', value: null, next: null };
  for (const [name, value] of vars) env = bind(env, name, value);
  return env;
}

function bind(env: Env, name: string, value: SymValue): Env {
  return { ctx: env.ctx, name, value, next: env };
}

function lookup(env: Env, name: string): SymValue {
  for (let s: Env | null = env; s !== null; s = s.next) {
    if (s.name === name && s.value !== null) return s.value;
  }
  throw new Error(`internal: unbound \`${name}\``);
}

const worlds = new WeakMap<SymConfig, World>();

/** The world of a configuration, built once per configuration object. */
function configWorld(cfg: SymConfig): World {
  const hit = worlds.get(cfg);
  if (hit !== undefined) return hit;
  const entries = new Map<string, SymInstalled>();
  for (const i of cfg.patches) entries.set(i.patch.name, i);
  const world: World = {
    installed: cfg.patches.map((i) => ({ guard: i.on, value: { kind: 'patch', patch: i.patch } })),
    entries,
    catalog: cfg.catalog.patches.map((p) => entries.get(p.name)?.patch ?? symPatch(p)),
    catalogIndex: new Map(cfg.catalog.patches.map((p, i) => [p.name, i])),
  };
  worlds.set(cfg, world);
  return world;
}

/** The world of a policy: a catalog and no running system. */
function catalogWorld(patches: readonly SymPatch[]): World {
  return {
    installed: [],
    entries: new Map(),
    catalog: patches,
    catalogIndex: new Map(patches.map((p, i) => [p.name, i])),
  };
}

// ---------- expressions ----------

function compileBool(e: Expr, env: Env): Term {
  return asBool(compileExpr(e, env));
}

/** `evalExpr`: the value of an expression of a checked rule set, as terms. */
function compileExpr(e: Expr, env: Env): SymValue {
  switch (e.kind) {
    case 'bool':
      return boolValue(lit(e.value));
    case 'number':
      // The checker recorded the literal's type: the width of the bit-vector.
      return intLit(e.value, env.ctx.rs.types.get(e) === 'u32' ? 32 : 64);
    case 'var':
      return lookup(env, e.name);
    case 'attr':
      return compileAttr(compileExpr(e.object, env), e.attr, env);
    case 'call':
      return compileCall(asPatch(compileExpr(e.object, env)), e.method, compileExpr(e.arg, env));
    case 'not':
      return boolValue(not1(compileBool(e.operand, env)));
    case 'and': {
      // The right side is compiled only when the left does not decide (as `evalExpr` evaluates it).
      const l = compileBool(e.left, env);
      return boolValue(l === FALSE ? FALSE : and2(l, compileBool(e.right, env)));
    }
    case 'or': {
      const l = compileBool(e.left, env);
      return boolValue(l === TRUE ? TRUE : orList([l, compileBool(e.right, env)]));
    }
    case 'implies': {
      const l = compileBool(e.left, env);
      return boolValue(
        l === FALSE
          ? TRUE
          : l === TRUE
            ? compileBool(e.right, env)
            : implies(l, compileBool(e.right, env)),
      );
    }
    case 'compare':
      return boolValue(compileCompare(e.op, compileExpr(e.left, env), compileExpr(e.right, env)));
    case 'order':
      return boolValue(
        compileOrder(
          e.op,
          asPatch(compileExpr(e.left, env)),
          asPatch(compileExpr(e.right, env)),
          env,
        ),
      );
    case 'quantifier': {
      const some = e.quantifier === 'some';
      const parts: Term[] = [];
      for (const c of compileDomain(e.binder.domain, env)) {
        if (c.guard === FALSE) continue;
        const body = compileBool(e.body, bind(env, e.binder.name.text, c.value));
        // some: a present element with a true body; all: every present element's body.
        const part = some ? and2(c.guard, body) : c.guard === TRUE ? body : implies(c.guard, body);
        if (part === (some ? TRUE : FALSE)) return boolValue(part);
        if (part !== (some ? FALSE : TRUE)) parts.push(part);
      }
      return boolValue(some ? orList(parts) : andList(parts));
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** `evalAttr`: `value.name` for an attribute of `ATTRIBUTES` (src/lang/types.ts). */
function compileAttr(v: SymValue, attr: string, env: Env): SymValue {
  switch (v.kind) {
    case 'patch': {
      const p = v.patch;
      switch (attr) {
        case 'name':
          return { kind: 'string', value: p.name };
        case 'replace':
          return boolValue(p.replace);
        case 'replace_set':
          return intTerm(p.replaceSet);
        case 'family':
          return { kind: 'string', value: patchFamily(p.name) };
        case 'enabled':
          // A patch without a configuration entry is not on klp_patches: not enabled.
          return boolValue(env.ctx.world.entries.get(p.name)?.enabled ?? FALSE);
        default:
          break;
      }
      break;
    }
    case 'state':
      switch (attr) {
        case 'id':
          return intLit(v.state.id, 64);
        case 'version':
          return intTerm(v.state.version);
        case 'block_disable':
          return boolValue(v.state.blockDisable);
        default:
          break;
      }
      break;
    case 'function':
      switch (attr) {
        case 'object':
          return { kind: 'string', value: v.func.object };
        case 'name':
          return { kind: 'string', value: v.func.name };
        case 'sympos':
          return intLit(BigInt(v.func.sympos), 32);
        default:
          break;
      }
      break;
    case 'bool':
    case 'int':
    case 'string':
      break;
    default:
      return assertNever(v, 'value');
  }
  throw new Error(`internal: no attribute \`${attr}\` on a ${v.kind}`);
}

/** Whether entry `s` has the id `x`: a literal question unless `x` is symbolic. */
function idMatches(s: SymState, x: IntValue): Term {
  return x.lit !== null ? lit(s.id === x.lit) : eq(bv(s.id, 64), termOfInt(x));
}

/**
 * `evalCall`: `p.has(id)`, `p.version(id)`, `p.patches(f)` over a symbolic patch's entries.
 * `version` is `klp_get_state()`: the first entry with the id whose `has` holds, as an ite
 * chain in declaration order. Departure: of a state `p` lacks, it is 0 (the evaluator's error;
 * a checked rule set never reaches it).
 */
function compileCall(p: SymPatch, method: string, arg: SymValue): SymValue {
  switch (method) {
    case 'has': {
      const x = asInt(arg);
      const parts: Term[] = [];
      for (const s of p.states) {
        const m = idMatches(s, x);
        if (m === FALSE) continue;
        const t = and2(m, s.has);
        if (t === TRUE) return boolValue(TRUE);
        if (t !== FALSE) parts.push(t);
      }
      return boolValue(orList(parts));
    }
    case 'version': {
      const x = asInt(arg);
      let acc: Term = bv(0, 32);
      for (let i = p.states.length - 1; i >= 0; i--) {
        const s = p.states[i];
        if (s === undefined) continue;
        const m = idMatches(s, x);
        if (m === FALSE) continue;
        const cond = and2(m, s.has);
        if (cond === TRUE) acc = s.version;
        else if (cond !== FALSE) acc = ite(cond, s.version, acc);
      }
      return intTerm(acc);
    }
    case 'patches': {
      if (arg.kind !== 'function')
        throw new Error(`internal: expected a function, found ${arg.kind}`);
      const parts: Term[] = [];
      for (const f of p.functions) {
        if (f.key !== arg.key || f.has === FALSE) continue;
        if (f.has === TRUE) return boolValue(TRUE);
        parts.push(f.has);
      }
      return boolValue(orList(parts));
    }
    default:
      throw new Error(`internal: no method \`${method}\``);
  }
}

/** `evalCompare`: equality on every type but `state`, unsigned orderings on ints. */
function compileCompare(op: CompareOp, l: SymValue, r: SymValue): Term {
  switch (op) {
    case '==':
      return sameValue(l, r);
    case '!=':
      return not1(sameValue(l, r));
    case '<':
      return intLess(asInt(l), asInt(r), false);
    case '<=':
      return intLess(asInt(l), asInt(r), true);
    case '>':
      return intLess(asInt(r), asInt(l), false);
    case '>=':
      return intLess(asInt(r), asInt(l), true);
    default:
      return assertNever(op, 'operator');
  }
}

function intLess(l: IntValue, r: IntValue, orEqual: boolean): Term {
  if (l.lit !== null && r.lit !== null) return lit(orEqual ? l.lit <= r.lit : l.lit < r.lit);
  return orEqual ? bvule(termOfInt(l), termOfInt(r)) : bvult(termOfInt(l), termOfInt(r));
}

function sameValue(l: SymValue, r: SymValue): Term {
  switch (l.kind) {
    case 'bool':
      return eq(l.term, asBool(r));
    case 'int': {
      const ri = asInt(r);
      if (l.lit !== null && ri.lit !== null) return lit(l.lit === ri.lit);
      return eq(termOfInt(l), termOfInt(ri));
    }
    case 'string':
      return lit(r.kind === 'string' && r.value === l.value);
    case 'patch':
      // Patch identity is the module name, as in the evaluator.
      return lit(r.kind === 'patch' && r.patch.name === l.patch.name);
    case 'function':
      return lit(r.kind === 'function' && r.key === l.key);
    case 'state':
      throw new Error('internal: states are not comparable');
    default:
      return assertNever(l, 'value');
  }
}

/**
 * `evalOrder`: `a below b` when both are on klp_patches and `a` is lower (`pos`, unsigned);
 * `a before b` when both are in the catalog and `a` comes first. False for a patch the
 * configuration or catalog does not know.
 */
function compileOrder(op: OrderOp, a: SymPatch, b: SymPatch, env: Env): Term {
  if (op === 'before') {
    const i = env.ctx.world.catalogIndex.get(a.name);
    const j = env.ctx.world.catalogIndex.get(b.name);
    return lit(i !== undefined && j !== undefined && i < j);
  }
  const x = env.ctx.world.entries.get(a.name);
  const y = env.ctx.world.entries.get(b.name);
  if (x === undefined || y === undefined || x === y) return FALSE;
  return and(x.on, y.on, bvult(x.pos, y.pos));
}

/** `evalDomain`: the values a binder ranges over, each with the condition of its presence. */
function compileDomain(d: Domain, env: Env): readonly Choice[] {
  switch (d.kind) {
    case 'installed':
      return env.ctx.world.installed;
    case 'catalog':
      return env.ctx.world.catalog.map((p) => ({
        guard: TRUE,
        value: { kind: 'patch', patch: env.ctx.bound.get(p.name) ?? p },
      }));
    case 'states':
      return statesOf(asPatch(compileExpr(d.of, env)));
    case 'functions':
      return functionsOf(asPatch(compileExpr(d.of, env)));
    default:
      return assertNever(d, 'domain');
  }
}

const stateChoices = new WeakMap<SymPatch, readonly Choice[]>();
const functionChoices = new WeakMap<SymPatch, readonly Choice[]>();

/** `p.states` as a domain, made once per patch object. */
function statesOf(owner: SymPatch): readonly Choice[] {
  let out = stateChoices.get(owner);
  if (out === undefined) {
    // klp_for_each_state(): every entry, duplicates included.
    out = owner.states.map((state) => ({
      guard: state.has,
      value: { kind: 'state', state, owner },
    }));
    stateChoices.set(owner, out);
  }
  return out;
}

/** `p.functions` as a domain, made once per patch object. */
function functionsOf(owner: SymPatch): readonly Choice[] {
  let out = functionChoices.get(owner);
  if (out === undefined) {
    out = owner.functions.map((f) => ({
      guard: f.has,
      value: { kind: 'function', func: funcOfKey(f.key), key: f.key },
    }));
    functionChoices.set(owner, out);
  }
  return out;
}

// ---------- rules ----------

/**
 * A rule's `when`, split into its top-level conjuncts, each filed under the binder depth from
 * which it can be compiled: depth k when it mentions binders 0..k-1 only (depth 0: only the
 * block's patch). Departure: the evaluator evaluates all of `when` at each binding; here a
 * conjunct is compiled once per prefix of the binding, and a false one prunes every binding
 * below it. The result is the same term up to the order of conjuncts: they do not depend on
 * the binders they skip.
 */
interface RulePlan {
  readonly rule: CheckedRule;
  /** `conjuncts[k]`: the conjuncts compiled after k binders are bound. */
  readonly conjuncts: readonly (readonly Expr[])[];
}

const plans = new WeakMap<CheckedRule, RulePlan>();

function planOf(rule: CheckedRule): RulePlan {
  const hit = plans.get(rule);
  if (hit !== undefined) return hit;
  const depthOf = new Map(rule.binders.map((b, i) => [b.name.text, i + 1]));
  const conjuncts: Expr[][] = rule.binders.map(() => []);
  conjuncts.push([]);
  const split = (e: Expr): void => {
    if (e.kind === 'and') {
      split(e.left);
      split(e.right);
      return;
    }
    let depth = 0;
    for (const name of freeNames(e)) depth = Math.max(depth, depthOf.get(name) ?? 0);
    conjuncts[depth]?.push(e);
  };
  if (rule.when !== null) split(rule.when);
  const plan = { rule, conjuncts };
  plans.set(rule, plan);
  return plan;
}

/** The names an expression reads (binders of its own quantifiers excluded). */
function freeNames(e: Expr, out: Set<string> = new Set(), inner: ReadonlySet<string> = new Set()) {
  if (e.kind === 'var') {
    if (!inner.has(e.name)) out.add(e.name);
  } else if (e.kind === 'quantifier') {
    const of = domainExpr(e.binder.domain);
    if (of !== null) freeNames(of, out, inner);
    freeNames(e.body, out, new Set([...inner, e.binder.name.text]));
  } else {
    for (const c of exprChildren(e)) freeNames(c, out, inner);
  }
  return out;
}

/** The conjuncts of `when` filed at depth `i`, compiled and joined. */
function conjunctsAt(plan: RulePlan, i: number, env: Env): Term {
  let acc = TRUE;
  for (const c of plan.conjuncts[i] ?? []) {
    acc = and2(acc, compileBool(c, env));
    if (acc === FALSE) return FALSE;
  }
  return acc;
}

/**
 * `bindings` + `outcomeAt` of src/eval/rules.ts: true iff some binding, extending the `i`
 * binders already bound in `env`, violates the rule (`when` holds and `require` does not).
 * The conjuncts of `when` filed at depth `i` are compiled here.
 */
function compileBindings(plan: RulePlan, i: number, env: Env): Term {
  const here = conjunctsAt(plan, i, env);
  if (here === FALSE) return FALSE;
  const b = plan.rule.binders[i];
  if (b === undefined) return and2(here, violatedAt(plan.rule, env));
  const parts: Term[] = [];
  for (const c of compileDomain(b.domain, env)) {
    if (c.guard === FALSE) continue;
    // Bindings multiply: two binders over `installed` are n² on n patches.
    tick();
    const inner = compileBindings(plan, i + 1, bind(env, b.name.text, c.value));
    if (inner === FALSE) continue;
    const part = and2(c.guard, inner);
    if (part === TRUE) return here;
    parts.push(part);
  }
  return and2(here, orList(parts));
}

/** The rest of `outcomeAt` once `when` holds: violated iff `require` is false. */
function violatedAt(rule: CheckedRule, env: Env): Term {
  // INVARIANT: only `allow` rules lack `require`, and they never reject.
  if (rule.require === null) return FALSE;
  return not1(compileBool(rule.require, env));
}

/** Does `e` read the configuration (`installed`, `catalog`, `below`, `before`, `.enabled`)? */
function readsConfig(e: Expr | null): boolean {
  return e !== null && someExpr(e, readsConfigHere);
}

/** The node itself, children aside, reads the configuration. */
function readsConfigHere(e: Expr): boolean {
  switch (e.kind) {
    case 'attr':
      return e.attr === 'enabled';
    case 'order':
      return true;
    case 'quantifier':
      return domainExpr(e.binder.domain) === null;
    default:
      return false;
  }
}

function domainReadsConfig(d: Domain): boolean {
  const of = domainExpr(d);
  return of === null || readsConfig(of);
}

/**
 * Whether a rule is "for old in installed, ..." with a rest that reads only the block's patch
 * and `old`: then what it says about one installed patch depends on the two patches alone, and
 * the compiled term can be cached per (block patch, installed patch) across configurations.
 */
function isPairwise(rule: CheckedRule): boolean {
  const [first, ...rest] = rule.binders;
  if (first === undefined || first.domain.kind !== 'installed') return false;
  return (
    !rest.some((b) => domainReadsConfig(b.domain)) &&
    !readsConfig(rule.when) &&
    !readsConfig(rule.require)
  );
}

/** Per-pair results: block patch -> installed patch -> one term per pairwise rule. */
type PairCache = WeakMap<SymPatch, WeakMap<SymPatch, (Term | undefined)[]>>;

interface Block {
  readonly guard: CheckedGuard;
  /** The block's `rule`s in file order (not `allow`), with their pairwise flag. */
  readonly rules: readonly { readonly plan: RulePlan; readonly pairwise: number | null }[];
  readonly cache: PairCache;
}

function block(guard: CheckedGuard | null): Block | null {
  if (guard === null) return null;
  let pairs = 0;
  return {
    guard,
    rules: guard.rules
      .filter((rule) => rule.mode === 'rule')
      .map((rule) => ({ plan: planOf(rule), pairwise: isPairwise(rule) ? pairs++ : null })),
    cache: new WeakMap(),
  };
}

function pairTerms(cache: PairCache, subject: SymPatch, installed: SymPatch): (Term | undefined)[] {
  let bySubject = cache.get(subject);
  if (bySubject === undefined) {
    bySubject = new WeakMap();
    cache.set(subject, bySubject);
  }
  let terms = bySubject.get(installed);
  if (terms === undefined) {
    terms = [];
    bySubject.set(installed, terms);
  }
  return terms;
}

/** A pairwise rule while the installed patches are gone through. */
interface PairRule {
  readonly plan: RulePlan;
  readonly slot: number;
  readonly binder: string;
  /** The conjuncts of `when` that read only the block's patch. */
  readonly here: Term;
  /** What each installed patch contributes (not `false`). */
  readonly parts: Term[];
  /** Some installed patch violates the rule whatever the variables. */
  always: boolean;
}

/** Each `rule` of a block, violated with the block's patch bound to `subject`. */
function blockViolations(
  rs: CheckedRuleSet,
  b: Block | null,
  cfg: SymConfig,
  subject: SymPatch,
): SymViolation[] {
  if (b === null) return [];
  const world = configWorld(cfg);
  const env = rootEnv({ world, bound: new Map([[subject.name, subject]]), rs }, [
    [b.guard.patch, { kind: 'patch', patch: subject }],
  ]);
  // Pairwise rules go through the installed patches together: one cache lookup per patch.
  // What depends on the block's patch alone is compiled once, outside the loop.
  const pairwise: PairRule[] = [];
  for (const { plan, pairwise: slot } of b.rules) {
    const first = plan.rule.binders[0];
    if (slot === null || first === undefined) continue;
    const here = conjunctsAt(plan, 0, env);
    pairwise.push({ plan, slot, binder: first.name.text, here, parts: [], always: false });
  }
  if (pairwise.some((r) => r.here !== FALSE)) {
    for (const c of world.installed) {
      if (c.guard === FALSE) continue;
      const terms = pairTerms(b.cache, subject, asPatch(c.value));
      for (const r of pairwise) {
        if (r.here === FALSE || r.always) continue;
        let inner = terms[r.slot];
        if (inner === undefined) {
          inner = compileBindings(r.plan, 1, bind(env, r.binder, c.value));
          terms[r.slot] = inner;
        }
        if (inner === FALSE) continue;
        const part = and2(c.guard, inner);
        if (part === TRUE) r.always = true;
        else r.parts.push(part);
      }
    }
  }
  return b.rules.map(({ plan }) => {
    const r = pairwise.find((x) => x.plan === plan);
    if (r === undefined) return { rule: plan.rule.name, violated: compileBindings(plan, 0, env) };
    return { rule: plan.rule.name, violated: and2(r.here, r.always ? TRUE : orList(r.parts)) };
  });
}

/**
 * Compiles a checked rule set once; the result answers questions about any number of
 * configurations (and caches what one installed patch contributes to a rule against one
 * candidate, when the rule's shape makes that valid).
 *
 * @example
 * const rules = compileRules(upstream);
 * const cfg = variableConfig(cat, '');
 * rules.enableViolations(cfg, symPatch(cat.byName.get('test_klp_state')!))
 * // [{ rule: 'same-or-higher-version', violated: on.test_klp_state2 or on.test_klp_state3 },
 * //  { rule: 'cumulative-handles-all', violated: false }]
 */
export function compileRules(rs: CheckedRuleSet): SymbolicRules {
  const enable = block(rs.enable);
  const disable = block(rs.disable);
  return {
    name: rs.name,
    enableViolations: (cfg, candidate) => blockViolations(rs, enable, cfg, candidate),
    disableViolations: (cfg, target) => blockViolations(rs, disable, cfg, target.patch),
    replaces(cfg, incoming, old) {
      const c = rs.complete;
      if (c === null) return FALSE;
      const ctx: Ctx = {
        world: configWorld(cfg),
        bound: new Map([
          [old.name, old],
          [incoming.name, incoming],
        ]),
        rs,
      };
      const env = rootEnv(ctx, [
        [c.incoming, { kind: 'patch', patch: incoming }],
        [c.old, { kind: 'patch', patch: old }],
      ]);
      return compileBool(c.when, env);
    },
  };
}

/** True iff some violation term of `vs` holds: the operation is rejected. */
export function anyViolation(vs: readonly SymViolation[]): Term {
  return or(...vs.map((v) => v.violated));
}

/**
 * True iff the operation is rejected with `errno`: some `rule` of `guard` is violated and the
 * first violated one, in file order, rejects with `errno` (its own `reject`, else the block's).
 * The reference is src/eval/kernel-rules.ts `verdict`, which takes the errno of the first
 * violated rule; `vs` are the violations of `guard`'s block in the order `enableViolations` /
 * `disableViolations` give them (file order). test/smt/compile-random-rules.test.ts checks
 * the two against each other on random rule sets whose rules reject with different errnos.
 *
 * @example
 * rejectedWith(upstream.enable, rules.enableViolations(cfg, symPatch(p)), 'EINVAL')
 * // on.test_klp_state2 or on.test_klp_state3: every upstream rule rejects with EINVAL
 */
export function rejectedWith(
  guard: CheckedGuard | null,
  vs: readonly SymViolation[],
  errno: Errno,
): Term {
  const errnos = new Map<string, Errno>();
  for (const r of guard?.rules ?? []) {
    const e = r.reject?.errno ?? guard?.reject?.errno;
    if (e !== undefined) errnos.set(r.name, e);
  }
  const parts: Term[] = [];
  const earlierOther: Term[] = [];
  for (const v of vs) {
    if (v.violated === FALSE) continue;
    if (errnos.get(v.rule) === errno) parts.push(and(v.violated, ...earlierOther.map(not)));
    else earlierOther.push(v.violated);
  }
  return or(...parts);
}

function findRule(rules: readonly CheckedRule[], name: string, what: string, rs: CheckedRuleSet) {
  const r = rules.find((x) => x.name === name);
  if (r === undefined) throw new Error(`rule set \`${rs.name}\` has no ${what} \`${name}\``);
  return r;
}

/**
 * True iff the invariant `name` is violated on the configuration (some binding violates it):
 * `evalInvariant(...).length > 0` as a term. Throws on an unknown name.
 *
 * @example
 * invariantViolated(stackInvariants, 'no-lower-version-above', concreteConfig(sys, cat)) // FALSE
 */
export function invariantViolated(rs: CheckedRuleSet, name: string, cfg: SymConfig): Term {
  const rule = findRule(rs.invariants, name, 'invariant', rs);
  return compileBindings(
    planOf(rule),
    0,
    rootEnv({ world: configWorld(cfg), bound: new Map(), rs }, []),
  );
}

/**
 * True iff the policy `name` is violated on a catalog: `evalPolicy(...).length > 0` as a term.
 * `catalog` may hold symbolic patches (a release being synthesized), in release order.
 *
 * @example
 * policyViolated(releaseStream, 'all-cumulative', cat) // a literal for a concrete catalog
 */
export function policyViolated(
  rs: CheckedRuleSet,
  name: string,
  catalog: Catalog | readonly SymPatch[],
): Term {
  const rule = findRule(rs.policies, name, 'policy', rs);
  const patches = 'byName' in catalog ? catalog.patches.map(symPatch) : catalog;
  return compileBindings(
    planOf(rule),
    0,
    rootEnv({ world: catalogWorld(patches), bound: new Map(), rs }, []),
  );
}
