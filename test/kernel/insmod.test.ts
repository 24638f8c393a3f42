import { describe, expect, it } from 'vitest';
import { step } from '../../src/kernel/index.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { complete, disable, expectRejected, insmod, options, setup } from './helpers.ts';

const a = patch('a', { states: [{ id: 1, version: 2 }] });
const b = patch('b', { states: [{ id: 1, version: 3 }] });
const old = patch('old', { replace: true, states: [{ id: 1, version: 1 }] });

describe('insmod: klp_enable_patch() and the order of its checks', () => {
  it('appends the patch to klp_patches and completes the patching transition (auto)', () => {
    const opts = options([a, b]);
    const sys = setup(opts, [insmod('a')]);
    const out = step(sys, insmod('b'), opts);
    expect(out.result).toBe('ok');
    expect(out.system).toEqual({
      klpPatches: ['a', 'b'],
      transition: null,
      loaded: ['a', 'b'],
      forced: [],
    });
    expect(out.log).toEqual([
      '% insmod b.ko',
      "livepatch: enabling patch 'b'",
      "livepatch: 'b': initializing patching transition",
      "livepatch: 'b': starting patching transition",
      "livepatch: 'b': completing patching transition",
      "livepatch: 'b': patching complete",
    ]);
    expect(out.verdict).toBeNull();
  });

  it('leaves the patching transition pending (manual)', () => {
    const out = step(EMPTY_SYSTEM, insmod('a'), options([a], 'manual'));
    expect(out.system.transition).toEqual({ patch: 'a', target: 'patched' });
    expect(out.system.klpPatches).toEqual(['a']);
    expect(out.log).toEqual([
      '% insmod a.ko',
      "livepatch: enabling patch 'a'",
      "livepatch: 'a': initializing patching transition",
      "livepatch: 'a': starting patching transition",
    ]);
  });

  it('1. EEXIST when the module is loaded, even off klp_patches, before any other check', () => {
    const opts = options([a]);
    const disabled = setup(opts, [insmod('a'), disable('a')]);
    expect(disabled.klpPatches).toEqual([]);
    const out = expectRejected(disabled, insmod('a'), opts, 'EEXIST');
    expect(out.log).toEqual([
      '% insmod a.ko',
      'insmod: ERROR: could not insert module a.ko: File exists',
    ]);
    // `old` would now be incompatible with `b`, but the loader refuses it first.
    const opts2 = options([old, b]);
    const both = setup(opts2, [insmod('old'), insmod('b')]);
    expect(expectRejected(both, insmod('old'), opts2, 'EEXIST').verdict).toBeNull();
  });

  it('2. EINVAL with the pr_err line when the rules reject the patch', () => {
    const opts = options([b, old]);
    const sys = setup(opts, [insmod('b')]);
    const out = expectRejected(sys, insmod('old'), opts, 'EINVAL');
    expect(out.log).toEqual([
      '% insmod old.ko',
      'livepatch: Livepatch patch (old) is not compatible with the already installed livepatches.',
      'insmod: ERROR: could not insert module old.ko: Invalid parameters',
    ]);
    expect(out.verdict?.ok).toBe(false);
    expect(out.verdict?.ok === false && out.verdict.violations.length).toBe(1);
  });

  it('2. EINVAL, not EBUSY, while another transition runs', () => {
    const opts = options([b, old], 'manual');
    const sys = setup(opts, [insmod('b')]);
    expect(sys.transition).not.toBeNull();
    expectRejected(sys, insmod('old'), opts, 'EINVAL');
  });

  it('2. checks patches in an unpatching transition too', () => {
    const opts = options([b, old], 'manual');
    const sys = setup(opts, [insmod('b'), complete, disable('b')]);
    expect(sys.transition).toEqual({ patch: 'b', target: 'unpatched' });
    expectRejected(sys, insmod('old'), opts, 'EINVAL');
  });

  it('3. EBUSY when another patch is in transition: no kernel line, nothing changes', () => {
    const opts = options([a, b], 'manual');
    const sys = setup(opts, [insmod('a')]);
    const out = expectRejected(sys, insmod('b'), opts, 'EBUSY');
    expect(out.log).toEqual([
      '% insmod b.ko',
      'insmod: ERROR: could not insert module b.ko: Device or resource busy',
    ]);
    expect(out.verdict).toBeNull();
  });

  it('throws on a module that is not in the catalog', () => {
    expect(() => step(EMPTY_SYSTEM, insmod('ghost'), options([a]))).toThrow(/`ghost`/);
  });
});
