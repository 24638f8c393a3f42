// Every KV07xx code is documented in docs/diagnostics.md, in the section for real kernel runs
// at the end of the file, and the section names no code src/vm does not have.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VM_CODES } from '../../src/vm/codes.ts';

const DOC = readFileSync('docs/diagnostics.md', 'utf8');

describe('docs/diagnostics.md, real kernel runs', () => {
  it('documents every KV07xx code with its meaning, in its own section', () => {
    const section = DOC.slice(DOC.indexOf('## Real kernel runs (KV07xx)'));
    const documented = [...section.matchAll(/^### (KV07\d\d): (.+)$/gm)].map((m) => [m[1], m[2]]);
    expect(documented).toEqual(Object.entries(VM_CODES));
  });
});
