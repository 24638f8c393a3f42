/**
 * The user-space operations the kernel's livepatch interface accepts, and their outcomes.
 */

/** One operation, as a plan step or a counterexample step. */
export type Op =
  /** `insmod P.ko`: load the module; its init calls `klp_enable_patch()`. */
  | { readonly kind: 'insmod'; readonly patch: string }
  /** `rmmod P`. */
  | { readonly kind: 'rmmod'; readonly patch: string }
  /** `echo 1 > /sys/kernel/livepatch/P/enabled`. */
  | { readonly kind: 'enable'; readonly patch: string }
  /** `echo 0 > /sys/kernel/livepatch/P/enabled`. */
  | { readonly kind: 'disable'; readonly patch: string }
  /** `echo 1 > /sys/kernel/livepatch/P/force`. */
  | { readonly kind: 'force'; readonly patch: string }
  /** Every task reaches the target state: the pending transition completes by itself. */
  | { readonly kind: 'complete' };

export type OpKind = Op['kind'];

export const OP_KINDS: readonly OpKind[] = [
  'insmod',
  'rmmod',
  'enable',
  'disable',
  'force',
  'complete',
];

/** The errno values livepatch operations return. */
export type Errno = 'EINVAL' | 'EBUSY' | 'EEXIST' | 'ENOENT';

export const ERRNOS: readonly Errno[] = ['EINVAL', 'EBUSY', 'EEXIST', 'ENOENT'];

/** `ok` or the errno an operation failed with. */
export type OpResult = 'ok' | Errno;

/** strerror(3) text, as insmod and rmmod print it. */
export const STRERROR: Readonly<Record<Errno, string>> = {
  EINVAL: 'Invalid argument',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENOENT: 'No such file or directory',
};

/** The operation in the user's words, e.g. `insmod test_klp_state`. */
export function formatOp(op: Op): string {
  return op.kind === 'complete' ? 'complete' : `${op.kind} ${op.patch}`;
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
