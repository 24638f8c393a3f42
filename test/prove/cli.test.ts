// `klp-verify prove` as users meet it: exit statuses (0 proved, 1 refuted, 2 bad input,
// 3 unknown), text that starts with the verdict and shows the replayed kernel log, the JSON
// shape scripts rely on, certificate files, and argument errors with advice.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const MODULES = 'examples/selftests/test_modules.catalog.yaml';
const dir = mkdtempSync(join(tmpdir(), 'klp-prove-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prove loadable', () => {
  it('refutes with the verdict first, the kernel log, why, and the ways out (exit 1)', async () => {
    const r = await cli('prove', 'loadable', 'klp_6_8_0_45_r4', '--catalog', STREAM);
    expect(r.status).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      'refuted: `insmod klp_6_8_0_45_r4` can be rejected (EINVAL) under rule set upstream',
    );
    const trace = lines.indexOf('trace (replayed on the simulator):');
    const why = lines.indexOf('why:');
    const ways = lines.indexOf('ways out:');
    expect(0 < trace && trace < why && why < ways).toBe(true);
    expect(lines).toContain('  % insmod klp_6_8_0_45_r4.ko');
    expect(lines).toContain(
      '  insmod: ERROR: could not insert module klp_6_8_0_45_r4.ko: Invalid parameters',
    );
    expect(r.out).toContain('rule cumulative-handles-all');
    expect(r.out).toMatch(
      /- declare state 0x696f75726e670002 with version >= 1 in `klp_6_8_0_45_r4`/,
    );
  });

  it('writes the JSON scripts rely on', async () => {
    const r = await cli(
      'prove',
      'loadable',
      'klp_6_8_0_45_r4',
      '--catalog',
      STREAM,
      '--format',
      'json',
    );
    expect(r.status).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      query: 'loadable',
      patch: 'klp_6_8_0_45_r4',
      rules: 'upstream',
      verdict: 'refuted',
      certificate: null,
      counterexample: {
        steps: [{ op: 'insmod' }, { op: 'insmod', patch: 'klp_6_8_0_45_r4' }],
        shortest: 2,
      },
      explanation: { errno: 'EINVAL', reasons: [{ rule: 'cumulative-handles-all' }] },
    });
    expect(j.counterexample.patches).toHaveLength(1);
    expect(Object.keys(j.stats)).toEqual(
      expect.arrayContaining(['ms', 'depth', 'solverChecks', 'stateVariables']),
    );
  });

  it('proves (exit 0) and writes a certificate any solver can re-check', async () => {
    const cert = join(dir, 'r3');
    const r = await cli(
      'prove',
      'loadable',
      'klp_6_8_0_45_r3',
      '--catalog',
      STREAM,
      '--transitions',
      'manual',
      '--certificate',
      cert,
    );
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toBe(
      'proved: `insmod klp_6_8_0_45_r3` is never rejected by rule set upstream',
    );
    for (const f of ['initiation.smt2', 'consecution.smt2', 'safety.smt2', 'certificate.json']) {
      expect(existsSync(join(cert, f))).toBe(true);
    }
    const meta = JSON.parse(readFileSync(join(cert, 'certificate.json'), 'utf8'));
    expect(meta.expected).toEqual({
      'initiation.smt2': 'unsat',
      'consecution.smt2': 'unsat',
      'safety.smt2': 'unsat',
    });
    expect(meta.selector.operations[0]).toEqual({ value: 0, op: 'insmod klp_6_8_0_45_r1' });
  });

  it('says what was established when the time runs out (exit 3)', async () => {
    const r = await cli(
      'prove',
      'loadable',
      'test_klp_state',
      '--catalog',
      MODULES,
      '--timeout',
      '0.001',
    );
    expect(r.status).toBe(3);
    expect(r.out).toMatch(
      /^unknown: no counterexample of at most 0 operations before `insmod test_klp_state`/,
    );
  });

  it('starts from an installed stack', async () => {
    const r = await cli(
      'prove',
      'loadable',
      'test_klp_state',
      '--catalog',
      MODULES,
      '--initial',
      'test_klp_state2',
      '--format',
      'json',
    );
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out).counterexample.steps).toEqual([
      { op: 'insmod', patch: 'test_klp_state' },
    ]);
  });
});

describe('prove invariant', () => {
  it('finds the invariant in stack-invariants by default', async () => {
    const r = await cli(
      'prove',
      'invariant',
      'no-lower-version-above',
      '--catalog',
      MODULES,
      '--format',
      'json',
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      query: 'invariant',
      invariant: 'no-lower-version-above',
      verdict: 'proved',
    });
  });

  it('suggests a name for a misspelt invariant (exit 2)', async () => {
    const r = await cli('prove', 'invariant', 'no-lower-versoin-above', '--catalog', MODULES);
    expect(r.status).toBe(2);
    expect(r.err).toContain('no invariant `no-lower-versoin-above`');
    expect(r.err).toContain('did you mean `no-lower-version-above`?');
  });
});

describe('bad input', () => {
  it('rejects unknown patches with a suggestion, and missing arguments', async () => {
    const r = await cli('prove', 'loadable', 'klp_6_8_0_45_r9', '--catalog', STREAM);
    expect(r.status).toBe(2);
    expect(r.err).toContain('patch `klp_6_8_0_45_r9` is not in the catalog');
    expect(r.err).toMatch(/did you mean `klp_6_8_0_45_r\d`\?/);
    expect((await cli('prove', 'loadable', 'x')).err).toContain('missing `--catalog FILE`');
    expect((await cli('prove', 'loadabel', 'x', '--catalog', STREAM)).err).toContain(
      'did you mean `loadable`?',
    );
    expect(
      (await cli('prove', 'loadable', 'x', '--catalog', STREAM, '--timeout', '-1')).status,
    ).toBe(2);
  });

  it('reports an initial stack the kernel refuses', async () => {
    const r = await cli(
      'prove',
      'loadable',
      'test_klp_state3',
      '--catalog',
      MODULES,
      '--initial',
      'test_klp_state2,test_klp_state',
    );
    expect(r.status).toBe(2);
    expect(r.err).toContain(
      'initial patch `test_klp_state` cannot be loaded: insmod fails with EINVAL',
    );
  });

  it('has help with examples and exit statuses', async () => {
    const r = await cli('prove', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify prove loadable PATCH --catalog FILE');
    expect(r.out).toContain('exit status:');
    expect((await cli('--help')).out).toMatch(/prove\s+Prove a claim/);
  });
});
