/**
 * The checker's guarantee, as a property: on random well-typed rule files (with guarded and
 * unguarded `version` calls) and random ground configurations, a checked rule set never
 * evaluates to an error value, and evaluation is deterministic. The programs the checker
 * refuses are refused only for unguarded `version` calls (KV2208), and some of them really do
 * evaluate to an error: the guard analysis is not vacuous.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAdmission } from '../../src/eval/admission.ts';
import { bind, type Env, evalBool } from '../../src/eval/eval.ts';
import { explainEnable, kernelRules } from '../../src/eval/kernel-rules.ts';
import { evalRule, violatedBindings } from '../../src/eval/rules.ts';
import { catalogWorld, systemWorld } from '../../src/eval/value.ts';
import type {
  Binder,
  CompareOp,
  Domain,
  Expr,
  Item,
  Rule,
  RuleSetAst,
  Template,
  TemplatePart,
} from '../../src/lang/ast.ts';
import { type CheckedRule, compileRuleSet } from '../../src/lang/checker.ts';
import { printRuleSet } from '../../src/lang/printer.ts';
import { Source } from '../../src/source/source.ts';
import { worldArb } from './arbitraries.ts';
import { withoutSome } from './helpers.ts';

const SPAN = { start: 0, end: 0 };
type Ty = 'bool' | 'u32' | 'u64' | 'string' | 'patch' | 'state' | 'function';
type ObjTy = 'patch' | 'state' | 'function';
interface Var {
  readonly name: string;
  readonly type: ObjTy;
}
interface Scope {
  readonly vars: readonly Var[];
  /** `installed`, `below`, `.enabled` allowed (not in a policy). */
  readonly system: boolean;
}

/** Random choices drawn through fast-check, so that failures replay and shrink. */
class Draw {
  readonly g: fc.GeneratorValue;
  fresh = 0;
  constructor(g: fc.GeneratorValue) {
    this.g = g;
  }
  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(0, xs.length - 1)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  }
  chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }
  name(prefix: string): string {
    return `${prefix}${this.fresh++}`;
  }
}

const v = (name: string): Expr => ({ kind: 'var', name, span: SPAN });
const attr = (object: Expr, a: string): Expr => ({
  kind: 'attr',
  object,
  attr: a,
  attrSpan: SPAN,
  span: SPAN,
});
const call = (object: Expr, method: string, arg: Expr): Expr => ({
  kind: 'call',
  object,
  method,
  methodSpan: SPAN,
  arg,
  span: SPAN,
});
const num = (value: bigint): Expr => ({
  kind: 'number',
  value,
  radix: value > 0xffffn ? 'hex' : 'dec',
  span: SPAN,
});
const logic = (kind: 'and' | 'or' | 'implies', left: Expr, right: Expr): Expr => ({
  kind,
  left,
  right,
  span: SPAN,
});
const not = (operand: Expr): Expr => ({ kind: 'not', operand, span: SPAN });
const cmp = (op: CompareOp, left: Expr, right: Expr): Expr => ({
  kind: 'compare',
  op,
  left,
  right,
  span: SPAN,
});

function varsOf(s: Scope, t: ObjTy): readonly Var[] {
  return s.vars.filter((x) => x.type === t);
}

/** A domain over what is in scope, and the type of its elements. */
function domain(d: Draw, s: Scope): { domain: Domain; type: ObjTy } {
  const patches = varsOf(s, 'patch');
  const options: (() => { domain: Domain; type: ObjTy })[] = [
    () => ({ domain: { kind: 'catalog', span: SPAN }, type: 'patch' }),
  ];
  if (s.system) options.push(() => ({ domain: { kind: 'installed', span: SPAN }, type: 'patch' }));
  if (patches.length > 0) {
    options.push(() => ({
      domain: { kind: 'states', of: v(d.pick(patches).name), span: SPAN },
      type: 'state',
    }));
    options.push(() => ({
      domain: { kind: 'functions', of: v(d.pick(patches).name), span: SPAN },
      type: 'function',
    }));
  }
  return d.pick(options)();
}

function binder(d: Draw, s: Scope): { binder: Binder; var: Var } {
  const { domain: dom, type } = domain(d, s);
  const name = d.name(type === 'patch' ? 'p' : type === 'state' ? 's' : 'f');
  return {
    binder: { name: { text: name, span: SPAN }, domain: dom, span: SPAN },
    var: { name, type },
  };
}

/** An expression of type `t` in scope, or null when the scope has no variable of that type. */
function expr(d: Draw, s: Scope, t: Ty, depth: number): Expr | null {
  const pv = varsOf(s, 'patch');
  const sv = varsOf(s, 'state');
  const fv = varsOf(s, 'function');
  const p = () => v(d.pick(pv).name);
  switch (t) {
    case 'patch':
    case 'state':
    case 'function': {
      const vs = varsOf(s, t);
      return vs.length === 0 ? null : v(d.pick(vs).name);
    }
    case 'u64': {
      if (sv.length > 0 && d.chance(50)) return attr(v(d.pick(sv).name), 'id');
      return num(d.pick([1n, 2n, 3n, 0x8173f7e2ce67e6can]));
    }
    case 'u32': {
      const options: (() => Expr)[] = [() => num(BigInt(d.int(0, 3)))];
      if (sv.length > 0) options.push(() => attr(v(d.pick(sv).name), 'version'));
      if (fv.length > 0) options.push(() => attr(v(d.pick(fv).name), 'sympos'));
      if (pv.length > 0) {
        options.push(() => attr(p(), 'replace_set'));
        // Unguarded unless a `when` or an enclosing binder happens to guard it.
        options.push(() => call(p(), 'version', expr(d, s, 'u64', 0) ?? num(1n)));
      }
      return d.pick(options)();
    }
    case 'string': {
      const options: (() => Expr)[] = [];
      if (pv.length > 0)
        options.push(
          () => attr(p(), 'name'),
          () => attr(p(), 'family'),
        );
      if (fv.length > 0)
        options.push(
          () => attr(v(d.pick(fv).name), 'name'),
          () => attr(v(d.pick(fv).name), 'object'),
        );
      return options.length === 0 ? null : d.pick(options)();
    }
    case 'bool':
      return boolExpr(d, s, depth);
    default:
      throw new Error(`type ${t}`);
  }
}

function boolExpr(d: Draw, s: Scope, depth: number): Expr {
  const pv = varsOf(s, 'patch');
  const sv = varsOf(s, 'state');
  const fv = varsOf(s, 'function');
  const p = () => v(d.pick(pv).name);
  const leaves: (() => Expr)[] = [() => ({ kind: 'bool', value: d.chance(50), span: SPAN })];
  if (pv.length > 0) {
    leaves.push(() => attr(p(), 'replace'));
    leaves.push(() => call(p(), 'has', expr(d, s, 'u64', 0) ?? num(1n)));
    if (s.system) leaves.push(() => attr(p(), 'enabled'));
  }
  if (sv.length > 0) leaves.push(() => attr(v(d.pick(sv).name), 'block_disable'));
  if (pv.length > 0 && fv.length > 0) leaves.push(() => call(p(), 'patches', v(d.pick(fv).name)));
  if (depth <= 0) return d.pick(leaves)();

  const sub = () => boolExpr(d, s, depth - 1);
  const composite: (() => Expr)[] = [
    () => not(sub()),
    () =>
      logic(
        d.pick(['and', 'or', 'implies'] as const satisfies readonly ('and' | 'or' | 'implies')[]),
        sub(),
        sub(),
      ),
    () => {
      const t = d.pick(['u32', 'u64'] satisfies Ty[]);
      const l = expr(d, s, t, depth - 1) ?? num(1n);
      const r = expr(d, s, t, depth - 1) ?? num(2n);
      return cmp(d.pick(['==', '!=', '<', '<=', '>', '>='] satisfies CompareOp[]), l, r);
    },
    () => cmp(d.pick(['==', '!='] satisfies CompareOp[]), sub(), sub()),
    () => {
      const t = d.pick(['string', 'patch', 'function'] satisfies Ty[]);
      const l = expr(d, s, t, 0);
      const r = expr(d, s, t, 0);
      return l === null || r === null
        ? sub()
        : cmp(d.pick(['==', '!='] satisfies CompareOp[]), l, r);
    },
    () => {
      const b = binder(d, s);
      const inner: Scope = { ...s, vars: [...s.vars, b.var] };
      return {
        kind: 'quantifier',
        quantifier: d.pick(['some', 'all'] satisfies ('some' | 'all')[]),
        binder: b.binder,
        body: boolExpr(d, inner, depth - 1),
        span: SPAN,
      };
    },
  ];
  if (pv.length > 0) {
    composite.push(() => guardShape(d, s));
    composite.push(() => order(d, s, p(), p()));
    composite.push(() => {
      // `s in q.states` guards `q.version(s.id)`, not another patch's.
      const q = p();
      const name = d.name('s');
      const inner: Scope = { ...s, vars: [...s.vars, { name, type: 'state' }] };
      const owner = d.chance(50) ? q : p();
      return {
        kind: 'quantifier',
        quantifier: d.pick(['some', 'all'] satisfies ('some' | 'all')[]),
        binder: {
          name: { text: name, span: SPAN },
          domain: { kind: 'states', of: q, span: SPAN },
          span: SPAN,
        },
        body: cmp(
          '>=',
          call(owner, 'version', attr(v(name), 'id')),
          expr(d, inner, 'u32', 0) ?? num(1n),
        ),
        span: SPAN,
      };
    });
  }
  return d.pick(d.chance(30) ? leaves : composite)();
}

/**
 * `q.has(x)` next to `q.version(x)` in shapes that guard it and in near misses that do not:
 * the checker must accept exactly the former.
 */
function guardShape(d: Draw, s: Scope): Expr {
  const pv = varsOf(s, 'patch');
  const q = v(d.pick(pv).name);
  const x = expr(d, s, 'u64', 0) ?? num(1n);
  const has = call(q, 'has', x);
  const use = () =>
    cmp(
      d.pick(['>=', '<', '=='] satisfies CompareOp[]),
      call(q, 'version', x),
      expr(d, s, 'u32', 0) ?? num(1n),
    );
  const other = () => boolExpr(d, s, 0);
  return d.pick<() => Expr>([
    () => logic('and', has, use()),
    () => logic('implies', has, use()),
    () => logic('or', not(has), use()),
    () => logic('and', logic('and', other(), has), use()),
    () => logic('implies', not(not(has)), use()),
    () =>
      logic('implies', logic('or', logic('and', has, other()), logic('and', other(), has)), use()),
    () => logic('or', logic('implies', has, other()), use()),
    () => logic('or', logic('or', not(has), other()), use()),
    () => logic('and', logic('implies', not(has), has), use()),
    // Near misses.
    () => logic('or', has, use()),
    () => logic('and', use(), has),
    () => logic('and', not(has), use()),
    () => logic('implies', not(has), use()),
    () => logic('implies', logic('or', has, other()), use()),
    () => logic('and', logic('and', has, other()), use()),
    () => logic('or', logic('and', not(has), other()), use()),
    () => logic('and', logic('implies', not(has), other()), use()),
    () => logic('and', logic('implies', other(), has), use()),
    () => logic('and', call(q, 'has', expr(d, s, 'u64', 0) ?? num(2n)), use()),
    () => logic('and', call(v(d.pick(pv).name), 'has', x), use()),
  ])();
}

function order(d: Draw, s: Scope, l: Expr, r: Expr): Expr {
  const op = s.system && d.chance(50) ? 'below' : 'before';
  return { kind: 'order', op, left: l, right: r, span: SPAN };
}

function template(d: Draw, s: Scope): Template {
  const parts: TemplatePart[] = [{ kind: 'text', value: 'at ', span: SPAN }];
  for (let i = d.int(0, 2); i > 0; i--) {
    const e = expr(
      d,
      s,
      d.pick(['bool', 'u32', 'u64', 'string', 'patch', 'function'] satisfies Ty[]),
      1,
    );
    if (e !== null)
      parts.push({ kind: 'hole', expr: e, span: SPAN }, { kind: 'text', value: ' ', span: SPAN });
  }
  return { parts, span: SPAN };
}

function rule(d: Draw, outer: Scope, mode: Rule['mode']): Rule {
  const binders: Binder[] = [];
  let s = outer;
  for (let i = d.int(0, 2); i > 0; i--) {
    const b = binder(d, s);
    binders.push(b.binder);
    s = { ...s, vars: [...s.vars, b.var] };
  }
  const depth = d.int(0, 3);
  let when = d.chance(60) ? boolExpr(d, s, depth) : null;
  let require = mode === 'allow' ? null : boolExpr(d, s, depth);
  let message = d.chance(70) ? template(d, s) : null;
  const pv = varsOf(s, 'patch');
  if (pv.length > 0 && d.chance(40)) {
    // `when` guards `require` and `message`; a false `require` guards `message` only through
    // what its falsity implies.
    const q = v(d.pick(pv).name);
    const x = expr(d, s, 'u64', 0) ?? num(1n);
    const has = call(q, 'has', x);
    const version: Template = {
      parts: [{ kind: 'hole', expr: call(q, 'version', x), span: SPAN }],
      span: SPAN,
    };
    const use = cmp('>=', call(q, 'version', x), expr(d, s, 'u32', 0) ?? num(1n));
    d.pick<() => void>([
      () => {
        when = d.chance(50) ? has : logic('and', boolExpr(d, s, 0), has);
        if (mode !== 'allow') require = use;
        message = version;
      },
      () => {
        when = d.chance(50) ? logic('or', has, boolExpr(d, s, 0)) : not(has);
        if (mode !== 'allow') require = use;
      },
      () => {
        if (mode === 'allow') return;
        require = d.pick([
          not(has),
          logic('or', not(has), boolExpr(d, s, 0)),
          has,
          logic('and', has, boolExpr(d, s, 0)),
        ]);
        message = version;
      },
    ])();
  }
  return {
    kind: 'rule',
    mode,
    name: { text: d.name('r'), span: SPAN },
    sentence: { value: 'A generated rule.', span: SPAN },
    binders,
    when,
    require,
    message,
    reject: null,
    span: SPAN,
  };
}

function program(d: Draw): RuleSetAst {
  const onEnable: Scope = { vars: [{ name: 'new', type: 'patch' }], system: true };
  const onDisable: Scope = { vars: [{ name: 'p', type: 'patch' }], system: true };
  const top: Scope = { vars: [], system: true };
  const reject = (errno: string, s: Scope) => ({
    errno: { text: errno, span: SPAN },
    log: template(d, s),
    span: SPAN,
  });
  const guardRules = (s: Scope, n: number) =>
    Array.from({ length: n }, () => rule(d, s, d.chance(70) ? 'rule' : 'allow'));
  const items: Item[] = [
    {
      kind: 'on',
      event: 'enable',
      patch: { text: 'new', span: SPAN },
      reject: reject('EINVAL', onEnable),
      rules: guardRules(onEnable, d.int(1, 3)),
      span: SPAN,
    },
    {
      kind: 'on',
      event: 'disable',
      patch: { text: 'p', span: SPAN },
      reject: reject('EBUSY', onDisable),
      rules: guardRules(onDisable, d.int(0, 2)),
      span: SPAN,
    },
    {
      kind: 'on-complete',
      incoming: { text: 'new', span: SPAN },
      old: { text: 'old', span: SPAN },
      when: boolExpr(
        d,
        {
          vars: [
            { name: 'new', type: 'patch' },
            { name: 'old', type: 'patch' },
          ],
          system: true,
        },
        2,
      ),
      span: SPAN,
    },
    ...Array.from({ length: d.int(0, 2) }, () => rule(d, top, 'invariant')),
    ...Array.from({ length: d.int(0, 1) }, () => rule(d, { vars: [], system: false }, 'policy')),
  ];
  return {
    kind: 'ruleset',
    name: { text: 'generated', span: SPAN },
    sentence: null,
    items,
    span: SPAN,
  };
}

/** A rule of an unchecked AST, as the evaluator takes it: to show what the checker prevents. */
function unchecked(r: Rule): CheckedRule {
  return {
    ...r,
    name: r.name.text,
    sentence: r.sentence.value,
    reject: null,
    witness: { installed: null, state: null },
  };
}

describe('evaluation of checked rule sets', () => {
  it('never yields an error value and is deterministic', () => {
    const seen = {
      accepted: 0,
      rejected: 0,
      acceptedWithVersion: 0,
      uncheckedErrors: 0,
      outcomes: new Map<string, number>(),
      verdicts: { ok: 0, rejected: 0 },
      violatedStaged: 0,
      disable: { ok: 0, rejected: 0 },
    };
    const count = (k: string) => seen.outcomes.set(k, (seen.outcomes.get(k) ?? 0) + 1);
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const d = new Draw(g);
        const ast = program(d);
        const text = printRuleSet(ast);
        const compiled = compileRuleSet(new Source('generated.klp', text));
        const worlds = Array.from({ length: 3 }, () => g(() => worldArb));

        if (compiled.kind === 'error') {
          seen.rejected++;
          // Well-typed by construction: only guards can be missing.
          expect(
            compiled.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code),
          ).toEqual(compiled.diagnostics.filter((x) => x.severity === 'error').map(() => 'KV2208'));
          const enable = ast.items[0];
          if (enable?.kind !== 'on') throw new Error('shape');
          for (const [cat, sys, candidate] of worlds) {
            const env: Env = {
              world: systemWorld(sys, cat),
              vars: new Map([['new', { kind: 'patch', patch: candidate }]]),
            };
            for (const r of enable.rules)
              if (evalRule(unchecked(r), env).kind === 'error') seen.uncheckedErrors++;
          }
          return;
        }

        seen.accepted++;
        if (text.includes('.version(')) seen.acceptedWithVersion++;
        const rs = compiled.value;
        const kernel = kernelRules(rs);
        for (const [cat, sys, candidate] of worlds) {
          const world = systemWorld(sys, cat);
          const withNew: Env = {
            world,
            vars: new Map([['new', { kind: 'patch', patch: candidate }]]),
          };
          const withP: Env = { world, vars: new Map([['p', { kind: 'patch', patch: candidate }]]) };
          const top: Env = { world, vars: new Map() };
          const pol: Env = { world: catalogWorld(cat), vars: new Map() };
          const runs: [readonly CheckedRule[], Env][] = [
            [rs.enable?.rules ?? [], withNew],
            [rs.disable?.rules ?? [], withP],
            [rs.invariants, top],
            [rs.policies, pol],
          ];
          for (const [rules, env] of runs) {
            for (const r of rules) {
              const out = evalRule(r, env);
              expect(out.kind).toBe('ok');
              expect(evalRule(r, env)).toEqual(out);
              if (out.kind !== 'ok') continue;
              for (const o of out.value) count(o.outcome.kind);
              // The shortcuts: `when` decided per partial binding, `some x in catalog` ranges.
              if (r.mode !== 'allow') {
                const violated = out.value.filter((o) => o.outcome.kind === 'violated');
                expect(violatedBindings(r, env)).toEqual({ kind: 'ok', value: violated });
                if (violated.length > 0 && r.binders.length > 1 && r.when !== null)
                  seen.violatedStaged++;
              }
              const plain = {
                ...r,
                when: r.when === null ? null : withoutSome(r.when),
                require: r.require === null ? null : withoutSome(r.require),
              };
              expect(evalRule(plain, env)).toEqual(out);
            }
          }
          for (const old of cat.patches) {
            const c = evalBool(
              rs.complete?.when ?? { kind: 'bool', value: false, span: SPAN },
              bind(withNew, 'old', { kind: 'patch', patch: old }),
            );
            expect(c.kind).toBe('ok');
          }
          const verdict = kernel.enable(sys, cat, candidate);
          expect(kernel.enable(sys, cat, candidate)).toEqual(verdict);
          expect(kernel.disable(sys, cat, candidate)).toEqual(kernel.disable(sys, cat, candidate));
          expect(explainEnable(rs, sys, cat, candidate)).toEqual(
            explainEnable(rs, sys, cat, candidate),
          );
          seen.verdicts[verdict.ok ? 'ok' : 'rejected']++;
          // The compiled admissibility question (which kernelRules asks first) agrees with the
          // reference evaluator: admitted iff no binding of a `rule` is violated.
          const admitted = (rules: readonly CheckedRule[], env: Env) =>
            !rules.some((r) => {
              const out = evalRule(r, env);
              return r.mode === 'rule' && out.kind === 'ok'
                ? out.value.some((o) => o.outcome.kind === 'violated')
                : false;
            });
          const admission = compileAdmission(rs);
          const enabled = admitted(rs.enable?.rules ?? [], withNew);
          expect(verdict.ok).toBe(enabled);
          expect(admission.enable(sys, cat, candidate)).toBe(enabled);
          const disabled = admitted(rs.disable?.rules ?? [], withP);
          expect(admission.disable(sys, cat, candidate)).toBe(disabled);
          expect(kernel.disable(sys, cat, candidate).ok).toBe(disabled);
          seen.disable[disabled ? 'ok' : 'rejected']++;
        }
      }),
      { numRuns: 1000 },
    );
    // Every side of the property happened.
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.rejected).toBeGreaterThan(20);
    expect(seen.acceptedWithVersion).toBeGreaterThan(20);
    expect(seen.uncheckedErrors).toBeGreaterThan(0);
    expect(seen.verdicts.ok).toBeGreaterThan(0);
    expect(seen.verdicts.rejected).toBeGreaterThan(0);
    expect(seen.violatedStaged).toBeGreaterThan(0);
    expect(seen.disable.ok).toBeGreaterThan(0);
    expect(seen.disable.rejected).toBeGreaterThan(0);
    for (const k of ['not-applicable', 'satisfied', 'violated', 'allowed']) {
      expect(seen.outcomes.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });
});
