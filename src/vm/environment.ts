/**
 * What a run on a real kernel needs from the host, checked before anything is built or booted:
 * the host programs (with the Debian package that provides each), the kernel image, the
 * headers tree, and catalog patch names that are valid module names. Every problem is data
 * with a stable code (KV07xx, docs/diagnostics.md), never a throw.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SourcedCatalog } from '../ingest/index.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import type { VmCode } from './codes.ts';
import { isModuleName } from './module-source.ts';

/** A problem with the host rather than with an input file: no location. */
export interface HostProblem {
  readonly code: VmCode;
  readonly message: string;
  readonly help: string;
}

/** Host programs and the Debian 12 package that installs each. */
export const HOST_PROGRAMS: readonly { readonly program: string; readonly pkg: string }[] = [
  { program: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { program: 'make', pkg: 'make' },
  { program: 'gcc-12', pkg: 'gcc-12' },
  { program: 'strip', pkg: 'binutils' },
  { program: 'busybox', pkg: 'busybox-static' },
  { program: 'kmod', pkg: 'kmod' },
  { program: 'cpio', pkg: 'cpio' },
  { program: 'ldd', pkg: 'libc-bin' },
];

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

function startsWith(file: string, magic: Buffer, at = 0): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(magic.length);
    readSync(fd, buf, 0, magic.length, at);
    return buf.equals(magic);
  } finally {
    closeSync(fd);
  }
}

/**
 * Every problem with the host, the kernel image and the headers; empty when a run can start.
 *
 * @example
 * checkHost('.cache/kernel/vmlinux', '/usr/src/linux-headers-6.1.0-57-amd64')
 *   // [] on a prepared machine, else e.g. [{ code: 'KV0703', message: '`qemu-system-x86_64` is not installed', ... }]
 */
export function checkHost(kernel: string, headers: string): HostProblem[] {
  const out: HostProblem[] = [];
  const missing = HOST_PROGRAMS.filter((p) => !onPath(p.program));
  for (const p of missing) {
    out.push({
      code: 'KV0703',
      message: `\`${p.program}\` is not installed`,
      help: `install the Debian package \`${p.pkg}\` (scripts/kernel/setup.sh --install installs everything)`,
    });
  }
  if (!existsSync(kernel) || !statSync(kernel).isFile()) {
    out.push({
      code: 'KV0701',
      message: `kernel image \`${kernel}\` does not exist`,
      help: "give an uncompressed vmlinux or a bzImage; scripts/kernel/setup.sh extracts Debian 12's into .cache/kernel/vmlinux",
    });
  } else if (
    !startsWith(kernel, Buffer.from([0x7f, 0x45, 0x4c, 0x46])) &&
    !startsWith(kernel, Buffer.from('HdrS'), 0x202)
  ) {
    out.push({
      code: 'KV0701',
      message: `\`${kernel}\` is neither an ELF vmlinux nor a bzImage`,
      help: "give the kernel build's `vmlinux` or `arch/x86/boot/bzImage`",
    });
  }
  if (!existsSync(join(headers, 'Makefile')) || !existsSync(join(headers, 'Module.symvers'))) {
    out.push({
      code: 'KV0702',
      message: `\`${headers}\` is not a kernel build tree (no \`Makefile\` and \`Module.symvers\`)`,
      help: 'give the headers the kernel was built with, e.g. /usr/src/linux-headers-6.1.0-57-amd64, or your own build directory after `make modules_prepare` and a full build',
    });
  }
  return out;
}

/**
 * Patch names the module loader would not accept as the module name kbuild produces.
 *
 * @example
 * checkModuleNames(catalog) // [] when every name is like `klp_fix_1`
 */
export function checkModuleNames(cat: SourcedCatalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of cat.patches) {
    if (isModuleName(p.name)) continue;
    const decl = cat.decls.get(p.name);
    if (decl === undefined) continue;
    out.push({
      code: 'KV0704',
      severity: 'error',
      message: `patch name \`${p.name}\` cannot be a kernel module name`,
      source: decl.source,
      span: decl.nameSpan,
      help: 'a module name for a real kernel is letters, digits and `_`, at most 55 characters (kbuild turns `-` into `_`, which would change the name)',
    });
  }
  return out;
}
