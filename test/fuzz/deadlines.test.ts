/**
 * Time limits are guarantees: on a generated 5,000-patch catalog, `conflicts` ends within its
 * time budget plus one second, with `unknown` and what it established; the load matrix, n²
 * simulator steps, stops at its share of the budget instead of running for minutes. Few and
 * small in time on purpose (about 5 s in all).
 */
import { describe, expect, it } from 'vitest';
import { generateCatalog } from '../../bench/generate.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import { conflictRules, findConflicts } from '../../src/query/conflicts.ts';
import { loadMatrix } from '../../src/query/conflicts-replay.ts';
import { deadlineCatalogOptions } from '../support/deadline-catalog.ts';

const big = generateCatalog(deadlineCatalogOptions(5000));

function upstream() {
  const rs = loadRuleSet('upstream');
  if (rs.kind !== 'ok') throw new Error('upstream does not load');
  return conflictRules(rs.value);
}

describe('deadlines on 5,000 patches', () => {
  it('the load matrix stops at its deadline, incomplete', () => {
    const t0 = Date.now();
    const m = loadMatrix(big, upstream().kernel, t0 + 200);
    // The n first loads (`alone`) are always made: O(n), well under a second without load.
    expect(Date.now() - t0).toBeLessThan(200 + 3000);
    expect(m.complete).toBe(false);
    expect(m.cells.length).toBeLessThan(big.patches.length);
    expect(m.alone).toHaveLength(big.patches.length);
  });

  it('conflicts ends within --timeout + 1 s, unknown', async () => {
    const t0 = Date.now();
    const r = await findConflicts(big, upstream(), { timeoutMs: 2000 });
    expect(Date.now() - t0).toBeLessThan(2000 + 1000);
    expect(r.status.kind).toBe('unknown');
    expect(r.matrix.complete).toBe(false);
  });
});
