/**
 * The catalog read from each committed module equals the one read from its C source, for
 * every fixture (the kernel's own selftests and sample, klp-verify's modules, the example
 * stream); and the facts of each fixture are the ones its source declares.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFile } from '../../../src/ingest/artifacts/c/extract.ts';
import { readModuleFile } from '../../../src/ingest/artifacts/ko.ts';
import { FOLDERS, facts, MODULES } from './helpers.ts';

const pairs = FOLDERS.flatMap((dir) =>
  readdirSync(join(dir, 'ko'))
    .filter((f) => f.endsWith('.ko'))
    .map((ko) => ({ ko: join(dir, 'ko', ko), c: join(dir, ko.replace(/\.ko$/, '.c')) })),
);

describe('module and source agree', () => {
  it('covers every committed module', () => {
    expect(pairs.length).toBe(15);
  });
  for (const { ko, c } of pairs) {
    it(ko, () => {
      const fromKo = readModuleFile(ko);
      const fromC = readSourceFile(c);
      expect(facts(fromKo, true)).toEqual(facts(fromC, true));
      expect(fromKo.diagnostics.map((d) => d.code)).toEqual(fromC.diagnostics.map((d) => d.code));
    });
  }
});

const src = (name: string) => join(MODULES, 'src', name);
const ko = (name: string) => join(MODULES, 'src', 'ko', name);

describe('klp-verify test modules', () => {
  it('reads ids 1, 2^63, 2^64-1 and version 2^32-1', () => {
    expect(facts(readModuleFile(ko('klp_ids.ko')))).toEqual({
      name: 'klp_ids',
      replace: true,
      states: [
        { id: 1n, version: 1 },
        { id: 1n << 63n, version: 0xffff_ffff },
        { id: (1n << 64n) - 1n, version: 7 },
      ],
      functions: [{ object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 }],
    });
  });

  it('reads an empty state array as no states', () => {
    const f = facts(readModuleFile(ko('klp_empty_states.ko')));
    expect(f?.states).toEqual([]);
    expect(f?.replace).toBe(true);
  });

  it('reads a non-cumulative patch with several states, two objects and a sympos', () => {
    const vendor = 0x6b6c7076n << 32n;
    expect(facts(readModuleFile(ko('klp_non_replace.ko')))).toEqual({
      name: 'klp_non_replace',
      replace: false,
      states: [
        { id: vendor | 0x10n, version: 2 },
        { id: vendor | 0x11n, version: 21 },
        { id: vendor | 0x12n, version: 1 },
      ],
      functions: [
        { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 },
        { object: 'vmlinux', name: 'version_proc_show', sympos: 2 },
        { object: 'nfsd', name: 'nfsd_show', sympos: 0 },
      ],
    });
  });

  it('follows -D into #if: release 1 has no third state', () => {
    const r = readSourceFile(src('klp_non_replace.c'), {
      defines: new Map([['KLP_STREAM_RELEASE', '1']]),
    });
    const f = facts(r);
    expect(f?.states).toEqual([
      { id: (0x6b6c7076n << 32n) | 0x10n, version: 1 },
      { id: (0x6b6c7076n << 32n) | 0x11n, version: 11 },
    ]);
  });

  it('reads states from .kpatch.system_states, each with its own origin', () => {
    const r = readModuleFile(ko('klp_system_states.ko'));
    const f = facts(r, true);
    expect(f?.states).toEqual([
      { id: 0x8173f7e2ce670001n, version: 7 },
      { id: 0x8173f7e2ce67e6can, version: 1 },
    ]);
    const states = r.patch?.states;
    expect(Array.isArray(states) && states.map((s) => s.origin)).toEqual([
      {
        kind: 'module',
        file: ko('klp_system_states.ko'),
        section: '.kpatch.system_states',
        offset: 0,
      },
      {
        kind: 'module',
        file: ko('klp_system_states.ko'),
        section: '.kpatch.system_states',
        offset: 24,
      },
    ]);
  });

  it('reads the 5.1-5.4 layout from vermagic: replace at offset 16, no states', () => {
    const r = readModuleFile(ko('klp_layout_5_4.ko'));
    expect(facts(r)).toEqual({
      name: 'klp_layout_5_4',
      replace: true,
      states: [],
      functions: [{ object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 }],
    });
    const replace = r.patch?.replace;
    expect(replace !== undefined && 'origin' in replace && replace.origin).toEqual({
      kind: 'module',
      file: ko('klp_layout_5_4.ko'),
      section: '.data',
      offset: 16,
    });
  });

  it('says an ordinary module is not a livepatch', () => {
    const r = readModuleFile(ko('not_a_livepatch.ko'));
    expect(r.patch).toBeNull();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'KV0404',
        'not a livepatch module: no `livepatch=Y` in `.modinfo` and no `struct klp_patch`',
      ],
    ]);
  });
});
