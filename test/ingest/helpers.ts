/**
 * Shared helpers of the ingest tests: fixture paths, loading a fixture by its file name, and
 * a diagnostic flattened to what a user sees (code, `file:line:col`, message, underlined text).
 */
import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Loaded, loadCatalogFile, loadPlanFile } from '../../src/ingest/index.ts';
import type { Diagnostic } from '../../src/source/diagnostic.ts';
import type { Source, Span } from '../../src/source/source.ts';

/** The fixture folder, relative to the working directory as users pass paths. */
export const FIXTURES = relative(
  process.cwd(),
  fileURLToPath(new URL('../fixtures/ingest', import.meta.url)),
);

/** The text a span covers. */
export function textAt(source: Source, span: Span): string {
  return source.text.slice(span.start, span.end);
}

export function fixture(path: string): string {
  return join(FIXTURES, path);
}

/** Loads `<case>/plan.*` as a plan and `<case>/catalog.*` as a catalog. */
export function loadFixture(path: string): Loaded<unknown> {
  const file = fixture(path);
  return basename(file).startsWith('plan.') ? loadPlanFile(file) : loadCatalogFile(file);
}

/** Every fixture case with the files a test loads: its plans, or else its catalogs. */
export function fixtureEntries(): string[] {
  const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory());
  return cases.flatMap(({ name: dir }) => {
    const files = readdirSync(join(FIXTURES, dir));
    const plans = files.filter((f) => f.startsWith('plan.'));
    const entries = plans.length > 0 ? plans : files.filter((f) => f.startsWith('catalog.'));
    return entries.map((f) => `${dir}/${f}`);
  });
}

/** A diagnostic as the user reads it; locations are relative to the fixture folder. */
export interface Seen {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly at: string;
  readonly message: string;
  readonly text: string;
  readonly help?: string;
  readonly related?: readonly string[];
}

export function seen(d: Diagnostic): Seen {
  const at = (loc: string) => relative(FIXTURES, loc);
  return {
    code: d.code,
    severity: d.severity,
    at: at(d.source.location(d.span.start)),
    message: d.message,
    text: textAt(d.source, d.span),
    ...(d.help === undefined ? {} : { help: d.help }),
    ...(d.related === undefined
      ? {}
      : { related: d.related.map((r) => `${r.message} @ ${at(r.source.location(r.span.start))}`) }),
  };
}
