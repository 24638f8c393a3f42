import { describe, expect, it } from 'vitest';
import { step } from '../../src/kernel/index.ts';
import { patch } from '../../src/model/patch.ts';
import { complete, disable, expectRejected, insmod, options, rmmod, setup } from './helpers.ts';

const a = patch('a');
const r = patch('r', { replace: true });
const cat = [a, r];

describe('rmmod', () => {
  it('ENOENT for a module that is not loaded', () => {
    const opts = options(cat);
    for (const sys of [setup(opts, []), setup(opts, [insmod('a'), disable('a'), rmmod('a')])]) {
      const out = expectRejected(sys, rmmod('a'), opts, 'ENOENT');
      expect(out.log).toEqual(['% rmmod a', 'rmmod: ERROR: Module a is not currently loaded']);
    }
  });

  it('EBUSY while the patch is on klp_patches: enabled, being patched or being unpatched', () => {
    const opts = options(cat, 'manual');
    const states = [
      setup(opts, [insmod('a'), complete]),
      setup(opts, [insmod('a')]),
      setup(opts, [insmod('a'), complete, disable('a')]),
    ];
    for (const sys of states) {
      const out = expectRejected(sys, rmmod('a'), opts, 'EBUSY');
      expect(out.log).toEqual(['% rmmod a', 'rmmod: ERROR: Module a is in use']);
    }
  });

  it('removes a disabled module, printing only the command', () => {
    const opts = options(cat);
    const sys = setup(opts, [insmod('a'), disable('a')]);
    const out = step(sys, rmmod('a'), opts);
    expect(out.result).toBe('ok');
    expect(out.system.loaded).toEqual([]);
    expect(out.log).toEqual(['% rmmod a']);
  });

  it('removes a module whose patch was replaced', () => {
    const opts = options(cat);
    const sys = setup(opts, [insmod('a'), insmod('r')]);
    expect(sys.klpPatches).toEqual(['r']);
    expect(step(sys, rmmod('a'), opts).result).toBe('ok');
    expectRejected(sys, rmmod('r'), opts, 'EBUSY');
  });
});
