/**
 * A minimal initramfs for running plans: busybox (static) for the shell and its tools, kmod's
 * `insmod` and `rmmod` (busybox's insmod retries a failed load, so the kernel would print every
 * line twice) with the shared libraries kmod needs, the modules, and the `/init` script.
 *
 * Built with `cpio -o -H newc` from a staging directory and gzip-compressed.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Host programs the initramfs is made of. */
export interface HostTools {
  readonly busybox: string;
  readonly kmod: string;
}

export const DEFAULT_TOOLS: HostTools = { busybox: '/bin/busybox', kmod: '/bin/kmod' };

const APPLETS = [
  'sh',
  'mount',
  'dmesg',
  'sed',
  'grep',
  'cat',
  'usleep',
  'sleep',
  'poweroff',
  'uname',
  'tr',
  'basename',
  'echo',
  'ls',
  'cut',
  'dd',
];

/** The shared libraries a dynamically linked program loads, as `ldd` lists them. */
function sharedLibraries(program: string): string[] {
  const ldd = spawnSync('ldd', [program], { encoding: 'utf8' });
  if (ldd.status !== 0) return [];
  const libs: string[] = [];
  for (const line of ldd.stdout.split('\n')) {
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1] !== undefined) libs.push(m[1]);
  }
  return libs;
}

export interface InitramfsFile {
  /** Absolute path in the guest. */
  readonly path: string;
  /** Path on the host to copy. */
  readonly from: string;
}

/**
 * Writes `out` (a gzip-compressed newc cpio archive).
 *
 * @example
 * buildInitramfs('.cache/run/initrd.cpio.gz', guestScript(plans), [{ path: '/m/p.ko', from: ko }]);
 */
export function buildInitramfs(
  out: string,
  init: string,
  files: readonly InitramfsFile[],
  tools: HostTools = DEFAULT_TOOLS,
): void {
  const root = mkdtempSync(join(dirname(out), 'initramfs-'));
  try {
    for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'm', 'tmp']) mkdirSync(join(root, d));
    copyFileSync(tools.busybox, join(root, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
    copyFileSync(tools.kmod, join(root, 'bin/kmod'));
    chmodSync(join(root, 'bin/kmod'), 0o755);
    symlinkSync('../bin/kmod', join(root, 'sbin/insmod'));
    symlinkSync('../bin/kmod', join(root, 'sbin/rmmod'));
    for (const lib of sharedLibraries(tools.kmod)) {
      const dest = join(root, lib);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(realpathSync(lib), dest);
    }
    for (const f of files) {
      const dest = join(root, f.path);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(f.from, dest);
    }
    writeFileSync(join(root, 'init'), init, { mode: 0o755 });
    const list = spawnSync('find', ['.', '-mindepth', '1'], { cwd: root, encoding: 'utf8' });
    const cpio = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], {
      cwd: root,
      input: list.stdout,
      maxBuffer: 1 << 28,
    });
    if (cpio.status !== 0) throw new Error(`cpio failed: ${String(cpio.stderr)}`);
    writeFileSync(out, gzipSync(cpio.stdout, { level: 1 }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
