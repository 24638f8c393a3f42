/**
 * The one CLI contract, checked for every command of the registry: exit statuses listed in
 * every `--help`, help that fits the terminal, exactly one JSON document on stdout under
 * `--format json` (bad input included), `--quiet`, `-` for standard input, `--timeout`
 * validated where it is parsed, and the codes of the command line documented.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_CODES } from '../src/cli/codes.ts';
import { isGroup } from '../src/cli/command.ts';
import { REGISTRY } from '../src/cli/commands/index.ts';
import { bufferIo, type Io } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function cli(argv: readonly string[], opts: { stdin?: string; columns?: number } = {}) {
  const base = bufferIo(opts.stdin ?? '');
  const io: Io & { stdout: () => string; stderr: () => string } = {
    ...base,
    columns: opts.columns ?? base.columns,
  };
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const SPECS = REGISTRY.flatMap((e) => (isGroup(e) ? e.commands : [e]));
const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const ROLLOUT = 'examples/vendor-stream/rollout.plan.yaml';

/** One bad-input invocation of every command: a file that does not exist. */
const MISSING: Record<string, readonly string[]> = {
  simulate: ['simulate', 'no/such.plan.yaml'],
  check: ['check', 'no/such.plan.yaml'],
  'rules list': ['rules', 'list', 'no/such.klp'],
  'rules check': ['rules', 'check', 'no/such.klp'],
  prove: ['prove', 'loadable', 'x', '-c', 'no/such.yaml'],
  conflicts: ['conflicts', '-c', 'no/such.yaml'],
  synth: ['synth', 'x', '-c', 'no/such.yaml'],
  upgrade: ['upgrade', '--from', '', '--to', '', '-c', 'no/such.yaml'],
  'diff-rules': ['diff-rules', 'upstream', 'replace-set', '-c', 'no/such.yaml'],
  'catalog build': ['catalog', 'build', 'no/such.ko'],
  'audit catalog': ['audit', 'catalog', 'no/such.yaml'],
  'audit diff': ['audit', 'diff', 'no/such.yaml', STREAM],
  'audit fleet': ['audit', 'fleet', 'x.ndjson', '-c', 'no/such.yaml'],
  kernel: ['kernel', 'no/such.plan.yaml', '--kernel', 'no/vmlinux', '--headers', 'no/headers'],
  'audit log': ['audit', 'log', 'x.log', '-c', 'no/such.yaml'],
};

describe('every command', () => {
  it('is covered by this test', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual(Object.keys(MISSING).sort());
  });

  for (const spec of SPECS) {
    const words = spec.name.split(' ');

    it(`${spec.name}: --help lists the exit statuses and fits 60 columns`, async () => {
      const r = await cli([...words, '--help'], { columns: 60 });
      expect(r.status).toBe(0);
      const exits = r.out.slice(r.out.indexOf('exit status:'));
      expect(exits).toMatch(/^ {2}0 /m);
      expect(exits).toMatch(/^ {2}2 +bad input/m);
      expect(exits).toMatch(/^ {2}4 +internal error/m);
      if (spec.timeoutSeconds !== undefined) expect(exits).toMatch(/^ {2}3 /m);
      expect(r.out).toContain('--quiet');
      const long = r.out.split('\n').filter((l) => l.length > 60 && !/^\s*\S+$/.test(l));
      expect(long).toEqual([]);
    });

    it(`${spec.name}: bad input under --format json is one JSON document on stdout, exit 2`, async () => {
      const argv = MISSING[spec.name] ?? [];
      const r = await cli([...argv, '--format', 'json']);
      expect(r.status).toBe(2);
      expect(r.err).toBe('');
      const doc: unknown = JSON.parse(r.out);
      expect(doc).toMatchObject({
        schemaVersion: 1,
        diagnostics: expect.arrayContaining([
          expect.objectContaining({ severity: 'error', message: expect.stringMatching(/\S/) }),
        ]),
      });
    });
  }
});

describe('arguments', () => {
  it('rejects a --timeout outside 0.001 .. 2147483 seconds where it is parsed', async () => {
    for (const t of ['Infinity', '0.0001', '1e10', '3000000', '-1', 'NaN', 'soon', '']) {
      const r = await cli(['conflicts', '-c', STREAM, '--timeout', t, '--format', 'json']);
      expect({ t, status: r.status }).toEqual({ t, status: 2 });
      expect(JSON.parse(r.out)).toMatchObject({
        diagnostics: [
          { code: 'KV0001', message: `\`${t}\` is not a valid value for \`--timeout\`` },
        ],
      });
    }
  });

  it('no arguments: usage on stderr, exit 2; `help frob` and `-V --frob` are errors', async () => {
    const none = await cli([]);
    expect(none.status).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toContain('usage: klp-verify <command>');
    expect((await cli(['help', 'frob'])).status).toBe(2);
    expect((await cli(['-V', '--frob'])).status).toBe(2);
    expect((await cli(['help', 'check'])).out).toContain('usage: klp-verify check');
  });

  it('a policy file as the kernel rules is bad input (KV0002) naming what to run instead', async () => {
    const r = await cli([
      'prove',
      'loadable',
      'klp_6_8_0_45_r4',
      '-c',
      STREAM,
      '--rules',
      'release-stream',
    ]);
    expect(r.status).toBe(2);
    expect(r.err).toContain('error[KV0002]: rule set `release-stream` has no `on enable`');
    expect(r.err).toContain('it is a policy file (4 policies)');
    const plan = await cli(['simulate', ROLLOUT, '--rules', 'stack-invariants']);
    expect(plan.status).toBe(2);
    expect(plan.err).toContain('an invariant file');
  });

  it('a catalog given as a plan is bad input (KV0150), not "0 steps, all as expected"', async () => {
    const r = await cli(['check', STREAM]);
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('error[KV0150]: the plan has no steps');
    expect(r.err).toContain('this looks like a catalog');
  });

  it('an initial stack the kernel refuses is KV0003 at its entry, on stderr', async () => {
    const r = await cli(['simulate', 'test/fixtures/cli/initial-refused.plan.yaml']);
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('initial-refused.plan.yaml:4:28: error[KV0003]');
  });
});

describe('output', () => {
  it('several plans under --format json give one document with one entry per plan', async () => {
    const r = await cli([
      'simulate',
      ROLLOUT,
      'examples/vendor-stream/forgotten-state.plan.yaml',
      '--format',
      'json',
    ]);
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.plans.map((p: { file: string }) => p.file)).toEqual([
      ROLLOUT,
      'examples/vendor-stream/forgotten-state.plan.yaml',
    ]);
  });

  it('--quiet prints the verdict line only', async () => {
    const r = await cli(['simulate', ROLLOUT, '--quiet']);
    expect(r.status).toBe(0);
    expect(r.out).toBe(`${ROLLOUT}: rules upstream, transitions auto, 7 steps, all as expected\n`);
    const refuted = await cli(['prove', 'loadable', 'klp_6_8_0_45_r4', '-c', STREAM, '-q']);
    expect(refuted.status).toBe(1);
    expect(refuted.out.trimEnd().split('\n')).toHaveLength(1);
    expect(refuted.out).toMatch(/^refuted: /);
  });

  it('simulate names every step that was not as expected', async () => {
    const plan = [
      'catalog: examples/selftests/test_modules.catalog.yaml',
      'steps:',
      '  - insmod: test_klp_state2',
      '  - insmod: test_klp_state',
      '  - rmmod: test_klp_state2',
    ].join('\n');
    const r = await cli(['simulate', '-', '--quiet'], { stdin: plan });
    expect(r.status).toBe(1);
    expect(r.out).toBe(
      '<stdin>: rules upstream, transitions auto, 3 steps, 2 not as expected: line 4 (insmod test_klp_state: EINVAL, expected ok), line 5 (rmmod test_klp_state2: EBUSY, expected ok)\n',
    );
  });

  it('reads a catalog from standard input with `-`', async () => {
    const r = await cli(['conflicts', '-c', '-', '-q'], { stdin: readFileSync(STREAM, 'utf8') });
    expect(r.status).toBe(1);
    expect(r.out).toBe('1 conflict in <stdin>\n');
  });

  it('says "unpatched", not "replaced", when a step completes a reversed transition', async () => {
    const plan = [
      'catalog: examples/selftests/test_modules.catalog.yaml',
      'transitions: manual',
      'steps:',
      '  - insmod: test_klp_state',
      '  - disable: test_klp_state',
      '  - complete: true',
    ].join('\n');
    const r = await cli(['check', '-'], { stdin: plan });
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/complete +ok \(unpatched `test_klp_state`\)/);
    expect(r.out).not.toContain('replaced');
  });
});

describe('docs/diagnostics.md, command line', () => {
  it('documents every KV00xx code and no other', () => {
    const doc = readFileSync('docs/diagnostics.md', 'utf8');
    const documented = [...doc.matchAll(/^### (KV00\d\d):/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(CLI_CODES).sort());
  });
});
