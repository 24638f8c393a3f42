/**
 * Writes docs/schema/: the JSON Schema (draft 2020-12) of every `--format json` document,
 * generated from the zod schemas of src/report/schema/, and the README that lists which
 * command prints which. test/report/schema-files.test.ts fails when the committed files differ.
 *
 * Usage: npm run schemas
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../src/report/schema/publish.ts';

const dir = 'docs/schema';
mkdirSync(dir, { recursive: true });
for (const f of schemaFiles()) writeFileSync(join(dir, f.name), f.text);
