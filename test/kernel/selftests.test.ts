/**
 * The four scenarios of the kernel's tools/testing/selftests/livepatch/test-state.sh, replayed on
 * the simulator and compared line for line with the selftest's expected kernel log (see
 * test/fixtures/kernel/README.md for how the fixtures were derived and normalized).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { run } from '../../src/kernel/index.ts';
import { catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../src/model/system.ts';
import { upstreamRules } from '../support/rules.ts';
import { complete, options } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/kernel');

const CatalogFile = z.object({
  patches: z.array(
    z.object({
      name: z.string(),
      replace: z.boolean(),
      states: z.array(z.object({ id: z.number().int().positive(), version: z.number().int() })),
    }),
  ),
});
const OpsFile = z.array(
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.enum(['insmod', 'rmmod', 'enable', 'disable', 'force']),
      patch: z.string(),
    }),
    z.object({ kind: z.literal('complete') }),
  ]),
);

function load(name: string) {
  const dir = join(FIXTURES, name);
  const json = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const cat = catalog(CatalogFile.parse(json('catalog.json')).patches.map((p) => patch(p.name, p)));
  const ops: Op[] = OpsFile.parse(json('ops.json'));
  const expected = readFileSync(join(dir, 'expected.log'), 'utf8')
    .trimEnd()
    .split('\n')
    // The selftests load `test_modules/P.ko`; the simulator names the file `P.ko`.
    .map((line) => line.replaceAll('test_modules/', ''));
  return { cat, ops, expected };
}

const SCENARIOS = [
  { name: 'system-state-modification', results: ['ok', 'ok', 'ok'] },
  { name: 'taking-over-system-state-modification', results: ['ok', 'ok', 'ok', 'ok', 'ok'] },
  {
    name: 'compatible-cumulative-livepatches',
    results: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  { name: 'incompatible-cumulative-livepatches', results: ['ok', 'EINVAL', 'ok', 'ok'] },
];

describe('test-state.sh scenarios', () => {
  it('covers every fixture folder', () => {
    const folders = readdirSync(FIXTURES, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
  });

  it.each(SCENARIOS)('$name: same kernel log as the selftest', ({ name, results }) => {
    const { cat, ops, expected } = load(name);
    const { outcomes, final } = run(EMPTY_SYSTEM, ops, {
      rules: upstreamRules,
      catalog: cat,
      transitions: 'auto',
    });
    expect(outcomes.map((o) => o.result)).toEqual(results);
    expect(outcomes.flatMap((o) => o.log)).toEqual(expected);
    // Every scenario cleans up after itself.
    expect(final).toEqual(EMPTY_SYSTEM);
  });

  it.each(SCENARIOS)(
    '$name: manual transitions completed step by step print the same',
    ({ name }) => {
      const { cat, ops, expected } = load(name);
      const stepwise = ops.flatMap((op) => [op, complete]);
      const { outcomes } = run(EMPTY_SYSTEM, stepwise, options(cat.patches, 'manual'));
      expect(outcomes.flatMap((o) => o.log)).toEqual(expected);
    },
  );

  it('incompatible-cumulative-livepatches: the rejection names state 1 and test_klp_state2', () => {
    const { cat, ops } = load('incompatible-cumulative-livepatches');
    const { outcomes } = run(EMPTY_SYSTEM, ops, {
      rules: upstreamRules,
      catalog: cat,
      transitions: 'auto',
    });
    const v = outcomes[1]?.verdict;
    expect(v?.ok === false ? v.violations.map((x) => x.message) : []).toEqual([
      'patch `test_klp_state` declares state 1 at version 1, lower than version 2 installed by `test_klp_state2`',
    ]);
  });
});
