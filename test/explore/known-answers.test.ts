/**
 * The loadability oracle on hand-made catalogs whose answers are worked out by hand: the
 * test-state.sh modules, a catalog where the claim holds, counterexamples that need a disable
 * or an rmmod and re-insmod first, and how manual transitions change the counterexample.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  minimalPatchSet,
  provesLoadable,
  restrictCatalog,
  shortestPath,
} from '../../src/explore/index.ts';
import { loadCatalogFile } from '../../src/ingest/index.ts';
import { step } from '../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { notCompatibleLine, replaceRules, upstreamRules } from '../support/rules.ts';
import {
  complete,
  disable,
  expectRefutes,
  insmod,
  MODES,
  replay,
  rmmod,
  shippedRules,
  stackSystem,
} from './helpers.ts';

const ROOT = join(import.meta.dirname, '../..');

function testModules(): Catalog {
  const { value } = loadCatalogFile(join(ROOT, 'examples/selftests/test_modules.catalog.yaml'));
  if (value === null) throw new Error('examples/selftests/test_modules.catalog.yaml does not load');
  return value;
}

describe('test-state.sh modules (all cumulative, state 1 at versions 1, 2, 2)', () => {
  const cat = testModules();

  it.each(MODES)(
    'loading test_klp_state after test_klp_state2 is refuted in 2 steps (%s)',
    (mode) => {
      const v = provesLoadable(cat, upstreamRules, 'test_klp_state', { transitions: mode });
      if (v.kind !== 'refuted') throw new Error(`expected refuted, got ${v.kind}`);
      expect(v.path).toEqual([insmod('test_klp_state2'), insmod('test_klp_state')]);
      expect(v.before.klpPatches).toEqual(['test_klp_state2']);
      expect(v.rejection.result).toBe('EINVAL');
      expect(v.rejection.log).toContain(`livepatch: ${notCompatibleLine('test_klp_state')}`);
      expectRefutes(cat, upstreamRules, mode, EMPTY_SYSTEM, v.path, 'test_klp_state');
    },
  );

  it('counts the configuration where test_klp_state2 is still being patched in manual mode', () => {
    const v = provesLoadable(cat, upstreamRules, 'test_klp_state', { transitions: 'manual' });
    // Compatibility is checked before EBUSY, against the patch in transition too.
    expect(v.kind === 'refuted' && v.before.transition).toEqual({
      patch: 'test_klp_state2',
      target: 'patched',
    });
  });

  it.each(MODES)('the version 2 modules load from every reachable configuration (%s)', (mode) => {
    for (const target of ['test_klp_state2', 'test_klp_state3']) {
      const v = provesLoadable(cat, upstreamRules, target, { transitions: mode });
      expect(v.kind, target).toBe('proved');
    }
  });

  it('before Linux 5.5 (replace rules) nothing is ever rejected', () => {
    const v = provesLoadable(cat, replaceRules, 'test_klp_state', { transitions: 'manual' });
    expect(v.kind).toBe('proved');
  });

  it('a minimal set of other modules that blocks test_klp_state is one version 2 module', () => {
    const m = minimalPatchSet(cat, upstreamRules, 'test_klp_state', { transitions: 'auto' });
    if (m.kind !== 'minimal') throw new Error(`expected minimal, got ${m.kind}`);
    expect(m.patches).toEqual(['test_klp_state2']);
    expect(m.undecided).toEqual([]);
    expect(m.path).toEqual([insmod('test_klp_state2'), insmod('test_klp_state')]);
  });

  it('from an installed stack, the counterexample starts there', () => {
    const v = provesLoadable(cat, upstreamRules, 'test_klp_state', {
      transitions: 'auto',
      initial: ['test_klp_state2'],
    });
    expect(v.kind === 'refuted' && v.path).toEqual([insmod('test_klp_state')]);
    // With the stack fixed, the module blocking it is the stack itself: no other is needed.
    const m = minimalPatchSet(cat, upstreamRules, 'test_klp_state', {
      transitions: 'auto',
      initial: ['test_klp_state2'],
    });
    expect(m.kind === 'minimal' && m.patches).toEqual([]);
  });

  it('an initial stack the kernel refuses is an error value naming the failing load', () => {
    const v = provesLoadable(cat, upstreamRules, 'test_klp_state3', {
      transitions: 'auto',
      initial: ['test_klp_state2', 'test_klp_state'],
    });
    if (v.kind !== 'error') throw new Error(`expected error, got ${v.kind}`);
    expect(v.error.kind).toBe('load-failed');
    expect(v.error.patch).toBe('test_klp_state');
    expect(v.error.kind === 'load-failed' && v.error.outcome.result).toBe('EINVAL');
    expect(v.error.message).toBe(
      'initial patch `test_klp_state` cannot be loaded: insmod fails with EINVAL',
    );
  });

  it('unknown patches are error values', () => {
    const v = provesLoadable(cat, upstreamRules, 'test_klp_state4', { transitions: 'auto' });
    expect(v.kind === 'error' && v.error.message).toBe(
      'patch `test_klp_state4` is not in the catalog',
    );
    const w = provesLoadable(cat, upstreamRules, 'test_klp_state', {
      transitions: 'auto',
      initial: ['nope'],
    });
    expect(w.kind === 'error' && w.error.kind).toBe('not-in-catalog');
  });
});

describe('a catalog where the claim holds', () => {
  // `fix` is cumulative and declares every state at the highest version any patch uses.
  const cat = catalog([
    patch('hotfix_a', { states: [{ id: 1, version: 1 }] }),
    patch('hotfix_b', { states: [{ id: 2, version: 3 }] }),
    patch('release', {
      replace: true,
      states: [
        { id: 1, version: 2 },
        { id: 2, version: 3 },
      ],
    }),
    patch('fix', {
      replace: true,
      states: [
        { id: 1, version: 2 },
        { id: 2, version: 3 },
        { id: 3, version: 1 },
      ],
    }),
    patch('partial', { replace: true, states: [{ id: 1, version: 2 }] }),
  ]);

  it.each(MODES)('proves `fix` loadable from every configuration (%s)', (mode) => {
    const v = provesLoadable(cat, upstreamRules, 'fix', { transitions: mode });
    if (v.kind !== 'proved') throw new Error(`expected proved, got ${v.kind}`);
    expect(v.states).toBeGreaterThan(10);
    expect(v.depth).toBeGreaterThanOrEqual(3);
  });

  it('refutes the cumulative patch that forgets state 2', () => {
    const v = provesLoadable(cat, upstreamRules, 'partial', { transitions: 'auto' });
    expect(v.kind === 'refuted' && v.path).toEqual([insmod('hotfix_b'), insmod('partial')]);
    const m = minimalPatchSet(cat, upstreamRules, 'partial', { transitions: 'auto' });
    // `hotfix_b` comes first in catalog order; `release` and `fix` would do as well.
    expect(m.kind === 'minimal' && m.patches).toEqual(['hotfix_b']);
    const without = restrictCatalog(cat, new Set(['partial', 'hotfix_a']));
    expect(provesLoadable(without, upstreamRules, 'partial', { transitions: 'auto' }).kind).toBe(
      'proved',
    );
  });
});

describe('counterexamples that need more than loading the culprit', () => {
  // `installed` (cumulative, state 1 at v2) keeps `culprit` (state 1 at v1) out; once
  // `culprit` is in, the cumulative `target` cannot take over its state 2.
  const cat = catalog([
    patch('installed', { replace: true, states: [{ id: 1, version: 2 }] }),
    patch('culprit', {
      states: [
        { id: 1, version: 1 },
        { id: 2, version: 1 },
      ],
    }),
    patch('target', { replace: true, states: [{ id: 1, version: 2 }] }),
  ]);

  it('needs a disable first (auto)', () => {
    const v = provesLoadable(cat, upstreamRules, 'target', {
      transitions: 'auto',
      initial: ['installed'],
    });
    if (v.kind !== 'refuted') throw new Error(`expected refuted, got ${v.kind}`);
    expect(v.path).toEqual([disable('installed'), insmod('culprit'), insmod('target')]);
    const from = stackSystem(cat, upstreamRules, ['installed'], 'auto');
    expectRefutes(cat, upstreamRules, 'auto', from, v.path, 'target');
  });

  it('needs the unpatching transition completed first (manual)', () => {
    // While `installed` is being unpatched it is still on klp_patches and still blocks `culprit`.
    const v = provesLoadable(cat, upstreamRules, 'target', {
      transitions: 'manual',
      initial: ['installed'],
    });
    expect(v.kind === 'refuted' && v.path).toEqual([
      disable('installed'),
      complete,
      insmod('culprit'),
      insmod('target'),
    ]);
  });

  it('needs an rmmod and a re-insmod of a replaced module (block-disable rules)', () => {
    // `keeper` takes over `old`'s block_disable state 2 without the flag, so `old` is replaced
    // but stays loaded; only `old` itself, loaded again, keeps the cumulative `target` out.
    const bd = catalog([
      patch('old', { states: [{ id: 2, blockDisable: true }] }),
      patch('keeper', { replace: true, states: [{ id: 2 }] }),
      patch('target', { replace: true, states: [{ id: 1 }] }),
    ]);
    const rules = shippedRules('block-disable');
    for (const mode of MODES) {
      const v = provesLoadable(bd, rules, 'target', {
        transitions: mode,
        initial: ['old', 'keeper'],
      });
      if (v.kind !== 'refuted') throw new Error(`expected refuted, got ${v.kind}`);
      expect(v.path, mode).toEqual([rmmod('old'), insmod('old'), insmod('target')]);
      const from = stackSystem(bd, rules, ['old', 'keeper'], mode);
      expect(from.loaded).toContain('old');
      expect(from.klpPatches).toEqual(['keeper']);
      expectRefutes(bd, rules, mode, from, v.path, 'target');
    }
  });

  it('needs a patch that takes a block_disable state over first (block-disable rules)', () => {
    // `installed` can neither be disabled nor replaced by `culprit`, which lacks state 1;
    // `bridge` takes state 1 over without the flag, and `culprit` may then drop it.
    const bd = catalog([
      patch('installed', { replace: true, states: [{ id: 1, blockDisable: true }] }),
      patch('bridge', { replace: true, states: [{ id: 1 }] }),
      patch('culprit', { replace: true, states: [{ id: 2, blockDisable: true }] }),
      patch('target', { replace: true, states: [{ id: 1 }] }),
    ]);
    const rules = shippedRules('block-disable');
    const opts = { transitions: 'auto', initial: ['installed'] } as const;
    const v = provesLoadable(bd, rules, 'target', opts);
    expect(v.kind === 'refuted' && v.path).toEqual([
      insmod('bridge'),
      insmod('culprit'),
      insmod('target'),
    ]);
    const m = minimalPatchSet(bd, rules, 'target', opts);
    expect(m.kind === 'minimal' && m.patches).toEqual(['bridge', 'culprit']);
    const noBridge = restrictCatalog(bd, new Set(['installed', 'culprit', 'target']));
    expect(provesLoadable(noBridge, rules, 'target', opts).kind).toBe('proved');
  });

  it('finds the rmmod and re-insmod from a configuration reached by a disable (upstream)', () => {
    const up = catalog([
      patch('high', { states: [{ id: 2, version: 2 }] }),
      patch('other', {}),
      patch('low', { states: [{ id: 2, version: 1 }] }),
    ]);
    const opts = { rules: upstreamRules, catalog: up, transitions: 'auto' } as const;
    const { results, final } = replay(up, upstreamRules, 'auto', EMPTY_SYSTEM, [
      insmod('high'),
      insmod('other'),
      disable('high'),
    ]);
    expect(results).toEqual(['ok', 'ok', 'ok']);
    const r = shortestPath(
      up,
      upstreamRules,
      final,
      (sys) => step(sys, insmod('low'), opts).result === 'EINVAL',
      { transitions: 'auto', exclude: new Set(['low']) },
    );
    expect(r.kind === 'found' && r.path).toEqual([rmmod('high'), insmod('high')]);
  });
});

describe('manual transitions', () => {
  // `base` (state 1 at v1, non-cumulative) cannot be loaded once `cumulative` (v2) is in.
  const cat = catalog([
    patch('base', { states: [{ id: 1, version: 1 }] }),
    patch('cumulative', {
      replace: true,
      states: [
        { id: 1, version: 2 },
        { id: 2, version: 1 },
      ],
    }),
    patch('target', { replace: true, states: [{ id: 1, version: 2 }] }),
  ]);

  it('reach configurations with a replace patch and the patches it replaces on klp_patches', () => {
    const both = (s: { klpPatches: readonly string[] }) =>
      s.klpPatches.includes('base') && s.klpPatches.includes('cumulative');
    const auto = shortestPath(cat, upstreamRules, EMPTY_SYSTEM, both, { transitions: 'auto' });
    expect(auto.kind).toBe('unreachable');
    const manual = shortestPath(cat, upstreamRules, EMPTY_SYSTEM, both, { transitions: 'manual' });
    expect(manual.kind === 'found' && manual.path).toEqual([
      insmod('base'),
      complete,
      insmod('cumulative'),
    ]);
    expect(manual.kind === 'found' && manual.system.transition).toEqual({
      patch: 'cumulative',
      target: 'patched',
    });
  });

  it.each(MODES)(
    'give the same verdict: every patch in transition was installed before (%s)',
    (mode) => {
      // `target` forgets state 2: refuted by `cumulative`, mid-transition or not.
      const v = provesLoadable(cat, upstreamRules, 'target', { transitions: mode });
      expect(v.kind === 'refuted' && v.path).toEqual([insmod('cumulative'), insmod('target')]);
    },
  );
});
