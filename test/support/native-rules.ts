/**
 * The kernel's own rule sets, implemented natively: `upstream` (Linux 5.5+, state.c
 * `klp_is_patch_compatible()`) and `replace` (5.1-5.4: atomic replace, no state checks).
 *
 * A second, independent reading of state.c: the rule files rules/kernel/upstream.klp and
 * replace.klp are tested against it (test/eval/native-agreement.test.ts).
 * Both let any enabled patch be disabled, and a completing patch replaces exactly when its
 * `replace` flag is set (transition.c `klp_complete_transition()`, `klp_force_transition()`).
 */

import type { KernelRules, Verdict } from '../../src/kernel/rules.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import type { Patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';
import { klpIsPatchCompatible, notCompatibleLine } from './native-state.ts';

const OK: Verdict = { ok: true };

function replaceFlag(_sys: System, _cat: Catalog, incoming: Patch, _old: Patch): boolean {
  return incoming.replace;
}

/**
 * Linux 5.5 to today: `klp_enable_patch()` rejects a patch that is not compatible with the
 * states of the patches on `klp_patches`, with EINVAL and one `pr_err()` line.
 *
 * @example
 * upstreamRules.enable(sys, cat, cat.byName.get('test_klp_state')!) // { ok: false, errno: 'EINVAL', ... }
 */
export const upstreamRules: KernelRules = {
  name: 'upstream',
  enable(sys, cat, candidate) {
    const violations = klpIsPatchCompatible(sys, cat, candidate);
    if (violations.length === 0) return OK;
    return { ok: false, errno: 'EINVAL', log: [notCompatibleLine(candidate.name)], violations };
  },
  disable: () => OK,
  replaces: replaceFlag,
};

/**
 * Linux 5.1 to 5.4: atomic replace exists, states are not checked.
 *
 * @example
 * replaceRules.enable(sys, cat, anyPatch) // { ok: true }
 */
export const replaceRules: KernelRules = {
  name: 'replace',
  enable: () => OK,
  disable: () => OK,
  replaces: replaceFlag,
};
