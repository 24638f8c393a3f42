/**
 * `klp-verify conflicts` as users meet it: help, argument errors, exit statuses 0 / 1 / 2 / 3,
 * the text report (conflicts, every failing order, the load matrix) and the JSON object.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const SELFTESTS = 'examples/selftests/test_modules.catalog.yaml';
const FIXTURES = 'test/fixtures/conflicts';

describe('help', () => {
  it('is listed among the commands', async () => {
    const r = await cli('--help');
    expect(r.out).toMatch(/conflicts\s+Find every minimal set of catalog patches/);
  });

  it('explains the options, gives examples and the exit statuses', async () => {
    const r = await cli('conflicts', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify conflicts --catalog FILE');
    for (const option of [
      '--catalog FILE',
      '--rules NAME|FILE',
      '--limit N',
      '--timeout SECONDS',
    ]) {
      expect(r.out).toContain(option);
    }
    expect(r.out).toContain('examples:');
    expect(r.out).toMatch(/exit status:\n {2}0 {2}no conflicts/);
    expect(r.out).toMatch(/ {2}3 {2}stopped before every conflict was found/);
  });
});

describe('argument errors', () => {
  it('needs a catalog, and says how to name one given as an argument', async () => {
    const missing = await cli('conflicts');
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('missing `--catalog FILE`');
    const positional = await cli('conflicts', STREAM);
    expect(positional.status).toBe(2);
    expect(positional.err).toContain(`name the catalog with \`--catalog ${STREAM}\``);
  });

  it('rejects a limit or a timeout that is not a positive number', async () => {
    const limit = await cli('conflicts', '-c', STREAM, '--limit', '2.5');
    expect(limit.status).toBe(2);
    expect(limit.err).toContain('`2.5` is not a valid value for `--limit`');
    const timeout = await cli('conflicts', '-c', STREAM, '--timeout', '0');
    expect(timeout.status).toBe(2);
    expect(timeout.err).toContain('`0` is not a valid value for `--timeout`');
  });

  it('reports an unknown rule set and a missing catalog as bad input', async () => {
    const rules = await cli('conflicts', '-c', STREAM, '--rules', 'upstrem');
    expect(rules.status).toBe(2);
    expect(rules.err).toContain('upstrem');
    const cat = await cli('conflicts', '-c', `${FIXTURES}/no-such/catalog.yaml`);
    expect(cat.status).toBe(2);
    expect(cat.err).toContain('no-such/catalog.yaml');
  });
});

describe('text', () => {
  it('finds no conflict among the test-state.sh modules: exit 0', async () => {
    const r = await cli('conflicts', '--catalog', SELFTESTS);
    expect(r.status).toBe(0);
    expect(r.out).toContain('(rules upstream, 3 patches');
    expect(r.out).toContain('load matrix');
    expect(r.out).toMatch(/^ {2}2 test_klp_state2 +x - \.$/m);
    expect(r.out).toContain('no conflicts: every set of the 3 patches loads in some order');
  });

  it('explains the conflict of the vendor stream order by order: exit 1', async () => {
    const r = await cli('conflicts', '--catalog', STREAM);
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'conflict 1 of 1: klp_6_8_0_45_r2, klp_6_8_0_45_r4 (2 patches, 2 orders, none loads)',
    );
    expect(r.out).toMatch(
      /klp_6_8_0_45_r2, klp_6_8_0_45_r4: insmod klp_6_8_0_45_r4 is refused \(EINVAL\) on klp_patches\s+\[klp_6_8_0_45_r2\]/,
    );
    expect(r.out).toMatch(/cumulative-handles-all: cumulative patch `klp_6_8_0_45_r4` does not/);
    expect(r.out).toContain('minimal: the others load');
    expect(r.out).toContain('1 conflict; every conflict of the catalog is listed');
  });

  it('shows every order of a ring of three hotfixes', async () => {
    const r = await cli('conflicts', '-c', `${FIXTURES}/three-hotfixes-in-a-cycle/catalog.yaml`);
    expect(r.status).toBe(1);
    expect(r.out).toContain('hotfix_a, hotfix_b, hotfix_c (3 patches, 6 orders, none loads)');
    expect(r.out).toContain('hotfix_a, hotfix_c, …: insmod hotfix_c is refused');
  });

  it('marks a patch that cannot be loaded alone, under a rule file', async () => {
    const dir = `${FIXTURES}/cumulative-patch-without-states`;
    const r = await cli('conflicts', '-c', `${dir}/catalog.yaml`, '-r', `${dir}/house-rules.klp`);
    expect(r.status).toBe(1);
    expect(r.out).toContain('conflict 1 of 1: klp_bare (1 patch, 1 order, none loads)');
    expect(r.out).toContain('it cannot be loaded even on an empty system');
    expect(r.out).toMatch(/^ {2}2 klp_bare +! - !$/m);
  });

  it('says what was established when stopped early: exit 3', async () => {
    const limit = await cli('conflicts', '-c', STREAM, '--limit', '1');
    expect(limit.status).toBe(3);
    expect(limit.out).toContain('stopped at the limit of 1 conflict');
    expect(limit.out).toContain('conflict 1 of 1: klp_6_8_0_45_r2, klp_6_8_0_45_r4');
    const timeout = await cli('conflicts', '-c', STREAM, '--timeout', '0.001');
    expect(timeout.status).toBe(3);
    expect(timeout.out).toContain('unknown: stopped before every conflict was found');
    expect(timeout.out).toContain('the time limit ran out (--timeout)');
  });
});

describe('json', () => {
  it('gives the verdict, every failing order and every ordered pair', async () => {
    const r = await cli('conflicts', '-c', STREAM, '--format', 'json');
    expect(r.status).toBe(1);
    const json: unknown = JSON.parse(r.out);
    expect(json).toMatchObject({
      catalog: STREAM,
      rules: 'upstream',
      verdict: 'conflicts',
      complete: true,
      stop: null,
      known: 1,
      conflicts: [
        {
          patches: ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4'],
          orders: 2,
          explained: 'every-order',
          failing: [
            {
              order: ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4'],
              patch: 'klp_6_8_0_45_r4',
              errno: 'EINVAL',
              violations: [
                {
                  rule: 'cumulative-handles-all',
                  state: '0x696f75726e670002',
                  installedBy: 'klp_6_8_0_45_r2',
                },
              ],
            },
            { order: ['klp_6_8_0_45_r4', 'klp_6_8_0_45_r2'] },
          ],
        },
      ],
    });
    const { matrix: m } = z
      .object({
        matrix: z.object({
          patches: z.array(z.string()),
          pairs: z.array(z.object({ result: z.string() })),
        }),
      })
      .parse(json);
    expect(m.pairs).toHaveLength(m.patches.length * (m.patches.length - 1));
    expect(m.pairs.filter((p) => p.result !== 'ok')).toHaveLength(9);
  });

  it('says unknown, and why, when stopped by the time limit', async () => {
    const r = await cli('conflicts', '-c', SELFTESTS, '-f', 'json', '--timeout', '0.001');
    expect(r.status).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: 'unknown',
      complete: false,
      stop: { kind: 'unknown', reason: 'timeout' },
      conflicts: [],
    });
  });
});
