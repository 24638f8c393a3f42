/**
 * No malformed artifact crashes the readers: truncated and bit-flipped copies of every
 * committed module, and truncated and mutated copies of every C source, each give either a
 * patch with no error or no patch with at least one error diagnostic, never a throw. The
 * outcome counters fail the test when a kind of outcome never occurred.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSource } from '../../../src/ingest/artifacts/c/extract.ts';
import { readModule } from '../../../src/ingest/artifacts/ko.ts';
import type { ArtifactRead } from '../../../src/ingest/artifacts/types.ts';
import { Source } from '../../../src/source/source.ts';
import { FOLDERS } from './helpers.ts';

const modules = FOLDERS.flatMap((dir) =>
  readdirSync(join(dir, 'ko')).map((f) => ({
    file: join(dir, 'ko', f),
    bytes: new Uint8Array(readFileSync(join(dir, 'ko', f))),
  })),
);
const sources = FOLDERS.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') })),
);

type Outcome = 'patch' | 'error';

/** The invariant of every read: a patch and no error, or no patch and an error. */
function outcome(r: ArtifactRead): Outcome {
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (r.patch !== null) {
    expect(errors).toEqual([]);
    return 'patch';
  }
  expect(errors.length).toBeGreaterThan(0);
  for (const d of errors) expect(d.message).toMatch(/^[^\n]+$/);
  return 'error';
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    bits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
);

describe('fuzzed modules', () => {
  it('every truncated or bit-flipped module is a patch or a diagnostic', () => {
    const seen: Record<Outcome, number> = { patch: 0, error: 0 };
    const codes = new Set<string>();
    fc.assert(
      fc.property(fc.nat({ max: modules.length - 1 }), mutation, (which, m) => {
        const original = modules[which];
        if (original === undefined) return;
        let bytes: Uint8Array;
        if (m.kind === 'truncate')
          bytes = original.bytes.slice(0, m.at % (original.bytes.length + 1));
        else {
          bytes = original.bytes.slice();
          for (const [at, bit] of m.bits) {
            const i = at % bytes.length;
            bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
          }
        }
        const r = readModule(original.file, bytes);
        seen[outcome(r)]++;
        for (const d of r.diagnostics) codes.add(d.code);
      }),
      { numRuns: 600 },
    );
    expect(seen.patch).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
    // Both broken ELF and broken livepatch data were reached.
    expect(codes.has('KV0402')).toBe(true);
    expect([...codes].some((c) => c !== 'KV0401' && c !== 'KV0402')).toBe(true);
  });
});

describe('fuzzed C sources', () => {
  it('every truncated or mutated source is a patch or a diagnostic', () => {
    const seen: Record<Outcome, number> = { patch: 0, error: 0 };
    const pieces = [
      '{',
      '}',
      '#if 1\n',
      '#endif\n',
      ',',
      '.id = ',
      'UNKNOWN',
      '"',
      '/*',
      '(',
      '0x',
      ';',
    ];
    fc.assert(
      fc.property(
        fc.nat({ max: sources.length - 1 }),
        fc.nat(),
        fc.option(fc.constantFrom(...pieces), { nil: undefined }),
        (which, at, insert) => {
          const original = sources[which];
          if (original === undefined) return;
          const cut = at % (original.text.length + 1);
          const text =
            insert === undefined
              ? original.text.slice(0, cut)
              : original.text.slice(0, cut) + insert + original.text.slice(cut);
          seen[outcome(readSource(new Source(original.file, text)))]++;
        },
      ),
      { numRuns: 400 },
    );
    expect(seen.patch).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });
});
