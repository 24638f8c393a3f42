/**
 * Property-based fuzzing of every reader (catalog, plan, rule file) with random bytes and with
 * random mutations of valid files: a reader never throws, refuses only with an error
 * diagnostic, renders every diagnostic without a raw control character and within a bounded
 * size, and answers in bounded time. Through `main`, the exit status is always 0 to 3.
 * Outcome counters fail the test when a side (accepted, refused) never occurred.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { normalizeText } from '../../src/ingest/fs.ts';
import { parseCatalog, parsePlan } from '../../src/ingest/index.ts';
import { compileRuleSet } from '../../src/lang/checker.ts';
import { type Diagnostic, type Loaded, renderDiagnostic } from '../../src/source/diagnostic.ts';
import { Source } from '../../src/source/source.ts';
import { CATALOG } from './corpus.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'klp-prop-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

const VALID_PLAN =
  'rules: upstream\ncatalog: catalog.yaml\ninitial: [klp_a]\nsteps:\n  - insmod: klp_b\n  - { disable: klp_b, expect: ok }\n';
const VALID_RULES = readFileSync('rules/kernel/upstream.klp', 'utf8');

// biome-ignore lint/suspicious/noControlCharactersInRegex: this is what the test looks for
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Bytes decoded as the readers decode them (invalid UTF-8 is refused before any parser). */
function decode(bytes: Uint8Array): string | null {
  try {
    return normalizeText(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
}

/** A valid text with random edits: deletions, duplications, insertions of syntax characters. */
function mutated(valid: string): fc.Arbitrary<string> {
  const pieces = [
    ':',
    '-',
    '[',
    ']',
    '{',
    '}',
    '"',
    "'",
    '#',
    '\n',
    '  ',
    '\t',
    '&a',
    '*a',
    '!!str',
    '%YAML 1.1\n',
    '0x',
    '18446744073709551616',
    '-1',
    '(',
    ')',
    'not ',
    ' and ',
    'some x in catalog: ',
    '\u0000',
    '\u001b[2J',
    '\ufeff',
    '\r',
    'é',
  ];
  const edit = fc.oneof(
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 20 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.constantFrom(...pieces),
    }),
    fc.record({
      kind: fc.constant('repeat' as const),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 40 }),
    }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let t = valid;
    for (const e of edits) {
      const at = e.at % (t.length + 1);
      if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.len);
      else if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
      else t = t.slice(0, at) + t.slice(at, at + e.len).repeat(3) + t.slice(at);
    }
    return t;
  });
}

const anyText = (valid: string) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(valid) },
    { weight: 3, arbitrary: mutated(valid) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => decode(b) ?? '') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );

interface Counters {
  accepted: number;
  refused: number;
}

/** What every reader guarantees, on one result. */
function checkLoaded(r: Loaded<unknown>, started: number, seen: Counters): void {
  const errors = r.diagnostics.filter((d: Diagnostic) => d.severity === 'error');
  if (r.kind === 'ok') {
    seen.accepted++;
    expect(errors).toEqual([]);
  } else {
    seen.refused++;
    expect(errors.length).toBeGreaterThan(0);
  }
  for (const d of r.diagnostics) {
    const text = renderDiagnostic(d);
    expect(RAW_CONTROL.test(text), text).toBe(false);
    expect(d.message).not.toContain('\n');
    expect(text.length).toBeLessThan(2000);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('readers never throw and refuse only with a diagnostic', () => {
  it('catalogs', () => {
    const seen: Counters = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(anyText(CATALOG), (text) => {
        const t0 = performance.now();
        checkLoaded(parseCatalog(new Source('catalog.yaml', normalizeText(text))), t0, seen);
      }),
      { numRuns: 400 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('plans, with the catalog they name', () => {
    const seen: Counters = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(anyText(VALID_PLAN), anyText(CATALOG), (plan, catalog) => {
        const t0 = performance.now();
        const r = parsePlan(new Source('plans/plan.yaml', normalizeText(plan)), () => catalog);
        checkLoaded(r, t0, seen);
      }),
      { numRuns: 300 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('rule files', () => {
    const seen: Counters = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(anyText(VALID_RULES), (text) => {
        const t0 = performance.now();
        checkLoaded(compileRuleSet(new Source('upstream.klp', normalizeText(text))), t0, seen);
      }),
      { numRuns: 300 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

describe('the command line on random input', () => {
  it('ends with exit 0-3, and a diagnostic for every refusal', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(anyText(CATALOG), fc.constantFrom('text', 'json'), async (text, format) => {
        const io = bufferIo();
        const dir = mkdtempSync(join(ROOT, 'case-'));
        writeFileSync(
          join(dir, 'plan.yaml'),
          'catalog: catalog.yaml\nsteps: [{ complete: true }]\n',
        );
        writeFileSync(join(dir, 'catalog.yaml'), text);
        const status = await main(['simulate', join(dir, 'plan.yaml'), '--format', format], io);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect([0, 1, 2, 3]).toContain(status);
        // Text diagnostics on stderr, or the one JSON document on stdout.
        if (status === 2) expect(io.stderr() + io.stdout()).toMatch(/KV\d{4}/);
        expect(RAW_CONTROL.test(io.stdout() + io.stderr())).toBe(false);
      }),
      { numRuns: 150 },
    );
    expect(statuses.get(0) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(2) ?? 0).toBeGreaterThan(0);
  });
});
