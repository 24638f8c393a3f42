/**
 * Helpers for evaluator tests: shipped rule sets, systems and catalogs in one line.
 */
import { kernelRules } from '../../src/eval/kernel-rules.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { KernelRules, Verdict, Violation } from '../../src/kernel/rules.ts';
import type { Expr } from '../../src/lang/ast.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import type { Patch } from '../../src/model/patch.ts';
import type { System, Transition } from '../../src/model/system.ts';

export function ruleSet(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

export function rules(name: string): KernelRules {
  return kernelRules(ruleSet(name));
}

/** A system with `klpPatches` bottom to top, all loaded, no forced module. */
export function system(
  klpPatches: readonly string[],
  transition: Transition | null = null,
): System {
  return { klpPatches, transition, loaded: [...klpPatches], forced: [] };
}

export function cat(...patches: Patch[]): Catalog {
  return catalog(patches);
}

/** `[rule, installedBy, state, installedVersion, newVersion]` of each violation, for compact assertions. */
export function brief(v: Verdict): (string | bigint | number | null)[][] {
  return v.ok
    ? []
    : v.violations.map((x: Violation) => [
        x.rule,
        x.installedBy,
        x.state,
        x.installedVersion,
        x.newVersion,
      ]);
}

/** A patch from a catalog by name; throws when absent. */
export function get(c: Catalog, name: string): Patch {
  const p = c.byName.get(name);
  if (p === undefined) throw new Error(`no patch ${name}`);
  return p;
}

/**
 * `e` with every `some x in D: b` written `not (all x in D: not b)`: the same value and the same
 * evaluation order in the reference semantics, but out of reach of the evaluator's shortcut for
 * `some x in catalog` with `before` conjuncts, so the two can be compared.
 */
export function withoutSome(e: Expr): Expr {
  switch (e.kind) {
    case 'bool':
    case 'number':
    case 'var':
      return e;
    case 'attr':
      return { ...e, object: withoutSome(e.object) };
    case 'call':
      return { ...e, object: withoutSome(e.object), arg: withoutSome(e.arg) };
    case 'not':
      return { ...e, operand: withoutSome(e.operand) };
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order':
      return { ...e, left: withoutSome(e.left), right: withoutSome(e.right) };
    case 'quantifier': {
      const body = withoutSome(e.body);
      if (e.quantifier === 'all') return { ...e, body };
      const all: Expr = {
        ...e,
        quantifier: 'all',
        body: { kind: 'not', operand: body, span: { start: 0, end: 0 } },
      };
      return { kind: 'not', operand: all, span: { start: 0, end: 0 } };
    }
  }
}

/** Whether `e` has a `some x in catalog` whose body has a `before` conjunct on `x`. */
export function hasCatalogRange(e: Expr): boolean {
  const conj = (b: Expr, x: string): boolean =>
    b.kind === 'and'
      ? conj(b.left, x) || conj(b.right, x)
      : b.kind === 'order' &&
        b.op === 'before' &&
        ((b.left.kind === 'var' && b.left.name === x) ||
          (b.right.kind === 'var' && b.right.name === x));
  switch (e.kind) {
    case 'bool':
    case 'number':
    case 'var':
      return false;
    case 'attr':
      return hasCatalogRange(e.object);
    case 'call':
      return hasCatalogRange(e.object) || hasCatalogRange(e.arg);
    case 'not':
      return hasCatalogRange(e.operand);
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order':
      return hasCatalogRange(e.left) || hasCatalogRange(e.right);
    case 'quantifier':
      return (
        (e.quantifier === 'some' &&
          e.binder.domain.kind === 'catalog' &&
          conj(e.body, e.binder.name.text)) ||
        hasCatalogRange(e.body)
      );
  }
}
