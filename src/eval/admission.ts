/**
 * The admissibility question alone, compiled: "does the rule set admit this operation on this
 * configuration?" (the kernel's `klp_is_patch_compatible()` for `on enable`), as closures built
 * once per checked rule set, without violations, messages or bindings.
 *
 * Mirrors the reference evaluator (src/eval/eval.ts, src/eval/rules.ts) case by case, in the
 * order of the `Expr` union in src/lang/ast.ts: same short-circuits, same binding order, same
 * `klp_get_state()` lookups. It departs only in representation: values are plain JavaScript
 * values of the type the checker gave each node (`rs.types`): `u32` as `number`, `u64` as
 * `bigint`, patches, `struct klp_state` entries and functions as the model's objects, and each
 * binder a slot of a frame, so nothing is allocated per binding. It stops at the first violated
 * binding, which the evaluator's verdict also has (it is rejected iff one exists).
 *
 * Guarantees: `admits(...)` is true exactly when `kernelRules(rs)` gives `{ ok: true }` for the
 * same operation (a property test on random checked rule sets, test/eval/totality.test.ts).
 * On a checked rule set no expression errs; the one error value of the language (`version` of a
 * state the patch lacks) is thrown here, as `kernelRules` throws it.
 */
import type { Domain, Expr } from '../lang/ast.ts';
import type { CheckedGuard, CheckedRule, CheckedRuleSet } from '../lang/checker.ts';
import type { Type } from '../lang/types.ts';
import type { Catalog } from '../model/catalog.ts';
import { assertNever } from '../model/op.ts';
import { funcKey, type KlpFunc, type KlpState, type Patch } from '../model/patch.ts';
import { EMPTY_SYSTEM, isEnabled, type System } from '../model/system.ts';
import { catalogIndex, patchFamily } from './value.ts';

/**
 * The configuration a question is asked on, with the indexes built only when a rule needs them.
 * One frame per compiled block, reset for each question (questions never nest).
 */
class Frame {
  installed: readonly Patch[] = [];
  catalog: readonly Patch[] = [];
  private installedIndexCache: ReadonlyMap<string, number> | null = null;
  sys: System = EMPTY_SYSTEM;
  /** Binder slots, one array per kind of value. */
  readonly patches: Patch[] = [];
  readonly states: KlpState[] = [];
  readonly funcs: KlpFunc[] = [];

  reset(sys: System, cat: Catalog): this {
    this.sys = sys;
    this.catalog = cat.patches;
    this.installedIndexCache = null;
    this.lookedUp = null;
    this.installed = sys.klpPatches.map((name) => {
      const p = cat.byName.get(name);
      if (p === undefined)
        throw new Error(`patch \`${name}\` on klp_patches is not in the catalog`);
      return p;
    });
    return this;
  }

  private lookedUp: Patch | null = null;
  private lookedUpId = 0n;
  private found: KlpState | undefined = undefined;

  /**
   * `klp_get_state(p, id)`, remembering the last lookup: `p.has(x)` is usually followed by
   * `p.version(x)` (a `has` guard), which then costs nothing.
   */
  getState(p: Patch, id: bigint): KlpState | undefined {
    if (this.lookedUp !== p || this.lookedUpId !== id) {
      this.lookedUp = p;
      this.lookedUpId = id;
      this.found = firstState(p, id);
    }
    return this.found;
  }

  get installedIndex(): ReadonlyMap<string, number> {
    this.installedIndexCache ??= new Map(this.installed.map((p, i) => [p.name, i]));
    return this.installedIndexCache;
  }
}

/** `klp_get_state()`: the FIRST entry with the id (model/patch.ts `getState`, without a closure). */
function firstState(p: Patch, id: bigint): KlpState | undefined {
  for (const s of p.states) if (s.id === id) return s;
  return undefined;
}

type Fn<T> = (f: Frame) => T;

interface Slot {
  readonly kind: 'patch' | 'state' | 'function';
  readonly index: number;
}

/** Names in scope and the next free slot of each kind. */
interface Scope {
  readonly vars: ReadonlyMap<string, Slot>;
  readonly next: { readonly patch: number; readonly state: number; readonly function: number };
}

function extend(scope: Scope, name: string, kind: Slot['kind']): { scope: Scope; index: number } {
  const index = scope.next[kind];
  return {
    index,
    scope: {
      vars: new Map(scope.vars).set(name, { kind, index }),
      next: { ...scope.next, [kind]: index + 1 },
    },
  };
}

function internal(what: string): Error {
  return new Error(`internal: ${what} in a checked rule set`);
}

class Compiler {
  private readonly types: ReadonlyMap<Expr, Type>;

  constructor(rs: CheckedRuleSet) {
    this.types = rs.types;
  }

  private typeOf(e: Expr): Type {
    const t = this.types.get(e);
    if (t === undefined) throw internal('an expression without a type');
    return t;
  }

  private slot(e: Expr & { kind: 'var' }, scope: Scope, kind: Slot['kind']): number {
    const s = scope.vars.get(e.name);
    if (s === undefined || s.kind !== kind) throw internal(`\`${e.name}\` is not a bound ${kind}`);
    return s.index;
  }

  bool(e: Expr, scope: Scope): Fn<boolean> {
    switch (e.kind) {
      case 'bool': {
        const v = e.value;
        return () => v;
      }
      case 'number':
      case 'var':
        throw internal(`a ${e.kind} where a bool is expected`);
      case 'attr': {
        const t = this.typeOf(e.object);
        if (t === 'patch') {
          const p = this.patch(e.object, scope);
          if (e.attr === 'replace') return (f) => p(f).replace;
          if (e.attr === 'enabled') return (f) => isEnabled(f.sys, p(f).name);
        }
        if (t === 'state' && e.attr === 'block_disable') {
          const s = this.state(e.object, scope);
          return (f) => s(f).blockDisable;
        }
        throw internal(`a bool attribute \`${e.attr}\` of a ${t}`);
      }
      case 'call': {
        const p = this.patch(e.object, scope);
        if (e.method === 'has') {
          const id = this.u64(e.arg, scope);
          return (f) => f.getState(p(f), id(f)) !== undefined;
        }
        if (e.method === 'patches') {
          const fn = this.func(e.arg, scope);
          return (f) => {
            const key = funcKey(fn(f));
            return p(f).functions.some((x) => funcKey(x) === key);
          };
        }
        throw internal(`a bool method \`${e.method}\``);
      }
      case 'not': {
        const o = this.bool(e.operand, scope);
        return (f) => !o(f);
      }
      case 'and': {
        const l = this.bool(e.left, scope);
        const r = this.bool(e.right, scope);
        return (f) => l(f) && r(f);
      }
      case 'or': {
        const l = this.bool(e.left, scope);
        const r = this.bool(e.right, scope);
        return (f) => l(f) || r(f);
      }
      case 'implies': {
        const l = this.bool(e.left, scope);
        const r = this.bool(e.right, scope);
        return (f) => !l(f) || r(f);
      }
      case 'compare':
        return this.compare(e, scope);
      case 'order': {
        const l = this.patch(e.left, scope);
        const r = this.patch(e.right, scope);
        const below = e.op === 'below';
        return (f) => {
          const index = below ? f.installedIndex : catalogIndex(f.catalog);
          const i = index.get(l(f).name);
          const j = index.get(r(f).name);
          return i !== undefined && j !== undefined && i < j;
        };
      }
      case 'quantifier': {
        const { name, domain } = e.binder;
        // `some` stops at the first true body; `all x: b` is `not some x: not b`, which stops
        // at the first false one.
        if (e.quantifier === 'some')
          return this.exists(name.text, domain, scope, (s) => this.bool(e.body, s));
        const none = this.exists(name.text, domain, scope, (s) => {
          const b = this.bool(e.body, s);
          return (f) => !b(f);
        });
        return (f) => !none(f);
      }
      default:
        return assertNever(e, 'expression');
    }
  }

  /** `==`, `!=` by the operands' type (a literal takes the other side's), orderings on ints. */
  private compare(e: Expr & { kind: 'compare' }, scope: Scope): Fn<boolean> {
    const t = e.left.kind === 'number' ? this.typeOf(e.right) : this.typeOf(e.left);
    const op = e.op;
    const eq = op === '==';
    if (t !== 'u32' && t !== 'u64' && !eq && op !== '!=') throw internal(`\`${op}\` on a ${t}`);
    switch (t) {
      case 'u32':
        return ordered(op, this.u32(e.left, scope), this.u32(e.right, scope));
      case 'u64':
        return ordered(op, this.u64(e.left, scope), this.u64(e.right, scope));
      case 'bool': {
        const l = this.bool(e.left, scope);
        const r = this.bool(e.right, scope);
        return (f) => (l(f) === r(f)) === eq;
      }
      case 'string': {
        const l = this.string(e.left, scope);
        const r = this.string(e.right, scope);
        return (f) => (l(f) === r(f)) === eq;
      }
      case 'patch': {
        const l = this.patch(e.left, scope);
        const r = this.patch(e.right, scope);
        return (f) => (l(f).name === r(f).name) === eq;
      }
      case 'function': {
        const l = this.func(e.left, scope);
        const r = this.func(e.right, scope);
        return (f) => (funcKey(l(f)) === funcKey(r(f))) === eq;
      }
      case 'state':
        throw internal('a comparison of states');
      default:
        return assertNever(t, 'type');
    }
  }

  u32(e: Expr, scope: Scope): Fn<number> {
    if (e.kind === 'number') {
      const v = Number(e.value);
      return () => v;
    }
    if (e.kind === 'attr') {
      const t = this.typeOf(e.object);
      if (t === 'patch' && e.attr === 'replace_set') {
        const p = this.patch(e.object, scope);
        return (f) => p(f).replaceSet;
      }
      if (t === 'state' && e.attr === 'version') {
        const s = this.state(e.object, scope);
        return (f) => s(f).version;
      }
      if (t === 'function' && e.attr === 'sympos') {
        const fn = this.func(e.object, scope);
        return (f) => fn(f).sympos;
      }
    }
    if (e.kind === 'call' && e.method === 'version') {
      const p = this.patch(e.object, scope);
      const id = this.u64(e.arg, scope);
      return (f) => {
        const patch = p(f);
        // klp_get_state(): the FIRST entry with the id.
        const s = f.getState(patch, id(f));
        if (s === undefined) throw internal(`\`${patch.name}\`.version of a missing state`);
        return s.version;
      };
    }
    throw internal(`a ${e.kind} where a u32 is expected`);
  }

  u64(e: Expr, scope: Scope): Fn<bigint> {
    if (e.kind === 'number') {
      const v = e.value;
      return () => v;
    }
    if (e.kind === 'attr' && e.attr === 'id' && this.typeOf(e.object) === 'state') {
      const s = this.state(e.object, scope);
      return (f) => s(f).id;
    }
    throw internal(`a ${e.kind} where a u64 is expected`);
  }

  string(e: Expr, scope: Scope): Fn<string> {
    if (e.kind === 'attr') {
      const t = this.typeOf(e.object);
      if (t === 'patch') {
        const p = this.patch(e.object, scope);
        if (e.attr === 'name') return (f) => p(f).name;
        if (e.attr === 'family') return (f) => patchFamily(p(f).name);
      }
      if (t === 'function') {
        const fn = this.func(e.object, scope);
        if (e.attr === 'object') return (f) => fn(f).object;
        if (e.attr === 'name') return (f) => fn(f).name;
      }
    }
    throw internal(`a ${e.kind} where a string is expected`);
  }

  patch(e: Expr, scope: Scope): Fn<Patch> {
    if (e.kind !== 'var') throw internal(`a ${e.kind} where a patch is expected`);
    const i = this.slot(e, scope, 'patch');
    return (f) => {
      const p = f.patches[i];
      if (p === undefined) throw internal(`\`${e.name}\` unbound`);
      return p;
    };
  }

  state(e: Expr, scope: Scope): Fn<KlpState> {
    if (e.kind !== 'var') throw internal(`a ${e.kind} where a state is expected`);
    const i = this.slot(e, scope, 'state');
    return (f) => {
      const s = f.states[i];
      if (s === undefined) throw internal(`\`${e.name}\` unbound`);
      return s;
    };
  }

  func(e: Expr, scope: Scope): Fn<KlpFunc> {
    if (e.kind !== 'var') throw internal(`a ${e.kind} where a function is expected`);
    const i = this.slot(e, scope, 'function');
    return (f) => {
      const x = f.funcs[i];
      if (x === undefined) throw internal(`\`${e.name}\` unbound`);
      return x;
    };
  }

  /**
   * `some name in domain: body`: binds each value of the domain in order and stops at the
   * first for which `body` (compiled in the extended scope) holds.
   */
  exists(name: string, domain: Domain, scope: Scope, body: (s: Scope) => Fn<boolean>): Fn<boolean> {
    switch (domain.kind) {
      case 'installed': {
        const { scope: inner, index } = extend(scope, name, 'patch');
        const b = body(inner);
        return (f) => {
          for (const p of f.installed) {
            f.patches[index] = p;
            if (b(f)) return true;
          }
          return false;
        };
      }
      case 'catalog': {
        const { scope: inner, index } = extend(scope, name, 'patch');
        const b = body(inner);
        return (f) => {
          for (const p of f.catalog) {
            f.patches[index] = p;
            if (b(f)) return true;
          }
          return false;
        };
      }
      case 'states': {
        const of = this.patch(domain.of, scope);
        const { scope: inner, index } = extend(scope, name, 'state');
        const b = body(inner);
        return (f) => {
          // klp_for_each_state(): every entry, duplicates included.
          for (const s of of(f).states) {
            f.states[index] = s;
            if (b(f)) return true;
          }
          return false;
        };
      }
      case 'functions': {
        const of = this.patch(domain.of, scope);
        const { scope: inner, index } = extend(scope, name, 'function');
        const b = body(inner);
        return (f) => {
          for (const x of of(f).functions) {
            f.funcs[index] = x;
            if (b(f)) return true;
          }
          return false;
        };
      }
      default:
        return assertNever(domain, 'domain');
    }
  }

  /**
   * Whether some binding of a `rule` violates it: `when` holds and `require` does not. A
   * leading conjunct of `when` that reads only outer binders is tested before the inner loops
   * (for upstream, `new.replace` before walking every installed state): skipping bindings where
   * `when` is false changes no answer, and a conjunct is hoisted only from the front of `when`,
   * past binders and never past another conjunct, so every `version` call stays behind the
   * `has` guards the checker saw before it.
   */
  violated(rule: CheckedRule, scope: Scope): Fn<boolean> {
    if (rule.require === null) return () => false;
    const requireExpr = rule.require;
    const conjuncts = rule.when === null ? [] : conjunctsOf(rule.when);
    const nest = (i: number, s: Scope, rest: readonly Expr[]): Fn<boolean> => {
      // The leading conjuncts closed under the binders bound so far.
      let k = 0;
      const unbound = new Set(rule.binders.slice(i).map((x) => x.name.text));
      while (k < rest.length && closedIn(rest[k], s, unbound)) k++;
      const here = rest.slice(0, k).map((c) => this.bool(c, s));
      const later = rest.slice(k);
      const b = rule.binders[i];
      let inner: Fn<boolean>;
      if (b === undefined) {
        const when = later.map((c) => this.bool(c, s));
        const require = this.bool(requireExpr, s);
        inner = (f) => {
          for (const w of when) if (!w(f)) return false;
          return !require(f);
        };
      } else {
        inner = this.exists(b.name.text, b.domain, s, (x) => nest(i + 1, x, later));
      }
      if (here.length === 0) return inner;
      return (f) => {
        for (const w of here) if (!w(f)) return false;
        return inner(f);
      };
    };
    return nest(0, scope, conjuncts);
  }

  guard(guard: CheckedGuard | null): (sys: System, cat: Catalog, patch: Patch) => boolean {
    if (guard === null) return () => true;
    const { scope, index } = extend(
      { vars: new Map(), next: { patch: 0, state: 0, function: 0 } },
      guard.patch,
      'patch',
    );
    const rules = guard.rules.filter((r) => r.mode === 'rule').map((r) => this.violated(r, scope));
    if (rules.length === 0) return () => true;
    const frame = new Frame();
    return (sys, cat, patch) => {
      const f = frame.reset(sys, cat);
      f.patches[index] = patch;
      for (const violated of rules) if (violated(f)) return false;
      return true;
    };
  }
}

/** `a and b and c` as `[a, b, c]`, left to right. */
function conjunctsOf(e: Expr): Expr[] {
  return e.kind === 'and' ? [...conjunctsOf(e.left), ...conjunctsOf(e.right)] : [e];
}

/**
 * Whether every name `e` reads is bound in `scope` (quantifiers bind their own), and none is
 * a name that a binder still to come (`unbound`) would shadow.
 */
function closedIn(e: Expr | undefined, scope: Scope, unbound: ReadonlySet<string>): boolean {
  if (e === undefined) return false;
  const free = (x: Expr, bound: ReadonlySet<string>): boolean => {
    switch (x.kind) {
      case 'bool':
      case 'number':
        return true;
      case 'var':
        return bound.has(x.name) || (scope.vars.has(x.name) && !unbound.has(x.name));
      case 'attr':
        return free(x.object, bound);
      case 'call':
        return free(x.object, bound) && free(x.arg, bound);
      case 'not':
        return free(x.operand, bound);
      case 'and':
      case 'or':
      case 'implies':
      case 'compare':
      case 'order':
        return free(x.left, bound) && free(x.right, bound);
      case 'quantifier': {
        const d = x.binder.domain;
        const domainClosed =
          d.kind === 'states' || d.kind === 'functions' ? free(d.of, bound) : true;
        return domainClosed && free(x.body, new Set(bound).add(x.binder.name.text));
      }
      default:
        return assertNever(x, 'expression');
    }
  };
  return free(e, new Set());
}

function ordered<T extends number | bigint>(
  op: '==' | '!=' | '<' | '<=' | '>' | '>=',
  l: Fn<T>,
  r: Fn<T>,
): Fn<boolean> {
  switch (op) {
    case '==':
      return (f) => l(f) === r(f);
    case '!=':
      return (f) => l(f) !== r(f);
    case '<':
      return (f) => l(f) < r(f);
    case '<=':
      return (f) => l(f) <= r(f);
    case '>':
      return (f) => l(f) > r(f);
    case '>=':
      return (f) => l(f) >= r(f);
    default:
      return assertNever(op, 'operator');
  }
}

/** The admissibility questions of a rule set, compiled. */
export interface Admission {
  /** `on enable`: would `patch` be admitted (`klp_is_patch_compatible()`)? */
  readonly enable: (sys: System, cat: Catalog, patch: Patch) => boolean;
  /** `on disable`: may `patch` be disabled? */
  readonly disable: (sys: System, cat: Catalog, patch: Patch) => boolean;
}

const compiled = new WeakMap<CheckedRuleSet, Admission>();

/**
 * The admissibility questions of `rs`, compiled once per rule set (cached).
 *
 * @example
 * compileAdmission(upstream).enable(system(['test_klp_state2']), cat, cat.byName.get('test_klp_state')!) // false
 */
export function compileAdmission(rs: CheckedRuleSet): Admission {
  let a = compiled.get(rs);
  if (a === undefined) {
    const c = new Compiler(rs);
    a = { enable: c.guard(rs.enable), disable: c.guard(rs.disable) };
    compiled.set(rs, a);
  }
  return a;
}
