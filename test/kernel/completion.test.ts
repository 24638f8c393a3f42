import { describe, expect, it } from 'vitest';
import { type KernelRules, step } from '../../src/kernel/index.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { replaceRules, upstreamRules } from '../support/rules.ts';
import { complete, disable, enable, insmod, options, rmmod, setup } from './helpers.ts';

const a = patch('a');
const b = patch('b');
const n = patch('n');
const r = patch('r', { replace: true });
const cat = [a, b, n, r];

describe('completion of a transition', () => {
  it('to patched with replace: every earlier patch leaves klp_patches, silently', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b'), complete, insmod('r')]);
    expect(sys.klpPatches).toEqual(['a', 'b', 'r']);
    const out = step(sys, complete, opts);
    expect(out.system).toEqual({
      klpPatches: ['r'],
      transition: null,
      loaded: ['a', 'b', 'r'],
      forced: [],
    });
    expect(out.log).toEqual([
      "livepatch: 'r': completing patching transition",
      "livepatch: 'r': patching complete",
    ]);
  });

  it('to patched with replace under the 5.1-5.4 rules: the same', () => {
    const opts = options(cat, 'auto', replaceRules);
    expect(setup(opts, [insmod('a'), insmod('r')]).klpPatches).toEqual(['r']);
  });

  it('to patched without replace: nothing else changes', () => {
    const opts = options(cat);
    expect(setup(opts, [insmod('a'), insmod('b')]).klpPatches).toEqual(['a', 'b']);
  });

  it('to unpatched: the patch leaves klp_patches, its module stays loaded until rmmod', () => {
    const opts = options(cat);
    const sys = setup(opts, [insmod('a'), insmod('b'), disable('a')]);
    expect(sys.klpPatches).toEqual(['b']);
    expect(sys.loaded).toEqual(['a', 'b']);
    expect(step(sys, rmmod('a'), opts).system.loaded).toEqual(['b']);
  });

  it('a reversed replace transition leaves the replaced patches untouched', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b'), complete, insmod('r')]);
    const reversed = setup(opts, [
      insmod('a'),
      complete,
      insmod('b'),
      complete,
      insmod('r'),
      disable('r'),
      complete,
    ]);
    expect(sys.klpPatches).toEqual(['a', 'b', 'r']);
    expect(reversed).toEqual({
      klpPatches: ['a', 'b'],
      transition: null,
      loaded: ['a', 'b', 'r'],
      forced: [],
    });
  });

  it('a replace patch re-patched after a reversal replaces only the patches before it', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [
      insmod('r'),
      complete,
      insmod('n'),
      complete,
      disable('r'),
      enable('r'),
    ]);
    expect(sys.klpPatches).toEqual(['r', 'n']);
    expect(sys.transition).toEqual({ patch: 'r', target: 'patched' });
    // klp_unpatch_replaced_patches() stops at the transition patch: `n` comes after it.
    expect(step(sys, complete, opts).system.klpPatches).toEqual(['r', 'n']);
  });

  it('asks KernelRules.replaces for each earlier patch', () => {
    const asked: Array<[string, string]> = [];
    const onlyA: KernelRules = {
      ...upstreamRules,
      replaces: (_sys, _cat, incoming, old) => {
        asked.push([incoming.name, old.name]);
        return old.name === 'a';
      },
    };
    const opts = options(cat, 'auto', onlyA);
    const sys = setup(opts, [insmod('a'), insmod('b'), insmod('n')]);
    expect(sys.klpPatches).toEqual(['b', 'n']);
    expect(asked).toEqual([
      ['b', 'a'],
      ['n', 'b'],
    ]);
  });

  it('complete with no transition pending: ok, prints nothing, changes nothing', () => {
    const opts = options(cat, 'manual');
    for (const sys of [EMPTY_SYSTEM, setup(opts, [insmod('a'), complete])]) {
      const out = step(sys, complete, opts);
      expect(out).toEqual({ op: complete, result: 'ok', system: sys, log: [], verdict: null });
    }
  });

  it('auto: every transition started in a step completes in that step', () => {
    const opts = options(cat);
    const steps = [insmod('a'), insmod('r'), disable('r'), insmod('b')];
    let sys = EMPTY_SYSTEM;
    for (const op of steps) {
      const out = step(sys, op, opts);
      expect(out.result).toBe('ok');
      expect(out.system.transition).toBeNull();
      sys = out.system;
    }
    expect(sys.klpPatches).toEqual(['b']);
  });
});
