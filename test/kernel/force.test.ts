import { describe, expect, it } from 'vitest';
import { type KernelRules, run, step } from '../../src/kernel/index.ts';
import { patch } from '../../src/model/patch.ts';
import { upstreamRules } from '../support/rules.ts';
import {
  complete,
  disable,
  enable,
  expectRejected,
  force,
  insmod,
  options,
  rmmod,
  setup,
} from './helpers.ts';

const a = patch('a');
const b = patch('b');
const n = patch('n');
const r = patch('r', { replace: true });
const cat = [a, b, n, r];

describe('echo 1 > force: force_store() and klp_force_transition()', () => {
  it('ENOENT for a patch off klp_patches', () => {
    const opts = options(cat, 'manual');
    const out = expectRejected(setup(opts, []), force('a'), opts, 'ENOENT');
    expect(out.log).toEqual([
      '% echo 1 > /sys/kernel/livepatch/a/force',
      'bash: /sys/kernel/livepatch/a/force: No such file or directory',
    ]);
  });

  it('EINVAL for a patch on klp_patches that is not the transition patch', () => {
    const opts = options(cat, 'manual');
    const idle = setup(opts, [insmod('a'), complete]);
    const out = expectRejected(idle, force('a'), opts, 'EINVAL');
    expect(out.log).toEqual([
      '% echo 1 > /sys/kernel/livepatch/a/force',
      'bash: echo: write error: Invalid argument',
    ]);
    const busy = setup(opts, [insmod('a'), complete, insmod('b')]);
    expectRejected(busy, force('a'), opts, 'EINVAL');
  });

  it('unpatching: completes at once and marks the transition patch forced', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b'), complete, disable('a')]);
    const out = step(sys, force('a'), opts);
    expect(out.result).toBe('ok');
    expect(out.system).toEqual({
      klpPatches: ['b'],
      transition: null,
      loaded: ['a', 'b'],
      forced: ['a'],
    });
    expect(out.log).toEqual([
      '% echo 1 > /sys/kernel/livepatch/a/force',
      'livepatch: forcing remaining tasks to the patched state',
      "livepatch: 'a': completing unpatching transition",
      "livepatch: 'a': unpatching complete",
    ]);
  });

  it('patching with replace: marks every other patch, not itself', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b'), complete, insmod('r')]);
    const out = step(sys, force('r'), opts);
    expect(out.system).toEqual({
      klpPatches: ['r'],
      transition: null,
      loaded: ['a', 'b', 'r'],
      forced: ['a', 'b'],
    });
    expect(out.log.slice(1)).toEqual([
      'livepatch: forcing remaining tasks to the patched state',
      "livepatch: 'r': completing patching transition",
      "livepatch: 'r': patching complete",
    ]);
  });

  it('patching without replace: marks nothing', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b'), force('b')]);
    expect(sys.forced).toEqual([]);
    expect(sys.klpPatches).toEqual(['a', 'b']);
  });

  it('patching with replace after a reversal: a later patch is marked yet stays enabled', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [
      insmod('r'),
      complete,
      insmod('n'),
      complete,
      disable('r'),
      enable('r'),
      force('r'),
    ]);
    expect(sys.klpPatches).toEqual(['r', 'n']);
    expect(sys.forced).toEqual(['n']);
  });

  it('marks exactly the patches KernelRules.replaces names', () => {
    const onlyB: KernelRules = {
      ...upstreamRules,
      replaces: (_sys, _cat, incoming, old) => incoming.name === 'r' && old.name === 'b',
    };
    const opts = options(cat, 'manual', onlyB);
    const sys = setup(opts, [
      insmod('a'),
      complete,
      insmod('b'),
      complete,
      insmod('r'),
      force('r'),
    ]);
    expect(sys.forced).toEqual(['b']);
    expect(sys.klpPatches).toEqual(['a', 'r']);
  });

  it('a forced module can never be removed, nor loaded again', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, disable('a'), force('a')]);
    const { outcomes } = run(
      sys,
      [
        rmmod('a'),
        insmod('a'),
        insmod('b'),
        complete,
        disable('b'),
        complete,
        rmmod('b'),
        rmmod('a'),
      ],
      opts,
    );
    expect(outcomes.map((o) => o.result)).toEqual([
      'EBUSY',
      'EEXIST',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'EBUSY',
    ]);
    expect(outcomes[0]?.log).toEqual(['% rmmod a', 'rmmod: ERROR: Module a is in use']);
  });
});
