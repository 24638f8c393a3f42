/**
 * Reads the guest's serial console output (the `@@` line protocol written by
 * `guest-script.ts`) back into data: per plan, every operation's exit status, error text and
 * kernel lines, then sysfs and /proc/modules at the end.
 *
 * Lines that are not part of the protocol (firmware, the kernel's own console output) are
 * ignored. A plan whose `@@end` never came is reported as incomplete, not guessed.
 */

export interface GuestStep {
  readonly index: number;
  readonly status: number;
  /** What the command printed on stderr, on one line. */
  readonly error: string;
  /** Every kernel log line the step caused, in order (taint lines included). */
  readonly kmsg: readonly string[];
  /** The first line of each observed file after the step (`GuestPlan.probes` order). */
  readonly probes: readonly string[];
}

export interface GuestPlanResult {
  readonly id: number;
  readonly steps: readonly GuestStep[];
  /** `/sys/kernel/livepatch/<name>/{enabled,transition}`. */
  readonly sysfs: readonly {
    readonly name: string;
    readonly enabled: boolean;
    readonly transition: boolean;
  }[];
  /** `/proc/modules` (the helper left out): name and reference count. */
  readonly modules: readonly { readonly name: string; readonly refcnt: number }[];
  /** `@@end` was seen. */
  readonly complete: boolean;
}

export interface GuestOutput {
  readonly release: string | null;
  readonly plans: readonly GuestPlanResult[];
  /** A module that could not be removed between plans (the guest stopped there). */
  readonly dirty: string | null;
  /** The guest reached the end of its script. */
  readonly done: boolean;
  /** `@@error ...` lines: the guest could not do something it needed (e.g. load the helper). */
  readonly errors: readonly string[];
  /** `@@log ...` lines: the boot's `/dev/kmsg` records, when the log was captured. */
  readonly kmsgRecords: readonly string[];
}

interface MutablePlan {
  id: number;
  steps: { index: number; status: number; error: string; kmsg: string[]; probes: string[] }[];
  sysfs: { name: string; enabled: boolean; transition: boolean }[];
  modules: { name: string; refcnt: number }[];
  complete: boolean;
}

/**
 * @example
 * parseGuestOutput('@@release 6.1.0\n@@plan 0\n@@step 0 0 \n@@end 0\n@@done\n').plans.length // 1
 */
export function parseGuestOutput(output: string): GuestOutput {
  let release: string | null = null;
  let dirty: string | null = null;
  let done = false;
  const errors: string[] = [];
  const kmsgRecords: string[] = [];
  const plans: MutablePlan[] = [];
  let plan: MutablePlan | null = null;
  for (const raw of output.split('\n')) {
    // The console may glue a protocol line to firmware output before it.
    const at = raw.indexOf('@@');
    if (at < 0) continue;
    const line = raw.slice(at);
    const space = line.indexOf(' ');
    const tag = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    const lastStep = plan?.steps[plan.steps.length - 1];
    switch (tag) {
      case '@@release':
        release = rest.trim();
        break;
      case '@@plan':
        plan = { id: Number(rest), steps: [], sysfs: [], modules: [], complete: false };
        plans.push(plan);
        break;
      case '@@step': {
        const m = /^(\d+) (\d+) ?(.*)$/.exec(rest);
        if (plan !== null && m !== null) {
          plan.steps.push({
            index: Number(m[1]),
            status: Number(m[2]),
            error: (m[3] ?? '').trim(),
            kmsg: [],
            probes: [],
          });
        }
        break;
      }
      case '@@k':
        if (lastStep !== undefined) lastStep.kmsg.push(rest);
        break;
      case '@@fn': {
        const m = /^(\d+) ?(.*)$/.exec(rest);
        if (lastStep !== undefined && m !== null)
          lastStep.probes[Number(m[1])] = (m[2] ?? '').trim();
        break;
      }
      case '@@sys': {
        const [name, enabled, transition] = rest.split(' ');
        if (plan !== null && name !== undefined)
          plan.sysfs.push({ name, enabled: enabled === '1', transition: transition === '1' });
        break;
      }
      case '@@mod': {
        const [name, refcnt] = rest.split(' ');
        if (plan !== null && name !== undefined)
          plan.modules.push({ name, refcnt: Number(refcnt) });
        break;
      }
      case '@@end':
        if (plan !== null) plan.complete = true;
        plan = null;
        break;
      case '@@dirty':
        dirty = rest.trim();
        break;
      case '@@error':
        errors.push(rest.trim());
        break;
      case '@@log':
        kmsgRecords.push(rest);
        break;
      case '@@done':
        done = true;
        break;
      default:
        break;
    }
  }
  return { release, plans, dirty, done, errors, kmsgRecords };
}

/**
 * `/dev/kmsg` records (`LEVEL,SEQ,USEC,FLAGS;MESSAGE`, continuation lines ` KEY=VALUE` left out)
 * as `dmesg -r` prints them: `<LEVEL>[SECONDS.MICROS] MESSAGE`, one line each.
 *
 * @example
 * kernelLogText(['6,812,31000300,-;livepatch: enabling patch \'p\''])
 *   // "<6>[   31.000300] livepatch: enabling patch 'p'\n"
 */
export function kernelLogText(records: readonly string[]): string {
  const out: string[] = [];
  for (const r of records) {
    const m = /^(\d+),\d+,(\d+),[^;]*;(.*)$/.exec(r);
    if (m === null) continue;
    const usec = Number(m[2]);
    const secs = Math.floor(usec / 1e6)
      .toString()
      .padStart(5, ' ');
    const micros = (usec % 1e6).toString().padStart(6, '0');
    out.push(`<${m[1]}>[${secs}.${micros}] ${m[3]}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
