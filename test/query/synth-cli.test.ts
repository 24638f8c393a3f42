/**
 * `klp-verify synth` as users meet it: help, argument errors, exit statuses 0 / 1 / 2 / 3, the
 * text report (verdict, why each state, the catalog entry and the C to paste) and the JSON
 * object; and the catalog entry pasted into the catalog makes `prove loadable` prove it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const SELFTESTS = 'examples/selftests/test_modules.catalog.yaml';
const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const FIXTURES = 'test/fixtures/synth';
const HOUSE = `${FIXTURES}/house-rules/house-rules.klp`;

describe('help', () => {
  it('is listed among the commands', async () => {
    const r = await cli('--help');
    expect(r.out).toMatch(/synth\s+Find the smallest state declaration/);
  });

  it('explains the options, gives examples and the exit statuses', async () => {
    const r = await cli('synth', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify synth PATCH --catalog FILE [options]');
    for (const option of [
      '--catalog FILE',
      '--rules NAME|FILE',
      '--replace BOOL',
      '--initial A,B,...',
      '--transitions MODE',
      '--timeout SECONDS',
      '--format FORMAT',
    ]) {
      expect(r.out).toContain(option);
    }
    expect(r.out).toMatch(/exit status:\n {2}0 {2}found/);
    expect(r.out).toMatch(/ {2}1 {2}none exists/);
    expect(r.out).toMatch(/ {2}3 {2}unknown/);
  });
});

describe('argument errors', () => {
  it('needs a patch and a catalog', async () => {
    const noPatch = await cli('synth', '-c', SELFTESTS);
    expect(noPatch.status).toBe(2);
    expect(noPatch.err).toContain('missing PATCH');
    const noCatalog = await cli('synth', 'P');
    expect(noCatalog.status).toBe(2);
    expect(noCatalog.err).toContain('missing `--catalog FILE`');
  });

  it('checks --replace, the timeout and the module name', async () => {
    const replace = await cli('synth', 'P', '-c', SELFTESTS, '--replace', 'yes');
    expect(replace.status).toBe(2);
    expect(replace.err).toContain('`yes` is not a valid value for `--replace`');
    const timeout = await cli('synth', 'P', '-c', SELFTESTS, '--timeout', '-1');
    expect(timeout.status).toBe(2);
    expect(timeout.err).toContain('`-1` is not a valid value for `--timeout`');
    const name = await cli('synth', 'my patch', '-c', SELFTESTS);
    expect(name.status).toBe(2);
    expect(name.err).toContain('`my patch` is not a module name');
  });

  it('refuses a name that kbuild makes the same module as a catalog patch', async () => {
    const r = await cli('synth', 'test-klp-state', '-c', SELFTESTS);
    expect(r.status).toBe(2);
    expect(r.err).toContain(
      '`test-klp-state` is the same module as catalog patch `test_klp_state`',
    );
  });

  it('checks the initial stack', async () => {
    const unknown = await cli('synth', 'P', '-c', SELFTESTS, '--initial', 'test_klp_stat');
    expect(unknown.status).toBe(2);
    expect(unknown.err).toContain('--initial: patch `test_klp_stat` is not in the catalog');
    expect(unknown.err).toContain('did you mean `test_klp_state`?');
    const self = await cli(
      'synth',
      'test_klp_state',
      '-c',
      SELFTESTS,
      '--initial',
      'test_klp_state',
    );
    expect(self.status).toBe(2);
    expect(self.err).toContain('is in the initial stack');
  });

  it('reports an unreadable catalog and an unknown rule set as bad input', async () => {
    expect((await cli('synth', 'P', '-c', 'no/such/catalog.yaml')).status).toBe(2);
    expect((await cli('synth', 'P', '-c', SELFTESTS, '-r', 'upstreem')).status).toBe(2);
  });
});

describe('text', () => {
  it('found: the verdict, each choice with why each state, the entry and the C (exit 0)', async () => {
    const r = await cli('synth', 'test_klp_state4', '-c', SELFTESTS);
    expect(r.status).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      'found: the smallest declaration of `test_klp_state4` that makes it loadable is non-cumulative, no',
    );
    expect(r.out).toContain('`test_klp_state4` may be cumulative or not');
    expect(r.out).toContain('cumulative (replace = true): 1 state\n  state 1 at version 2\n');
    expect(r.out).toContain(
      'needed: without it, `insmod test_klp_state4` is rejected after `insmod test_klp_state`',
    );
    expect(r.out).toContain(
      'not lower: at version 1, it is rejected after `insmod test_klp_state2`',
    );
    expect(r.out).toContain(
      '  - name: test_klp_state4\n    replace: true\n    states:\n      - { id: 1, version: 2 }\n',
    );
    expect(r.out).toContain('    \t{ .id = 1, .version = 2 },\n');
    expect(r.out).toContain('    \t.replace = true,\n');
    expect(r.out).toContain('non-cumulative (replace = false): no states');
  });

  it('must be cumulative: the configuration that rules a non-cumulative P out', async () => {
    const r = await cli(
      'synth',
      'P',
      '-c',
      `${FIXTURES}/must-be-cumulative/catalog.yaml`,
      '-r',
      HOUSE,
    );
    expect(r.status).toBe(0);
    expect(r.out).toContain('`P` must be cumulative: no non-cumulative declaration is loadable');
    expect(r.out).toContain('non-cumulative (replace = false): none exists');
    expect(r.out).toContain('1. after `insmod release_1` (klp_patches: release_1)');
    expect(r.out).toContain(
      'hotfix-stays-off-releases: non-cumulative patch `P` would stack on cumulative release',
    );
  });

  it('none: the configurations and why, exit 1', async () => {
    const r = await cli(
      'synth',
      'P',
      '-c',
      `${FIXTURES}/same-state-in-two-replace-sets/catalog.yaml`,
      '-r',
      'replace-set',
      '--replace',
      'true',
    );
    expect(r.status).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      'none: no declaration of `P` makes it loadable (--replace true: cumulative only)',
    );
    expect(r.out).toContain('admitted on all of these 2 configurations');
    expect(r.out).toContain(
      'other-set-leaves-states-alone: patch `P` (replace set 0) declares state 1',
    );
    expect(r.out).not.toContain('non-cumulative (replace = false)');
  });

  it('unknown when the time runs out, exit 3', async () => {
    const r = await cli('synth', 'P', '-c', STREAM, '--timeout', '0.001');
    expect(r.status).toBe(3);
    expect(r.out).toContain('unknown: the time limit ran out');
    expect(r.out).toContain('give it more time with --timeout SECONDS');
  });

  it('refuses a rule set that ranges over the catalog, exit 2', async () => {
    const r = await cli(
      'synth',
      'P',
      '-c',
      `${FIXTURES}/reads-the-catalog/catalog.yaml`,
      '-r',
      `${FIXTURES}/reads-the-catalog/catalog-rules.klp`,
    );
    expect(r.status).toBe(2);
    expect(r.err).toContain('ranges over `catalog` in a kernel rule');
  });
});

const Declaration = z.object({
  replace: z.boolean(),
  states: z.array(z.object({ id: z.union([z.number(), z.string()]), version: z.number() })),
  yaml: z.string(),
  c: z.string(),
});
const Rejection = z.object({
  configuration: z.object({
    origin: z.enum(['initial', 'one-step', 'counterexample']),
    steps: z.array(z.object({ op: z.string(), patch: z.string().nullable() })),
    stack: z.array(z.string()),
  }),
  errno: z.literal('EINVAL'),
  reasons: z.array(z.object({ rule: z.string(), message: z.string() })),
  log: z.array(z.string()),
});
const Report = z.object({
  patch: z.string(),
  rules: z.string(),
  verdict: z.enum(['found', 'none', 'unknown']),
  cumulative: z.enum(['must', 'must-not', 'either']).nullable(),
  replaceFixed: z.boolean().nullable(),
  smallest: Declaration.nullable(),
  choices: z.array(
    z.discriminatedUnion('outcome', [
      z.object({
        outcome: z.literal('found'),
        replace: z.boolean(),
        declaration: Declaration,
        needs: z.array(
          z.object({
            id: z.union([z.number(), z.string()]),
            version: z.number(),
            without: Rejection,
            lower: Rejection.nullable(),
          }),
        ),
        proof: z.object({ statement: z.string(), method: z.string().nullable() }),
        candidates: z.number(),
      }),
      z.object({
        outcome: z.literal('none'),
        replace: z.boolean(),
        minimal: z.boolean(),
        configurations: z.array(
          z.object({ stack: z.array(z.string()), rejection: Rejection.nullable() }),
        ),
      }),
      z.object({ outcome: z.literal('unknown'), replace: z.boolean(), reason: z.string() }),
      z.object({ outcome: z.literal('not-asked'), replace: z.boolean() }),
    ]),
  ),
  universe: z.object({ ids: z.array(z.union([z.number(), z.string()])), fresh: z.number() }),
  stats: z.object({ ms: z.number(), candidates: z.number(), configurations: z.number() }),
});

describe('json', () => {
  it('carries the verdict, every choice, the declarations with YAML and C, and the reasons', async () => {
    const r = await cli('synth', 'klp_6_8_0_45_r5', '-c', STREAM, '--format', 'json');
    expect(r.status).toBe(0);
    const report = Report.parse(JSON.parse(r.out));
    expect(report.verdict).toBe('found');
    expect(report.cumulative).toBe('either');
    const cumulative = report.choices.find((c) => c.replace);
    if (cumulative?.outcome !== 'found') throw new Error('no cumulative declaration');
    // 64-bit ids are strings, never rounded numbers.
    expect(cumulative.declaration.states).toEqual([
      { id: '0x696f75726e670002', version: 1 },
      { id: '0x6e6574f117c60001', version: 2 },
      { id: '0x7463705f72740003', version: 1 },
    ]);
    expect(cumulative.needs.map((n) => n.without.reasons[0]?.rule)).toEqual([
      'cumulative-handles-all',
      'cumulative-handles-all',
      'cumulative-handles-all',
    ]);
  });

  it('none: the configurations with the declaration each one rejects', async () => {
    const r = await cli(
      'synth',
      'P',
      '-c',
      `${FIXTURES}/no-declaration-house-rules/catalog.yaml`,
      '-r',
      HOUSE,
      '-f',
      'json',
    );
    expect(r.status).toBe(1);
    const report = Report.parse(JSON.parse(r.out));
    expect(report.verdict).toBe('none');
    expect(report.smallest).toBeNull();
    const stacks = report.choices.map((c) =>
      c.outcome === 'none' ? c.configurations.map((x) => x.stack) : [],
    );
    expect(stacks).toEqual([[['hotfix_pinned']], [['release_1']]]);
  });
});

describe('the catalog entry, pasted', () => {
  it('makes `prove loadable` prove the new patch', async () => {
    const r = await cli(
      'synth',
      'klp_6_8_0_45_r5',
      '-c',
      STREAM,
      '--replace',
      'true',
      '--format',
      'json',
    );
    const report = Report.parse(JSON.parse(r.out));
    const yaml = report.smallest?.yaml ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'klp-synth-'));
    const file = join(dir, 'stream.catalog.yaml');
    writeFileSync(file, `${readFileSync(STREAM, 'utf8').trimEnd()}\n\n${yaml}\n`);
    const proved = await cli('prove', 'loadable', 'klp_6_8_0_45_r5', '-c', file);
    expect(proved.err).toBe('');
    expect(proved.status).toBe(0);
    expect(proved.out).toMatch(/^proved: `insmod klp_6_8_0_45_r5` is never rejected/);
    // One version lower is refuted: the entry is no bigger than it has to be.
    writeFileSync(
      file,
      `${readFileSync(STREAM, 'utf8').trimEnd()}\n\n${yaml.replace('version: 2', 'version: 1')}\n`,
    );
    expect((await cli('prove', 'loadable', 'klp_6_8_0_45_r5', '-c', file)).status).toBe(1);
  });
});
