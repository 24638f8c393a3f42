/**
 * The kernel's own livepatch sources (Linux 6.1 lib/livepatch/test_klp_*.c and
 * samples/livepatch/livepatch-sample.c, copied unchanged) are recovered with the lines of
 * their facts, and test_klp_atomic_replace.c's run-time `replace` is reported with its line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFile } from '../../../src/ingest/artifacts/c/extract.ts';
import { formatOrigin } from '../../../src/ingest/artifacts/origin.ts';
import type { ArtifactRead } from '../../../src/ingest/artifacts/types.ts';
import { facts, MODULES } from './helpers.ts';

const kernel = (name: string) => join(MODULES, 'kernel', name);

function citations(r: ArtifactRead): { patch: string; replace: string; states: string[] } {
  const p = r.patch;
  if (p === null) throw new Error('no patch');
  return {
    patch: formatOrigin(p.origin),
    replace: 'kind' in p.replace ? 'unresolved' : formatOrigin(p.replace.origin),
    states: 'kind' in p.states ? [] : p.states.map((s) => formatOrigin(s.origin)),
  };
}

describe('the kernel selftests', () => {
  it('test_klp_state.c: state 1 version 1, cumulative, cited at its lines', () => {
    const r = readSourceFile(kernel('test_klp_state.c'));
    expect(facts(r)).toEqual({
      name: 'test_klp_state',
      replace: true,
      states: [{ id: 1n, version: 1 }],
      functions: [],
    });
    expect(citations(r)).toEqual({
      patch: 'test_klp_state.c:141',
      replace: 'test_klp_state.c:145',
      states: ['test_klp_state.c:137'],
    });
  });

  it('test_klp_state2.c: state 1 version 2 at line 166', () => {
    const r = readSourceFile(kernel('test_klp_state2.c'));
    expect(facts(r)?.states).toEqual([{ id: 1n, version: 2 }]);
    expect(citations(r).states).toEqual(['test_klp_state2.c:166']);
  });

  it('test_klp_state3.c: only `#include "test_klp_state2.c"`, named after its own file', () => {
    const r = readSourceFile(kernel('test_klp_state3.c'));
    expect(facts(r)).toEqual({
      ...facts(readSourceFile(kernel('test_klp_state2.c'))),
      name: 'test_klp_state3',
    });
    expect(citations(r).states).toEqual(['test_klp_state2.c:166']);
  });

  it('test_klp_livepatch.c and livepatch-sample.c: one function on vmlinux, not cumulative', () => {
    for (const [file, name] of [
      ['test_klp_livepatch.c', 'test_klp_livepatch'],
      ['livepatch-sample.c', 'livepatch_sample'],
    ] as const) {
      expect(facts(readSourceFile(kernel(file)))).toEqual({
        name,
        replace: false,
        states: [],
        functions: [{ object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 }],
      });
    }
  });

  it('test_klp_atomic_replace.c: replace is unresolved at line 44, from its module parameter', () => {
    const r = readSourceFile(kernel('test_klp_atomic_replace.c'));
    const replace = r.patch?.replace;
    if (replace === undefined || !('kind' in replace)) throw new Error('expected unresolved');
    const d = replace.diagnostic;
    expect(d.code).toBe('KV0407');
    expect(d.source.location(d.span.start)).toBe(`${kernel('test_klp_atomic_replace.c')}:44:2`);
    expect(d.source.text.slice(d.span.start, d.span.end)).toBe('patch.replace = replace');
    expect(d.message).toBe(
      '`replace` is assigned at run time in test_klp_atomic_replace.c:44 from module parameter `replace`, default 0',
    );
    expect(d.help).toContain('--replace test_klp_atomic_replace=false');
    expect(facts(r)?.functions).toEqual([
      { object: 'vmlinux', name: 'meminfo_proc_show', sympos: 0 },
    ]);
  });
});
