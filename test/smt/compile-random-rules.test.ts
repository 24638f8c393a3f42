// The rule compiler against the evaluator on random checked rule sets: every expression kind,
// every domain, guarded `version` calls, `below` and `before`, nested quantifiers, in `on`
// blocks, `on complete`, invariants and policies; on random ground configurations, concrete
// (the term must fold to the evaluator's literal) and with variable configurations and patches
// (the term, interpreted under the fixing values, must give the evaluator's answer); a sample is
// also asked of Z3. The generator follows test/eval/totality.test.ts (which does not export it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalInvariant, evalPolicy } from '../../src/eval/audit.ts';
import { explainDisable, explainEnable, kernelRules } from '../../src/eval/kernel-rules.ts';
import type {
  Binder,
  CompareOp,
  Domain,
  Expr,
  Item,
  Rule,
  RuleSetAst,
} from '../../src/lang/ast.ts';
import { type CheckedRuleSet, compileRuleSet } from '../../src/lang/checker.ts';
import { printRuleSet } from '../../src/lang/printer.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import { ERRNOS } from '../../src/model/op.ts';
import type { Patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';
import {
  compileRules,
  invariantViolated,
  policyViolated,
  rejectedWith,
} from '../../src/smt/compile.ts';
import {
  concreteConfig,
  fixConfig,
  pinning,
  symPatch,
  variableConfig,
  variablePatch,
} from '../../src/smt/compile-config.ts';
import { and, bool, eq } from '../../src/smt/factory.ts';
import { interpretBool } from '../../src/smt/interpret.ts';
import type { SymConfig, SymPatch } from '../../src/smt/symbolic.ts';
import { freeVars, type Term, type Value } from '../../src/smt/term.ts';
import { check } from '../../src/smt/z3/check.ts';
import { Source } from '../../src/source/source.ts';
import { worldArb } from '../eval/arbitraries.ts';

const FULL = process.env.KLP_FULL !== undefined;
const SPAN = { start: 0, end: 0 };

type Ty = 'bool' | 'u32' | 'u64' | 'string' | 'patch' | 'state' | 'function';
type ObjTy = 'patch' | 'state' | 'function';
interface Var {
  readonly name: string;
  readonly type: ObjTy;
}
interface Scope {
  readonly vars: readonly Var[];
  readonly system: boolean;
}

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
const num = (value: bigint): Expr => ({ kind: 'number', value, radix: 'dec', span: SPAN });
const logic = (kind: 'and' | 'or' | 'implies', left: Expr, right: Expr): Expr => ({
  kind,
  left,
  right,
  span: SPAN,
});
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

function expr(d: Draw, s: Scope, t: Ty, depth: number): Expr | null {
  const pv = varsOf(s, 'patch');
  const sv = varsOf(s, 'state');
  const fv = varsOf(s, 'function');
  switch (t) {
    case 'patch':
    case 'state':
    case 'function': {
      const vs = varsOf(s, t);
      return vs.length === 0 ? null : v(d.pick(vs).name);
    }
    case 'u64':
      if (sv.length > 0 && d.chance(60)) return attr(v(d.pick(sv).name), 'id');
      return num(d.pick([1n, 2n, 3n, 0x8173f7e2ce67e6can]));
    case 'u32': {
      const options: (() => Expr)[] = [() => num(BigInt(d.int(0, 3)))];
      if (sv.length > 0) options.push(() => attr(v(d.pick(sv).name), 'version'));
      if (fv.length > 0) options.push(() => attr(v(d.pick(fv).name), 'sympos'));
      if (pv.length > 0) {
        options.push(() => attr(v(d.pick(pv).name), 'replace_set'));
        options.push(() => call(v(d.pick(pv).name), 'version', expr(d, s, 'u64', 0) ?? num(1n)));
      }
      return d.pick(options)();
    }
    case 'string': {
      const options: (() => Expr)[] = [];
      if (pv.length > 0)
        options.push(
          () => attr(v(d.pick(pv).name), 'name'),
          () => attr(v(d.pick(pv).name), 'family'),
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
    () => ({ kind: 'not', operand: sub(), span: SPAN }),
    () => logic(d.pick(['and', 'or', 'implies'] as const), sub(), sub()),
    () => {
      const t = d.pick(['u32', 'u64'] as const);
      return cmp(
        d.pick(['==', '!=', '<', '<=', '>', '>='] as const),
        expr(d, s, t, depth - 1) ?? num(1n),
        expr(d, s, t, depth - 1) ?? num(2n),
      );
    },
    () => cmp(d.pick(['==', '!='] as const), sub(), sub()),
    () => {
      const t = d.pick(['string', 'patch', 'function'] as const);
      const l = expr(d, s, t, 0);
      const r = expr(d, s, t, 0);
      return l === null || r === null ? sub() : cmp(d.pick(['==', '!='] as const), l, r);
    },
    () => {
      const b = binder(d, s);
      return {
        kind: 'quantifier',
        quantifier: d.pick(['some', 'all'] as const),
        binder: b.binder,
        body: boolExpr(d, { ...s, vars: [...s.vars, b.var] }, depth - 1),
        span: SPAN,
      };
    },
  ];
  if (pv.length > 0) {
    composite.push(() => {
      // `q.version(x)` under the guard shapes the checker accepts (and one it does not).
      const q = p();
      const x = expr(d, s, 'u64', 0) ?? num(1n);
      const has = call(q, 'has', x);
      const use = cmp(
        d.pick(['>=', '<', '=='] as const),
        call(q, 'version', x),
        expr(d, s, 'u32', 0) ?? num(1n),
      );
      return d.pick([
        logic('and', has, use),
        logic('implies', has, use),
        logic('or', { kind: 'not', operand: has, span: SPAN }, use),
        logic('or', has, use),
      ]);
    });
    composite.push(() => ({
      kind: 'order',
      op: s.system && d.chance(50) ? 'below' : 'before',
      left: p(),
      right: p(),
      span: SPAN,
    }));
  }
  return d.pick(d.chance(30) ? leaves : composite)();
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
  return {
    kind: 'rule',
    mode,
    name: { text: d.name('r'), span: SPAN },
    sentence: { value: 'A generated rule.', span: SPAN },
    binders,
    when: d.chance(60) ? boolExpr(d, s, depth) : null,
    require: mode === 'allow' ? null : boolExpr(d, s, depth),
    message: null,
    reject: null,
    span: SPAN,
  };
}

function program(d: Draw): RuleSetAst {
  const block = (event: 'enable' | 'disable', name: string, errno: string, n: number): Item => ({
    kind: 'on',
    event,
    patch: { text: name, span: SPAN },
    reject: { errno: { text: errno, span: SPAN }, log: null, span: SPAN },
    rules: Array.from({ length: n }, () => {
      const r = rule(
        d,
        { vars: [{ name, type: 'patch' }], system: true },
        d.chance(80) ? 'rule' : 'allow',
      );
      // A rule's own errno overrides the block's: the first violated rule decides.
      if (r.mode !== 'rule' || !d.chance(40)) return r;
      const own = d.pick(['EINVAL', 'EBUSY']);
      return { ...r, reject: { errno: { text: own, span: SPAN }, log: null, span: SPAN } };
    }),
    span: SPAN,
  });
  return {
    kind: 'ruleset',
    name: { text: 'generated', span: SPAN },
    sentence: null,
    items: [
      block('enable', 'new', 'EINVAL', d.int(1, 3)),
      block('disable', 'p', 'EBUSY', d.int(0, 2)),
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
      ...Array.from({ length: d.int(0, 2) }, () =>
        rule(d, { vars: [], system: true }, 'invariant'),
      ),
      ...Array.from({ length: d.int(0, 1) }, () => rule(d, { vars: [], system: false }, 'policy')),
    ],
    span: SPAN,
  };
}

/** Rejections seen by {@link answers}, by errno, and with violated rules of different errnos. */
const errnoSeen = { einval: 0, other: 0, mixed: 0 };

/** Each answer of the rule set about one configuration: [label, evaluator, compiled term]. */
function answers(
  rs: CheckedRuleSet,
  cat: Catalog,
  sys: System,
  cfg: SymConfig,
  sym: (p: Patch) => SymPatch,
): [string, boolean, Term][] {
  const rules = compileRules(rs);
  const kernel = kernelRules(rs);
  const out: [string, boolean, Term][] = [];
  const violated = (outcomes: readonly { outcome: { kind: string } }[]) =>
    outcomes.some((o) => o.outcome.kind === 'violated');
  for (const p of cat.patches) {
    const en = explainEnable(rs, sys, cat, p);
    const enable = rules.enableViolations(cfg, sym(p));
    for (const x of enable) {
      const e = en.find((r) => r.rule === x.rule);
      out.push([`enable ${p.name} ${x.rule}`, violated(e?.outcomes ?? []), x.violated]);
    }
    const entry = cfg.patches.find((i) => i.patch.name === p.name);
    if (entry === undefined) throw new Error('every catalog patch has an entry');
    const dis = explainDisable(rs, sys, cat, p);
    const disable = rules.disableViolations(cfg, entry);
    for (const x of disable) {
      const e = dis.find((r) => r.rule === x.rule);
      out.push([`disable ${p.name} ${x.rule}`, violated(e?.outcomes ?? []), x.violated]);
    }
    // The errno of a rejection is the first violated rule's (kernel-rules.ts `verdict`).
    const verdicts = [
      ['enable', rs.enable, kernel.enable(sys, cat, p), enable],
      ['disable', rs.disable, kernel.disable(sys, cat, p), disable],
    ] as const;
    for (const [event, guard, v, vs] of verdicts) {
      if (!v.ok) {
        errnoSeen[v.errno === 'EINVAL' ? 'einval' : 'other']++;
        const errnoOf = (rule: string) => guard?.rules.find((r) => r.name === rule)?.reject?.errno;
        if (new Set(v.violations.map((x) => errnoOf(x.rule))).size > 1) errnoSeen.mixed++;
      }
      for (const errno of ERRNOS) {
        out.push([
          `${event} ${p.name} rejected with ${errno}`,
          !v.ok && v.errno === errno,
          rejectedWith(guard, vs, errno),
        ]);
      }
    }
    for (const old of cat.patches) {
      out.push([
        `${p.name} replaces ${old.name}`,
        kernel.replaces(sys, cat, p, old),
        rules.replaces(cfg, sym(p), sym(old)),
      ]);
    }
  }
  for (const r of rs.invariants) {
    out.push([
      `invariant ${r.name}`,
      evalInvariant(rs, r.name, sys, cat).length > 0,
      invariantViolated(rs, r.name, cfg),
    ]);
  }
  for (const r of rs.policies) {
    out.push([
      `policy ${r.name}`,
      evalPolicy(rs, r.name, cat).length > 0,
      policyViolated(rs, r.name, cat.patches.map(sym)),
    ]);
  }
  return out;
}

function variableWorld(cat: Catalog, sys: System) {
  const ids = [
    1n,
    2n,
    3n,
    0x8173f7e2ce67e6can,
    ...cat.patches.flatMap((p) => p.states.map((s) => s.id)),
  ];
  const functions = cat.patches.flatMap((p) => p.functions);
  const vps = new Map(
    cat.patches.map((p) => [
      p.name,
      variablePatch(p, `p.${p.name}`, { extraIds: ids, extraFunctions: functions }),
    ]),
  );
  const sym = (p: Patch) => vps.get(p.name)?.sym ?? symPatch(p);
  const cfg = variableConfig(cat, 'c.', sym);
  const values = new Map<string, Value>(fixConfig(cfg, sys));
  for (const vp of vps.values()) for (const [k, x] of vp.values) values.set(k, x);
  return { cfg, sym, values };
}

describe('compiled random rule sets agree with the evaluator', () => {
  it('concretely, with variables, and (on a sample) in Z3', async () => {
    const seen = { programs: 0, violated: 0, satisfied: 0, symbolic: 0, z3: 0 };
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const compiled = compileRuleSet(new Source('generated.klp', printRuleSet(program(d))));
        if (compiled.kind === 'error') return; // unguarded `version`: the checker's business
        const rs = compiled.value;
        seen.programs++;
        for (let w = 0; w < 3; w++) {
          const [cat, sys] = g(() => worldArb);
          for (const [label, expected, term] of answers(
            rs,
            cat,
            sys,
            concreteConfig(sys, cat),
            symPatch,
          )) {
            expect(term.kind === 'bool' ? term.value : term, label).toBe(expected);
            seen[expected ? 'violated' : 'satisfied']++;
          }
          const { cfg, sym, values } = variableWorld(cat, sys);
          const qs = answers(rs, cat, sys, cfg, sym);
          for (const [label, expected, term] of qs) {
            if (term.kind !== 'bool') seen.symbolic++;
            expect(interpretBool(term, values), label).toBe(expected);
          }
          if (w === 0 && seen.programs % 8 === 0) {
            const asserted = qs.map(([label, expected, term], i) => ({
              name: `${label} #${i}`,
              term: eq(term, bool(expected)),
            }));
            const fix = pinning(values, freeVars(asserted.map((a) => a.term)));
            const r = await check([{ name: 'configuration', term: and(...fix) }, ...asserted], {
              timeoutMs: 20_000,
            });
            seen.z3++;
            expect(r.kind === 'unsat' ? r.core : r.kind).toBe('sat');
          }
        }
      }),
      { numRuns: FULL ? 3000 : 250 },
    );
    expect(seen.programs).toBeGreaterThan(FULL ? 1000 : 80);
    expect(seen.violated).toBeGreaterThan(0);
    expect(seen.satisfied).toBeGreaterThan(0);
    expect(seen.symbolic).toBeGreaterThan(0);
    expect(seen.z3).toBeGreaterThan(FULL ? 100 : 8);
    expect(errnoSeen.einval).toBeGreaterThan(0);
    expect(errnoSeen.other).toBeGreaterThan(0);
    expect(
      errnoSeen.mixed,
      'a rejection whose violated rules disagree on the errno',
    ).toBeGreaterThan(0);
  });
});
