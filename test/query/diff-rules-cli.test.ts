/**
 * `klp-verify diff-rules` as users meet it: help, argument errors, exit statuses 0 / 1 / 2, the
 * text report (verdict, the replayed scenario under both rule sets, why) and the JSON object.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
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

describe('diff-rules', () => {
  it('is listed among the commands and explains its exit statuses', async () => {
    expect((await cli('--help')).out).toMatch(/diff-rules\s+The shortest scenario one rule set/);
    const r = await cli('diff-rules', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify diff-rules R1 R2 --catalog FILE');
    expect(r.out).toMatch(/ {2}0 {2}agree/);
    expect(r.out).toMatch(/ {2}1 {2}differ/);
    expect(r.out).toMatch(/ {2}3 {2}unknown/);
  });

  it("shows what in the vendor's stream breaks under the replace-set proposal (exit 1)", async () => {
    const r = await cli('diff-rules', 'upstream', 'replace-set', '--catalog', STREAM);
    expect(r.status).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      'differ: rule sets upstream and replace-set part ways on this catalog',
    );
    expect(r.out).toContain('upstream admits, replace-set rejects: 2 steps');
    expect(r.out).toContain('    % insmod klp_hotfix_tcp_rto.ko');
    expect(r.out).toContain('rule same-set-handles-all');
    expect(r.out).toContain('replace-set admits, upstream rejects: nothing (proved');
  });

  it('gives JSON for scripts', async () => {
    const r = await cli(
      'diff-rules',
      'upstream',
      'replace-set',
      '--catalog',
      STREAM,
      '--format',
      'json',
    );
    const j: unknown = JSON.parse(r.out);
    expect(j).toMatchObject({
      verdict: 'differ',
      leftOnly: {
        admits: 'upstream',
        rejects: 'replace-set',
        verdict: 'found',
        scenario: { result: 'EINVAL', reasons: [{ rule: 'same-set-handles-all' }] },
      },
      rightOnly: {
        verdict: 'none',
        certificate: { files: ['initiation.smt2', 'consecution.smt2', 'safety.smt2'] },
      },
    });
  });

  it('proves a rule set agrees with itself and writes the certificates (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-diff-rules-'));
    const r = await cli(
      'diff-rules',
      'upstream',
      'upstream',
      '--catalog',
      STREAM,
      '--certificate',
      dir,
    );
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^agree: rule sets upstream and upstream/);
    for (const sub of ['left-only', 'right-only']) {
      expect(readdirSync(join(dir, sub)).sort()).toEqual([
        'consecution.smt2',
        'initiation.smt2',
        'safety.smt2',
      ]);
    }
  });

  it('rejects a missing rule set and an unknown one (exit 2)', async () => {
    const missing = await cli('diff-rules', 'upstream', '--catalog', STREAM);
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('missing rule sets R1 R2');
    const unknown = await cli('diff-rules', 'upstream', 'nosuch', '--catalog', STREAM);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toContain('unknown rule set `nosuch`');
  });
  it('says what was established when the time runs out (exit 3)', async () => {
    const r = await cli(
      'diff-rules',
      'upstream',
      'replace-set',
      '--catalog',
      STREAM,
      '--timeout',
      '0.001',
    );
    expect(r.status).toBe(3);
    expect(r.out).toMatch(
      /^unknown: no scenario upstream admits and replace-set rejects of at most \d+ operations?/,
    );
  });
});
