/**
 * Helpers for evaluator tests: shipped rule sets, systems and catalogs in one line.
 */
import { kernelRules } from '../../src/eval/kernel-rules.ts';
import type { KernelRules, Verdict, Violation } from '../../src/kernel/rules.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { loadRuleSet } from '../../src/lang/load.ts';
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
