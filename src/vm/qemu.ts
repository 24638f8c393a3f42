/**
 * Boots a kernel under QEMU (TCG, one CPU, the default `pc` machine, no network) with an
 * initramfs and returns what the serial console printed.
 *
 * Why these settings: KVM is not usable on the machines this runs on; `-M microvm` hangs;
 * with `-smp 1` every transition completes within the insmod or echo that starts it (with more
 * CPUs transitions stay pending nondeterministically). Booting the uncompressed vmlinux saves
 * the ~3 s the guest spends decompressing a bzImage under TCG.
 */
import { spawn } from 'node:child_process';

export type BootResult =
  | { readonly kind: 'exited'; readonly output: string; readonly code: number | null }
  | { readonly kind: 'timeout'; readonly output: string };

export interface BootOptions {
  readonly qemu?: string;
  readonly memoryMb?: number;
  readonly timeoutMs: number;
  /** Called with every complete console line as it arrives (for progress). */
  readonly onLine?: (line: string) => void;
}

/**
 * The QEMU command line for a boot.
 *
 * @example
 * qemuArgs('vmlinux', 'initrd.cpio.gz').slice(0, 4) // ['-accel', 'tcg', '-smp', '1']
 */
export function qemuArgs(kernel: string, initrd: string, memoryMb = 512): string[] {
  return [
    '-accel',
    'tcg',
    '-smp',
    '1',
    '-m',
    String(memoryMb),
    '-nic',
    'none',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    'console=ttyS0 quiet loglevel=1 printk.time=0 panic=-1',
    '-nographic',
    '-no-reboot',
    '-monitor',
    'none',
  ];
}

/**
 * Boots and waits for the guest to power off (or the timeout, which kills QEMU).
 *
 * @example
 * const r = await boot('.cache/kernel/vmlinux', 'initrd.cpio.gz', { timeoutMs: 120_000 });
 * if (r.kind === 'exited') parseGuestOutput(r.output);
 */
export function boot(kernel: string, initrd: string, opts: BootOptions): Promise<BootResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.qemu ?? 'qemu-system-x86_64',
      qemuArgs(kernel, initrd, opts.memoryMb),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const chunks: string[] = [];
    let partial = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      chunks.push(d);
      if (opts.onLine === undefined) return;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l.replace(/\r$/, ''));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => chunks.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = chunks.join('').replace(/\r/g, '');
      resolve(timedOut ? { kind: 'timeout', output } : { kind: 'exited', output, code });
    });
  });
}
