/**
 * rules/kernel/upstream.klp on hand-written configurations: the decision table of
 * klp_is_state_compatible() (KERNEL.md §2), the compatibility decisions of
 * tools/testing/selftests/livepatch/test-state.sh (KERNEL.md §5), and the details of verdicts.
 */
import { describe, expect, it } from 'vitest';
import { patch } from '../../src/model/patch.ts';
import type { TransitionTarget } from '../../src/model/system.ts';
import { brief, cat, get, rules, system } from './helpers.ts';

const upstream = rules('upstream');
const NOT_COMPATIBLE = (name: string) =>
  `Livepatch patch (${name}) is not compatible with the already installed livepatches.`;

describe('klp_is_state_compatible() decision table', () => {
  // One installed patch holding state 1 at version 2.
  const old = patch('old', { states: [{ id: 1, version: 2 }] });

  it.each([
    { replace: false, version: null, ok: true, violated: [] },
    { replace: false, version: 3, ok: true, violated: [] },
    { replace: false, version: 2, ok: true, violated: [] },
    { replace: false, version: 1, ok: false, violated: ['same-or-higher-version'] },
    { replace: true, version: null, ok: false, violated: ['cumulative-handles-all'] },
    { replace: true, version: 2, ok: true, violated: [] },
    { replace: true, version: 1, ok: false, violated: ['same-or-higher-version'] },
  ])('replace=$replace, new version $version: ok=$ok', ({ replace, version, ok, violated }) => {
    const candidate = patch('new', {
      replace,
      states: version === null ? [{ id: 7, version: 1 }] : [{ id: 1, version }],
    });
    const c = cat(old, candidate);
    const v = upstream.enable(system(['old']), c, candidate);
    expect(v.ok).toBe(ok);
    expect(brief(v).map((x) => x[0])).toEqual(violated);
    if (!v.ok) {
      expect(v.errno).toBe('EINVAL');
      expect(v.log).toEqual([NOT_COMPATIBLE('new')]);
      expect(brief(v)[0]).toEqual([violated[0], 'old', 1n, 2, version]);
    }
  });
});

describe('test-state.sh', () => {
  // All three are `replace = true` with one state, id 1 (CONSOLE_LOGLEVEL_STATE).
  const c = cat(
    patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
    patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
    patch('test_klp_state3', { replace: true, states: [{ id: 1, version: 2 }] }),
  );
  const [s1, s2, s3] = ['test_klp_state', 'test_klp_state2', 'test_klp_state3'].map((n) =>
    get(c, n),
  );
  if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error('catalog');

  it('1. system state modification: insmod and disable succeed', () => {
    expect(upstream.enable(system([]), c, s1).ok).toBe(true);
    expect(upstream.disable(system([s1.name]), c, s1).ok).toBe(true);
  });

  it('2. taking over system state modification: state2 replaces state', () => {
    expect(upstream.enable(system([]), c, s1).ok).toBe(true);
    expect(upstream.enable(system([s1.name]), c, s2).ok).toBe(true);
    expect(
      upstream.replaces(
        system([s1.name, s2.name], { patch: s2.name, target: 'patched' }),
        c,
        s2,
        s1,
      ),
    ).toBe(true);
    expect(upstream.disable(system([s2.name]), c, s2).ok).toBe(true);
  });

  it('3. compatible cumulative livepatches: equal versions are compatible', () => {
    expect(upstream.enable(system([]), c, s2).ok).toBe(true);
    expect(upstream.enable(system([s2.name]), c, s3).ok).toBe(true);
    expect(upstream.replaces(system([s2.name, s3.name]), c, s3, s2)).toBe(true);
    // state2 was replaced and removed; loaded again on top of state3.
    expect(upstream.enable(system([s3.name]), c, s2).ok).toBe(true);
    expect(upstream.replaces(system([s3.name, s2.name]), c, s2, s3)).toBe(true);
    expect(upstream.disable(system([s2.name]), c, s2).ok).toBe(true);
  });

  it('4. incompatible cumulative livepatches: state after state2 fails with EINVAL', () => {
    expect(upstream.enable(system([]), c, s2).ok).toBe(true);
    const v = upstream.enable(system([s2.name]), c, s1);
    expect(v).toEqual({
      ok: false,
      errno: 'EINVAL',
      log: [
        'Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.',
      ],
      violations: [
        {
          rule: 'same-or-higher-version',
          sentence:
            'System state modifications with the same or higher version are allowed for already modified system states.',
          message:
            'patch `test_klp_state` declares state 1 at version 1, lower than version 2 installed by `test_klp_state2`',
          installedBy: 'test_klp_state2',
          state: 1n,
          installedVersion: 2,
          newVersion: 1,
        },
      ],
    });
    expect(upstream.disable(system([s2.name]), c, s2).ok).toBe(true);
  });
});

describe('verdict details', () => {
  it('reports every violation: rule order, then klp_patches bottom to top, then state entries', () => {
    const c = cat(
      patch('a', {
        states: [
          { id: 2, version: 1 },
          { id: 1, version: 5 },
        ],
      }),
      patch('b', {
        states: [
          { id: 1, version: 4 },
          { id: 3, version: 1 },
        ],
      }),
      patch('new', { replace: true, states: [{ id: 1, version: 1 }] }),
    );
    const v = upstream.enable(system(['a', 'b']), c, get(c, 'new'));
    expect(brief(v)).toEqual([
      ['same-or-higher-version', 'a', 1n, 5, 1],
      ['same-or-higher-version', 'b', 1n, 4, 1],
      ['cumulative-handles-all', 'a', 2n, 1, null],
      ['cumulative-handles-all', 'b', 3n, 1, null],
    ]);
  });

  it('walks every state entry of an installed patch, duplicates included (klp_for_each_state)', () => {
    const c = cat(
      patch('old', {
        states: [
          { id: 1, version: 1 },
          { id: 1, version: 3 },
        ],
      }),
      patch('new', { states: [{ id: 1, version: 2 }] }),
    );
    const v = upstream.enable(system(['old']), c, get(c, 'new'));
    expect(brief(v)).toEqual([['same-or-higher-version', 'old', 1n, 3, 2]]);
  });

  it('looks the new patch up with klp_get_state(): the first entry with the id', () => {
    const c = cat(
      patch('old', { states: [{ id: 1, version: 3 }] }),
      patch('new', {
        states: [
          { id: 1, version: 1 },
          { id: 1, version: 5 },
        ],
      }),
    );
    expect(brief(upstream.enable(system(['old']), c, get(c, 'new')))).toEqual([
      ['same-or-higher-version', 'old', 1n, 3, 1],
    ]);
  });

  it('checks a patch in transition either way, as klp_patches holds it', () => {
    const c = cat(
      patch('old', { states: [{ id: 1, version: 3 }] }),
      patch('new', { states: [{ id: 1, version: 1 }] }),
    );
    const targets: readonly TransitionTarget[] = ['patched', 'unpatched'];
    for (const target of targets) {
      const v = upstream.enable(system(['old'], { patch: 'old', target }), c, get(c, 'new'));
      expect(v.ok).toBe(false);
    }
  });

  it('prints 64-bit state ids in hex', () => {
    const id = 0x8173f7e2ce67e6can;
    const c = cat(patch('old', { states: [{ id, version: 7 }] }), patch('new', { replace: true }));
    const v = upstream.enable(system(['old']), c, get(c, 'new'));
    expect(v.ok ? [] : v.violations.map((x) => x.message)).toEqual([
      'cumulative patch `new` does not declare state 0x8173f7e2ce67e6ca, installed by `old` at version 7',
    ]);
  });

  it('replaces exactly when the completing patch is cumulative', () => {
    const c = cat(patch('old'), patch('cum', { replace: true }), patch('plain'));
    const sys = system(['old', 'cum']);
    expect(upstream.replaces(sys, c, get(c, 'cum'), get(c, 'old'))).toBe(true);
    expect(upstream.replaces(sys, c, get(c, 'plain'), get(c, 'old'))).toBe(false);
  });
});
