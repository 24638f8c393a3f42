/**
 * Invariants (rules/policy/stack-invariants.klp) on systems and policies
 * (rules/policy/release-stream.klp) on catalogs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalInvariant, evalPolicies, evalPolicy } from '../../src/eval/audit.ts';
import { evalRule, formatBinding } from '../../src/eval/rules.ts';
import { catalogWorld, patchFamily } from '../../src/eval/value.ts';
import { patch } from '../../src/model/patch.ts';
import { catalogArb } from './arbitraries.ts';
import { cat, hasCatalogRange, ruleSet, system, withoutSome } from './helpers.ts';

const inv = ruleSet('stack-invariants');
const stream = ruleSet('release-stream');

describe('stack invariants', () => {
  it('no-lower-version-above: a later patch never holds a state at a lower version', () => {
    const c = cat(
      patch('a', { states: [{ id: 1, version: 3 }] }),
      patch('b', { states: [{ id: 1, version: 1 }] }),
    );
    const v = evalInvariant(inv, 'no-lower-version-above', system(['a', 'b']), c);
    expect(v.map((x) => x.message)).toEqual([
      '`b` holds state 1 at version 1, above `a` which holds it at version 3',
    ]);
    expect(formatBinding(v[0]?.binding ?? [])).toBe('a = `a`, s = state 1, b = `b`');
    expect(evalInvariant(inv, 'no-lower-version-above', system(['b', 'a']), c)).toEqual([]);
  });

  it('block-disable-never-disabled: is violated while such a patch is being unpatched', () => {
    const c = cat(patch('p', { states: [{ id: 1, blockDisable: true }, { id: 2 }] }));
    const name = 'block-disable-never-disabled';
    expect(evalInvariant(inv, name, system(['p']), c)).toEqual([]);
    expect(evalInvariant(inv, name, system(['p'], { patch: 'p', target: 'patched' }), c)).toEqual(
      [],
    );
    expect(
      evalInvariant(inv, name, system(['p'], { patch: 'p', target: 'unpatched' }), c).map(
        (x) => x.message,
      ),
    ).toEqual(['`p` carries block_disable state 1 but is being disabled']);
  });

  it('one-replace-set-per-function: reports each pair once', () => {
    const foo = { object: 'vmlinux', name: 'foo', sympos: 0 };
    const c = cat(
      patch('a', { replaceSet: 1, functions: [foo] }),
      patch('b', { replaceSet: 2, functions: [foo] }),
      patch('a2', { replaceSet: 1, functions: [foo] }),
    );
    const v = evalInvariant(inv, 'one-replace-set-per-function', system(['a', 'b', 'a2']), c);
    expect(v.map((x) => x.message)).toEqual([
      'vmlinux:foo is patched by `a` (replace set 1) and by `b` (replace set 2)',
      'vmlinux:foo is patched by `b` (replace set 2) and by `a2` (replace set 1)',
    ]);
    expect(evalInvariant(inv, 'one-replace-set-per-function', system(['a', 'a2']), c)).toEqual([]);
  });

  it('names an unknown invariant with a suggestion', () => {
    expect(() => evalInvariant(inv, 'no-lower-versions-above', system([]), cat())).toThrow(
      'rule set `stack-invariants` has no invariant `no-lower-versions-above`; did you mean `no-lower-version-above`?',
    );
  });
});

describe('release-stream policies', () => {
  it('never-lower-version: compares every later release', () => {
    const c = cat(
      patch('lp_1', { replace: true, states: [{ id: 1, version: 2 }] }),
      patch('lp_2', { replace: true, states: [{ id: 1, version: 3 }] }),
      patch('lp_3', { replace: true, states: [{ id: 1, version: 1 }] }),
    );
    expect(evalPolicy(stream, 'never-lower-version', c).map((x) => x.message)).toEqual([
      '`lp_3` declares state 1 at version 1, lower than version 2 in the earlier `lp_1`',
      '`lp_3` declares state 1 at version 1, lower than version 3 in the earlier `lp_2`',
    ]);
  });

  it('cumulative-carries-previous-states: only the previous release of the same family counts', () => {
    const c = cat(
      patch('lp_1', { replace: true, states: [{ id: 1 }, { id: 2 }] }),
      patch('lp_2', { replace: true, states: [{ id: 1 }] }),
      patch('other_1', { replace: true, states: [{ id: 9 }] }),
      patch('lp_3', { replace: true, states: [{ id: 1 }] }),
    );
    expect(
      evalPolicy(stream, 'cumulative-carries-previous-states', c).map((x) => x.message),
    ).toEqual(['cumulative `lp_2` does not declare state 2 of the release before it, `lp_1`']);
  });

  it('all-cumulative and state-ids-per-family', () => {
    const c = cat(
      patch('test_klp_state2', { replace: true, states: [{ id: 1 }] }),
      patch('test_klp_state3', { replace: true, states: [{ id: 1 }] }),
      patch('vendor_fix', { states: [{ id: 1 }] }),
    );
    expect(evalPolicies(stream, c).map((x) => [x.rule, x.message])).toEqual([
      ['all-cumulative', '`vendor_fix` is not cumulative'],
      [
        'state-ids-per-family',
        'state 1 is used by `test_klp_state2` (family `test_klp_state`) and by `vendor_fix` (family `vendor_fix`)',
      ],
      [
        'state-ids-per-family',
        'state 1 is used by `test_klp_state3` (family `test_klp_state`) and by `vendor_fix` (family `vendor_fix`)',
      ],
    ]);
  });

  it('families are names without their release suffix', () => {
    expect(
      ['test_klp_state', 'test_klp_state2', 'livepatch_61_2', 'kpatch-5.14-7', '42'].map(
        patchFamily,
      ),
    ).toEqual(['test_klp_state', 'test_klp_state', 'livepatch', 'kpatch', '42']);
  });
});

describe('policy evaluation shortcuts', () => {
  it('give every policy of release-stream the violations of plain binding-by-binding evaluation', () => {
    const rs = ruleSet('release-stream');
    // The shortcut under test: `some mid in catalog` between two releases visits only them.
    expect(rs.policies.some((p) => p.when !== null && hasCatalogRange(p.when))).toBe(true);
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(catalogArb, (c) => {
        for (const policy of rs.policies) {
          const plain = { ...policy, when: policy.when === null ? null : withoutSome(policy.when) };
          const all = evalRule(plain, { world: catalogWorld(c), vars: new Map() });
          if (all.kind === 'error') throw new Error('a checked policy gave an error value');
          const expected = all.value.flatMap((o) =>
            o.outcome.kind === 'violated'
              ? [{ binding: o.binding, message: o.outcome.message }]
              : [],
          );
          const got = evalPolicy(rs, policy.name, c);
          expect(got.map((v) => ({ binding: v.binding, message: v.message }))).toEqual(expected);
          seen.set(policy.name, (seen.get(policy.name) ?? 0) + (got.length > 0 ? 1 : 0));
        }
      }),
      { numRuns: 300 },
    );
    // Every policy was violated on some catalog: the comparison saw both outcomes.
    for (const p of rs.policies) expect(seen.get(p.name) ?? 0, p.name).toBeGreaterThan(0);
  });
});
