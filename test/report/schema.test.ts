/**
 * Every `--format json` document validates against its PUBLISHED JSON Schema
 * (docs/schema/<name>.schema.json, read from disk and compiled by ajv for draft 2020-12): every
 * bundled example plan through `simulate` and `check`, every example catalog through `prove
 * loadable`, `prove invariant`, `conflicts`, `upgrade`, `synth` and `diff-rules`, the shipped
 * rule sets and the rule-language fixtures through `rules list` and `rules check`, the
 * several-plans document and the bad-input document. Each document is also parsed by the zod
 * schema it was generated from, so the two cannot drift apart silently. Commands run in-process;
 * each command runs once and its output is shared by the assertions.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { loadPlanFile } from '../../src/ingest/index.ts';
import { badInputJson } from '../../src/report/diagnostics.ts';
import { stateIdJson } from '../../src/report/json.ts';
import { plansJson } from '../../src/report/plan.ts';
import { stateId } from '../../src/report/schema/common.ts';
import { PUBLISHED } from '../../src/report/schema/index.ts';
import { checkPlanDocument, simulatePlanDocument } from '../../src/report/schema/plan.ts';

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

/** Rule files with errors and warnings: one diagnostic of every kind the checker reports. */
const RULE_FIXTURES = readdirSync('test/fixtures/lang').map((d) =>
  join('test/fixtures/lang', d, 'rules.klp'),
);

describe('simulate and check', () => {
  it.each(PLANS)('simulate %s', async (plan) => {
    expectValid('simulate', (await run(['simulate', plan])).doc);
  });

  it.each(PLANS)('check %s', async (plan) => {
    expectValid('check', (await run(['check', plan])).doc);
  });

  it('validates several plans as one document of entries', async () => {
    const simulated = await Promise.all(PLANS.map(async (p) => (await run(['simulate', p])).doc));
    const checked = await Promise.all(PLANS.map(async (p) => (await run(['check', p])).doc));
    const bad = badInputJson(loadPlanFile('examples/broken/typos.yaml').diagnostics);
    const badEntry = { file: 'examples/broken/typos.yaml', diagnostics: bad.diagnostics };
    // Entries are the single-plan documents without `schemaVersion`.
    const simulateEntries = simulated.map((d) => {
      const { schemaVersion: _, ...entry } = simulatePlanDocument.parse(d);
      return entry;
    });
    const checkEntries = checked.map((d) => {
      const { schemaVersion: _, ...entry } = checkPlanDocument.parse(d);
      return entry;
    });
    expectValid('simulate', plansJson([...simulateEntries, badEntry]));
    expectValid('check', plansJson([...checkEntries, badEntry]));
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

  it('rules check: the shipped rule sets and files with errors and warnings', async () => {
    expectValid('rules-check', (await run(['rules', 'check', ...RULE_FILES])).doc);
    const fixtures = await run(['rules', 'check', ...RULE_FIXTURES]);
    expect(fixtures.status).toBe(1);
    expectValid('rules-check', fixtures.doc);
  });
});

describe('bad input', () => {
  it('is valid under every published schema: any command may print it', () => {
    const doc = badInputJson(loadPlanFile('examples/broken/typos.yaml').diagnostics);
    expect(doc.diagnostics.length).toBeGreaterThan(1);
    for (const p of PUBLISHED) expectValid(p.name, doc);
  });

  it('allows a diagnostic without a location', () => {
    const doc = {
      schemaVersion: 1,
      diagnostics: [
        {
          code: 'KV0001',
          severity: 'error',
          message: 'no such file',
          file: null,
          line: null,
          column: null,
          help: null,
        },
      ],
    };
    expectValid('bad-input', doc);
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
