/**
 * The concrete evaluator of rule-language expressions: the reference semantics
 * (docs/rules.md, "Semantics").
 *
 * Total: every expression of a checked rule set evaluates to a value or to an error value,
 * never an exception; and on checked rule sets never to an error (the checker's guard analysis,
 * test/eval/totality.test.ts). `and`, `or`, `implies` and quantifiers short-circuit left to
 * right, which is what makes guards work. The SMT compiler mirrors `evalExpr` case by case, in
 * the order of the `Expr` union in src/lang/ast.ts.
 *
 * A value of the wrong kind where the checker guarantees another is a bug in the checker and
 * is thrown, not returned.
 */
import type { CompareOp, Domain, Expr, OrderOp, Template } from '../lang/ast.ts';
import { assertNever } from '../model/op.ts';
import { funcKey, getState, type Patch } from '../model/patch.ts';
import { type EvalResult, formatValue, ok, patchFamily, type Value, type World } from './value.ts';

/** What an expression is evaluated in: the world and the bound names. */
export interface Env {
  readonly world: World;
  readonly vars: ReadonlyMap<string, Value>;
}

const families = new WeakMap<Patch, string>();

/** {@link patchFamily}, once per patch: policies ask it of every patch of every binding. */
function familyOf(p: Patch): string {
  let f = families.get(p);
  if (f === undefined) {
    f = patchFamily(p.name);
    families.set(p, f);
  }
  return f;
}

/** `env` with one more name bound. */
export function bind(env: Env, name: string, value: Value): Env {
  return { world: env.world, vars: new Map(env.vars).set(name, value) };
}

const TRUE: EvalResult = ok({ kind: 'bool', value: true });
const FALSE: EvalResult = ok({ kind: 'bool', value: false });

function bool(b: boolean): EvalResult {
  return b ? TRUE : FALSE;
}

/** The boolean inside a checked boolean value. */
export function asBool(v: Value): boolean {
  if (v.kind !== 'bool') throw new Error(`internal: expected a bool, found ${v.kind}`);
  return v.value;
}

function asPatch(v: Value): Patch {
  if (v.kind !== 'patch') throw new Error(`internal: expected a patch, found ${v.kind}`);
  return v.patch;
}

function asInt(v: Value): bigint {
  if (v.kind !== 'int') throw new Error(`internal: expected an int, found ${v.kind}`);
  return v.value;
}

/** Evaluates a boolean expression. */
export function evalBool(e: Expr, env: Env): EvalResult<boolean> {
  const r = evalExpr(e, env);
  return r.kind === 'ok' ? ok(asBool(r.value)) : r;
}

/**
 * Evaluates an expression of a checked rule set.
 *
 * @example
 * evalExpr(rule.require, env) // { kind: 'ok', value: { kind: 'bool', value: true } }
 */
export function evalExpr(e: Expr, env: Env): EvalResult {
  switch (e.kind) {
    case 'bool':
      return bool(e.value);
    case 'number':
      return ok({ kind: 'int', value: e.value });
    case 'var': {
      const v = env.vars.get(e.name);
      if (v === undefined) throw new Error(`internal: unbound \`${e.name}\``);
      return ok(v);
    }
    case 'attr': {
      const o = evalExpr(e.object, env);
      return o.kind === 'ok' ? ok(evalAttr(o.value, e.attr, env)) : o;
    }
    case 'call': {
      const o = evalExpr(e.object, env);
      if (o.kind === 'error') return o;
      const a = evalExpr(e.arg, env);
      if (a.kind === 'error') return a;
      return evalCall(asPatch(o.value), e.method, a.value, e);
    }
    case 'not': {
      const r = evalBool(e.operand, env);
      return r.kind === 'ok' ? bool(!r.value) : r;
    }
    case 'and': {
      const l = evalBool(e.left, env);
      if (l.kind === 'error' || !l.value) return l.kind === 'error' ? l : FALSE;
      return evalExpr(e.right, env);
    }
    case 'or': {
      const l = evalBool(e.left, env);
      if (l.kind === 'error' || l.value) return l.kind === 'error' ? l : TRUE;
      return evalExpr(e.right, env);
    }
    case 'implies': {
      const l = evalBool(e.left, env);
      if (l.kind === 'error' || !l.value) return l.kind === 'error' ? l : TRUE;
      return evalExpr(e.right, env);
    }
    case 'compare': {
      const l = evalExpr(e.left, env);
      if (l.kind === 'error') return l;
      const r = evalExpr(e.right, env);
      if (r.kind === 'error') return r;
      return bool(evalCompare(e.op, l.value, r.value));
    }
    case 'order': {
      const l = evalExpr(e.left, env);
      if (l.kind === 'error') return l;
      const r = evalExpr(e.right, env);
      if (r.kind === 'error') return r;
      return bool(evalOrder(e.op, asPatch(l.value), asPatch(r.value), env));
    }
    case 'quantifier': {
      const d = evalDomain(e.binder.domain, env);
      if (d.kind === 'error') return d;
      // `some` stops at the first true body, `all` at the first false one.
      const stopAt = e.quantifier === 'some';
      const [from, to] = catalogRange(e, env, d.value.length);
      for (let i = from; i < to; i++) {
        const v = d.value[i];
        if (v === undefined) break;
        const b = evalBool(e.body, bind(env, e.binder.name.text, v));
        if (b.kind === 'error') return b;
        if (b.value === stopAt) return bool(stopAt);
      }
      return bool(!stopAt);
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** Per `some x in catalog: ...`: its body's conjuncts `A before x` and `x before B`. */
interface CatalogBounds {
  readonly after: readonly Expr[];
  readonly before: readonly Expr[];
}

const boundsOf = new WeakMap<Expr, CatalogBounds | null>();

function reads(e: Expr, name: string): boolean {
  switch (e.kind) {
    case 'bool':
    case 'number':
      return false;
    case 'var':
      return e.name === name;
    case 'attr':
      return reads(e.object, name);
    case 'call':
      return reads(e.object, name) || reads(e.arg, name);
    case 'not':
      return reads(e.operand, name);
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order':
      return reads(e.left, name) || reads(e.right, name);
    case 'quantifier': {
      const d = e.binder.domain;
      const inDomain = (d.kind === 'states' || d.kind === 'functions') && reads(d.of, name);
      return inDomain || (e.binder.name.text !== name && reads(e.body, name));
    }
    default:
      return assertNever(e, 'expression');
  }
}

function catalogBounds(e: Expr & { kind: 'quantifier' }): CatalogBounds | null {
  if (boundsOf.has(e)) return boundsOf.get(e) ?? null;
  let bounds: CatalogBounds | null = null;
  if (e.quantifier === 'some' && e.binder.domain.kind === 'catalog') {
    const x = e.binder.name.text;
    const after: Expr[] = [];
    const before: Expr[] = [];
    const walk = (c: Expr): void => {
      if (c.kind === 'and') {
        walk(c.left);
        walk(c.right);
      } else if (c.kind === 'order' && c.op === 'before') {
        if (c.right.kind === 'var' && c.right.name === x && !reads(c.left, x)) after.push(c.left);
        if (c.left.kind === 'var' && c.left.name === x && !reads(c.right, x)) before.push(c.right);
      }
    };
    walk(e.body);
    if (after.length > 0 || before.length > 0) bounds = { after, before };
  }
  boundsOf.set(e, bounds);
  return bounds;
}

/**
 * The part of the catalog a `some x in catalog` can find `x` in: when its body is a conjunction
 * with `A before x` (or `x before B`), every `x` not after `A` (not before `B`) makes the body
 * false, so those are not visited. Not a departure from the reference semantics: `some` is
 * false on a false body whatever the order, and a checked body never evaluates to an error
 * (when `A` does, every element is visited, as without this). This keeps the release-stream
 * policy "no release between `prev` and `next`" linear per pair instead of one scan of the
 * catalog each.
 */
function catalogRange(e: Expr & { kind: 'quantifier' }, env: Env, n: number): [number, number] {
  const b = catalogBounds(e);
  if (b === null) return [0, n];
  let from = 0;
  let to = n;
  const indexOf = (x: Expr): number | null => {
    const v = evalExpr(x, env);
    if (v.kind === 'error' || v.value.kind !== 'patch') return null;
    return env.world.catalogIndex.get(v.value.patch.name) ?? null;
  };
  for (const a of b.after) {
    const i = indexOf(a);
    if (i === null) return [0, n];
    from = Math.max(from, i + 1);
  }
  for (const a of b.before) {
    const i = indexOf(a);
    if (i === null) return [0, n];
    to = Math.min(to, i);
  }
  return [from, Math.max(from, to)];
}

/** `value.name` for an attribute of `ATTRIBUTES` (src/lang/types.ts); never fails. */
export function evalAttr(v: Value, attr: string, env: Env): Value {
  switch (v.kind) {
    case 'patch': {
      const p = v.patch;
      switch (attr) {
        case 'name':
          return { kind: 'string', value: p.name };
        case 'replace':
          return { kind: 'bool', value: p.replace };
        case 'replace_set':
          return { kind: 'int', value: BigInt(p.replaceSet) };
        case 'family':
          return { kind: 'string', value: familyOf(p) };
        case 'enabled':
          return { kind: 'bool', value: env.world.enabled(p.name) };
        default:
          break;
      }
      break;
    }
    case 'state':
      switch (attr) {
        case 'id':
          return { kind: 'int', value: v.state.id };
        case 'version':
          return { kind: 'int', value: BigInt(v.state.version) };
        case 'block_disable':
          return { kind: 'bool', value: v.state.blockDisable };
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
          return { kind: 'int', value: BigInt(v.func.sympos) };
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

/**
 * `p.has(id)`, `p.version(id)`, `p.patches(f)`. `version` of a state `p` lacks is the one error
 * value of the language.
 */
export function evalCall(p: Patch, method: string, arg: Value, at: Expr): EvalResult {
  switch (method) {
    case 'has':
      return bool(getState(p, asInt(arg)) !== undefined);
    case 'version': {
      // klp_get_state(): the FIRST entry with the id.
      const id = asInt(arg);
      const s = getState(p, id);
      if (s === undefined)
        return {
          kind: 'error',
          error: { kind: 'missing-state', patch: p.name, id, span: at.span },
        };
      return ok({ kind: 'int', value: BigInt(s.version) });
    }
    case 'patches': {
      if (arg.kind !== 'function')
        throw new Error(`internal: expected a function, found ${arg.kind}`);
      const key = funcKey(arg.func);
      return bool(p.functions.some((f) => funcKey(f) === key));
    }
    default:
      throw new Error(`internal: no method \`${method}\``);
  }
}

/** `==`, `!=` on bool, int, string, patch (by name), function; orderings on ints. */
export function evalCompare(op: CompareOp, l: Value, r: Value): boolean {
  switch (op) {
    case '==':
      return sameValue(l, r);
    case '!=':
      return !sameValue(l, r);
    case '<':
      return asInt(l) < asInt(r);
    case '<=':
      return asInt(l) <= asInt(r);
    case '>':
      return asInt(l) > asInt(r);
    case '>=':
      return asInt(l) >= asInt(r);
    default:
      return assertNever(op, 'operator');
  }
}

function sameValue(l: Value, r: Value): boolean {
  switch (l.kind) {
    case 'bool':
    case 'int':
    case 'string':
      return r.kind === l.kind && r.value === l.value;
    case 'patch':
      return r.kind === 'patch' && r.patch.name === l.patch.name;
    case 'function':
      return r.kind === 'function' && funcKey(r.func) === funcKey(l.func);
    case 'state':
      throw new Error('internal: states are not comparable');
    default:
      return assertNever(l, 'value');
  }
}

/**
 * `a below b`: both on `klp_patches`, `a` nearer the bottom. `a before b`: both in the catalog,
 * `a` earlier. False when either is absent.
 */
export function evalOrder(op: OrderOp, a: Patch, b: Patch, env: Env): boolean {
  const index = op === 'below' ? env.world.installedIndex : env.world.catalogIndex;
  const i = index.get(a.name);
  const j = index.get(b.name);
  return i !== undefined && j !== undefined && i < j;
}

/** The values a binder ranges over, in order. */
export function evalDomain(d: Domain, env: Env): EvalResult<readonly Value[]> {
  switch (d.kind) {
    case 'installed':
      return ok(env.world.installed.map((patch) => ({ kind: 'patch', patch })));
    case 'catalog':
      return ok(env.world.catalog.map((patch) => ({ kind: 'patch', patch })));
    case 'states': {
      const o = evalExpr(d.of, env);
      if (o.kind === 'error') return o;
      const owner = asPatch(o.value);
      // klp_for_each_state(): every entry, duplicates included.
      return ok(owner.states.map((state) => ({ kind: 'state', state, owner })));
    }
    case 'functions': {
      const o = evalExpr(d.of, env);
      if (o.kind === 'error') return o;
      return ok(asPatch(o.value).functions.map((func) => ({ kind: 'function', func })));
    }
    default:
      return assertNever(d, 'domain');
  }
}

/** A message or log line with its holes filled. */
export function renderTemplate(t: Template, env: Env): EvalResult<string> {
  let out = '';
  for (const part of t.parts) {
    if (part.kind === 'text') {
      out += part.value;
      continue;
    }
    const v = evalExpr(part.expr, env);
    if (v.kind === 'error') return v;
    out += formatValue(v.value);
  }
  return ok(out);
}
