/**
 * Why an operation failed when no rule rejected it: the kernel's own mechanics (module already
 * loaded, a transition in progress, no sysfs directory, a module reference held), in the
 * user's terms. Failed operations leave the system unchanged, so `sys` is the system both
 * before and after.
 */
import { assertNever, type Errno, type Op } from '../model/op.ts';
import { isEnabled, type System } from '../model/system.ts';

export function explainFailure(op: Op, errno: Errno, sys: System): string {
  const busy =
    sys.transition === null
      ? 'another transition is in progress'
      : `\`${sys.transition.patch}\` is still in transition (${sys.transition.target === 'patched' ? 'patching' : 'unpatching'}); wait for it to complete or force it`;
  switch (op.kind) {
    case 'insmod':
      if (errno === 'EEXIST')
        return `module \`${op.patch}\` is already loaded; \`rmmod ${op.patch}\` first`;
      if (errno === 'EBUSY') return busy;
      break;
    case 'enable':
    case 'disable':
      if (errno === 'ENOENT')
        return `\`${op.patch}\` is not on klp_patches, so /sys/kernel/livepatch/${op.patch} does not exist; a disabled patch can only come back by rmmod and insmod`;
      if (errno === 'EBUSY') return busy;
      if (errno === 'EINVAL') {
        return isEnabled(sys, op.patch) === (op.kind === 'enable')
          ? `\`${op.patch}\` is already ${op.kind === 'enable' ? 'enabled' : 'being disabled'}`
          : `the kernel refuses to ${op.kind} \`${op.patch}\` now`;
      }
      break;
    case 'force':
      if (errno === 'ENOENT')
        return `\`${op.patch}\` is not on klp_patches, so /sys/kernel/livepatch/${op.patch} does not exist`;
      if (errno === 'EINVAL')
        return `\`${op.patch}\` is not the patch in transition; only the transition patch can be forced`;
      break;
    case 'rmmod':
      if (errno === 'ENOENT') return `module \`${op.patch}\` is not loaded`;
      if (errno === 'EBUSY') {
        return sys.forced.includes(op.patch)
          ? `\`${op.patch}\` took part in a forced transition; its module can never be removed`
          : `\`${op.patch}\` is on klp_patches; disable it (or replace it) first`;
      }
      break;
    case 'complete':
      break;
    default:
      return assertNever(op, 'operation');
  }
  return `the kernel returned ${errno}`;
}
