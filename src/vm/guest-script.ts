/**
 * The guest's side of a run: the `/init` shell script that runs plans on the real kernel and
 * reports over the serial console, one `@@` line per fact (the line protocol `parse.ts` reads).
 *
 * Per plan: reset (every livepatch disabled and every module removed; a module that cannot be
 * removed, e.g. forced, is left out of what the guest reports, unless the plan names it: then
 * the guest says `@@dirty` and powers off so the host boots again for the rest), load or
 * remove the helper as the plan's transition mode needs, then each operation as a shell would run it (kmod's insmod/rmmod, `echo` into sysfs) followed by the
 * kernel's `livepatch:` lines it caused, and at the end sysfs and /proc/modules.
 *
 * After a forced transition the helper's thread still sleeps in the version of its function it
 * entered, which is no longer the one the next transition checks stacks for (the force switched
 * it without moving it): the script lets it go and holds it again in the current version.
 *
 * With `captureLog`, the guest prints the kernel's whole log of the boot (`/dev/kmsg`) before
 * it powers off, for fixtures of real kernel logs (`kernelLogText` turns it into dmesg's text).
 *
 * Timing: a reversal and a `force` complete at the kernel's next periodic retry (about a
 * second later), not within the write; after those steps the script waits until no transition
 * is pending (at most 3 s) so their lines belong to the step that caused them.
 */
import { assertNever, type Op } from '../model/op.ts';
import { HELPER_MODULE } from './module-source.ts';

/** One plan as the guest runs it: the `initial` loads first, then the plan's steps. */
export interface GuestPlan {
  readonly id: number;
  /** Directory in the guest holding the plan's modules as `<name>.ko`. */
  readonly dir: string;
  /** Manual transitions: the helper holds every transition until `complete`. */
  readonly hold: boolean;
  /**
   * Files whose first line tells which patch's code runs for an observed function, read after
   * every step (`@@fn I LINE`, in this order); none when the catalog lists no functions.
   */
  readonly probes?: readonly string[];
  readonly ops: readonly Op[];
}

const PRELUDE = String.raw`#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
dmesg -n 1
# The pr_debug lines the simulator prints, and not the per-task ones (klp_try_switch_task).
for f in klp_init_transition klp_complete_transition klp_reverse_transition; do
  echo "func $f +p" > /sys/kernel/debug/dynamic_debug/control
done
L=/sys/kernel/livepatch
H=/sys/module/${HELPER_MODULE}/parameters
echo "@@release $(uname -r)"
pending() {
  for f in $L/*/transition; do
    [ -e "$f" ] && [ "$(cat "$f")" = 1 ] && return 0
  done
  return 1
}
# settle N: wait until no transition is pending, at most N tenths of a second.
settle() {
  n=0
  while pending && [ $n -lt $1 ]; do usleep 100000; n=$((n+1)); done
}
tpatch() {
  for d in $L/*; do
    [ -e "$d/transition" ] && [ "$(cat "$d/transition")" = 1 ] && basename "$d"
  done
}
kmsg() { dmesg -c | sed 's/^/@@k /'; }
hold_on() {
  if [ ! -d $H ]; then /sbin/insmod /m/${HELPER_MODULE}.ko >/dev/null 2>&1 || echo "@@error helper"; fi
  echo 1 > $H/block
  n=0
  while [ "$(cat $H/inside)" != 1 ] && [ $n -lt 100 ]; do usleep 20000; n=$((n+1)); done
}
hold_off() { [ -d $H ] && /sbin/rmmod ${HELPER_MODULE} >/dev/null 2>&1; }
# Let the thread go until every transition is done, then hold it again: it re-enters the
# function in its current (most recently patched) version.
complete() {
  [ -d $H ] || return 0
  echo 0 > $H/block
  n=0
  while [ "$(cat $H/inside)" != 0 ] && [ $n -lt 100 ]; do usleep 20000; n=$((n+1)); done
  settle 50
  echo 1 > $H/block
  n=0
  while [ "$(cat $H/inside)" != 1 ] && [ $n -lt 100 ]; do usleep 20000; n=$((n+1)); done
}
stale() {
  for s in $STALE; do [ "$1" = "$s" ] && return 0; done
  return 1
}
STALE=
reset() {
  [ -d $H ] && echo 0 > $H/block
  settle 50
  for d in $L/*; do
    [ -d "$d" ] && echo 0 > "$d/enabled" 2>/dev/null
    settle 50
  done
  # A patch's module reference is dropped by a work item after its transition
  # (klp_free_patch_async()), so a module may be busy for a moment: try a few times.
  # (Read /proc/modules before removing: it changes under a reader, which then skips entries.)
  for round in 1 2 3 4 5; do
    left=0
    for name in $(cut -d' ' -f1 /proc/modules); do
      [ "$name" = ${HELPER_MODULE} ] || stale "$name" || /sbin/rmmod "$name" >/dev/null 2>&1 || left=1
    done
    [ $left = 0 ] && break
    usleep 100000
  done
  # A module that cannot be removed (forced) stays; it matters only to a plan that names it.
  STALE=
  while read -r name rest; do
    [ "$name" = ${HELPER_MODULE} ] && continue
    for used in "$@"; do
      [ "$name" = "$used" ] && { echo "@@dirty $name"; dumplog; poweroff -f; }
    done
    STALE="$STALE $name"
  done < /proc/modules
}
# step I KIND PATCH: one operation, its exit status and error text, then its kernel lines.
step() {
  tp=$(tpatch)
  case $2 in
    insmod) out=$(/sbin/insmod "$3.ko" 2>&1); rc=$? ;;
    rmmod) out=$(/sbin/rmmod "$3" 2>&1); rc=$? ;;
    enable) out=$( (echo 1 > "$L/$3/enabled") 2>&1); rc=$? ;;
    disable) out=$( (echo 0 > "$L/$3/enabled") 2>&1); rc=$? ;;
    force) out=$( (echo 1 > "$L/$3/force") 2>&1); rc=$? ;;
    complete) complete; out=; rc=0 ;;
  esac
  if [ $rc = 0 ] && [ -n "$tp" ] && { [ $2 = force ] || [ "$3" = "$tp" ]; }; then settle 30; fi
  # A forced transition leaves the thread asleep in a version of the function that is no longer
  # the current one, where the next transition would not see it: hold it again in the current.
  if [ $rc = 0 ] && [ $2 = force ]; then complete; fi
  echo "@@step $1 $rc $(echo "$out" | tr '\n' ' ')"
  kmsg
  probe
}
# probe: the first line of every observed file, read by this shell (a task that has switched).
probe() {
  i=0
  for f in $PROBES; do
    line=
    read -r line < "$f"
    echo "@@fn $i $line"
    i=$((i+1))
  done
}
# dumplog: when capturing, the kernel's whole log of this boot as @@log lines: /dev/kmsg keeps
# every record (with its level and time) that dmesg -c cleared. A read returns one record and
# needs a buffer that holds it (dd's, not the shell's byte reads); dd blocks at the end.
dumplog() {
  [ "$CAPTURE" = 1 ] || return 0
  [ -e /dev/kmsg ] || mount -t devtmpfs devtmpfs /dev
  dd if=/dev/kmsg of=/kmsg.txt bs=8192 2>/dev/null &
  c=$!
  usleep 500000
  kill $c 2>/dev/null
  sed 's/^/@@log /' /kmsg.txt
}
final() {
  for d in $L/*; do
    [ -d "$d" ] && echo "@@sys $(basename "$d") $(cat "$d/enabled") $(cat "$d/transition")"
  done
  while read -r name size refcnt rest; do
    [ "$name" = ${HELPER_MODULE} ] || stale "$name" || echo "@@mod $name $refcnt"
  done < /proc/modules
}
dmesg -c > /dev/null
`;

function opLine(i: number, op: Op): string {
  switch (op.kind) {
    case 'insmod':
    case 'rmmod':
    case 'enable':
    case 'disable':
    case 'force':
      return `step ${i} ${op.kind} ${op.patch}`;
    case 'complete':
      return `step ${i} complete -`;
    default:
      return assertNever(op, 'operation');
  }
}

/** The modules a plan's operations name, for the reset before it. */
function usedModules(ops: readonly Op[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.kind === 'complete' ? [] : [op.patch])))];
}

/**
 * The `/init` script for a batch of plans run in one boot.
 *
 * @example
 * guestScript([{ id: 0, dir: '/m/abc', hold: false, ops: [{ kind: 'insmod', patch: 'p' }] }])
 *   .includes('step 0 insmod p') // true
 */
export function guestScript(
  plans: readonly GuestPlan[],
  options: { readonly captureLog?: boolean } = {},
): string {
  const body = plans.flatMap((p) => [
    `PROBES="${(p.probes ?? []).join(' ')}"`,
    ['reset', ...usedModules(p.ops)].join(' '),
    p.hold ? 'hold_on' : 'hold_off',
    'dmesg -c > /dev/null',
    `echo "@@plan ${p.id}"`,
    `cd ${p.dir}`,
    ...p.ops.map((op, i) => opLine(i, op)),
    'final',
    `echo "@@end ${p.id}"`,
  ]);
  const capture = options.captureLog === true ? 'CAPTURE=1\n' : '';
  return `${PRELUDE}${capture}${body.join('\n')}\ndumplog\necho "@@done"\npoweroff -f\n`;
}
