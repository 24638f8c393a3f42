/**
 * `audit log` on a real kernel's log (test/fixtures/logs/linux-6.1/: two boots of Debian's
 * Linux 6.1 under QEMU, captured by `npm run capture:logs`): every livepatch line is explained,
 * operation by operation; with a catalog that does not match the modules that ran, the lines
 * it cannot explain are reported with why.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { parseLogLine } from '../../../src/ingest/kernel-log.ts';

const DIR = 'test/fixtures/logs/linux-6.1';
const LOG = `${DIR}/dmesg.txt`;

async function audit(catalog: string) {
  const io = bufferIo();
  const code = await main(['audit', 'log', LOG, `--catalog=${catalog}`, '--format', 'json'], io);
  return { code, doc: JSON.parse(io.stdout()), err: io.stderr() };
}

interface Event {
  line: number;
  op: string;
  patch: string;
  result: string;
  implied: boolean;
  replaced: string[];
}

const ev = (e: Event) =>
  `${e.op} ${e.patch} ${e.result}${e.implied ? ' (implied)' : ''}${e.replaced.length > 0 ? ` replaces ${e.replaced.join(',')}` : ''}`;

describe('audit log on a captured Linux 6.1 log', () => {
  it('is a real log: two boots, each starting with the kernel banner, livepatch lines with levels', () => {
    const lines = readFileSync(LOG, 'utf8').split('\n');
    const banners = lines.filter((l) => / Linux version 6\.1\.0-57-amd64 /.test(l));
    expect(banners).toHaveLength(2);
    // The lines the reader keeps: the livepatch core's and the two banners (boot splits).
    const kept = lines.filter((l) => parseLogLine(l) !== null);
    expect(kept).toHaveLength(82);
    const klp = kept.filter((l) => !/ Linux version /.test(l));
    expect(klp).toHaveLength(80);
    expect(klp.every((l) => /^<\d>\[ *\d+\.\d{6}\] livepatch: /.test(l))).toBe(true);
  });

  it('explains every livepatch line: the operations of the plans and of the resets between them', async () => {
    const { code, doc, err } = await audit(`${DIR}/catalog.yaml`);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(doc.malformedLines).toBe(0);
    expect(doc.boots).toHaveLength(2);
    const [b1, b2] = doc.boots;
    expect(b1.unexplained).toEqual([]);
    expect(b2.unexplained).toEqual([]);
    expect(b1.events.map(ev)).toEqual([
      // plan 1
      'insmod klp_r1 ok',
      'complete klp_r1 ok',
      'insmod klp_r2 ok',
      'complete klp_r2 ok replaces klp_r1',
      'rmmod klp_r1 ok (implied)',
      'insmod klp_r1 EINVAL',
      'disable klp_r2 ok',
      'complete klp_r2 ok',
      // plan 2
      'insmod klp_r1 ok',
      'complete klp_r1 ok',
      'insmod klp_hotfix ok',
      'complete klp_hotfix ok',
      'rmmod klp_r2 ok (implied)', // the reset removed it; rmmod prints nothing
      'insmod klp_r2 EINVAL',
      'disable klp_hotfix ok',
      'complete klp_hotfix ok',
      'insmod klp_r2 ok',
      'complete klp_r2 ok replaces klp_r1',
      'disable klp_r2 ok', // the reset before plan 3
      'complete klp_r2 ok',
      // plan 3 (manual)
      'rmmod klp_r1 ok (implied)',
      'insmod klp_r1 ok',
      'complete klp_r1 ok',
      'rmmod klp_r2 ok (implied)',
      'insmod klp_r2 ok',
      'disable klp_r2 ok', // the reversal
      'complete klp_r2 ok',
      'rmmod klp_r2 ok (implied)',
      'insmod klp_r2 ok',
      'force klp_r2 ok replaces klp_r1',
      'disable klp_r2 ok', // the reset before plan 4, which finds klp_r1 referenced
      'complete klp_r2 ok',
    ]);
    expect(b1.events.find((e: Event) => e.result === 'EINVAL').reasons[0]).toMatchObject({
      rule: 'same-or-higher-version',
    });
    expect(b1.events.filter((e: Event) => e.result === 'EINVAL')[1].reasons[0]).toMatchObject({
      rule: 'cumulative-handles-all',
      installedBy: 'klp_hotfix',
    });
    expect(b1.final).toMatchObject({ stack: [], transition: null });
    expect(b2.events.map(ev)).toEqual([
      'insmod klp_r1 ok',
      'complete klp_r1 ok',
      'disable klp_r1 ok',
      'force klp_r1 ok',
      'insmod klp_hotfix ok',
      'complete klp_hotfix ok',
      'disable klp_hotfix ok',
      'complete klp_hotfix ok',
    ]);
    expect(b2.final).toMatchObject({ stack: [], transition: null });
  });

  it('with a catalog that does not match the modules that ran, says which lines and why', async () => {
    // The same patches, with klp_r2 not cumulative: its enable would keep klp_r1 on the stack.
    const { code, doc } = await audit('test/fixtures/logs/linux-6.1-mismatch.catalog.yaml');
    expect(code).toBe(1);
    const why = doc.boots[0].unexplained.map((u: { line: number; why: string }) => [u.line, u.why]);
    expect(why[0]).toEqual([
      371,
      "`klp_r1` was refused as not compatible, but the replay's insmod fails with EEXIST first",
    ]);
    expect(why).toContainEqual([
      386,
      '`klp_r2` was refused although the catalog says it is compatible with klp_patches [klp_r1, klp_hotfix] under rules `upstream`: the catalog does not match the modules that ran',
    ]);
  });
});
