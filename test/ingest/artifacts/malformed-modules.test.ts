/**
 * Modules that are not what they should be, made from the committed fixtures by changing
 * bytes: every kind of broken ELF, machines other than x86_64, a layout the kernel release
 * does not tell, pointers that cannot be followed. Each is a diagnostic with the byte offset
 * of the problem, never a throw. Also the AArch64 reading, on a fixture whose machine and
 * absolute relocations are rewritten to AArch64's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../../src/ingest/artifacts/elf.ts';
import { readModule } from '../../../src/ingest/artifacts/ko.ts';
import { facts, MODULES } from './helpers.ts';

const IDS = join(MODULES, 'src', 'ko', 'klp_ids.ko');
const SYSTEM_STATES = join(MODULES, 'src', 'ko', 'klp_system_states.ko');

function bytesOf(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}

function elfOf(bytes: Uint8Array) {
  const r = readElf(bytes);
  if (r.kind !== 'ok') throw new Error('fixture is not readable');
  return r.elf;
}

function section(bytes: Uint8Array, name: string) {
  const s = elfOf(bytes).sections.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
}

function setU16(b: Uint8Array, at: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);
}
function setU32(b: Uint8Array, at: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
}
function setU64(b: Uint8Array, at: number, v: bigint) {
  new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
}

/** What a user sees of each diagnostic: code, offset, message. */
function seen(file: string, bytes: Uint8Array) {
  const r = readModule(file, bytes);
  return {
    patch: r.patch === null ? null : r.patch.name,
    diagnostics: r.diagnostics.map((d) => ({ code: d.code, offset: d.offset, message: d.message })),
  };
}

describe('broken elf files', () => {
  it('a truncated elf header', () => {
    expect(seen('x.ko', bytesOf(IDS).slice(0, 30))).toEqual({
      patch: null,
      diagnostics: [{ code: 'KV0402', offset: 30, message: 'file ends inside the elf header' }],
    });
  });

  it('a file that is not elf', () => {
    const r = seen('x.ko', new TextEncoder().encode('// SPDX-License-Identifier: GPL-2.0\n'));
    expect(r.diagnostics).toEqual([
      { code: 'KV0401', offset: 0, message: 'not an elf file (no `\\x7fELF` magic)' },
    ]);
  });

  it('a big-endian and a 32-bit elf file', () => {
    const be = bytesOf(IDS);
    be[5] = 2;
    expect(seen('x.ko', be).diagnostics[0]?.message).toBe(
      'unsupported elf format: 64-bit big-endian',
    );
    const b32 = bytesOf(IDS);
    b32[4] = 1;
    expect(seen('x.ko', b32).diagnostics[0]).toEqual({
      code: 'KV0401',
      offset: 4,
      message: 'unsupported elf format: 32-bit little-endian',
    });
  });

  it('an executable, not a relocatable object', () => {
    const b = bytesOf(IDS);
    setU16(b, 16, 2);
    expect(seen('x.ko', b).diagnostics[0]?.message).toBe(
      'elf file is an executable, not a relocatable object',
    );
  });

  it('section headers past the end of the file', () => {
    const b = bytesOf(IDS);
    const shoff = Number(new DataView(b.buffer).getBigUint64(40, true));
    const r = seen('x.ko', b.slice(0, shoff + 100));
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.code).toBe('KV0402');
    expect(r.diagnostics[0]?.offset).toBe(40);
    expect(r.diagnostics[0]?.message).toMatch(
      /^section headers at 0x[0-9a-f]+ \(29 of 64 bytes\) end past the end of the file \(\d+ bytes\)$/,
    );
  });

  it('a section whose offset lies past the end of the file', () => {
    const b = bytesOf(IDS);
    const data = section(b, '.data');
    setU64(b, data.headerOffset + 24, BigInt(b.length));
    expect(seen('x.ko', b).diagnostics).toEqual([
      {
        code: 'KV0402',
        offset: data.headerOffset + 24,
        message: `section ${data.index} at 0x${b.length.toString(16)} (${data.size} bytes) ends past the end of the file (${b.length} bytes)`,
      },
    ]);
  });

  it('a relocation to a symbol that does not exist', () => {
    const b = bytesOf(IDS);
    const rela = section(b, '.rela.data');
    setU32(b, rela.offset + 8 + 4, 9999);
    expect(seen('x.ko', b).diagnostics).toEqual([
      {
        code: 'KV0402',
        offset: rela.offset + 8,
        message:
          'relocation 0 of `.rela.data` names symbol 9999, which does not exist (30 symbols)',
      },
    ]);
  });
});

describe('pointers and layouts', () => {
  it('a `states` pointer relocated to a symbol the module does not define', () => {
    const b = bytesOf(IDS);
    const elf = elfOf(b);
    const undefinedSym = elf.symbols.find((s) => s.name === 'klp_enable_patch');
    const rel = elf.relocations.get(section(b, '.data').index)?.find((x) => x.offset === 16);
    if (undefinedSym === undefined || rel === undefined) throw new Error('fixture changed');
    setU32(b, rel.fileOffset + 12, undefinedSym.index);
    expect(seen('x.ko', b)).toEqual({
      patch: null,
      diagnostics: [
        {
          code: 'KV0405',
          offset: rel.fileOffset,
          message:
            'pointer `states` at .data+0x10 refers to `klp_enable_patch`, which this module does not define',
        },
      ],
    });
  });

  it('no vermagic, and a kernel before 5.1', () => {
    const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
    const noVermagic = bytesOf(IDS);
    const at = text(noVermagic).indexOf('vermagic=');
    noVermagic[at + 7] = 'X'.charCodeAt(0);
    expect(seen('x.ko', noVermagic).diagnostics[0]?.message).toBe(
      'cannot tell the layout of `struct klp_patch`: no `vermagic=` in `.modinfo`',
    );
    const old = bytesOf(IDS);
    old.set(new TextEncoder().encode('4.19.0-1'), text(old).indexOf('vermagic=') + 9);
    expect(seen('x.ko', old).diagnostics).toEqual([
      {
        code: 'KV0406',
        offset: text(old).indexOf('vermagic='),
        message:
          'cannot tell the layout of `struct klp_patch`: kernel 4.19 predates atomic replace (5.1)',
      },
    ]);
  });

  it('a `.kpatch.system_states` section that is not whole states', () => {
    const b = bytesOf(SYSTEM_STATES);
    const s = section(b, '.kpatch.system_states');
    setU64(b, s.headerOffset + 32, 40n);
    expect(seen('x.ko', b).diagnostics).toEqual([
      {
        code: 'KV0408',
        offset: s.offset,
        message:
          'section `.kpatch.system_states` has 40 bytes, not a whole number of `struct klp_state` (24 bytes)',
      },
    ]);
  });
});

describe('machines', () => {
  it('names a machine whose relocations are not read', () => {
    const b = bytesOf(IDS);
    setU16(b, 18, 243);
    expect(seen('x.ko', b).diagnostics).toEqual([
      {
        code: 'KV0403',
        offset: 18,
        message: 'module built for RISC-V: its relocations are not read',
      },
    ]);
  });

  it('reads AArch64 modules through R_AARCH64_ABS64', () => {
    const b = bytesOf(IDS);
    const elf = elfOf(b);
    setU16(b, 18, 183);
    for (const list of elf.relocations.values()) {
      for (const rel of list) {
        if (rel.type === 1) setU32(b, rel.fileOffset + 8, 257);
      }
    }
    const x86 = readModule('klp_ids.ko', bytesOf(IDS));
    const arm = readModule('klp_ids.ko', b);
    expect(arm.diagnostics).toEqual([]);
    expect(facts(arm)).toEqual(facts(x86));
  });
});
