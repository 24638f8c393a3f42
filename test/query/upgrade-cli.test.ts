/**
 * `klp-verify upgrade` as users meet it: help, argument errors, exit statuses 0 / 1 / 2, the
 * text report (verdict, the replayed transcript, why no path exists) and the JSON object.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const STREAM = 'examples/vendor-stream/stream.catalog.yaml';

/** `stuck` holds a block_disable state that no cumulative patch of the catalog carries. */
function blockedCatalog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'klp-upgrade-'));
  const file = join(dir, 'blocked.catalog.yaml');
  writeFileSync(
    file,
    [
      'patches:',
      '  - name: stuck',
      '    replace: true',
      '    states:',
      '      - { id: 1, version: 1, block_disable: true }',
      '  - name: next',
      '    replace: true',
      '',
    ].join('\n'),
  );
  return file;
}

describe('upgrade', () => {
  it('is listed among the commands and explains its exit statuses', async () => {
    expect((await cli('--help')).out).toMatch(/upgrade\s+The shortest operation sequence/);
    const r = await cli('upgrade', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify upgrade --from A,B --to C --catalog FILE');
    expect(r.out).toMatch(/ {2}0 {2}reachable/);
    expect(r.out).toMatch(/ {2}1 {2}unreachable/);
    expect(r.out).toMatch(/ {2}3 {2}unknown/);
  });

  it('shows the shortest path with the replayed kernel log (exit 0)', async () => {
    const r = await cli(
      'upgrade',
      '--from',
      'klp_6_8_0_45_r1,klp_hotfix_tcp_rto',
      '--to',
      'klp_6_8_0_45_r4',
      '--catalog',
      STREAM,
    );
    expect(r.status).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^reachable: 1 operation takes klp_patches from/);
    expect(r.out).toContain('  % insmod klp_6_8_0_45_r4.ko');
  });

  it('proves a block_disable patch with no replacement keeps the target out of reach (exit 1)', async () => {
    const cert = mkdtempSync(join(tmpdir(), 'klp-upgrade-cert-'));
    const r = await cli(
      'upgrade',
      '--from',
      'stuck',
      '--to',
      '',
      '--catalog',
      blockedCatalog(),
      '--rules',
      'block-disable',
      '--certificate',
      cert,
    );
    expect(r.status).toBe(1);
    expect(r.out.replace(/\n {2}/g, ' ')).toContain(
      'unreachable: no sequence of operations takes klp_patches from `stuck` to nothing installed under rule set block-disable',
    );
    expect(r.out).toContain('`stuck` of the --from stack can never leave klp_patches');
    expect(r.out).toContain('% echo 0 > /sys/kernel/livepatch/stuck/enabled');
    // With the premises that let the patches never loaded be left out (src/prove/holders.ts).
    expect(readdirSync(cert).sort()).toEqual([
      'consecution.smt2',
      'initiation.smt2',
      'never-loaded-consecution.smt2',
      'never-loaded-initiation.smt2',
      'safety.smt2',
    ]);
  });

  it('gives JSON for scripts', async () => {
    const r = await cli(
      'upgrade',
      '--from',
      'stuck',
      '--to',
      'next',
      '--catalog',
      blockedCatalog(),
      '--rules',
      'upstream',
      '--format',
      'json',
    );
    expect(r.status).toBe(0);
    const j: unknown = JSON.parse(r.out);
    expect(j).toMatchObject({
      verdict: 'reachable',
      from: ['stuck'],
      to: ['next'],
      // upstream: `next` is cumulative and does not carry the state of `stuck`, so `stuck` goes first
      path: {
        steps: [
          { op: 'disable', patch: 'stuck' },
          { op: 'insmod', patch: 'next' },
        ],
      },
    });
  });

  it('rejects missing stacks and unknown patches (exit 2)', async () => {
    const missing = await cli('upgrade', '--to', 'x', '--catalog', STREAM);
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('missing `--from A,B,...`');
    const unknown = await cli('upgrade', '--from', '', '--to', 'r9', '--catalog', STREAM);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toContain('--to patch `r9` is not in the catalog');
  });
  it('says what was established when the time runs out (exit 3)', async () => {
    const r = await cli(
      'upgrade',
      '--from',
      'klp_6_8_0_45_r1',
      '--to',
      'klp_hotfix_tcp_rto,klp_6_8_0_45_r2',
      '--catalog',
      STREAM,
      '--timeout',
      '0.001',
    );
    expect(r.status).toBe(3);
    expect(r.out).toMatch(/^unknown: no sequence of at most \d+ operations? reaches the target/);
  });
});
