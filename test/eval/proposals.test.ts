/**
 * The other kernel rule sets on hand-written configurations: rules/kernel/replace.klp (5.1-5.4),
 * rules/kernel/block-disable.klp and rules/kernel/replace-set.klp (proposals, KERNEL.md §6).
 */
import { describe, expect, it } from 'vitest';
import { explainEnable } from '../../src/eval/kernel-rules.ts';
import { type KlpFunc, patch } from '../../src/model/patch.ts';
import { brief, cat, get, ruleSet, rules, system } from './helpers.ts';

const NOT_COMPATIBLE = (name: string) =>
  `Livepatch patch (${name}) is not compatible with the already installed livepatches.`;

describe('replace (Linux 5.1-5.4)', () => {
  const replace = rules('replace');
  const c = cat(
    patch('old', { states: [{ id: 1, version: 5 }] }),
    patch('lower', { replace: true, states: [{ id: 1, version: 1 }] }),
    patch('plain'),
  );

  it('admits any patch: there are no state checks', () => {
    expect(replace.enable(system(['old']), c, get(c, 'lower'))).toEqual({ ok: true });
    expect(replace.disable(system(['old']), c, get(c, 'old'))).toEqual({ ok: true });
  });

  it('says which permission admitted it', () => {
    const ex = explainEnable(ruleSet('replace'), system(['old']), c, get(c, 'lower'));
    expect(ex.map((r) => [r.rule, r.outcomes.map((o) => o.outcome.kind)])).toEqual([
      ['any-patch', ['allowed']],
    ]);
  });

  it('replaces by the replace flag', () => {
    expect(replace.replaces(system(['old', 'lower']), c, get(c, 'lower'), get(c, 'old'))).toBe(
      true,
    );
    expect(replace.replaces(system(['old', 'plain']), c, get(c, 'plain'), get(c, 'old'))).toBe(
      false,
    );
  });
});

describe('block-disable (proposal)', () => {
  const bd = rules('block-disable');
  const c = cat(
    patch('blocking', {
      states: [
        { id: 1, blockDisable: true },
        { id: 2, blockDisable: true },
      ],
    }),
    patch('loose', { states: [{ id: 3 }] }),
    patch('cum-keeps', { replace: true, states: [{ id: 1 }, { id: 2 }] }),
    patch('cum-drops-1', { replace: true, states: [{ id: 2 }] }),
    patch('cum-empty', { replace: true }),
    patch('plain-empty'),
  );

  it('admits any non-cumulative patch', () => {
    expect(bd.enable(system(['blocking', 'loose']), c, get(c, 'plain-empty')).ok).toBe(true);
  });

  it('rejects a cumulative patch that drops a block_disable state, once per such state', () => {
    const v = bd.enable(system(['blocking', 'loose']), c, get(c, 'cum-empty'));
    expect(v.ok === false && v.errno).toBe('EINVAL');
    expect(v.ok === false && v.log).toEqual([NOT_COMPATIBLE('cum-empty')]);
    expect(brief(v)).toEqual([
      ['replace-keeps-blocking-states', 'blocking', 1n, 0, null],
      ['replace-keeps-blocking-states', 'blocking', 2n, 0, null],
    ]);
    expect(brief(bd.enable(system(['blocking']), c, get(c, 'cum-drops-1')))).toEqual([
      ['replace-keeps-blocking-states', 'blocking', 1n, 0, null],
    ]);
  });

  it('lets a cumulative patch drop states that do not block disabling, and says so', () => {
    const sys = system(['blocking', 'loose']);
    expect(bd.enable(sys, c, get(c, 'cum-keeps')).ok).toBe(true);
    const ex = explainEnable(ruleSet('block-disable'), sys, c, get(c, 'cum-keeps'));
    const drop = ex.find((r) => r.rule === 'replace-may-drop-other-states');
    expect(
      drop?.outcomes.filter((o) => o.outcome.kind === 'allowed').map((o) => o.outcome),
    ).toEqual([
      {
        kind: 'allowed',
        message:
          'cumulative patch `cum-keeps` drops state 3 of `loose`, which does not block disabling',
      },
    ]);
  });

  it('ignores versions', () => {
    const c2 = cat(
      patch('old', { states: [{ id: 1, version: 9, blockDisable: true }] }),
      patch('new', { replace: true, states: [{ id: 1, version: 1 }] }),
    );
    expect(bd.enable(system(['old']), c2, get(c2, 'new')).ok).toBe(true);
  });

  it('refuses to disable an enabled patch that carries a block_disable state', () => {
    expect(bd.disable(system(['blocking']), c, get(c, 'blocking'))).toEqual({
      ok: false,
      errno: 'EINVAL',
      log: ["The livepatch 'blocking' does not support disable"],
      violations: [1n, 2n].map((id) => ({
        rule: 'no-disable-with-blocking-state',
        sentence: 'A livepatch that carries a state with block_disable set cannot be disabled.',
        message: `\`blocking\` carries state ${id}, which blocks disabling it`,
        installedBy: 'blocking',
        state: id,
        installedVersion: 0,
        newVersion: null,
      })),
    });
    // `enabled` includes a patch being patched: its transition cannot be reversed either.
    expect(
      bd.disable(
        system(['blocking'], { patch: 'blocking', target: 'patched' }),
        c,
        get(c, 'blocking'),
      ).ok,
    ).toBe(false);
    expect(bd.disable(system(['loose']), c, get(c, 'loose')).ok).toBe(true);
  });

  it('keeps the upstream meaning of replace on completion', () => {
    const sys = system(['blocking', 'cum-keeps']);
    expect(bd.replaces(sys, c, get(c, 'cum-keeps'), get(c, 'blocking'))).toBe(true);
    expect(
      bd.replaces(
        system(['blocking', 'plain-empty']),
        c,
        get(c, 'plain-empty'),
        get(c, 'blocking'),
      ),
    ).toBe(false);
  });
});

describe('replace-set (proposal)', () => {
  const rs = rules('replace-set');
  const f = (name: string, sympos = 0): KlpFunc => ({ object: 'vmlinux', name, sympos });
  const c = cat(
    patch('a1', { replaceSet: 1, states: [{ id: 1, version: 2 }], functions: [f('foo')] }),
    patch('b1', { replaceSet: 2, states: [{ id: 5, version: 1 }], functions: [f('bar')] }),
    patch('a2-keeps', { replaceSet: 1, states: [{ id: 1, version: 2 }], functions: [f('foo')] }),
    patch('a2-lower', { replaceSet: 1, states: [{ id: 1, version: 1 }] }),
    patch('a2-drops', { replaceSet: 1, replace: true }),
    patch('a2-drops-plain', { replaceSet: 1, replace: false }),
    patch('c-takes-state', { replaceSet: 3, states: [{ id: 1, version: 9 }] }),
    patch('c-takes-function', { replaceSet: 3, functions: [f('foo')] }),
    patch('c-other-sympos', { replaceSet: 3, functions: [f('foo', 2)] }),
    patch('b2', { replaceSet: 2, functions: [f('bar')], states: [{ id: 5, version: 1 }] }),
  );
  const sys = system(['a1', 'b1']);

  it('within a set, works like upstream with replace set', () => {
    expect(rs.enable(sys, c, get(c, 'a2-keeps')).ok).toBe(true);
    expect(brief(rs.enable(sys, c, get(c, 'a2-lower')))).toEqual([
      ['same-set-same-or-higher-version', 'a1', 1n, 2, 1],
    ]);
    expect(brief(rs.enable(sys, c, get(c, 'a2-drops')))).toEqual([
      ['same-set-handles-all', 'a1', 1n, 2, null],
    ]);
  });

  it('ignores the replace flag', () => {
    expect(brief(rs.enable(sys, c, get(c, 'a2-drops-plain')))).toEqual([
      ['same-set-handles-all', 'a1', 1n, 2, null],
    ]);
  });

  it("keeps other sets' states and functions off limits", () => {
    expect(brief(rs.enable(sys, c, get(c, 'c-takes-state')))).toEqual([
      ['other-set-leaves-states-alone', 'a1', 1n, 2, 9],
    ]);
    const v = rs.enable(sys, c, get(c, 'c-takes-function'));
    expect(brief(v)).toEqual([['other-set-leaves-functions-alone', 'a1', null, null, null]]);
    expect(v.ok === false && v.violations[0]?.message).toBe(
      'patch `c-takes-function` (replace set 3) patches vmlinux:foo, already patched by `a1` of replace set 1',
    );
    // A function is the same only with the same object, name and sympos.
    expect(rs.enable(sys, c, get(c, 'c-other-sympos')).ok).toBe(true);
    // The same function within one set is a replacement, not a conflict.
    expect(rs.enable(sys, c, get(c, 'b2')).ok).toBe(true);
  });

  it('replaces exactly the installed patches of the same set', () => {
    const after = system(['a1', 'b1', 'a2-keeps']);
    expect(rs.replaces(after, c, get(c, 'a2-keeps'), get(c, 'a1'))).toBe(true);
    expect(rs.replaces(after, c, get(c, 'a2-keeps'), get(c, 'b1'))).toBe(false);
    expect(rs.replaces(after, c, get(c, 'a2-drops-plain'), get(c, 'a1'))).toBe(true);
  });
});
