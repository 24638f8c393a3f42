/**
 * Reachability itself: the configurations `explore` returns, the paths to them, the limits,
 * and the shortest-path and invariant queries built on it.
 */
import { describe, expect, it } from 'vitest';
import {
  checkInvariant,
  type Exploration,
  explore,
  shortestPath,
} from '../../src/explore/index.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type System, systemKey } from '../../src/model/system.ts';
import { upstreamRules } from '../support/rules.ts';
import { complete, insmod, MODES, type Mode, replay } from './helpers.ts';

// The test-state.sh modules: all cumulative, state 1 at versions 1, 2, 2.
const selftests = catalog([
  patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
  patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
  patch('test_klp_state3', { replace: true, states: [{ id: 1, version: 2 }] }),
]);

const stacking = catalog([
  patch('a', { states: [{ id: 1, version: 1 }] }),
  patch('b', { states: [{ id: 2, version: 1 }] }),
  patch('c', { replace: true, states: [{ id: 1, version: 1 }] }),
]);

function full(mode: Mode, initial: System = EMPTY_SYSTEM): Exploration {
  const x = explore(selftests, upstreamRules, { initial, transitions: mode });
  expect(x.status).toEqual({ kind: 'complete' });
  return x;
}

const keys = (x: Exploration): Set<string> => new Set(x.states.map((s) => systemKey(s.system)));

describe('explore', () => {
  it('finds the 20 steady configurations of the selftest modules', () => {
    // At most one cumulative patch is installed at a time and any loaded set is reachable:
    // 8 loaded sets with nothing installed, plus 4 loaded sets for each installed module.
    const x = full('auto');
    expect(x.states).toHaveLength(20);
    expect(keys(x).size).toBe(20);
    expect(x.states.every((s) => s.system.transition === null)).toBe(true);
  });

  it.each(MODES)('reaches each configuration by its path, in breadth-first order (%s)', (mode) => {
    const x = full(mode);
    let depth = 0;
    x.states.forEach((s, i) => {
      expect(s.depth).toBeGreaterThanOrEqual(depth);
      depth = s.depth;
      const path = x.pathTo(i);
      expect(path).toHaveLength(s.depth);
      const { results, final } = replay(selftests, upstreamRules, mode, EMPTY_SYSTEM, path);
      expect(results.every((r) => r === 'ok')).toBe(true);
      expect(systemKey(final)).toBe(systemKey(s.system));
      expect(x.indexOf(final)).toBe(i);
    });
  });

  it('in manual mode reaches every steady configuration of auto mode, and transitions too', () => {
    const auto = keys(full('auto'));
    const manual = full('manual');
    for (const k of auto) expect(keys(manual).has(k)).toBe(true);
    expect(manual.states.some((s) => s.system.transition?.target === 'unpatched')).toBe(true);
    expect(manual.states.some((s) => s.system.forced.length > 0)).toBe(true);
  });

  it('never operates on excluded patches', () => {
    const x = explore(selftests, upstreamRules, {
      initial: EMPTY_SYSTEM,
      transitions: 'manual',
      exclude: new Set(['test_klp_state']),
    });
    expect(x.status.kind).toBe('complete');
    expect(x.states.some((s) => s.system.loaded.includes('test_klp_state'))).toBe(false);
    expect(x.states.some((s) => s.system.loaded.includes('test_klp_state2'))).toBe(true);
  });

  it('stops at the state cap with every configuration up to the reported depth', () => {
    const all = full('manual');
    const x = explore(selftests, upstreamRules, {
      initial: EMPTY_SYSTEM,
      transitions: 'manual',
      maxStates: 40,
    });
    const status = x.status;
    if (status.kind !== 'limit') throw new Error('expected a limit');
    expect(status.limit).toBe('max-states');
    expect(x.states).toHaveLength(40);
    const within = all.states.filter((s) => s.depth <= status.depth);
    for (const s of within) expect(x.indexOf(s.system)).toBeDefined();
    expect(all.states.filter((s) => s.depth <= status.depth + 1).length).toBeGreaterThan(40);
  });

  it('stops at the depth bound only when something lies beyond it', () => {
    const all = full('auto');
    const deepest = Math.max(...all.states.map((s) => s.depth));
    const cut = explore(selftests, upstreamRules, {
      initial: EMPTY_SYSTEM,
      transitions: 'auto',
      maxDepth: deepest - 1,
    });
    expect(cut.status).toEqual({ kind: 'limit', limit: 'max-depth', depth: deepest - 1 });
    expect(cut.states).toHaveLength(all.states.filter((s) => s.depth < deepest).length);
    const exact = explore(selftests, upstreamRules, {
      initial: EMPTY_SYSTEM,
      transitions: 'auto',
      maxDepth: deepest,
    });
    expect(exact.status).toEqual({ kind: 'complete' });
    expect(exact.states).toHaveLength(all.states.length);
  });

  it('stops at a deadline already past, having seen the start', () => {
    const x = explore(selftests, upstreamRules, {
      initial: EMPTY_SYSTEM,
      transitions: 'auto',
      deadline: Date.now() - 1,
    });
    expect(x.status).toEqual({ kind: 'limit', limit: 'deadline', depth: 0 });
    expect(x.states).toHaveLength(1);
  });
});

describe('shortestPath', () => {
  it('returns the empty path when the start satisfies the goal', () => {
    const r = shortestPath(selftests, upstreamRules, EMPTY_SYSTEM, () => true, {
      transitions: 'auto',
    });
    expect(r.kind === 'found' && r.path).toEqual([]);
  });

  it('takes the fewest operations, breaking ties by catalog order', () => {
    const r = shortestPath(selftests, upstreamRules, EMPTY_SYSTEM, (s) => s.loaded.length === 2, {
      transitions: 'auto',
    });
    expect(r.kind === 'found' && r.path).toEqual([
      insmod('test_klp_state'),
      insmod('test_klp_state2'),
    ]);
  });

  it('tells unreachable goals from goals beyond a limit', () => {
    const never = (s: System) => s.klpPatches.length > 1;
    const auto = shortestPath(selftests, upstreamRules, EMPTY_SYSTEM, never, {
      transitions: 'auto',
    });
    expect(auto.kind).toBe('unreachable');
    const far = shortestPath(selftests, upstreamRules, EMPTY_SYSTEM, never, {
      transitions: 'manual',
      maxDepth: 1,
    });
    expect(far.kind === 'unknown' && far.limit).toBe('max-depth');
  });
});

describe('checkInvariant', () => {
  it('holds when no reachable configuration breaks it', () => {
    const r = checkInvariant(
      selftests,
      upstreamRules,
      (s) => s.klpPatches.every((p) => s.loaded.includes(p)),
      { initial: EMPTY_SYSTEM, transitions: 'manual' },
    );
    expect(r.kind).toBe('holds');
  });

  it('gives the shortest way to a violation', () => {
    const r = checkInvariant(stacking, upstreamRules, (s) => s.klpPatches.length <= 1, {
      initial: EMPTY_SYSTEM,
      transitions: 'auto',
    });
    expect(r.kind === 'violated' && r.path).toEqual([insmod('a'), insmod('b')]);
  });

  it('sees replaced patches still on klp_patches only with manual transitions', () => {
    // A completed replace patch has removed every patch before it on klp_patches.
    const settled = (s: System) => s.klpPatches.indexOf('c') <= 0;
    const initial = EMPTY_SYSTEM;
    const auto = checkInvariant(stacking, upstreamRules, settled, { initial, transitions: 'auto' });
    expect(auto.kind).toBe('holds');
    const manual = checkInvariant(stacking, upstreamRules, settled, {
      initial,
      transitions: 'manual',
    });
    expect(manual.kind === 'violated' && manual.path).toEqual([insmod('a'), complete, insmod('c')]);
    expect(manual.kind === 'violated' && manual.system.transition).toEqual({
      patch: 'c',
      target: 'patched',
    });
  });
});
