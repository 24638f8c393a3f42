import { describe, expect, it } from 'vitest';
import { installStack, run } from '../../src/kernel/index.ts';
import { catalog } from '../../src/model/catalog.ts';
import { formatOp } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { upstreamRules } from '../support/rules.ts';

const a = patch('a', { states: [{ id: 1, version: 2 }] });
const b = patch('b', { states: [{ id: 1, version: 3 }] });
const cat = catalog([a, b]);

describe('installStack: the initial stack, loaded bottom to top', () => {
  it('insmods each patch, and completes each transition when transitions are manual', () => {
    const auto = installStack(cat, upstreamRules, ['a', 'b'], 'auto');
    const manual = installStack(cat, upstreamRules, ['a', 'b'], 'manual');
    expect(auto.kind === 'ok' && auto.ops.map(formatOp)).toEqual(['insmod a', 'insmod b']);
    expect(manual.kind === 'ok' && manual.ops.map(formatOp)).toEqual([
      'insmod a',
      'complete',
      'insmod b',
      'complete',
    ]);
    for (const [s, mode] of [
      [auto, 'auto'],
      [manual, 'manual'],
    ] as const) {
      if (s.kind !== 'ok') throw new Error(s.message);
      // Exactly what the simulator reaches by those operations.
      const replay = run(EMPTY_SYSTEM, s.ops, {
        rules: upstreamRules,
        catalog: cat,
        transitions: mode,
      });
      expect(s.system).toEqual(replay.final);
      expect(s.outcomes).toEqual(replay.outcomes);
      expect(s.system.klpPatches).toEqual(['a', 'b']);
    }
  });

  it('stops at the first load the kernel refuses, with every outcome so far', () => {
    const s = installStack(cat, upstreamRules, ['b', 'a'], 'manual');
    expect(s.kind).toBe('load-failed');
    if (s.kind !== 'load-failed') return;
    expect(s.patch).toBe('a');
    expect(s.index).toBe(1);
    expect(s.outcome.result).toBe('EINVAL');
    expect(s.outcomes.map((o) => o.result)).toEqual(['ok', 'ok', 'EINVAL']);
    expect(s.message).toBe('initial patch `a` cannot be loaded: insmod fails with EINVAL');
  });

  it('names a patch that is not in the catalog instead of throwing', () => {
    const s = installStack(cat, upstreamRules, ['a', 'ghost'], 'auto');
    expect(s).toMatchObject({ kind: 'not-in-catalog', patch: 'ghost' });
  });
});
