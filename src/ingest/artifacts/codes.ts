/**
 * The diagnostic codes of the artifact readers (compiled livepatch modules and their C
 * sources) and of `catalog build`, one line each.
 *
 * docs/diagnostics.md documents every code listed here (section "Compiled modules and C
 * sources"); the artifact tests check that each code is emitted by some fixture and documented.
 */

/**
 * Every artifact diagnostic code with a one-line description.
 *
 * @example
 * ARTIFACT_CODES.KV0403 // 'the module is built for a machine whose relocations are not read'
 */
export const ARTIFACT_CODES = {
  KV0401: 'the file is not an elf64 little-endian relocatable object',
  KV0402: 'the elf file is truncated or malformed (offsets past the end, bad indexes)',
  KV0403: 'the module is built for a machine whose relocations are not read',
  KV0404: 'the module or source is not a livepatch (no `livepatch=Y`, no `struct klp_patch`)',
  KV0405: 'a pointer of a livepatch structure cannot be followed (relocation, symbol, target)',
  KV0406: 'the kernel release of a module is missing or older than 5.1, so its layout is unknown',
  KV0407: 'a fact is assigned at run time and no option supplies it (unresolved)',
  KV0408: 'an array of states, objects or functions runs past its section without its terminator',
  KV0409: 'one module or source declares more than one `struct klp_patch`',
  KV0410: 'a c preprocessor directive is malformed (unterminated `#if`, bad expression)',
  KV0411: 'a local `#include` file cannot be found or read',
  KV0412: 'a value in an initializer is not a constant the reader can evaluate (unresolved)',
  KV0413: 'an initializer of a livepatch structure is malformed',
  KV0414: 'two artifacts build modules with the same name',
  KV0415: 'a path names no module, no c source and no folder holding them',
  KV0416:
    'warning: a value does not fit the field it initializes and is truncated as the compiler does',
} satisfies Record<string, string>;

export type ArtifactCode = keyof typeof ARTIFACT_CODES;
