/**
 * The command line as users meet it: help, version, argument errors, exit statuses, and the
 * bundled examples through `check` and `simulate`.
 */
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const SELFTESTS = 'examples/selftests';

describe('help and version', () => {
  it('lists every command', async () => {
    const r = await cli('--help');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/simulate\s+Run a plan/);
    expect(r.out).toMatch(/check\s+Run a plan and explain/);
  });

  it("prints each command's help with its options, examples and exit statuses", async () => {
    for (const cmd of ['simulate', 'check']) {
      const r = await cli(cmd, '--help');
      expect(r.status).toBe(0);
      expect(r.out).toContain(`usage: klp-verify ${cmd} PLAN...`);
      expect(r.out).toContain('--format FORMAT');
      expect(r.out).toContain('examples:');
      expect(r.out).toContain('exit status:');
    }
  });

  it('prints the package version', async () => {
    const r = await cli('--version');
    expect(r.out).toMatch(/^klp-verify \d+\.\d+\.\d+/);
  });
});

describe('argument errors', () => {
  it('suggests the command meant', async () => {
    const r = await cli('chek', 'x.yaml');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown command `chek`');
    expect(r.err).toContain('did you mean `check`?');
  });

  it('suggests the option meant', async () => {
    const r = await cli('check', `${SELFTESTS}/taking-over.plan.yaml`, '--fromat', 'json');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown option `--fromat`');
    expect(r.err).toContain('did you mean `--format`?');
  });

  it('rejects a value outside the choices', async () => {
    const r = await cli('simulate', `${SELFTESTS}/taking-over.plan.yaml`, '--format', 'yml');
    expect(r.status).toBe(2);
    expect(r.err).toContain('`yml` is not a valid value for `--format`');
  });

  it('needs a plan', async () => {
    const r = await cli('simulate');
    expect(r.status).toBe(2);
    expect(r.err).toContain('missing PLAN');
  });

  it('reports an unknown rule set with a suggestion', async () => {
    const r = await cli('check', `${SELFTESTS}/taking-over.plan.yaml`, '--rules', 'upstrem');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown rule set `upstrem`');
    expect(r.err).toContain('did you mean `upstream`?');
  });
});

describe('simulate', () => {
  it('prints the kernel transcript of test-state.sh scenario 4', async () => {
    const r = await cli('simulate', `${SELFTESTS}/incompatible-cumulative.plan.yaml`);
    expect(r.status).toBe(0);
    expect(r.out).toContain(
      [
        '% insmod test_klp_state.ko',
        'livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.',
        'insmod: ERROR: could not insert module test_klp_state.ko: Invalid parameters',
      ].join('\n'),
    );
  });

  it('prints one JSON object with the documented keys', async () => {
    const r = await cli(
      'simulate',
      `${SELFTESTS}/incompatible-cumulative.plan.yaml`,
      '--format',
      'json',
    );
    const json: unknown = JSON.parse(r.out);
    expect(json).toMatchObject({
      rules: 'upstream',
      ok: true,
      steps: [
        { op: 'insmod', patch: 'test_klp_state2', result: 'ok', expected: 'ok', reasons: [] },
        {
          op: 'insmod',
          patch: 'test_klp_state',
          result: 'EINVAL',
          expected: 'EINVAL',
          reasons: [
            {
              rule: 'same-or-higher-version',
              state: 1,
              installedBy: 'test_klp_state2',
              installedVersion: 2,
              newVersion: 1,
            },
          ],
        },
        { op: 'disable', patch: 'test_klp_state2', result: 'ok' },
        { op: 'rmmod', patch: 'test_klp_state2', result: 'ok' },
      ],
      final: { stack: [], transition: null, loaded: [], forced: [] },
    });
    expect(json).toHaveProperty('log.0', '% insmod test_klp_state2.ko');
  });

  it('exits 1 when a step does not meet its expectation', async () => {
    const r = await cli(
      'simulate',
      `${SELFTESTS}/incompatible-cumulative.plan.yaml`,
      '--rules',
      'replace',
    );
    expect(r.status).toBe(1);
    expect(r.out).toContain('2 not as expected');
  });
});

describe('check', () => {
  it('explains a forgotten state with the rule, the witness and the ways out', async () => {
    const r = await cli('check', 'examples/vendor-stream/forgotten-state.plan.yaml');
    expect(r.status).toBe(0);
    // Text is wrapped to the terminal: compare with whitespace runs folded.
    r.out = r.out.replace(/\s+/g, ' ');
    expect(r.out).toContain('insmod klp_6_8_0_45_r4');
    expect(r.out).toContain('EINVAL, as expected');
    expect(r.out).toContain(
      'rule cumulative-handles-all: Cumulative livepatches must handle all system state modifications from already installed livepatches.',
    );
    expect(r.out).toContain('0x696f75726e670002');
    expect(r.out).toContain(
      'declare state 0x696f75726e670002 with version >= 1 in `klp_6_8_0_45_r4`',
    );
    expect(r.out).toContain('disable `klp_6_8_0_45_r3` first');
  });

  it('names the patches a cumulative patch replaced', async () => {
    const r = await cli('check', 'examples/vendor-stream/rollout.plan.yaml');
    expect(r.out).toMatch(
      /insmod klp_6_8_0_45_r3 +ok \(replaced `klp_6_8_0_45_r2`, `klp_hotfix_tcp_rto`\)/,
    );
  });

  it('wraps explanations to the terminal width', async () => {
    const io = { ...bufferIo(), columns: 60 };
    const { stdout } = io;
    await main(['check', 'examples/vendor-stream/rollback.plan.yaml'], io);
    for (const line of stdout().split('\n')) {
      // Only unbreakable words (ids, names) may overflow.
      if (line.length > 60) expect(line.trim()).not.toContain(' ');
    }
  });

  it('proves every rule question and explains the rejection minimally', async () => {
    const r = await cli(
      'check',
      `${SELFTESTS}/incompatible-cumulative.plan.yaml`,
      '--format',
      'json',
    );
    const json: unknown = JSON.parse(r.out);
    expect(json).toHaveProperty('steps.0.proof.verdict', 'admitted');
    expect(json).toHaveProperty('steps.1.proof.verdict', 'rejected');
    expect(json).toHaveProperty('steps.1.proof.explanation', {
      facts: [
        '`test_klp_state2` is installed',
        '`test_klp_state2` holds state 1 at version 2',
        '`test_klp_state` declares state 1 at version 1',
      ],
      rules: ['same-or-higher-version'],
      minimal: true,
    });
    expect(json).toHaveProperty('steps.1.waysOut', [
      'declare state 1 with version >= 2 in `test_klp_state`',
      'disable `test_klp_state2` first',
    ]);
    // rmmod asks the rules nothing.
    expect(json).toHaveProperty('steps.3.proof', null);
  });

  it('writes every solver query as an SMT-LIB certificate with its expected answer', async () => {
    const { mkdtempSync, readdirSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'klp-cert-'));
    const r = await cli(
      'check',
      `${SELFTESTS}/incompatible-cumulative.plan.yaml`,
      '--certificate',
      dir,
    );
    expect(r.status).toBe(0);
    const sub = join(dir, 'incompatible-cumulative.plan');
    const files = readdirSync(sub).sort();
    expect(files).toContain('step-2-proof.smt2');
    for (const f of files) {
      const text = readFileSync(join(sub, f), 'utf8');
      expect(text).toMatch(/^; expected: (sat|unsat)$/m);
      expect(text).toContain('(check-sat)');
    }
  });

  it('keeps 64-bit state ids exact in JSON', async () => {
    const r = await cli(
      'check',
      'examples/vendor-stream/forgotten-state.plan.yaml',
      '--format',
      'json',
    );
    const json: unknown = JSON.parse(r.out);
    expect(json).toHaveProperty('steps.0.reasons.0.state', '0x696f75726e670002');
    expect(json).toHaveProperty('steps.0.reasons.0.newVersion', null);
  });

  it('passes on every bundled example', async () => {
    const { readdirSync } = await import('node:fs');
    const plans = ['selftests', 'vendor-stream'].flatMap((d) =>
      readdirSync(`examples/${d}`)
        .filter((f) => f.endsWith('.plan.yaml'))
        .map((f) => `examples/${d}/${f}`),
    );
    expect(plans.length).toBeGreaterThanOrEqual(7);
    const r = await cli('check', ...plans);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
  });
});
