/**
 * Every input diagnostic code is documented in docs/diagnostics.md, and the documentation
 * names no code the readers do not have.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INGEST_CODES } from '../../src/ingest/codes.ts';

const DOC = readFileSync('docs/diagnostics.md', 'utf8');

describe('docs/diagnostics.md, input files', () => {
  it('has a section for every ingest code', () => {
    const documented = [...DOC.matchAll(/^### (KV01\d\d):/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(INGEST_CODES).sort());
  });
});
