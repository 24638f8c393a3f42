import { describe, expect, it } from 'vitest';
import { type KernelRules, step } from '../../src/kernel/index.ts';
import { patch } from '../../src/model/patch.ts';
import { upstreamRules } from '../support/rules.ts';
import {
  complete,
  disable,
  enable,
  expectRejected,
  insmod,
  options,
  rmmod,
  setup,
} from './helpers.ts';

const a = patch('a');
const b = patch('b');
const cat = [a, b];

/** A rule set whose `disable` refuses every patch, like the block-disable proposal. */
const noDisable: KernelRules = {
  ...upstreamRules,
  name: 'no-disable',
  disable: () => ({
    ok: false,
    errno: 'EINVAL',
    log: ["The livepatch 'x' does not support disable"],
    violations: [],
  }),
};

describe('echo 0|1 > enabled: enabled_store() (KERNEL.md section 3 table)', () => {
  it('not on klp_patches (no sysfs dir): ENOENT for both writes', () => {
    const opts = options(cat);
    const never = setup(opts, []);
    const disabled = setup(opts, [insmod('a'), disable('a')]);
    for (const sys of [never, disabled]) {
      const off = expectRejected(sys, disable('a'), opts, 'ENOENT');
      expect(off.log).toEqual([
        '% echo 0 > /sys/kernel/livepatch/a/enabled',
        'bash: /sys/kernel/livepatch/a/enabled: No such file or directory',
      ]);
      expectRejected(sys, enable('a'), opts, 'ENOENT');
    }
  });

  it('a fully disabled patch cannot be enabled again until rmmod and insmod', () => {
    const opts = options(cat);
    const sys = setup(opts, [insmod('a'), disable('a')]);
    expect(sys.loaded).toEqual(['a']);
    expectRejected(sys, enable('a'), opts, 'ENOENT');
    const again = setup(opts, [insmod('a'), disable('a'), rmmod('a'), insmod('a')]);
    expect(again.klpPatches).toEqual(['a']);
  });

  it('enabled, no transition, write 0: the unpatching transition starts', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete]);
    const out = step(sys, disable('a'), opts);
    expect(out.result).toBe('ok');
    expect(out.system.transition).toEqual({ patch: 'a', target: 'unpatched' });
    expect(out.system.klpPatches).toEqual(['a']);
    expect(out.log).toEqual([
      '% echo 0 > /sys/kernel/livepatch/a/enabled',
      "livepatch: 'a': initializing unpatching transition",
      "livepatch: 'a': starting unpatching transition",
    ]);
  });

  it('enabled, no transition, write 0 (auto): unpatched and off klp_patches at once', () => {
    const opts = options(cat);
    const sys = setup(opts, [insmod('a'), insmod('b')]);
    const out = step(sys, disable('a'), opts);
    expect(out.system).toEqual({
      klpPatches: ['b'],
      transition: null,
      loaded: ['a', 'b'],
      forced: [],
    });
    expect(out.log.slice(-2)).toEqual([
      "livepatch: 'a': completing unpatching transition",
      "livepatch: 'a': unpatching complete",
    ]);
  });

  it('enabled, another patch in transition, write 0: EBUSY', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, insmod('b')]);
    const out = expectRejected(sys, disable('a'), opts, 'EBUSY');
    expect(out.log).toEqual([
      '% echo 0 > /sys/kernel/livepatch/a/enabled',
      'bash: echo: write error: Device or resource busy',
    ]);
  });

  it('enabled, settled or being patched, write 1: EINVAL (already in requested state)', () => {
    const opts = options(cat, 'manual');
    const settled = setup(opts, [insmod('a'), complete]);
    const out = expectRejected(settled, enable('a'), opts, 'EINVAL');
    expect(out.log).toEqual([
      '% echo 1 > /sys/kernel/livepatch/a/enabled',
      'bash: echo: write error: Invalid argument',
    ]);
    const patching = setup(opts, [insmod('a')]);
    expectRejected(patching, enable('a'), opts, 'EINVAL');
  });

  it('the transition patch being patched, write 0: reversed, now unpatching', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a')]);
    const out = step(sys, disable('a'), opts);
    expect(out.result).toBe('ok');
    expect(out.system.transition).toEqual({ patch: 'a', target: 'unpatched' });
    expect(out.log).toEqual([
      '% echo 0 > /sys/kernel/livepatch/a/enabled',
      "livepatch: 'a': reversing transition from patching to unpatching",
      "livepatch: 'a': starting unpatching transition",
    ]);
    const done = step(out.system, complete, opts);
    expect(done.system.klpPatches).toEqual([]);
    expect(done.log).toEqual([
      "livepatch: 'a': completing unpatching transition",
      "livepatch: 'a': unpatching complete",
    ]);
  });

  it('the transition patch being unpatched, write 1: reversed, now patching', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, disable('a')]);
    const out = step(sys, enable('a'), opts);
    expect(out.result).toBe('ok');
    expect(out.system.transition).toEqual({ patch: 'a', target: 'patched' });
    expect(out.log).toEqual([
      '% echo 1 > /sys/kernel/livepatch/a/enabled',
      "livepatch: 'a': reversing transition from unpatching to patching",
      "livepatch: 'a': starting patching transition",
    ]);
    const done = step(out.system, complete, opts);
    expect(done.system.klpPatches).toEqual(['a']);
    expect(done.log).toEqual([
      "livepatch: 'a': completing patching transition",
      "livepatch: 'a': patching complete",
    ]);
  });

  it('the transition patch being unpatched, write 0: EINVAL', () => {
    const opts = options(cat, 'manual');
    const sys = setup(opts, [insmod('a'), complete, disable('a')]);
    expectRejected(sys, disable('a'), opts, 'EINVAL');
  });

  it('a reversal is not an enable: the rules are not asked again', () => {
    const onlyFirst: KernelRules = {
      ...upstreamRules,
      enable: (sys) =>
        sys.klpPatches.length === 0
          ? { ok: true }
          : { ok: false, errno: 'EINVAL', log: [], violations: [] },
    };
    const opts = options(cat, 'manual', onlyFirst);
    const sys = setup(opts, [insmod('a'), complete, disable('a')]);
    expect(step(sys, enable('a'), opts).result).toBe('ok');
  });
});

describe('the KernelRules disable guard', () => {
  it('rejects disabling an enabled patch, printing the rules log lines', () => {
    const opts = options(cat, 'manual', noDisable);
    const sys = setup(opts, [insmod('a'), complete]);
    const out = expectRejected(sys, disable('a'), opts, 'EINVAL');
    expect(out.log).toEqual([
      '% echo 0 > /sys/kernel/livepatch/a/enabled',
      "livepatch: The livepatch 'x' does not support disable",
      'bash: echo: write error: Invalid argument',
    ]);
    expect(out.verdict).toEqual(noDisable.disable(sys, opts.catalog, a));
  });

  it('also stops reversing a patch that is being patched', () => {
    const opts = options(cat, 'manual', noDisable);
    const sys = setup(opts, [insmod('a')]);
    expectRejected(sys, disable('a'), opts, 'EINVAL');
  });

  it('comes after the "already in requested state" check and is not asked for write 1', () => {
    const asked: string[] = [];
    const recording: KernelRules = {
      ...upstreamRules,
      disable: (_sys, _cat, target) => {
        asked.push(target.name);
        return { ok: true };
      },
    };
    const opts = options(cat, 'manual', recording);
    const sys = setup(opts, [insmod('a'), complete, disable('a')]);
    expect(asked).toEqual(['a']);
    expectRejected(sys, disable('a'), opts, 'EINVAL'); // being unpatched: not enabled
    expect(step(sys, enable('a'), opts).result).toBe('ok'); // reversal to patching
    expect(asked).toEqual(['a']);
  });
});
