/**
 * rules/kernel/upstream.klp and rules/kernel/replace.klp, evaluated, against the simulator's
 * native stand-ins (src/kernel/rule-sets.ts) on random configurations: same decisions, errnos,
 * log lines and violations. The native `upstreamRules` lists violations in the kernel's loop
 * order while the rule language lists them rule by rule (KernelRules' contract), so violations
 * are compared as multisets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelRules, Verdict, Violation } from '../../src/kernel/rules.ts';
import { replaceRules, upstreamRules } from '../support/native-rules.ts';
import { worldArb } from './arbitraries.ts';
import { rules } from './helpers.ts';

function key(v: Violation): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

function normal(v: Verdict) {
  return v.ok ? v : { ...v, violations: v.violations.map(key).sort() };
}

const NATIVE: readonly [string, KernelRules][] = [
  ['upstream', upstreamRules],
  ['replace', replaceRules],
];

describe.each(NATIVE)('%s', (name, native) => {
  const fromFile = rules(name);

  it('decides like the native rules', () => {
    const seen = { ok: 0, rejected: 0, replaced: 0, kept: 0, rules: new Set<string>() };
    fc.assert(
      fc.property(worldArb, ([cat, sys, candidate]) => {
        if (sys.klpPatches.includes(candidate.name)) return;
        const a = fromFile.enable(sys, cat, candidate);
        const b = native.enable(sys, cat, candidate);
        expect(normal(a)).toEqual(normal(b));
        if (a.ok) seen.ok++;
        else {
          seen.rejected++;
          for (const v of a.violations) seen.rules.add(v.rule);
        }
        for (const old of sys.klpPatches) {
          const o = cat.byName.get(old);
          if (o === undefined) continue;
          const r = fromFile.replaces(sys, cat, candidate, o);
          expect(r).toBe(native.replaces(sys, cat, candidate, o));
          if (r) seen.replaced++;
          else seen.kept++;
        }
        for (const target of sys.klpPatches) {
          const t = cat.byName.get(target);
          if (t !== undefined)
            expect(fromFile.disable(sys, cat, t)).toEqual(native.disable(sys, cat, t));
        }
      }),
      { numRuns: 1000 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.replaced).toBeGreaterThan(0);
    expect(seen.kept).toBeGreaterThan(0);
    if (name === 'upstream') {
      expect(seen.rejected).toBeGreaterThan(0);
      expect([...seen.rules].sort()).toEqual(['cumulative-handles-all', 'same-or-higher-version']);
    }
  });
});
