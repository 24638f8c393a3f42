/**
 * One case per artifact diagnostic code: the code, the message, where it points (file:line:col
 * for C, the byte offset for a module) and the help. Then the code table against what the
 * cases produce, and against docs/diagnostics.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/ingest/artifacts/build.ts';
import { ARTIFACT_CODES } from '../../../src/ingest/artifacts/codes.ts';
import { readModule } from '../../../src/ingest/artifacts/ko.ts';
import type { Diagnostic } from '../../../src/source/diagnostic.ts';
import { MODULES } from './helpers.ts';

const CASES = 'test/fixtures/artifacts';

interface Seen {
  code: string;
  severity: string;
  at: string;
  text?: string;
  message: string;
  help?: string;
}

function seen(d: Diagnostic): Seen {
  const at =
    d.offset === undefined
      ? d.source.location(d.span.start)
      : `${d.source.file}+0x${d.offset.toString(16)}`;
  return {
    code: d.code,
    severity: d.severity,
    at,
    ...(d.offset === undefined ? { text: d.source.text.slice(d.span.start, d.span.end) } : {}),
    message: d.message,
    ...(d.help === undefined ? {} : { help: d.help }),
  };
}

function build(...paths: string[]): Seen[] {
  return buildCatalog(paths).diagnostics.map(seen);
}

function moduleBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(MODULES, 'src', 'ko', name)));
}

const all: Diagnostic[] = [];
function collect(ds: readonly Diagnostic[]): readonly Diagnostic[] {
  all.push(...ds);
  return ds;
}

describe('C sources', () => {
  it('KV0412: an id from a macro the reader cannot see', () => {
    const file = join(CASES, 'unresolved-macro/klp_vendor.c');
    collect(buildCatalog([file]).diagnostics);
    expect(build(file)).toEqual([
      {
        code: 'KV0412',
        severity: 'error',
        at: `${file}:7:9`,
        text: 'VENDOR_STATE',
        message:
          '`id` is unresolved: `VENDOR_STATE` is not defined in this source or its local includes',
        help: "define it with `-D VENDOR_STATE=VALUE`, or add its header's folder with `-I DIR`",
      },
    ]);
  });

  it('KV0412 is resolved by -D', () => {
    const file = join(CASES, 'unresolved-macro/klp_vendor.c');
    const built = buildCatalog([file], {
      defines: new Map([['VENDOR_STATE', '0x8173f7e2ce67e6caUL']]),
    });
    expect(built.diagnostics).toEqual([]);
    expect(built.patches[0]?.states.map((s) => s.id)).toEqual([0x8173f7e2ce67e6can]);
  });

  it('KV0411: a local include that is not there', () => {
    const file = join(CASES, 'missing-include/klp_missing.c');
    collect(buildCatalog([file]).diagnostics);
    expect(build(file)).toEqual([
      {
        code: 'KV0411',
        severity: 'error',
        at: `${file}:3:10`,
        text: '"klp_states.h"',
        message: 'cannot read `#include "klp_states.h"`: no such file',
        help: `searched \`${join(CASES, 'missing-include')}\`; add a folder with \`-I DIR\``,
      },
    ]);
  });

  it('KV0410: an #if without #endif', () => {
    const file = join(CASES, 'unterminated-if/klp_if.c');
    const ds = collect(buildCatalog([file]).diagnostics).map(seen);
    expect(ds.find((d) => d.code === 'KV0410')).toEqual({
      code: 'KV0410',
      severity: 'error',
      at: `${file}:4:2`,
      text: 'if',
      message: '`#if` without `#endif`',
      help: 'close it with `#endif`',
    });
  });

  it('KV0409: two patches in one source', () => {
    const file = join(CASES, 'two-patches/klp_two.c');
    collect(buildCatalog([file]).diagnostics);
    expect(build(file)).toEqual([
      {
        code: 'KV0409',
        severity: 'error',
        at: `${file}:9:25`,
        text: 'other',
        message: 'a second `struct klp_patch` `other`: one patch per module',
      },
    ]);
  });

  it('KV0413: a brace list where the name of an array belongs', () => {
    const file = join(CASES, 'bad-initializer/klp_bad.c');
    collect(buildCatalog([file]).diagnostics);
    expect(build(file)).toEqual([
      {
        code: 'KV0413',
        severity: 'error',
        at: `${file}:6:12`,
        text: '{',
        message: 'expected the name of a `struct klp_state` array for `states`',
      },
    ]);
  });

  it('KV0416: a version wider than 32 bits is truncated as the compiler does', () => {
    const file = join(CASES, 'truncated-version/klp_big.c');
    const built = buildCatalog([file]);
    collect(built.diagnostics);
    expect(built.patches[0]?.states.map((s) => s.version)).toEqual([1]);
    expect(built.diagnostics.map(seen)).toEqual([
      {
        code: 'KV0416',
        severity: 'warning',
        at: `${file}:5:24`,
        text: '0x100000001',
        message: '`version` `0x100000001` is 4294967297, stored as 1 in 32 bits',
        help: '`version` is an unsigned 32-bit field',
      },
    ]);
  });

  it('KV0407: a run-time replace, refused unless --replace supplies it', () => {
    const file = join(MODULES, 'kernel', 'test_klp_atomic_replace.c');
    collect(buildCatalog([file]).diagnostics);
    expect(build(file).map((d) => [d.code, d.at])).toEqual([['KV0407', `${file}:44:2`]]);
    const supplied = buildCatalog([file], {
      replace: new Map([['test_klp_atomic_replace', true]]),
    });
    expect(supplied.diagnostics).toEqual([]);
    expect(supplied.patches[0]?.replace).toBe(true);
    expect(supplied.patches[0]?.replaceOrigin).toEqual({
      kind: 'option',
      option: '--replace test_klp_atomic_replace=true',
    });
  });
});

describe('modules', () => {
  it('KV0401, KV0402, KV0403, KV0405, KV0406, KV0408: at byte offsets', () => {
    const notElf = readModule('a.ko', new TextEncoder().encode('hello'));
    const truncated = readModule('b.ko', moduleBytes('klp_ids.ko').slice(0, 100));
    const riscv = moduleBytes('klp_ids.ko');
    new DataView(riscv.buffer).setUint16(18, 243, true);
    const old = moduleBytes('klp_ids.ko');
    const at = new TextDecoder('latin1').decode(old).indexOf('vermagic=');
    old.set(new TextEncoder().encode('3.10.0-1'), at + 9);
    const codes = [notElf, truncated, readModule('c.ko', riscv), readModule('d.ko', old)].map((r) =>
      collect(r.diagnostics).map((d) => [d.code, d.offset]),
    );
    expect(codes).toEqual([[['KV0401', 0]], [['KV0402', 40]], [['KV0403', 18]], [['KV0406', at]]]);
    // A state array that never ends: its terminating id made non-zero, and every id after.
    const endless = moduleBytes('klp_ids.ko');
    const view = new DataView(endless.buffer);
    const dataOffset = 0x360; // `.data` of klp_ids.ko (readelf -S)
    for (let entry = 0xe0 + 3 * 24; entry + 8 <= 0x3d0; entry += 24) {
      view.setBigUint64(dataOffset + entry, 0x4141n, true);
    }
    const r = readModule('e.ko', endless);
    collect(r.diagnostics);
    expect(r.diagnostics.map((d) => [d.code, d.offset, d.message])).toContainEqual([
      'KV0408',
      dataOffset + 0xe0,
      'state array at .data+0xe0 runs past the end of its section without its terminating entry',
    ]);
    // An object's name pointer holding a value but no relocation.
    const unrelocated = moduleBytes('klp_ids.ko');
    new DataView(unrelocated.buffer).setBigUint64(dataOffset + 0x140, 0x1234n, true);
    const u = readModule('f.ko', unrelocated);
    collect(u.diagnostics);
    expect(u.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'KV0405',
        'pointer `name` of a `struct klp_object` at .data+0x140 holds 0x1234 without a relocation',
      ],
    ]);
  });
});

describe('catalog build', () => {
  it('KV0414: a module and its source give the same module twice', () => {
    const c = join(MODULES, 'kernel', 'test_klp_state.c');
    const ko = join(MODULES, 'kernel', 'ko', 'test_klp_state.ko');
    collect(buildCatalog([c, ko]).diagnostics);
    expect(build(c, ko)).toEqual([
      {
        code: 'KV0414',
        severity: 'error',
        at: `${ko}:1:1`,
        text: '',
        message: `\`${ko}\` is module \`test_klp_state\` again (first from \`${c}\`)`,
        help: 'a catalog has one patch per module: give either the modules or their sources',
      },
    ]);
  });

  it('KV0415: a path that is no artifact; KV0404: a module that is no livepatch', () => {
    const ds = collect(
      buildCatalog(['README.md', 'no/such/dir', join(MODULES, 'src', 'ko', 'not_a_livepatch.ko')])
        .diagnostics,
    );
    expect(ds.map((d) => [d.code, d.message]).sort()).toEqual([
      [
        'KV0404',
        'not a livepatch module: no `livepatch=Y` in `.modinfo` and no `struct klp_patch`',
      ],
      ['KV0415', '`README.md` is neither a module (`.ko`) nor a c source (`.c`)'],
      ['KV0415', 'cannot read `no/such/dir`: no such file or folder'],
    ]);
  });

  it('a folder stands for its artifacts; a C file without a patch there is only a warning', () => {
    const built = buildCatalog([join(MODULES, 'src')]);
    collect(built.diagnostics);
    expect(built.patches.map((p) => p.name)).toEqual([
      'klp_empty_states',
      'klp_ids',
      'klp_layout_5_4',
      'klp_non_replace',
      'klp_system_states',
    ]);
    expect(built.diagnostics.map((d) => [d.code, d.severity])).toEqual([['KV0404', 'warning']]);
  });
});

describe('ARTIFACT_CODES', () => {
  it('holds exactly the codes the cases produce', () => {
    const codes = [...new Set(all.map((d) => d.code))].sort();
    expect(codes).toEqual(Object.keys(ARTIFACT_CODES).sort());
  });

  it('documents each code in docs/diagnostics.md, in its own section at the end', () => {
    const doc = readFileSync('docs/diagnostics.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Compiled modules and C sources (KV04xx)'));
    expect(section.length).toBeGreaterThan(100);
    for (const code of Object.keys(ARTIFACT_CODES)) {
      expect(section).toContain(`### ${code}:`);
    }
  });

  it('speaks in house style: lowercase, one line, no final period', () => {
    for (const d of all) {
      expect(d.message).toMatch(/^[^A-Z\n][^\n]*[^.\n]$/);
    }
  });
});
