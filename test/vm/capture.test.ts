// Capturing a boot's whole kernel log (guest-script.ts `dumplog`, parse.ts `kernelLogText`):
// the guest prints /dev/kmsg's records as `@@log` lines, and the host writes them as
// `dmesg -r` prints them, the text `audit log` reads.
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../src/ingest/kernel-log.ts';
import { guestScript } from '../../src/vm/guest-script.ts';
import { kernelLogText, parseGuestOutput } from '../../src/vm/parse.ts';

describe('capturing the kernel log', () => {
  it('the guest dumps /dev/kmsg only when capturing, before every power-off', () => {
    const plans = [{ id: 0, dir: '/m/x', hold: false, ops: [] }];
    expect(guestScript(plans)).not.toContain('CAPTURE=1');
    const s = guestScript(plans, { captureLog: true });
    expect(s).toContain('CAPTURE=1\n');
    expect(s).toContain('dd if=/dev/kmsg of=/kmsg.txt bs=8192');
    expect(s).toContain('{ echo "@@dirty $name"; dumplog; poweroff -f; }');
    expect(s.trimEnd().endsWith('dumplog\necho "@@done"\npoweroff -f')).toBe(true);
  });

  it('records become dmesg -r lines; continuation lines and anything else are left out', () => {
    const out = parseGuestOutput(
      [
        '@@log 5,0,0,-;Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)',
        '@@log 4,700,31000200,-;livepatch: tainting kernel with TAINT_LIVEPATCH',
        '@@log  SUBSYSTEM=module',
        "@@log 6,701,1234567890,-;livepatch: enabling patch 'klp_r1'",
        '@@log 3,702,31000400,c;livepatch: Livepatch patch (klp_r1) is not compatible with the already installed livepatches.',
        '@@done',
      ].join('\n'),
    );
    const text = kernelLogText(out.kmsgRecords);
    expect(text).toBe(
      [
        '<5>[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)',
        '<4>[   31.000200] livepatch: tainting kernel with TAINT_LIVEPATCH',
        "<6>[ 1234.567890] livepatch: enabling patch 'klp_r1'",
        '<3>[   31.000400] livepatch: Livepatch patch (klp_r1) is not compatible with the already installed livepatches.',
        '',
      ].join('\n'),
    );
    // audit log's reader takes them as they are.
    expect(parseLogLine(text.split('\n')[2] ?? '')).toEqual({
      time: '1234.567890',
      message: "livepatch: enabling patch 'klp_r1'",
    });
    expect(kernelLogText([])).toBe('');
  });
});
