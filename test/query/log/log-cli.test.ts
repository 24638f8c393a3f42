/**
 * `klp-verify audit log` on hand-written logs (test/fixtures/logs/): dmesg with levels and
 * caller ids over two boots, journalctl json (byte-array MESSAGE, a malformed line) and short
 * (a `-- Reboot --` separator); what the replay explains, what it cannot and why; the line
 * parser on every prefix form; a 1-million-line log streamed through.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { parseLogLine, readKernelLog } from '../../../src/ingest/kernel-log.ts';

const STREAM = '--catalog=examples/vendor-stream/stream.catalog.yaml';
const SELFTESTS = '--catalog=examples/selftests/test_modules.catalog.yaml';

async function cli(args: string[]) {
  const io = bufferIo();
  const code = await main(['audit', 'log', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('parseLogLine', () => {
  it.each([
    ["livepatch: enabling patch 'a'", null],
    ["[   12.345678] livepatch: enabling patch 'a'", '12.345678'],
    ["<6>[   12.345678] livepatch: enabling patch 'a'", '12.345678'],
    ["<6>[   12.345678] [  T123] livepatch: enabling patch 'a'", '12.345678'],
    ["[   12.345678] [    C1] livepatch: enabling patch 'a'", '12.345678'],
    ["[   12.345678] web1 kernel: livepatch: enabling patch 'a'", '12.345678'],
    ["Dec 02 09:15:10 web1 kernel: livepatch: enabling patch 'a'", 'Dec 02 09:15:10'],
    [
      "2026-12-02T09:15:10+0000 web1 kernel: livepatch: enabling patch 'a'",
      '2026-12-02T09:15:10+0000',
    ],
  ])('%s', (line, time) => {
    expect(parseLogLine(line)).toEqual({ time, message: "livepatch: enabling patch 'a'" });
  });

  it('skips lines that are not the livepatch core speaking', () => {
    expect(parseLogLine('[ 1.0] livepatch_callbacks_demo: pre_patch_callback: vmlinux')).toBeNull();
    expect(parseLogLine('Dec 02 09:15:10 web1 sshd[1]: livepatch: enabling patch')).toBeNull();
  });
});

describe('audit log', () => {
  it('replays a two-boot dmesg and says why two enables cannot be explained', async () => {
    const r = await cli(['test/fixtures/logs/vendor-stream/dmesg.txt', STREAM, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.boots).toHaveLength(2);
    const [b1, b2] = doc.boots;
    expect(
      b1.events.map(
        (e: { op: string; patch: string; result: string }) => `${e.op} ${e.patch} ${e.result}`,
      ),
    ).toEqual([
      'insmod klp_6_8_0_45_r1 ok',
      'complete klp_6_8_0_45_r1 ok',
      'insmod klp_hotfix_tcp_rto ok',
      'complete klp_hotfix_tcp_rto ok',
      'insmod klp_6_8_0_45_r2 ok',
      'complete klp_6_8_0_45_r2 ok',
      'insmod klp_6_8_0_45_r4 EINVAL',
      'disable klp_6_8_0_45_r2 ok',
      'complete klp_6_8_0_45_r2 ok',
    ]);
    expect(b1.events[5].replaced).toEqual(['klp_6_8_0_45_r1', 'klp_hotfix_tcp_rto']);
    expect(b1.events[6].reasons[0]).toMatchObject({
      rule: 'cumulative-handles-all',
      installedBy: 'klp_6_8_0_45_r2',
    });
    expect(b1.unexplained).toEqual([
      expect.objectContaining({
        line: 12,
        why: '`klp_6_8_0_45_r2` was enabled although the catalog says it is refused over `klp_hotfix_tcp_rto` (rule cumulative-handles-all): the catalog does not match the modules that ran',
      }),
    ]);
    expect(b2.final).toEqual({
      stack: ['klp_6_8_0_45_r4', 'klp_6_8_0_45_r3'],
      transition: { patch: 'klp_6_8_0_45_r3', target: 'patched' },
      loaded: ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4', 'klp_6_8_0_45_r3'],
    });
    expect(b2.unexplained.map((u: { line: number }) => u.line)).toEqual([25]);
  });

  it('reads journalctl json: boot ids, byte-array messages; a malformed line is KV0508 and the rest is read', async () => {
    const r = await cli([
      'test/fixtures/logs/journal/kernel-json.ndjson',
      SELFTESTS,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(2);
    // One JSON document: the report and the diagnostics of the malformed lines.
    expect(r.out).toContain('"code":"KV0508"');
    const doc = JSON.parse(r.out);
    expect(
      doc.boots.map((b: { bootId: string; final: { stack: string[] } }) => [
        b.bootId,
        b.final.stack,
      ]),
    ).toEqual([
      ['0d1e2f3a4b5c4d6e8f7a6b5c4d3e2f01', ['test_klp_state2']],
      ['0d1e2f3a4b5c4d6e8f7a6b5c4d3e2f02', ['test_klp_state']],
    ]);
    expect(
      doc.boots[0].events.map((e: { op: string; result: string }) => `${e.op} ${e.result}`),
    ).toEqual(['insmod ok', 'complete ok', 'insmod EINVAL']);
  });

  it('reads journalctl short with a reboot separator; a log that starts mid-transition is unexplained', async () => {
    const r = await cli(['test/fixtures/logs/journal/short.txt', SELFTESTS]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'line 7 [Dec 02 09:16:02]  complete test_klp_state2  ok  replaces `test_klp_state`',
    );
    expect(r.out).toContain(
      '- line 10: `test_klp_state2` completes patching, but no transition is pending',
    );
  });

  it('streams a million-line gzip log, skipping what is not livepatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-biglog-'));
    const noise = '[  100.000000] [  T999] EXT4-fs (vda1): re-mounted. Quota mode: none.\n';
    const body = [
      "[    1.000000] livepatch: enabling patch 'test_klp_state'",
      "[    1.000001] livepatch: 'test_klp_state': starting patching transition",
      noise.repeat(1_000_000).trimEnd(),
      "[  200.000000] livepatch: 'test_klp_state': patching complete",
    ].join('\n');
    const path = join(dir, 'big.log.gz');
    writeFileSync(path, gzipSync(body));
    let kept = 0;
    const lines = await readKernelLog(path, { record: () => kept++, diagnostic: () => {} });
    expect(lines).toBe(1_000_003);
    expect(kept).toBe(3);
  });

  it('reads a failed enable (`unpatching complete` with no start line) and a reversal without debug lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-log-'));
    const path = join(dir, 'dmesg.txt');
    writeFileSync(
      path,
      [
        "[   10.000000] livepatch: enabling patch 'test_klp_state'",
        "[   10.000100] livepatch: 'test_klp_state': unpatching complete",
        "[   20.000000] livepatch: enabling patch 'test_klp_state'",
        "[   20.000100] livepatch: 'test_klp_state': starting patching transition",
        "[   21.000000] livepatch: 'test_klp_state': starting unpatching transition",
        "[   22.000000] livepatch: 'test_klp_state': unpatching complete",
        '',
      ].join('\n'),
    );
    const r = await cli([path, SELFTESTS, '--format', 'json']);
    expect(r.code).toBe(0);
    const [boot] = JSON.parse(r.out).boots;
    expect(boot.events.map((e: { op: string; result: string }) => `${e.op} ${e.result}`)).toEqual([
      'insmod failed',
      'insmod ok',
      'disable ok',
      'complete ok',
    ]);
    expect(boot.final.stack).toEqual([]);
    expect(boot.unexplained).toEqual([]);
  });

  it('has help with examples and refuses a missing catalog', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('examples:');
    expect((await cli(['test/fixtures/logs/journal/short.txt'])).code).toBe(2);
  });
});
