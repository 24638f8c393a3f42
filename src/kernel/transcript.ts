/**
 * The user-space side of a transcript: the `% ...` command line of an operation and the error
 * line the tool prints when it fails, worded as kmod's insmod/rmmod (tools/insmod.c
 * `mod_strerror()`, tools/rmmod.c, tools/log.c `log_printf()`) and bash (`sh_wrerror()` for a
 * failed `echo`, the redirection error for a missing sysfs file) print them.
 *
 * Command lines follow the livepatch selftests' `log "% ..."` lines, with the module file given
 * as `P.ko` (the selftests load `test_modules/P.ko`).
 */
import { assertNever, type Errno, type Op, STRERROR } from '../model/op.ts';

export const SYSFS_KLP_DIR = '/sys/kernel/livepatch';

/**
 * The `% ...` line of an operation; null for `complete`, which no one types: the transition's
 * own kernel lines show it.
 *
 * @example
 * commandLine({ kind: 'disable', patch: 'p' }) // '% echo 0 > /sys/kernel/livepatch/p/enabled'
 */
export function commandLine(op: Op): string | null {
  switch (op.kind) {
    case 'insmod':
      return `% insmod ${op.patch}.ko`;
    case 'rmmod':
      return `% rmmod ${op.patch}`;
    case 'enable':
      return `% echo 1 > ${SYSFS_KLP_DIR}/${op.patch}/enabled`;
    case 'disable':
      return `% echo 0 > ${SYSFS_KLP_DIR}/${op.patch}/enabled`;
    case 'force':
      return `% echo 1 > ${SYSFS_KLP_DIR}/${op.patch}/force`;
    case 'complete':
      return null;
    default:
      return assertNever(op, 'operation');
  }
}

/** kmod tools/insmod.c `mod_strerror()`: EINVAL reads "Invalid parameters". */
export function modStrerror(errno: Errno): string {
  return errno === 'EINVAL' ? 'Invalid parameters' : STRERROR[errno];
}

/**
 * The line the user-space tool prints when `op` fails with `errno`.
 *
 * @example
 * userspaceError({ kind: 'rmmod', patch: 'p' }, 'EBUSY') // 'rmmod: ERROR: Module p is in use'
 */
export function userspaceError(op: Op, errno: Errno): string {
  switch (op.kind) {
    case 'insmod':
      return `insmod: ERROR: could not insert module ${op.patch}.ko: ${modStrerror(errno)}`;
    case 'rmmod':
      if (errno === 'ENOENT') return `rmmod: ERROR: Module ${op.patch} is not currently loaded`;
      if (errno === 'EBUSY') return `rmmod: ERROR: Module ${op.patch} is in use`;
      return `rmmod: ERROR: could not remove module ${op.patch}: ${STRERROR[errno]}`;
    case 'enable':
    case 'disable':
    case 'force': {
      const file = op.kind === 'force' ? 'force' : 'enabled';
      if (errno === 'ENOENT')
        return `bash: ${SYSFS_KLP_DIR}/${op.patch}/${file}: ${STRERROR[errno]}`;
      return `bash: echo: write error: ${STRERROR[errno]}`;
    }
    case 'complete':
      throw new Error(`\`complete\` cannot fail, got ${errno}`);
    default:
      return assertNever(op, 'operation');
  }
}
