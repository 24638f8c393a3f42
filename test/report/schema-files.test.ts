/**
 * docs/schema/ is generated, never edited: every committed file equals what
 * scripts/gen-schemas.ts (`npm run schemas`) writes from src/report/schema/, and no stale file
 * is left behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED } from '../../src/report/schema/index.ts';
import { schemaFiles } from '../../src/report/schema/publish.ts';

const DIR = 'docs/schema';

describe('docs/schema', () => {
  const files = schemaFiles();

  it.each(files.map((f) => f.name))('%s is up to date (run `npm run schemas`)', (name) => {
    const expected = files.find((f) => f.name === name)?.text;
    expect(readFileSync(join(DIR, name), 'utf8')).toBe(expected);
  });

  it('holds no file the script does not write', () => {
    expect(readdirSync(DIR).sort()).toEqual(files.map((f) => f.name).sort());
  });

  it('declares draft 2020-12 in every schema, and schemaVersion 1 in every document', () => {
    const lines = new Set(PUBLISHED.filter((p) => p.line).map((p) => `${p.name}.schema.json`));
    expect(lines.size).toBeGreaterThan(0);
    for (const f of files.filter((x) => x.name.endsWith('.schema.json'))) {
      const text = f.text;
      expect(JSON.parse(text)).toHaveProperty(
        '$schema',
        'https://json-schema.org/draft/2020-12/schema',
      );
      if (lines.has(f.name)) expect(text).not.toContain('"schemaVersion":');
      else expect(text).toContain('"const": 1');
    }
  });
});
