import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System } from '../../src/model/system.ts';
import { replaceRules, upstreamRules } from '../support/native-rules.ts';

const installed = patch('q', { states: [{ id: 1, version: 2 }] });

function onList(...names: string[]): System {
  return { ...EMPTY_SYSTEM, klpPatches: names, loaded: names };
}

describe('upstream klp_is_patch_compatible() (KERNEL.md section 2 table)', () => {
  it.each([
    { replace: false, version: null, ok: true, rule: null },
    { replace: false, version: 2, ok: true, rule: null },
    { replace: false, version: 3, ok: true, rule: null },
    { replace: false, version: 1, ok: false, rule: 'same-or-higher-version' },
    { replace: true, version: null, ok: false, rule: 'cumulative-handles-all' },
    { replace: true, version: 2, ok: true, rule: null },
    { replace: true, version: 7, ok: true, rule: null },
    { replace: true, version: 1, ok: false, rule: 'same-or-higher-version' },
  ])('replace=$replace, state 1 at version $version over version 2: ok=$ok', (row) => {
    const candidate = patch('p', {
      replace: row.replace,
      states: row.version === null ? [] : [{ id: 1, version: row.version }],
    });
    const v = upstreamRules.enable(onList('q'), catalog([installed, candidate]), candidate);
    expect(v.ok).toBe(row.ok);
    if (!v.ok) {
      expect(v.errno).toBe('EINVAL');
      expect(v.violations.map((x) => x.rule)).toEqual([row.rule]);
    }
  });

  it('names the culprit, the state and both versions', () => {
    const lower = patch('p', { states: [{ id: 1, version: 1 }] });
    const missing = patch('r', { replace: true, states: [{ id: 9, version: 1 }] });
    const cat = catalog([installed, lower, missing]);
    const a = upstreamRules.enable(onList('q'), cat, lower);
    const b = upstreamRules.enable(onList('q'), cat, missing);
    expect(a).toEqual({
      ok: false,
      errno: 'EINVAL',
      log: ['Livepatch patch (p) is not compatible with the already installed livepatches.'],
      violations: [
        {
          rule: 'same-or-higher-version',
          sentence:
            'System state modifications with the same or higher version are allowed for already modified system states.',
          message: 'patch `p` declares state 1 at version 1, lower than version 2 installed by `q`',
          installedBy: 'q',
          state: 1n,
          installedVersion: 2,
          newVersion: 1,
        },
      ],
    });
    expect(b.ok ? [] : b.violations).toEqual([
      {
        rule: 'cumulative-handles-all',
        sentence:
          'Cumulative livepatches must handle all system state modifications from already installed livepatches.',
        message: 'cumulative patch `r` does not declare state 1, installed by `q` at version 2',
        installedBy: 'q',
        state: 1n,
        installedVersion: 2,
        newVersion: null,
      },
    ]);
  });

  it('reports every failing pair, in klp_patches order then state order', () => {
    const a = patch('a', {
      states: [
        { id: 2, version: 1 },
        { id: 1, version: 4 },
      ],
    });
    const b = patch('b', { states: [{ id: 3, version: 1 }] });
    const c = patch('c', {
      replace: true,
      states: [
        { id: 1, version: 1 },
        { id: 3, version: 5 },
      ],
    });
    const v = upstreamRules.enable(onList('b', 'a'), catalog([a, b, c]), c);
    expect(v.ok ? [] : v.violations.map((x) => [x.installedBy, x.state, x.rule])).toEqual([
      ['a', 2n, 'cumulative-handles-all'],
      ['a', 1n, 'same-or-higher-version'],
    ]);
    // klp_patches order, not catalog order
    const w = upstreamRules.enable(onList('a', 'b'), catalog([a, b, c]), c);
    expect(w.ok ? [] : w.violations.map((x) => x.installedBy)).toEqual(['a', 'a']);
  });

  it('looks a state up in the new patch with klp_get_state(): the first entry counts', () => {
    const dup = patch('p', {
      states: [
        { id: 1, version: 1 },
        { id: 1, version: 5 },
      ],
    });
    const v = upstreamRules.enable(onList('q'), catalog([installed, dup]), dup);
    expect(v.ok ? [] : v.violations.map((x) => x.newVersion)).toEqual([1]);
  });

  it("walks every entry of the installed patch's states, duplicates included", () => {
    const dupInstalled = patch('q', {
      states: [
        { id: 1, version: 1 },
        { id: 1, version: 5 },
      ],
    });
    const candidate = patch('p', { states: [{ id: 1, version: 3 }] });
    const v = upstreamRules.enable(onList('q'), catalog([dupInstalled, candidate]), candidate);
    expect(v.ok ? [] : v.violations.map((x) => x.installedVersion)).toEqual([5]);
  });

  it('prints 64-bit state ids in hex', () => {
    const big = patch('q', { states: [{ id: 0x8173f7e2ce67e6can, version: 7 }] });
    const candidate = patch('p', { replace: true });
    const v = upstreamRules.enable(onList('q'), catalog([big, candidate]), candidate);
    expect(v.ok ? '' : v.violations[0]?.message).toBe(
      'cumulative patch `p` does not declare state 0x8173f7e2ce67e6ca, installed by `q` at version 7',
    );
  });

  it('checks nothing when no patch is on klp_patches, even if modules are loaded', () => {
    const candidate = patch('p', { replace: true });
    const sys = { ...EMPTY_SYSTEM, loaded: ['q'] };
    expect(upstreamRules.enable(sys, catalog([installed, candidate]), candidate)).toEqual({
      ok: true,
    });
  });

  it('refuses a system whose klp_patches names a patch outside the catalog', () => {
    const candidate = patch('p');
    expect(() => upstreamRules.enable(onList('ghost'), catalog([candidate]), candidate)).toThrow(
      /`ghost`/,
    );
  });

  it('never guards disable, and replaces exactly when the incoming patch has replace set', () => {
    const cat = catalog([installed]);
    expect(upstreamRules.disable(onList('q'), cat, installed)).toEqual({ ok: true });
    const r = patch('r', { replace: true });
    expect(upstreamRules.replaces(onList('q'), cat, r, installed)).toBe(true);
    expect(upstreamRules.replaces(onList('q'), cat, patch('n'), installed)).toBe(false);
  });
});

describe('replace rules (Linux 5.1-5.4)', () => {
  it('accepts what upstream rejects and still replaces', () => {
    const candidate = patch('p', { replace: true });
    const cat = catalog([installed, candidate]);
    expect(upstreamRules.enable(onList('q'), cat, candidate).ok).toBe(false);
    expect(replaceRules.enable(onList('q'), cat, candidate)).toEqual({ ok: true });
    expect(replaceRules.disable(onList('q'), cat, installed)).toEqual({ ok: true });
    expect(replaceRules.replaces(onList('q'), cat, candidate, installed)).toBe(true);
    expect(replaceRules.replaces(onList('q'), cat, installed, candidate)).toBe(false);
  });
});
