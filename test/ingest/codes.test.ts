/**
 * The code table against what the readers really emit: every code in `INGEST_CODES` is
 * produced by some fixture and no fixture produces a code outside it. Also the message style
 * and the `Loaded` invariant, over every fixture.
 */
import { describe, expect, it } from 'vitest';
import { INGEST_CODES } from '../../src/ingest/index.ts';
import { fixtureEntries, loadFixture } from './helpers.ts';

const results = fixtureEntries().map((file) => ({ file, result: loadFixture(file) }));
const diagnostics = results.flatMap((x) => x.result.diagnostics);

/**
 * Codes no checked-in file can produce: a FIFO or device (KV0126), a file over 4 MiB (KV0127),
 * and KV0003, an `initial` stack the rules refuse, is a command-line code (src/cli/codes.ts). test/fuzz has a
 * case for each.
 */
const NOT_FROM_FIXTURES = ['KV0126', 'KV0127'];

describe('INGEST_CODES', () => {
  it('covers exactly the codes the fixtures produce', () => {
    const seen = [...new Set(diagnostics.map((d) => d.code))].sort();
    expect(seen).toEqual(
      Object.keys(INGEST_CODES)
        .filter((c) => !NOT_FROM_FIXTURES.includes(c))
        .sort(),
    );
  });

  it('describes each code in one line', () => {
    for (const [code, text] of Object.entries(INGEST_CODES)) {
      expect(code).toMatch(/^KV01\d\d$/);
      expect(text).toMatch(/^[^\n]+[^.\n]$/);
    }
  });
});

describe('every fixture', () => {
  it('has a value exactly when no diagnostic is an error', () => {
    for (const { file, result } of results) {
      const errors = result.diagnostics.some((d) => d.severity === 'error');
      expect({ file, loaded: result.value !== null }).toEqual({ file, loaded: !errors });
    }
    // Both sides occur: some fixtures load, some do not.
    expect(results.some((x) => x.result.value === null)).toBe(true);
    expect(results.some((x) => x.result.value !== null)).toBe(true);
  });

  it('reports in house style: one line, lowercase start, no final period', () => {
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) {
      expect(d.message).toMatch(/^[a-z`][^\n]*[^.\n]$/);
      if (d.help !== undefined) expect(d.help).not.toContain('\n');
    }
  });
});
