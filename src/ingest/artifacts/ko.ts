/**
 * Compiled livepatch modules (`.ko`) to `struct klp_patch` facts, read from the ELF file the
 * way the kernel's module loader would see the static data: pointer fields are zero in the
 * section and come from RELA relocations (symbol + addend).
 *
 * Mirrors include/linux/livepatch.h (Linux 5.1-5.4 and >= 5.5, chosen from `vermagic=` in
 * `.modinfo`) on 64-bit machines: `struct klp_patch { mod; objs; states (5.5+); replace }`,
 * `struct klp_state { id; version; data }` ended by id 0 (`klp_for_each_state`),
 * `struct klp_object { name; funcs; ... }` ended by name and funcs NULL
 * (`klp_for_each_object_static`), `struct klp_func { old_name; new_func; old_sympos; ... }`
 * ended by all three zero (`klp_for_each_func_static`). States in a `.kpatch.system_states`
 * section (vpsAdminOS) are read as consecutive `struct klp_state` entries.
 *
 * A `struct klp_patch` is the data whose first field is relocated to `__this_module` and whose
 * `objs` field points at a `struct klp_object` array of this module.
 *
 * Guarantees: total over any bytes (every problem is a diagnostic with the byte offset where
 * it was found); a field written by the module's code (`patch.replace = replace;` in
 * test_klp_atomic_replace.c) is reported unresolved, never read as its static value.
 */
import { readFileSync } from 'node:fs';
import { Source } from '../../source/source.ts';
import {
  cString,
  type ElfFile,
  type ElfRela,
  type ElfSection,
  EM_AARCH64,
  EM_X86_64,
  machineName,
  readElf,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHN_UNDEF,
  sectionBytes,
  sectionUint,
} from './elf.ts';
import type { Origin } from './origin.ts';
import {
  type ArtifactFunc,
  type ArtifactPatch,
  type ArtifactRead,
  ArtifactReporter,
  type ArtifactState,
  kbuildName,
  type Unresolved,
} from './types.ts';

/** Offsets in `struct klp_patch`, by the kernel release the module was built for. */
export interface KlpLayout {
  readonly name: '5.1-5.4' | '5.5+';
  readonly objs: number;
  readonly states: number | null;
  readonly replace: number;
}

const LAYOUT_5_1: KlpLayout = { name: '5.1-5.4', objs: 8, states: null, replace: 16 };
const LAYOUT_5_5: KlpLayout = { name: '5.5+', objs: 8, states: 16, replace: 24 };

/** `struct klp_state` on 64-bit machines. */
const STATE_SIZE = 24;
/**
 * Sizes of `struct klp_object` and `struct klp_func` on 64-bit kernels 5.1 and later without
 * CONFIG_DEBUG_KOBJECT_RELEASE (checked against the symbol sizes of modules built with
 * Debian's 6.1 headers: `objs` 336 bytes for 2 entries, `funcs` 304 for 2). Where the array's
 * symbol says otherwise, the symbol wins (see `strideOf`).
 */
const OBJECT_SIZE = 168;
const FUNC_SIZE = 152;

/** Absolute 64-bit relocation types: R_X86_64_64, R_AARCH64_ABS64. */
const ABS64: Readonly<Record<number, number>> = { [EM_X86_64]: 1, [EM_AARCH64]: 257 };
/**
 * Relocations by which code addresses data: x86_64 R_X86_64_PC32 (2), R_X86_64_32 (10),
 * R_X86_64_32S (11); AArch64 ADD/LDST :lo12: (277, 278, 284, 285, 286).
 */
const PC_RELATIVE: ReadonlySet<string> = new Set([`${EM_X86_64}:2`]);
const ABSOLUTE_CODE: ReadonlySet<string> = new Set(
  [`${EM_X86_64}:10`, `${EM_X86_64}:11`].concat(
    [277, 278, 284, 285, 286].map((t) => `${EM_AARCH64}:${t}`),
  ),
);

/**
 * The layout of `struct klp_patch` for a `vermagic=` string, or why none.
 *
 * @example
 * layoutFor('6.1.0-57-amd64 SMP preempt mod_unload modversions ') // { name: '5.5+', ... }
 */
export function layoutFor(vermagic: string): KlpLayout | string {
  const m = /^(\d+)\.(\d+)/.exec(vermagic);
  if (m === null) return `\`vermagic=${vermagic.trim()}\` names no kernel release`;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > 5 || (major === 5 && minor >= 5)) return LAYOUT_5_5;
  if (major === 5 && minor >= 1) return LAYOUT_5_1;
  return `kernel ${major}.${minor} predates atomic replace (5.1)`;
}

/**
 * Reads a module file.
 *
 * @example
 * const { patch, diagnostics } = readModuleFile('test/fixtures/modules/src/ko/klp_ids.ko');
 * patch?.name // 'klp_ids'
 */
export function readModuleFile(file: string): ArtifactRead {
  return readModule(file, readFileSync(file));
}

/**
 * Reads a module from its bytes; `file` names it in diagnostics and origins.
 *
 * @example
 * readModule('klp_v2.ko', bytes).patch?.states
 */
export function readModule(file: string, bytes: Uint8Array): ArtifactRead {
  const r = new ArtifactReporter(new Source(file, ''));
  const elfRead = readElf(bytes);
  if (elfRead.kind === 'error') {
    const p = elfRead.problem;
    r.error(p.kind === 'malformed' ? 'KV0402' : 'KV0401', p.offset, p.message, p.help);
    return { patch: null, diagnostics: r.diagnostics };
  }
  const elf = elfRead.elf;
  if (ABS64[elf.machine] === undefined) {
    r.error(
      'KV0403',
      18,
      `module built for ${machineName(elf.machine)}: its relocations are not read`,
      'klp-verify reads modules for x86_64 and AArch64; read the C source instead',
    );
    return { patch: null, diagnostics: r.diagnostics };
  }
  const patch = new ModuleReader(file, elf, r).read();
  return { patch, diagnostics: r.diagnostics };
}

/** A pointer field: NULL, or a place in a section of this module. */
type Pointer =
  | { readonly kind: 'null' }
  | { readonly kind: 'to'; readonly section: ElfSection; readonly offset: number }
  | { readonly kind: 'bad' };

interface ModInfo {
  readonly entries: ReadonlyMap<string, { readonly value: string; readonly offset: number }>;
  readonly params: readonly string[];
}

const LATIN1 = new TextDecoder('latin1');

class ModuleReader {
  readonly #file: string;
  readonly #elf: ElfFile;
  readonly #r: ArtifactReporter;
  readonly #abs64: number;
  /** Relocations by section index, then by offset. */
  readonly #relocAt = new Map<number, Map<number, ElfRela>>();

  constructor(file: string, elf: ElfFile, r: ArtifactReporter) {
    this.#file = file;
    this.#elf = elf;
    this.#r = r;
    this.#abs64 = ABS64[elf.machine] ?? 0;
    for (const [index, list] of elf.relocations) {
      this.#relocAt.set(index, new Map(list.map((x) => [x.offset, x])));
    }
  }

  read(): ArtifactPatch | null {
    const info = this.#modinfo();
    const livepatch = info.entries.get('livepatch')?.value === 'Y';
    const candidates = this.#findPatches();
    const systemStates = this.#elf.sections.find((s) => s.name === '.kpatch.system_states');
    if (candidates.length === 0 && systemStates === undefined) {
      this.#r.error(
        'KV0404',
        0,
        livepatch
          ? 'module has `livepatch=Y` but no static `struct klp_patch`: it builds its patch at run time'
          : 'not a livepatch module: no `livepatch=Y` in `.modinfo` and no `struct klp_patch`',
        livepatch
          ? 'modules from kpatch-build or klp-build allocate `struct klp_patch` at run time; write this patch in a catalog by hand'
          : 'livepatch modules declare `MODULE_INFO(livepatch, "Y")` and a `struct klp_patch`',
      );
      return null;
    }
    if (!livepatch) {
      this.#r.warning(
        'KV0404',
        this.#sectionOffset('.modinfo'),
        'module declares a `struct klp_patch` but no `livepatch=Y` in `.modinfo`',
        'the kernel refuses to load a livepatch without `MODULE_INFO(livepatch, "Y")`',
      );
    }
    const vermagic = info.entries.get('vermagic');
    const layout =
      vermagic === undefined ? 'no `vermagic=` in `.modinfo`' : layoutFor(vermagic.value);
    if (typeof layout === 'string') {
      this.#r.error(
        'KV0406',
        vermagic?.offset ?? this.#sectionOffset('.modinfo'),
        `cannot tell the layout of \`struct klp_patch\`: ${layout}`,
        'modules built by kbuild record the kernel release in `vermagic=`; read the C source instead',
      );
      return null;
    }
    if (candidates.length > 1) {
      const where = candidates.map((c) => `${c.section.name}+0x${c.offset.toString(16)}`);
      this.#r.error(
        'KV0409',
        this.#fileOffset(candidates[1]?.section, candidates[1]?.offset ?? 0),
        `module declares ${candidates.length} \`struct klp_patch\` (${where.join(', ')}): one patch per module`,
      );
      return null;
    }
    const nameEntry = info.entries.get('name');
    const name = nameEntry?.value ?? kbuildName(this.#file);
    const at = candidates[0];
    const before = this.#r.diagnostics.filter((d) => d.severity === 'error').length;
    const states: ArtifactState[] = [];
    let replace: ArtifactPatch['replace'];
    let declared: ArtifactPatch['states'] = states;
    let functions: ArtifactFunc[] = [];
    let origin: Origin;
    let statesOrigin: Origin | null = null;
    if (at === undefined) {
      // kpatch-style: the states are in their section, the patch is built at run time.
      origin = this.#origin(systemStates, 0);
      replace = this.#unresolved(
        this.#fileOffset(systemStates, 0),
        `\`replace\` of \`${name}\` is unknown: the module builds its \`struct klp_patch\` at run time`,
        `pass \`--replace ${name}=true\` (kpatch-build's default) or \`--replace ${name}=false\``,
      );
    } else {
      origin = this.#origin(at.section, at.offset);
      const written = this.#writtenByCode(at.section, at.offset, layout);
      const replaceAt = at.offset + layout.replace;
      const byte = sectionUint(this.#elf, at.section, replaceAt, 1);
      if (written.replace !== null) {
        replace = this.#unresolved(
          this.#fileOffset(at.section, replaceAt),
          `\`replace\` of \`${name}\` is assigned at run time by code at ${written.replace}`,
          `pass \`--replace ${name}=false\` or \`--replace ${name}=true\`${paramsHelp(info.params)}`,
        );
      } else if (byte === null) {
        this.#r.error(
          'KV0408',
          this.#fileOffset(at.section, at.offset),
          `\`struct klp_patch\` at ${at.section.name}+0x${at.offset.toString(16)} runs past the end of its section`,
        );
        return null;
      } else {
        replace = { value: byte !== 0n, origin: this.#origin(at.section, replaceAt) };
      }
      if (layout.states !== null) {
        if (written.states !== null) {
          declared = this.#unresolved(
            this.#fileOffset(at.section, at.offset + layout.states),
            `\`states\` of \`${name}\` is assigned at run time by code at ${written.states}`,
            'write the states of this patch in a catalog by hand',
          );
        } else {
          const p = this.#pointer(at.section, at.offset + layout.states, '`states`');
          if (p.kind === 'to') {
            statesOrigin = this.#origin(p.section, p.offset);
            this.#readStates(p.section, p.offset, states);
          }
        }
      }
      const objs = this.#pointer(at.section, at.offset + layout.objs, '`objs`');
      if (objs.kind === 'to') functions = this.#readObjects(objs.section, objs.offset);
    }
    if (systemStates !== undefined) {
      statesOrigin ??= this.#origin(systemStates, 0);
      this.#readSystemStates(systemStates, states);
    }
    const after = this.#r.diagnostics.filter((d) => d.severity === 'error').length;
    if (after > before) return null;
    return {
      name,
      file: this.#file,
      origin,
      replace,
      states: declared,
      statesOrigin: statesOrigin ?? origin,
      functions,
    };
  }

  #unresolved(offset: number, message: string, help: string): Unresolved {
    return {
      kind: 'unresolved',
      diagnostic: this.#r.make('KV0407', 'error', offset, message, help),
    };
  }

  #origin(section: ElfSection | undefined, offset: number): Origin {
    return { kind: 'module', file: this.#file, section: section?.name ?? '', offset };
  }

  #fileOffset(section: ElfSection | undefined, offset: number): number {
    return section === undefined ? 0 : section.offset + offset;
  }

  #sectionOffset(name: string): number {
    return this.#elf.sections.find((s) => s.name === name)?.offset ?? 0;
  }

  #modinfo(): ModInfo {
    const entries = new Map<string, { value: string; offset: number }>();
    const params: string[] = [];
    const s = this.#elf.sections.find((x) => x.name === '.modinfo');
    if (s === undefined || s.type === 8) return { entries, params };
    const bytes = this.#elf.bytes.subarray(s.offset, s.offset + s.size);
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0) continue;
      const text = LATIN1.decode(bytes.subarray(start, i));
      const eq = text.indexOf('=');
      if (eq > 0) {
        const key = text.slice(0, eq);
        const value = text.slice(eq + 1);
        if (!entries.has(key)) entries.set(key, { value, offset: s.offset + start });
        if (key === 'parm') params.push(value);
      }
      start = i + 1;
    }
    return { entries, params };
  }

  /** Places whose first field is relocated to `__this_module` and whose `objs` looks right. */
  #findPatches(): { section: ElfSection; offset: number }[] {
    const out: { section: ElfSection; offset: number }[] = [];
    for (const [index, relocs] of this.#elf.relocations) {
      const section = this.#elf.sections[index];
      if (section === undefined || section.flags & SHF_EXECINSTR || !(section.flags & SHF_ALLOC)) {
        continue;
      }
      for (const rel of relocs) {
        if (rel.type !== this.#abs64 || rel.addend !== 0) continue;
        if (this.#elf.symbols[rel.symbol]?.name !== '__this_module') continue;
        if (this.#looksLikeObjects(section, rel.offset + 8))
          out.push({ section, offset: rel.offset });
      }
    }
    return out;
  }

  /** Is the field at `at` a pointer to a `struct klp_object` array of this module? */
  #looksLikeObjects(section: ElfSection, at: number): boolean {
    const rel = this.#relocAt.get(section.index)?.get(at);
    if (rel === undefined || rel.type !== this.#abs64) return false;
    const sym = this.#elf.symbols[rel.symbol];
    if (sym === undefined || sym.shndx === SHN_UNDEF) return false;
    const target = this.#elf.sections[sym.shndx];
    if (target === undefined || target.flags & SHF_EXECINSTR) return false;
    const first = sym.value + rel.addend;
    // The first object's `funcs` (or, for an empty list, nothing at all) is a pointer.
    const funcs = this.#relocAt.get(target.index)?.get(first + 8);
    const name = this.#relocAt.get(target.index)?.get(first);
    return (
      funcs !== undefined || (name === undefined && sectionUint(this.#elf, target, first, 8) === 0n)
    );
  }

  /**
   * Code that addresses a field of the patch (other than `mod`): the field may be assigned at
   * run time. Returns `section+0xN` of the first such place, per field.
   */
  #writtenByCode(
    section: ElfSection,
    patchAt: number,
    layout: KlpLayout,
  ): { replace: string | null; states: string | null } {
    const found: { replace: string | null; states: string | null } = {
      replace: null,
      states: null,
    };
    for (const [index, relocs] of this.#elf.relocations) {
      const code = this.#elf.sections[index];
      if (code === undefined || !(code.flags & SHF_EXECINSTR)) continue;
      for (const rel of relocs) {
        const sym = this.#elf.symbols[rel.symbol];
        if (sym === undefined || sym.shndx !== section.index) continue;
        const key = `${this.#elf.machine}:${rel.type}`;
        // The field addressed, as a range of offsets in the patch: a PC-relative displacement is
        // followed by 0 to 4 bytes of immediate, so the addend is 4 to 8 bytes short of it.
        let lo: number;
        let hi: number;
        if (PC_RELATIVE.has(key)) {
          lo = sym.value + rel.addend + 4 - patchAt;
          hi = lo + 4;
        } else if (ABSOLUTE_CODE.has(key)) {
          lo = sym.value + rel.addend - patchAt;
          hi = lo;
        } else {
          continue;
        }
        const where = `${code.name}+0x${rel.offset.toString(16)}`;
        if (lo <= layout.replace && layout.replace <= hi && found.replace === null) {
          found.replace = where;
        }
        if (
          layout.states !== null &&
          lo <= layout.states &&
          layout.states <= hi &&
          found.states === null
        ) {
          found.states = where;
        }
      }
    }
    return found;
  }

  /** Follows the pointer field at `at` of `section`, reporting what cannot be followed. */
  #pointer(section: ElfSection, at: number, what: string): Pointer {
    const here = `${section.name}+0x${at.toString(16)}`;
    const rel = this.#relocAt.get(section.index)?.get(at);
    if (rel === undefined) {
      const raw = sectionUint(this.#elf, section, at, 8);
      if (raw === 0n) return { kind: 'null' };
      this.#r.error(
        'KV0405',
        this.#fileOffset(section, at),
        raw === null
          ? `pointer ${what} at ${here} lies past the end of \`${section.name}\``
          : `pointer ${what} at ${here} holds 0x${raw.toString(16)} without a relocation`,
        'in a relocatable module every pointer to static data comes from a relocation',
      );
      return { kind: 'bad' };
    }
    if (rel.type !== this.#abs64) {
      this.#r.error(
        'KV0405',
        rel.fileOffset,
        `pointer ${what} at ${here} has relocation type ${rel.type}, not the absolute 64-bit type of ${machineName(this.#elf.machine)}`,
      );
      return { kind: 'bad' };
    }
    const sym = this.#elf.symbols[rel.symbol];
    const target = sym === undefined ? undefined : this.#elf.sections[sym.shndx];
    if (sym === undefined || sym.shndx === SHN_UNDEF || target === undefined) {
      this.#r.error(
        'KV0405',
        rel.fileOffset,
        `pointer ${what} at ${here} refers to \`${sym?.name || `symbol ${rel.symbol}`}\`, which this module does not define`,
        'the arrays of a livepatch are static data of the module itself',
      );
      return { kind: 'bad' };
    }
    const offset = sym.value + rel.addend;
    if (offset < 0 || offset >= target.size) {
      this.#r.error(
        'KV0405',
        rel.fileOffset,
        `pointer ${what} at ${here} points to \`${target.name}\`+0x${offset.toString(16)}, outside that section (${target.size} bytes)`,
      );
      return { kind: 'bad' };
    }
    return { kind: 'to', section: target, offset };
  }

  #readStates(section: ElfSection, at: number, out: ArtifactState[]): void {
    for (let i = 0; ; i++) {
      const entry = at + i * STATE_SIZE;
      const id = sectionUint(this.#elf, section, entry, 8);
      if (id === null) {
        this.#notTerminated('state', section, at);
        return;
      }
      if (id === 0n) return;
      const version = sectionUint(this.#elf, section, entry + 8, 4);
      if (version === null) {
        this.#notTerminated('state', section, at);
        return;
      }
      out.push({ id, version: Number(version), origin: this.#origin(section, entry) });
    }
  }

  #readSystemStates(section: ElfSection, out: ArtifactState[]): void {
    if (section.size % STATE_SIZE !== 0) {
      this.#r.error(
        'KV0408',
        section.offset,
        `section \`.kpatch.system_states\` has ${section.size} bytes, not a whole number of \`struct klp_state\` (${STATE_SIZE} bytes)`,
      );
      return;
    }
    for (let entry = 0; entry < section.size; entry += STATE_SIZE) {
      const id = sectionUint(this.#elf, section, entry, 8) ?? 0n;
      const version = sectionUint(this.#elf, section, entry + 8, 4) ?? 0n;
      if (id === 0n) {
        this.#r.error(
          'KV0405',
          this.#fileOffset(section, entry),
          `state at \`.kpatch.system_states\`+0x${entry.toString(16)} has id 0, which terminates the kernel's state array`,
        );
        continue;
      }
      out.push({ id, version: Number(version), origin: this.#origin(section, entry) });
    }
  }

  #readObjects(section: ElfSection, at: number): ArtifactFunc[] {
    const out: ArtifactFunc[] = [];
    const stride = this.#strideOf(section, at, OBJECT_SIZE);
    for (let i = 0; ; i++) {
      const entry = at + i * stride;
      if (entry + 16 > section.size) {
        this.#notTerminated('object', section, at);
        return out;
      }
      const name = this.#pointer(section, entry, '`name` of a `struct klp_object`');
      const funcs = this.#pointer(section, entry + 8, '`funcs` of a `struct klp_object`');
      if (name.kind === 'bad' || funcs.kind === 'bad') return out;
      if (name.kind === 'null' && funcs.kind === 'null') return out;
      const object = name.kind === 'null' ? 'vmlinux' : this.#string(name.section, name.offset);
      if (object === null) return out;
      if (funcs.kind === 'to') out.push(...this.#readFuncs(object, funcs.section, funcs.offset));
    }
  }

  #readFuncs(object: string, section: ElfSection, at: number): ArtifactFunc[] {
    const out: ArtifactFunc[] = [];
    const stride = this.#strideOf(section, at, FUNC_SIZE);
    for (let i = 0; ; i++) {
      const entry = at + i * stride;
      if (entry + 24 > section.size) {
        this.#notTerminated('function', section, at);
        return out;
      }
      const oldName = this.#pointer(section, entry, '`old_name` of a `struct klp_func`');
      const newFunc = this.#relocAt.get(section.index)?.get(entry + 8);
      const newRaw = sectionUint(this.#elf, section, entry + 8, 8);
      const sympos = sectionUint(this.#elf, section, entry + 16, 8) ?? 0n;
      if (oldName.kind === 'bad') return out;
      if (oldName.kind === 'null') {
        if (newFunc === undefined && newRaw === 0n && sympos === 0n) return out;
        this.#r.error(
          'KV0405',
          this.#fileOffset(section, entry),
          `function at ${section.name}+0x${entry.toString(16)} has no \`old_name\``,
          'the kernel refuses a `struct klp_func` without `old_name`',
        );
        return out;
      }
      const name = this.#string(oldName.section, oldName.offset);
      if (name === null) return out;
      out.push({
        object,
        name,
        sympos: Number(sympos & 0xffff_ffffn),
        origin: this.#origin(section, entry),
      });
    }
  }

  /** Element size of the array at `at`: the default unless the array's symbol says otherwise. */
  #strideOf(section: ElfSection, at: number, size: number): number {
    const sym = this.#elf.symbols.find(
      (s) => s.shndx === section.index && s.value === at && s.type === 1 && s.size > 0,
    );
    if (sym === undefined || sym.size % size === 0) return size;
    this.#r.warning(
      'KV0405',
      this.#fileOffset(section, at),
      `array \`${sym.name}\` has ${sym.size} bytes, not a multiple of ${size}: read with the layout of Linux 5.1 to 6.x`,
      'a kernel built with CONFIG_DEBUG_KOBJECT_RELEASE has larger structures; read the C source instead',
    );
    return size;
  }

  #string(section: ElfSection, at: number): string | null {
    const bytes = sectionBytes(this.#elf, section, 0, section.size);
    const s = bytes === null ? null : cString(bytes, at, bytes.length);
    if (s !== null) return s;
    this.#r.error(
      'KV0405',
      this.#fileOffset(section, at),
      `string at ${section.name}+0x${at.toString(16)} runs past the end of its section`,
    );
    return null;
  }

  #notTerminated(what: string, section: ElfSection, at: number): void {
    this.#r.error(
      'KV0408',
      this.#fileOffset(section, at),
      `${what} array at ${section.name}+0x${at.toString(16)} runs past the end of its section without its terminating entry`,
      what === 'state'
        ? 'the kernel walks `states` until an entry with id 0'
        : 'the kernel walks these arrays until an all-zero entry',
    );
  }
}

function paramsHelp(params: readonly string[]): string {
  if (params.length === 0) return '';
  const list = params.map((p) => {
    const colon = p.indexOf(':');
    return colon < 0 ? `\`${p}\`` : `\`${p.slice(0, colon)}\` (${p.slice(colon + 1)})`;
  });
  return `; the module has parameter${params.length === 1 ? '' : 's'} ${list.join(', ')}`;
}
