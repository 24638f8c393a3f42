/**
 * Every `--format json` document validates against its PUBLISHED JSON Schema
 * (docs/schema/<name>.schema.json, read from disk and compiled by ajv for draft 2020-12): every
 * bundled example plan through `simulate` and `check` (one at a time and all at once), every
 * example catalog through `prove loadable`, `prove invariant`, `conflicts`, `upgrade` and
 * `synth`, `diff-rules` on the block-disable example, the shipped rule sets and the
 * rule-language fixtures through `rules list` and `rules check`, bad input of every command,
 * and `--quiet`. Each document is also parsed by the zod schema it was generated from, so the
 * two cannot drift apart silently. Commands run in-process, each once; assertions share the
 * output.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { loadPlanFile } from '../../src/ingest/plan.ts';
import type { Op } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { stateIdJson } from '../../src/report/json.ts';
import { kernelBootFailedJson, kernelJson, kernelPlanJson } from '../../src/report/kernel.ts';
import { stateId } from '../../src/report/schema/common.ts';
import { PUBLISHED } from '../../src/report/schema/index.ts';
import { compareRuns, simulateSettled } from '../../src/vm/compare.ts';
import { kernelPlanRun } from '../../src/vm/kernel-run.ts';
import { parseGuestOutput } from '../../src/vm/parse.ts';
import { disable, insmod, options, rmmod } from '../kernel/helpers.ts';

const SCHEMA_DIR = 'docs/schema';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = new Map<string, ValidateFunction>();

/** The validator of docs/schema/<name>.schema.json, compiled once. */
function published(name: string): ValidateFunction {
  let v = validators.get(name);
  if (v === undefined) {
    const file = join(SCHEMA_DIR, `${name}.schema.json`);
    v = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    validators.set(name, v);
  }
  return v;
}

/** Names of the published schemas some document was validated against. */
const exercised = new Set<string>();

/** Fails with ajv's error text unless `doc` is valid under schema `name` (and its zod twin). */
function expectValid(name: string, doc: unknown): void {
  const validate = published(name);
  if (!validate(doc)) {
    throw new Error(
      `not valid under ${SCHEMA_DIR}/${name}.schema.json: ${ajv.errorsText(validate.errors, { separator: '\n' })}`,
    );
  }
  const zod = PUBLISHED.find((p) => p.name === name)?.schema;
  expect(zod?.safeParse(doc).error).toBeUndefined();
  exercised.add(name);
}

interface Run {
  readonly status: number;
  readonly doc: unknown;
}

const runs = new Map<string, Promise<Run>>();

/** Runs the CLI in-process once per argument list; stdout must be exactly one JSON document. */
function run(argv: readonly string[]): Promise<Run> {
  const key = argv.join('\0');
  let r = runs.get(key);
  if (r === undefined) {
    r = (async () => {
      const io = bufferIo();
      const status = await main([...argv, '--format', 'json'], io);
      const out = io.stdout();
      if (out.trim() === '')
        throw new Error(`no JSON on stdout (status ${status}): ${io.stderr()}`);
      return { status, doc: JSON.parse(out) };
    })();
    runs.set(key, r);
  }
  return r;
}

const PLANS = readdirSync('examples')
  .flatMap((dir) =>
    readdirSync(join('examples', dir))
      .filter((f) => f.endsWith('.plan.yaml'))
      .map((f) => join('examples', dir, f)),
  )
  .sort();

const SELFTESTS = 'examples/selftests/test_modules.catalog.yaml';

/** Each example catalog with a patch to ask about and a stack to upgrade between. */
const CATALOGS = [
  {
    file: SELFTESTS,
    patch: 'test_klp_state3',
    from: 'test_klp_state',
    to: 'test_klp_state3',
  },
  {
    file: 'examples/vendor-stream/stream.catalog.yaml',
    patch: 'klp_6_8_0_45_r4',
    from: 'klp_6_8_0_45_r1',
    to: 'klp_6_8_0_45_r4',
  },
  {
    file: 'examples/block-disable/shadow.catalog.yaml',
    patch: 'klp_sock_fix_r2',
    from: 'klp_sock_fix_r1',
    to: 'klp_legacy_r0',
  },
];

const SHADOW = 'examples/block-disable/shadow.catalog.yaml';

/** Solver commands per catalog: [schema name, argv without `--format json`]. */
const CATALOG_RUNS: readonly (readonly [string, readonly string[]])[] = [
  ...CATALOGS.flatMap((c): [string, string[]][] => [
    ['prove', ['prove', 'loadable', c.patch, '-c', c.file]],
    ['prove', ['prove', 'invariant', 'no-lower-version-above', '-c', c.file]],
    ['conflicts', ['conflicts', '-c', c.file]],
    ['upgrade', ['upgrade', '--from', c.from, '--to', c.to, '-c', c.file]],
    ['synth', ['synth', c.patch, '-c', c.file]],
  ]),
  // Slower on the larger catalogs (a product of two systems); the shadow catalog is where the
  // two rule sets part ways in both directions.
  ['diff-rules', ['diff-rules', 'upstream', 'block-disable', '-c', SHADOW]],
  // Unreachable: the legacy release is never enabled under block-disable.
  [
    'upgrade',
    [
      'upgrade',
      '--from',
      'klp_sock_fix_r1',
      '--to',
      'klp_legacy_r0',
      '-c',
      SHADOW,
      '-r',
      'block-disable',
    ],
  ],
];

const RULE_FILES = ['rules/kernel', 'rules/policy'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.klp'))
    .map((f) => join(dir, f)),
);

/** The rule-language fixtures: one diagnostic of every kind the checker reports. */
const RULE_FIXTURES = readdirSync('test/fixtures/lang')
  .map((d) => join('test/fixtures/lang', d, 'rules.klp'))
  .filter((f) => existsSync(f));

/** Those with warnings only (their expected diagnostics have no error). */
const WARNING_FIXTURES = RULE_FIXTURES.filter(
  (f) => !readFileSync(join(f, '..', 'expected.json'), 'utf8').includes('"error"'),
);

describe('simulate and check', () => {
  it.each(PLANS)('simulate %s', async (plan) => {
    expectValid('simulate', (await run(['simulate', plan])).doc);
  });

  it.each(PLANS)('check %s', async (plan) => {
    expectValid('check', (await run(['check', plan])).doc);
  });

  it('several plans: one document with one entry per plan', async () => {
    for (const command of ['simulate', 'check']) {
      const r = await run([command, ...PLANS]);
      expect(r.doc).toHaveProperty('plans.length', PLANS.length);
      expectValid(command, r.doc);
    }
  });
});

describe('queries over the example catalogs', () => {
  it.each(CATALOG_RUNS)('%s: %j', async (name, argv) => {
    const r = await run(argv);
    expect(r.status).toBeLessThan(2);
    expectValid(name, r.doc);
  });

  it('says unknown in a valid document when the time runs out', async () => {
    const r = await run(['conflicts', '-c', SELFTESTS, '--timeout', '0.001']);
    expect(r.status).toBe(3);
    expectValid('conflicts', r.doc);
    const synth = await run([
      'synth',
      'klp_6_8_0_45_r4',
      '-c',
      CATALOGS[1]?.file ?? '',
      '-t',
      '0.05',
    ]);
    expectValid('synth', synth.doc);
  });
});

describe('outcomes the examples do not reach', () => {
  it('synth: no cumulative declaration, the other choice not asked', async () => {
    const catalog = 'test/fixtures/synth/same-state-in-two-replace-sets/catalog.yaml';
    const r = await run(['synth', 'P', '-c', catalog, '-r', 'replace-set', '--replace', 'true']);
    expect(r.status).toBe(1);
    expectValid('synth', r.doc);
  });

  it('upgrade: a block_disable patch stays, its disable rejected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-schema-'));
    const catalog = join(dir, 'blocked.catalog.yaml');
    writeFileSync(
      catalog,
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
    const r = await run([
      'upgrade',
      '--from',
      'stuck',
      '--to',
      '',
      '-c',
      catalog,
      '-r',
      'block-disable',
    ]);
    expect(r.status).toBe(1);
    expect(r.doc).toHaveProperty('reason.disable.result', 'EINVAL');
    expectValid('upgrade', r.doc);
  });
});

describe('rules', () => {
  it('rules list: every shipped rule set, by name and by file', async () => {
    expectValid('rules-list', (await run(['rules', 'list'])).doc);
    expectValid('rules-list', (await run(['rules', 'list', 'upstream', ...RULE_FILES])).doc);
  });

  it('rules check: the shipped rule sets, files with warnings, files with errors', async () => {
    expectValid('rules-check', (await run(['rules', 'check', ...RULE_FILES])).doc);
    expect(WARNING_FIXTURES.length).toBeGreaterThan(0);
    const warnings = await run(['rules', 'check', ...WARNING_FIXTURES]);
    expect(warnings.status).toBe(0);
    expect(warnings.doc).toHaveProperty('diagnostics.0.severity', 'warning');
    expectValid('rules-check', warnings.doc);
    const errors = await run(['rules', 'check', ...RULE_FIXTURES]);
    expect(errors.status).toBe(2);
    expectValid('rules-check', errors.doc);
  });
});

const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const FLEET = 'examples/fleet/fleet.ndjson';
const ORDER_FLEET = [
  'test/fixtures/fleet/order-dependent/fleet.ndjson',
  '--catalog',
  'test/fixtures/fleet/order-dependent/catalog.yaml',
  '--rules',
  'test/fixtures/fleet/order-dependent/top-only.klp',
  '--rollout',
  'klp_next',
];

/** A fresh folder for files a command writes. */
const scratch = () => mkdtempSync(join(tmpdir(), 'klp-schema-'));

/** The stream with r3 rebuilt without the hotfix's state: NEW breaks r3 and adds a conflict. */
function candidateStream(): string {
  const text = readFileSync(STREAM, 'utf8').replace(
    /( {4}states:\n {6}- \{ id: "0x6e6574f117c60001", version: 2 \}\n {6}- \{ id: "0x696f75726e670002", version: 1 \}\n) {6}- \{ id: "0x7463705f72740003", version: 1 \}\n/,
    '$1',
  );
  expect(text).not.toBe(readFileSync(STREAM, 'utf8'));
  const file = join(scratch(), 'candidate.catalog.yaml');
  writeFileSync(file, text);
  return file;
}

describe('catalog build', () => {
  it('the artifact stream, printed and written with -o', async () => {
    const r = await run(['catalog', 'build', 'examples/artifact-stream/src']);
    expect(r.status).toBe(0);
    expect(r.doc).toHaveProperty('patches.0.states.0.source.line');
    expectValid('catalog-build', r.doc);
    const out = join(scratch(), 'built.json');
    const w = await run(['catalog', 'build', 'examples/artifact-stream/src', '-o', out]);
    expect(w.doc).toHaveProperty('output', out);
    expectValid('catalog-build', w.doc);
    expectValid('catalog-build', JSON.parse(readFileSync(out, 'utf8')));
  });

  it('a module that is not one: a diagnostic at a byte offset', async () => {
    const ko = join(scratch(), 'klp_broken.ko');
    writeFileSync(ko, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    const r = await run(['catalog', 'build', ko]);
    expect(r.status).toBe(2);
    expect(r.doc).toHaveProperty('diagnostics.0.offset');
    expect(r.doc).toHaveProperty('diagnostics.0.line', null);
    expectValid('catalog-build', r.doc);
    expectValid('bad-input', r.doc);
  });
});

describe('audit catalog and audit diff', () => {
  it.each([
    [STREAM],
    [SELFTESTS],
    [SHADOW, '--rules', 'block-disable'],
    [STREAM, '--deployed', 'test/fixtures/audit/fleet/deployed.yaml'],
  ])('audit catalog %s %s %s', async (...argv) => {
    const r = await run(['audit', 'catalog', ...argv]);
    expect(r.status).toBeLessThan(2);
    expectValid('audit-catalog', r.doc);
  });

  it('every finding kind and patch verdict the stream reaches is in the document', async () => {
    const r = await run(['audit', 'catalog', STREAM]);
    const doc = r.doc as { findings: { kind: string }[]; patches: { verdict: string }[] };
    expect(new Set(doc.findings.map((f) => f.kind))).toEqual(
      new Set(['refusable-patch', 'policy-violation', 'conflict', 'reverted-functions']),
    );
    expect(doc.patches.map((p) => p.verdict)).toContain('refuted');
  });

  it('--output FILE: the report in the file, where it went on stdout', async () => {
    const out = join(scratch(), 'audit.json');
    const r = await run(['audit', 'catalog', STREAM, '--output', out]);
    expect(r.doc).toHaveProperty('output', out);
    expectValid('audit-catalog', r.doc);
    expectValid('audit-catalog', JSON.parse(readFileSync(out, 'utf8')));
  });

  it('audit diff: nothing broken, and a candidate that breaks a patch and fixes a policy', async () => {
    const same = await run(['audit', 'diff', STREAM, STREAM]);
    expect(same.status).toBe(0);
    expectValid('audit-diff', same.doc);
    const r = await run(['audit', 'diff', STREAM, candidateStream()]);
    expect(r.status).toBe(1);
    const kinds = (r.doc as { breaks: { kind: string }[]; fixes: { kind: string }[] }).breaks
      .concat((r.doc as { fixes: { kind: string }[] }).fixes)
      .map((c) => c.kind);
    expect(kinds).toEqual(expect.arrayContaining(['patch-broken', 'conflict-new', 'policy-fixed']));
    expectValid('audit-diff', r.doc);
    // The other way round: what NEW broke, OLD fixes.
    const back = await run(['audit', 'diff', candidateStream(), STREAM]);
    expectValid('audit-diff', back.doc);
  });
});

describe('audit fleet and audit log', () => {
  it('the example fleet: a rollout, consistency only, and an order sysfs does not show', async () => {
    const rollout = await run([
      'audit',
      'fleet',
      FLEET,
      '-c',
      STREAM,
      '--rollout',
      'klp_6_8_0_45_r4',
    ]);
    const verdicts = (rollout.doc as { configurations: { verdict: string }[] }).configurations.map(
      (c) => c.verdict,
    );
    expect(new Set(verdicts)).toEqual(new Set(['admitted', 'refused', 'inconsistent']));
    expectValid('audit-fleet', rollout.doc);
    const consistency = await run(['audit', 'fleet', FLEET, '-c', STREAM]);
    expect(consistency.doc).toHaveProperty('configurations.0.verdict', 'consistent');
    expectValid('audit-fleet', consistency.doc);
    const order = await run(['audit', 'fleet', ...ORDER_FLEET]);
    expect(order.doc).toHaveProperty('byVerdict.unknown');
    expect((order.doc as { byVerdict: { unknown: number } }).byVerdict.unknown).toBeGreaterThan(0);
    expectValid('audit-fleet', order.doc);
  });

  it('--format ndjson: every line valid, one per host line', async () => {
    const io = bufferIo();
    const status = await main(
      ['audit', 'fleet', FLEET, '-c', STREAM, '--rollout', 'klp_6_8_0_45_r4', '--format', 'ndjson'],
      io,
    );
    expect(status).toBe(1);
    const lines = io.stdout().trim().split('\n');
    expect(lines.length).toBe(readFileSync(FLEET, 'utf8').trim().split('\n').length);
    for (const line of lines) expectValid('audit-fleet-host', JSON.parse(line));
  });

  it.each([
    ['examples/fleet/web7.dmesg.txt', '-c', STREAM],
    ['test/fixtures/logs/vendor-stream/dmesg.txt', '-c', STREAM],
    ['test/fixtures/logs/journal/kernel-json.ndjson', '-c', STREAM],
  ])('audit log %s', async (...argv) => {
    const r = await run(['audit', 'log', ...argv]);
    expect(r.status).not.toBe(4);
    expectValid('audit-log', r.doc);
  });
});

describe('kernel', () => {
  // The console of Debian 12's Linux 6.1 under QEMU recorded in test/fixtures/vm: scenario 4
  // of test-state.sh. No QEMU here: the renderer is fed the real run read back from it.
  const console = readFileSync('test/fixtures/vm/selftest-and-forced-replace.console.txt', 'utf8');
  const STATE = [
    patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
    patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
  ];
  const AUTO: Op[] = [
    insmod('test_klp_state2'),
    insmod('test_klp_state'),
    disable('test_klp_state2'),
    rmmod('test_klp_state2'),
  ];

  it('a recorded run, alone and compared (agreeing and not) with the simulator', () => {
    const out = parseGuestOutput(console);
    const guest = out.plans[0];
    if (guest === undefined) throw new Error('no plan in the recorded console');
    const run = kernelPlanRun(AUTO, 0, guest);
    const file = 'examples/selftests/incompatible-cumulative.plan.yaml';
    const plan = loadPlanFile(file).value;
    expect(plan?.steps.map((st) => st.op)).toEqual(AUTO);
    const meta = {
      file,
      rules: 'upstream',
      transitions: 'auto' as const,
      release: out.release ?? 'unknown',
      steps: plan?.steps ?? [],
    };
    const agree = compareRuns(run, simulateSettled(AUTO, options(STATE)));
    const disagree = compareRuns(
      run,
      simulateSettled(AUTO, options(STATE.map((p) => ({ ...p, states: [] })))),
    );
    expect(new Set(disagree.map((d) => d.kind))).toEqual(new Set(['result', 'log', 'final']));
    const plans = [null, agree, disagree].map((d) => kernelPlanJson(meta, run, d));
    const runMeta = {
      image: 'vmlinuz-6.1.0-57-amd64',
      release: meta.release,
      boots: 1,
      seconds: 12.5,
      compiled: 2,
      mappings: [
        {
          patch: 'test_klp_state',
          declared: 'vmlinux:cmdline_proc_show',
          mappedTo: 'vmlinux:klp_target_0',
        },
      ],
    };
    expectValid('kernel', JSON.parse(JSON.stringify(kernelJson(runMeta, plans))));
    expectValid('kernel', kernelBootFailedJson('timeout', 'the kernel did not finish', 'tail'));
  });

  it('bad input: no kernel given', async () => {
    const r = await run(['kernel', PLANS[0] ?? '']);
    expect(r.status).toBe(2);
    expectValid('kernel', r.doc);
  });
});

const BROKEN = 'examples/broken/typos.yaml';

/** Bad input (exit 2) for every command: [schema name, argv without `--format json`]. */
const BAD_INPUT: readonly (readonly [string, readonly string[]])[] = [
  ['simulate', ['simulate', BROKEN]],
  ['check', ['check', BROKEN, PLANS[0] ?? '']],
  ['prove', ['prove', 'loadable', 'klp_fix_a', '-c', BROKEN]],
  ['prove', ['prove', 'invariant', 'no-such-invariant', '-c', SELFTESTS]],
  ['conflicts', ['conflicts', '-c', SELFTESTS, '--rules', 'release-stream']],
  ['upgrade', ['upgrade', '--from', 'no-such-patch', '--to', '', '-c', SELFTESTS]],
  ['synth', ['synth', 'P', '-c', SELFTESTS, '--no-such-option']],
  ['diff-rules', ['diff-rules', 'upstream', 'no-such-rule-set', '-c', SELFTESTS]],
  ['rules-list', ['rules', 'list', 'no-such-rule-set']],
  ['rules-check', ['rules', 'check', 'test/fixtures/cli/typo-rule.klp']],
];

describe('bad input', () => {
  it.each(BAD_INPUT)('%s: %j prints the bad-input document', async (name, argv) => {
    const r = await run(argv);
    expect(r.status).toBe(2);
    expect(r.doc).toHaveProperty('diagnostics.0.severity', 'error');
    expectValid(name, r.doc);
    expectValid('bad-input', r.doc);
  });
});

describe('--quiet', () => {
  it('prints the verdict line as a document', async () => {
    const r = await run(['simulate', PLANS[0] ?? '', '--quiet']);
    expect(r.doc).toHaveProperty('verdict');
    expectValid('simulate', r.doc);
    expectValid('rules-list', (await run(['rules', 'list', '-q'])).doc);
  });
});

describe('state ids', () => {
  it('are integers up to 2^53 - 1 and 0x strings above, as stateIdJson writes them', () => {
    for (const id of [
      0n,
      1n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      0x696f75726e670002n,
      2n ** 64n - 1n,
    ]) {
      expect(stateId.safeParse(stateIdJson(id)).success).toBe(true);
    }
    // A string where a number is exact, or a number that was rounded, is not a state id.
    for (const bad of ['0x1fffffffffffff', '0x1', '0x00696f75726e6700', 2 ** 53, -1, 1.5]) {
      expect(stateId.safeParse(bad).success).toBe(false);
    }
  });
});

describe('coverage', () => {
  it('validated some output against every published schema', () => {
    expect([...exercised].sort()).toEqual(PUBLISHED.map((p) => p.name).sort());
  });
});
