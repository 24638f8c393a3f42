// What goes into the guest: the generated C of each livepatch (src/vm/module-source.ts), the
// guest script (src/vm/guest-script.ts), random plans (src/vm/random-plans.ts), and the host
// checks with their KV07xx codes (src/vm/environment.ts).
import { describe, expect, it } from 'vitest';
import { resolveRules } from '../../src/analysis/rulesets.ts';
import { parsePlan } from '../../src/ingest/index.ts';
import { catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import { Source } from '../../src/source/source.ts';
import { checkHost, checkModuleNames } from '../../src/vm/environment.ts';
import { guestScript } from '../../src/vm/guest-script.ts';
import {
  functionMappings,
  HELPER_MODULE,
  helperSource,
  isModuleName,
  livepatchSource,
} from '../../src/vm/module-source.ts';
import { planYaml, randomCatalog, randomOps, rng } from '../../src/vm/random-plans.ts';
import { guestOps } from '../../src/vm/run.ts';

describe('generated livepatch modules', () => {
  it('carry the state array as declared, duplicates and 64-bit ids included, and the replace flag', () => {
    const c = livepatchSource(
      patch('klp_a', {
        replace: true,
        states: [
          { id: 0x8173f7e2ce67e6can, version: 7 },
          { id: 1, version: 2 },
          { id: 1, version: 5 },
        ],
      }),
    );
    expect(c).toContain(
      [
        'static struct klp_state states[] = {',
        '\t{ .id = 0x8173f7e2ce67e6caUL, .version = 7 },',
        '\t{ .id = 0x1UL, .version = 2 },',
        '\t{ .id = 0x1UL, .version = 5 },',
        '\t{}',
        '};',
      ].join('\n'),
    );
    expect(c).toContain('\t.replace = true,');
    expect(c).toContain('\t.states = states,');
    expect(c).toContain(`{ .name = "${HELPER_MODULE}", .funcs = helper_funcs }`);
  });

  it('leave `states` out when there are none, and set the proposals’ fields only when used', () => {
    const c = livepatchSource(patch('klp_b'));
    expect(c).not.toContain('.states');
    expect(c).toContain('\t.replace = false,');
    expect(c).not.toContain('replace_set');
    expect(c).not.toContain('block_disable');
    const d = livepatchSource(
      patch('klp_c', { replaceSet: 2, states: [{ id: 3, version: 0, blockDisable: true }] }),
    );
    expect(d).toContain('.replace_set = 2,');
    expect(d).toContain('.block_disable = true');
  });

  it('the helper sleeps in a function that cannot be inlined or cloned', () => {
    expect(helperSource()).toContain(
      'noinline __attribute__((noipa)) void klp_verify_hold(int *blk, int *in)',
    );
  });

  it('say which declared functions they stand in for', () => {
    const p = patch('klp_a', { functions: [{ object: 'vmlinux', name: 'foo', sympos: 0 }] });
    expect(functionMappings(catalog([p]))).toEqual([
      { patch: 'klp_a', declared: 'vmlinux:foo', mappedTo: 'vmlinux:cmdline_proc_show' },
    ]);
  });

  it.each([
    ['klp_fix_1', true],
    ['test_klp_state2', true],
    ['klp-fix', false],
    ['1abc', false],
    ['a'.repeat(56), false],
  ])('`%s` is a module name: %s', (name, ok) => {
    expect(isModuleName(name)).toBe(ok);
  });
});

describe('the guest script', () => {
  it('runs the initial loads first, with `complete` after each when manual', () => {
    const ops = guestOps({
      catalog: { patches: [], byName: new Map() },
      transitions: 'manual',
      initial: ['a'],
      ops: [{ kind: 'rmmod', patch: 'a' }],
    });
    expect(ops).toEqual({
      ops: [{ kind: 'insmod', patch: 'a' }, { kind: 'complete' }, { kind: 'rmmod', patch: 'a' }],
      setupCount: 2,
    });
  });

  it('holds transitions for manual plans only, and uses kmod rather than busybox', () => {
    const s = guestScript([
      { id: 0, dir: '/m/x', hold: false, ops: [{ kind: 'insmod', patch: 'p' }] },
      { id: 1, dir: '/m/x', hold: true, ops: [{ kind: 'complete' }] },
    ]);
    expect(s).toMatch(
      /hold_off\ndmesg -c > \/dev\/null\necho "@@plan 0"\ncd \/m\/x\nstep 0 insmod p/,
    );
    expect(s).toMatch(
      /hold_on\ndmesg -c > \/dev\/null\necho "@@plan 1"\ncd \/m\/x\nstep 0 complete -/,
    );
    expect(s).toContain('out=$(/sbin/insmod "$3.ko" 2>&1)');
    expect(s.trimEnd().endsWith('poweroff -f')).toBe(true);
  });

  it('holds the thread again after a force, so the next transition sees it', () => {
    const s = guestScript([{ id: 0, dir: '/m/x', hold: true, ops: [] }]);
    expect(s).toContain('if [ $rc = 0 ] && [ $2 = force ]; then complete; fi');
  });

  it('resets before each plan naming the modules a stuck one would collide with', () => {
    const s = guestScript([
      {
        id: 0,
        dir: '/m/x',
        hold: false,
        ops: [
          { kind: 'insmod', patch: 'a' },
          { kind: 'rmmod', patch: 'a' },
          { kind: 'force', patch: 'b' },
        ],
      },
    ]);
    expect(s).toContain('\nreset a b\n');
  });
});

describe('random plans', () => {
  it('are the same for the same seed and read back as valid plans', () => {
    const make = () => {
      const r = rng(7);
      const cat = randomCatalog(r, 0, 5);
      const ops = randomOps(
        r,
        cat.map((p) => p.name),
        'manual',
        12,
      );
      return planYaml(cat, 'manual', ops, ['ok', 'EBUSY'], ['a comment']);
    };
    const text = make();
    expect(make()).toBe(text);
    const plan = parsePlan(new Source('random.plan.yaml', text));
    expect(plan.diagnostics).toEqual([]);
    expect(plan.value?.steps.length).toBe(12);
    expect(plan.value?.steps[1]?.expect).toBe('EBUSY');
    expect(plan.value?.transitions).toBe('manual');
    expect(resolveRules('upstream', null).kind).toBe('ok');
  });

  it('auto plans never force or complete', () => {
    const ops = randomOps(rng(3), ['a', 'b'], 'auto', 200);
    expect(ops.some((o) => o.kind === 'force' || o.kind === 'complete')).toBe(false);
    expect(new Set(ops.map((o) => o.kind))).toEqual(
      new Set(['insmod', 'rmmod', 'enable', 'disable']),
    );
  });
});

describe('host checks (KV07xx)', () => {
  it('KV0701 and KV0702: a missing kernel image and a directory that is not a build tree', () => {
    const problems = checkHost('/nonexistent/vmlinux', '/tmp');
    expect(problems.filter((p) => p.code !== 'KV0703')).toEqual([
      {
        code: 'KV0701',
        message: 'kernel image `/nonexistent/vmlinux` does not exist',
        help: expect.stringContaining('scripts/kernel/setup.sh'),
      },
      {
        code: 'KV0702',
        message: '`/tmp` is not a kernel build tree (no `Makefile` and `Module.symvers`)',
        help: expect.stringContaining('make modules_prepare'),
      },
    ]);
  });

  it('KV0701: a file that is no kernel', () => {
    const problems = checkHost('package.json', '/tmp');
    expect(problems.find((p) => p.code === 'KV0701')?.message).toBe(
      '`package.json` is neither an ELF vmlinux nor a bzImage',
    );
  });

  it('KV0704: a patch name that cannot be a module name, underlined in the catalog', () => {
    const text = 'patches:\n  - name: klp-fix\n    replace: true\nsteps:\n  - insmod: klp-fix\n';
    const plan = parsePlan(new Source('plan.yaml', text)).value;
    if (plan === null) throw new Error('plan does not parse');
    const [d] = checkModuleNames(plan.catalog);
    expect(d?.code).toBe('KV0704');
    expect(d?.message).toBe('patch name `klp-fix` cannot be a kernel module name');
    expect(d === undefined ? '' : text.slice(d.span.start, d.span.end)).toBe('klp-fix');
  });
});
