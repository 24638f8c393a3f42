/**
 * A small reader of ELF64 little-endian relocatable objects (`ET_REL`, what a `.ko` is): the
 * file header, section headers with their names, the symbol table and its string table, and
 * every RELA section. Mirrors the System V gABI's `Elf64_Ehdr`, `Elf64_Shdr`, `Elf64_Sym` and
 * `Elf64_Rela` (include/uapi/linux/elf.h in the kernel).
 *
 * Guarantees: total over any byte array. It never throws on bad input and never reads out of
 * bounds: every offset and size is checked against the file before it is used, and a problem is
 * returned as a value with the byte offset it was found at. On success every section (except
 * `SHT_NOBITS`) lies inside the file, every symbol and relocation index is valid, and every
 * 64-bit offset fits a JavaScript number.
 */

/** `e_machine` values this project reads relocations for, and a few others to name. */
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'SPARC',
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  43: 'SPARC64',
  50: 'IA-64',
  62: 'x86_64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

/**
 * The name of an `e_machine` value, for messages.
 *
 * @example
 * machineName(243) // 'RISC-V'
 */
export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const RELA_SIZE = 24;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  /** File offset of this section's header, for diagnostics. */
  readonly headerOffset: number;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** `STT_*`: 0 notype, 1 object, 2 func, 3 section. */
  readonly type: number;
  /** Section index, `SHN_UNDEF` for an undefined symbol, or a reserved index (`SHN_ABS`). */
  readonly shndx: number;
}

export interface ElfRela {
  /** Offset inside the section the relocation applies to. */
  readonly offset: number;
  readonly type: number;
  readonly symbol: number;
  readonly addend: number;
  /** File offset of this entry, for diagnostics. */
  readonly fileOffset: number;
}

export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly machine: number;
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  /** Relocations by the index of the section they apply to, each sorted by offset. */
  readonly relocations: ReadonlyMap<number, readonly ElfRela[]>;
}

/** Why a file is not a readable ELF64 little-endian relocatable object. */
export interface ElfProblem {
  readonly kind: 'not-elf' | 'unsupported-format' | 'malformed';
  readonly message: string;
  /** Byte offset where the problem was found. */
  readonly offset: number;
  readonly help?: string;
}

export type ElfRead =
  | { readonly kind: 'ok'; readonly elf: ElfFile }
  | { readonly kind: 'error'; readonly problem: ElfProblem };

/** A bounds-checked little-endian view; a read past the end yields null. */
class Bytes {
  readonly #view: DataView;
  readonly length: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  u8(at: number): number | null {
    return at >= 0 && at + 1 <= this.length ? this.#view.getUint8(at) : null;
  }

  u16(at: number): number | null {
    return at >= 0 && at + 2 <= this.length ? this.#view.getUint16(at, true) : null;
  }

  u32(at: number): number | null {
    return at >= 0 && at + 4 <= this.length ? this.#view.getUint32(at, true) : null;
  }

  u64(at: number): bigint | null {
    return at >= 0 && at + 8 <= this.length ? this.#view.getBigUint64(at, true) : null;
  }

  i64(at: number): bigint | null {
    return at >= 0 && at + 8 <= this.length ? this.#view.getBigInt64(at, true) : null;
  }
}

/** A problem found while reading, carried out of nested readers as a value. */
class Stop {
  readonly problem: ElfProblem;
  constructor(problem: ElfProblem) {
    this.problem = problem;
  }
}

function malformed(offset: number, message: string): Stop {
  return new Stop({ kind: 'malformed', offset, message });
}

function need<T>(value: T | null, offset: number, what: string): T | Stop {
  return value === null ? malformed(offset, `file ends inside ${what}`) : value;
}

/** A 64-bit file quantity as a number, if it is small enough to be an offset in this file. */
function small(value: bigint, offset: number, what: string): number | Stop {
  return value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : malformed(offset, `${what} 0x${value.toString(16)} is out of range`);
}

/**
 * Reads an ELF64 little-endian relocatable object.
 *
 * @example
 * const r = readElf(readFileSync('klp_ids.ko'));
 * if (r.kind === 'ok') r.elf.sections.map((s) => s.name) // ['', '.note.gnu.build-id', ...]
 */
export function readElf(bytes: Uint8Array): ElfRead {
  const r = readElfOrStop(new Bytes(bytes), bytes);
  return r instanceof Stop ? { kind: 'error', problem: r.problem } : { kind: 'ok', elf: r };
}

function readElfOrStop(b: Bytes, bytes: Uint8Array): ElfFile | Stop {
  if (b.u8(0) !== 0x7f || b.u8(1) !== 0x45 || b.u8(2) !== 0x4c || b.u8(3) !== 0x46) {
    return new Stop({
      kind: 'not-elf',
      offset: 0,
      message: 'not an elf file (no `\\x7fELF` magic)',
      help: 'give a compiled kernel module (`.ko`) or a C source (`.c`)',
    });
  }
  const cls = b.u8(4);
  const data = b.u8(5);
  if (cls !== 2 || data !== 1) {
    const what = `${cls === 1 ? '32-bit' : cls === 2 ? '64-bit' : `class ${cls}`} ${
      data === 2 ? 'big-endian' : data === 1 ? 'little-endian' : `data encoding ${data}`
    }`;
    return new Stop({
      kind: 'unsupported-format',
      offset: cls !== 2 ? 4 : 5,
      message: `unsupported elf format: ${what}`,
      help: 'klp-verify reads 64-bit little-endian modules (x86_64, AArch64)',
    });
  }
  if (b.length < EHDR_SIZE) return malformed(b.length, 'file ends inside the elf header');
  const type = need(b.u16(16), 16, 'the elf header');
  if (type instanceof Stop) return type;
  if (type !== 1) {
    const names: Record<number, string> = { 2: 'an executable', 3: 'a shared object', 4: 'a core' };
    return new Stop({
      kind: 'unsupported-format',
      offset: 16,
      message: `elf file is ${names[type] ?? `of type ${type}`}, not a relocatable object`,
      help: 'kernel modules are relocatable objects (`ET_REL`)',
    });
  }
  const machine = need(b.u16(18), 18, 'the elf header');
  if (machine instanceof Stop) return machine;
  const sections = readSections(b);
  if (sections instanceof Stop) return sections;
  const symtab = readSymbols(b, sections);
  if (symtab instanceof Stop) return symtab;
  const relocations = readRelocations(b, sections, symtab);
  if (relocations instanceof Stop) return relocations;
  return { bytes, machine, sections, symbols: symtab, relocations };
}

function readSections(b: Bytes): ElfSection[] | Stop {
  const shoffRaw = need(b.u64(40), 40, 'the elf header');
  if (shoffRaw instanceof Stop) return shoffRaw;
  const shoff = small(shoffRaw, 40, 'section header offset');
  if (shoff instanceof Stop) return shoff;
  const shentsize = b.u16(58) ?? 0;
  const shnum = b.u16(60) ?? 0;
  const shstrndx = b.u16(62) ?? 0;
  if (shnum === 0) return malformed(60, 'the elf file has no section headers');
  if (shentsize !== SHDR_SIZE) {
    return malformed(58, `section header size ${shentsize}, expected ${SHDR_SIZE}`);
  }
  if (shoff + shnum * SHDR_SIZE > b.length) {
    return malformed(
      40,
      `section headers at 0x${shoff.toString(16)} (${shnum} of ${SHDR_SIZE} bytes) end past the end of the file (${b.length} bytes)`,
    );
  }
  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    nameOffsets.push(b.u32(at) ?? 0);
    const type = b.u32(at + 4) ?? 0;
    const flags = Number((b.u64(at + 8) ?? 0n) & 0xffff_ffffn);
    const offset = small(b.u64(at + 24) ?? 0n, at + 24, `offset of section ${i}`);
    if (offset instanceof Stop) return offset;
    const size = small(b.u64(at + 32) ?? 0n, at + 32, `size of section ${i}`);
    if (size instanceof Stop) return size;
    if (type !== SHT_NOBITS && i !== 0 && offset + size > b.length) {
      return malformed(
        at + 24,
        `section ${i} at 0x${offset.toString(16)} (${size} bytes) ends past the end of the file (${b.length} bytes)`,
      );
    }
    raw.push({
      index: i,
      type,
      flags,
      offset,
      size,
      link: b.u32(at + 40) ?? 0,
      info: b.u32(at + 44) ?? 0,
      headerOffset: at,
    });
  }
  const strtab = raw[shstrndx];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    return malformed(62, `section name table index ${shstrndx} is not a string table`);
  }
  const out: ElfSection[] = [];
  for (const [i, s] of raw.entries()) {
    const name = readString(b, strtab, nameOffsets[i] ?? 0);
    if (name === null) {
      return malformed(s.headerOffset, `the name of section ${i} lies outside the name table`);
    }
    out.push({ ...s, name });
  }
  return out;
}

const LATIN1 = new TextDecoder('latin1');

/**
 * The NUL-terminated string at `at` of `bytes` (bytes as Latin-1 characters, so any byte is
 * kept); null when no NUL comes before `end`.
 *
 * @example
 * cString(new TextEncoder().encode('name=klp_ids\0'), 0, 13) // 'name=klp_ids'
 */
export function cString(bytes: Uint8Array, at: number, end: number): string | null {
  const stop = Math.min(end, bytes.length);
  if (at < 0 || at >= stop) return null;
  const nul = bytes.subarray(at, stop).indexOf(0);
  return nul < 0 ? null : LATIN1.decode(bytes.subarray(at, at + nul));
}

/** A NUL-terminated string at `at` inside a string table section; null when out of bounds. */
function readString(b: Bytes, table: Omit<ElfSection, 'name'>, at: number): string | null {
  if (at >= table.size) return null;
  return cString(b.bytes, table.offset + at, table.offset + table.size);
}

function readSymbols(b: Bytes, sections: readonly ElfSection[]): ElfSymbol[] | Stop {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab === undefined) return [];
  if (symtab.size % SYM_SIZE !== 0) {
    return malformed(
      symtab.headerOffset + 32,
      `symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`,
    );
  }
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    return malformed(symtab.headerOffset + 40, 'the symbol table links to no string table');
  }
  const out: ElfSymbol[] = [];
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const at = symtab.offset + i * SYM_SIZE;
    const nameAt = b.u32(at) ?? 0;
    const name = readString(b, strtab, nameAt);
    if (name === null)
      return malformed(at, `the name of symbol ${i} lies outside the string table`);
    const info = b.u8(at + 4) ?? 0;
    const shndx = b.u16(at + 6) ?? 0;
    if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.length) {
      return malformed(
        at + 6,
        `symbol ${i} (\`${name}\`) is in section ${shndx}, which does not exist`,
      );
    }
    const value = small(b.u64(at + 8) ?? 0n, at + 8, `value of symbol ${i}`);
    if (value instanceof Stop) return value;
    const size = small(b.u64(at + 16) ?? 0n, at + 16, `size of symbol ${i}`);
    if (size instanceof Stop) return size;
    const section = sections[shndx];
    // A section symbol is named after its section.
    const shown = (info & 0xf) === 3 && name === '' && section !== undefined ? section.name : name;
    out.push({ index: i, name: shown, value, size, type: info & 0xf, shndx });
  }
  return out;
}

function readRelocations(
  b: Bytes,
  sections: readonly ElfSection[],
  symbols: readonly ElfSymbol[],
): Map<number, ElfRela[]> | Stop {
  const out = new Map<number, ElfRela[]>();
  for (const s of sections) {
    if (s.type !== SHT_RELA) continue;
    if (s.size % RELA_SIZE !== 0) {
      return malformed(
        s.headerOffset + 32,
        `relocation section \`${s.name}\` size ${s.size} is not a multiple of ${RELA_SIZE}`,
      );
    }
    const target = sections[s.info];
    if (target === undefined) {
      return malformed(
        s.headerOffset + 44,
        `relocation section \`${s.name}\` applies to section ${s.info}, which does not exist`,
      );
    }
    const list: ElfRela[] = [];
    for (let i = 0; i < s.size / RELA_SIZE; i++) {
      const at = s.offset + i * RELA_SIZE;
      const offset = small(b.u64(at) ?? 0n, at, 'relocation offset');
      if (offset instanceof Stop) return offset;
      const info = b.u64(at + 8) ?? 0n;
      const symbol = Number(info >> 32n);
      const type = Number(info & 0xffff_ffffn);
      if (symbol >= symbols.length) {
        return malformed(
          at + 8,
          `relocation ${i} of \`${s.name}\` names symbol ${symbol}, which does not exist (${symbols.length} symbols)`,
        );
      }
      if (offset >= target.size) {
        return malformed(
          at,
          `relocation ${i} of \`${s.name}\` at 0x${offset.toString(16)} lies outside \`${target.name}\` (${target.size} bytes)`,
        );
      }
      const addend = b.i64(at + 16) ?? 0n;
      if (addend > BigInt(Number.MAX_SAFE_INTEGER) || addend < BigInt(Number.MIN_SAFE_INTEGER)) {
        return malformed(at + 16, `relocation ${i} of \`${s.name}\` has an out-of-range addend`);
      }
      list.push({ offset, type, symbol, addend: Number(addend), fileOffset: at });
    }
    list.sort((x, y) => x.offset - y.offset);
    out.set(
      target.index,
      [...(out.get(target.index) ?? []), ...list].sort((x, y) => x.offset - y.offset),
    );
  }
  return out;
}

/**
 * Bytes of a section, `len` from `at`; zeros for `SHT_NOBITS` (`.bss`); null past its end.
 *
 * @example
 * sectionBytes(elf, data, 0x18, 1)?.[0] // the `replace` byte of a klp_patch at .data+0
 */
export function sectionBytes(
  elf: ElfFile,
  section: ElfSection,
  at: number,
  len: number,
): Uint8Array | null {
  if (at < 0 || len < 0 || at + len > section.size) return null;
  if (section.type === SHT_NOBITS) return new Uint8Array(len);
  return elf.bytes.subarray(section.offset + at, section.offset + at + len);
}

/**
 * Little-endian unsigned integer of `len` (1, 4 or 8) bytes at `at` in a section; null past
 * its end.
 *
 * @example
 * sectionUint(elf, data, 0xe0, 8) // 1n: the id of the first state of klp_ids.ko
 */
export function sectionUint(
  elf: ElfFile,
  section: ElfSection,
  at: number,
  len: 1 | 4 | 8,
): bigint | null {
  const bytes = sectionBytes(elf, section, at, len);
  if (bytes === null) return null;
  let v = 0n;
  for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}
