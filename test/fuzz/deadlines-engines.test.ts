/**
 * Time limits are guarantees for every engine: on a generated 5,000-patch catalog each
 * question (prove loadable and an invariant, upgrade, synth, diff-rules, audit catalog), with
 * automatic and manual transitions, ends within its budget plus SLACK_MS with `unknown` (or
 * an answer, if it had one in time), never after minutes. The loops before the solver (the
 * cone of influence, the unrolling, the load matrix) look at the deadline too.
 *
 * Budgets are small (2 s) so the file stays fast; the slack is what the bound allows (1 s).
 */
import { describe, expect, it } from 'vitest';
import { generateCatalog } from '../../bench/generate.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { TransitionMode } from '../../src/model/system.ts';
import { proveInvariant, proveLoadable } from '../../src/prove/prove.ts';
import { auditCatalog } from '../../src/query/audit/audit.ts';
import { diffRules } from '../../src/query/diff-rules.ts';
import { synthesize } from '../../src/query/synth.ts';
import { upgrade } from '../../src/query/upgrade.ts';
import { deadlineCatalogOptions } from '../support/deadline-catalog.ts';

const BUDGET_MS = 2000;
/** What `--timeout` plus 1 s allows. */
const SLACK_MS = 1000;

const big = generateCatalog(deadlineCatalogOptions(5000));
const middle = big.patches[2500]?.name ?? '';
const first = big.patches[0]?.name ?? '';

function rules(name: string) {
  const rs = loadRuleSet(name);
  if (rs.kind !== 'ok') throw new Error(`${name} does not load`);
  return rs.value;
}
const upstream = rules('upstream');

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await run();
  return { value, ms: Date.now() - t0 };
}

describe.each<TransitionMode>(['auto', 'manual'])(
  'deadlines on 5,000 patches, %s transitions',
  (transitions) => {
    const common = { catalog: big, ruleSet: upstream, transitions, timeoutMs: BUDGET_MS };

    it('prove loadable', async () => {
      const r = await timed(() => proveLoadable({ ...common, patch: middle }));
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(r.value.verdict).not.toBe('error');
    });

    it('prove invariant', async () => {
      const r = await timed(() =>
        proveInvariant({
          ...common,
          invariants: rules('stack-invariants'),
          invariant: 'no-lower-version-above',
        }),
      );
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(r.value.verdict).not.toBe('error');
    });

    it('upgrade', async () => {
      const r = await timed(() => upgrade({ ...common, from: [first], to: [middle] }));
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(r.value.verdict).not.toBe('error');
    });

    it('synth', async () => {
      const r = await timed(() => synthesize({ ...common, patch: middle }));
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(r.value.verdict).not.toBe('error');
    });

    it('diff-rules', async () => {
      const r = await timed(() =>
        diffRules({
          catalog: big,
          left: upstream,
          right: rules('replace-set'),
          transitions,
          timeoutMs: BUDGET_MS,
        }),
      );
      expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(r.value.verdict).not.toBe('error');
    });
  },
);

describe('audit catalog on 5,000 patches', () => {
  it('ends within its budget, incomplete', async () => {
    const r = await timed(() =>
      auditCatalog({
        catalog: big,
        ruleSet: upstream,
        policies: [],
        deployed: null,
        timeoutMs: BUDGET_MS,
      }),
    );
    expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(r.value.kind === 'ok' && r.value.result.complete).toBe(false);
  });
});
