/**
 * The diagnostic codes of runs on a real kernel (KV07xx), each documented in
 * docs/diagnostics.md under "Real kernel runs".
 */
export const VM_CODES = {
  KV0701: 'the kernel image is missing or is not a kernel',
  KV0702: 'the headers directory is not a kernel build tree',
  KV0703: 'a host program is not installed',
  KV0704: 'a patch name cannot be a kernel module name',
  KV0705: 'a generated module does not build against the headers',
  KV0706: 'the kernel did not run the plans',
} as const;

export type VmCode = keyof typeof VM_CODES;
