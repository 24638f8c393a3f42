/**
 * Every diagnostic of the rule language, one fixture folder per case under
 * test/fixtures/lang/: `rules.klp` (or `load.txt`, the argument to `loadRuleSet`) and
 * `expected.json`, the diagnostics in order with code, severity, message, underlined text and
 * help. `rendered.txt`, where present, is the full rendering with code frames.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Loaded, loadRuleSet } from '../../src/ingest/rule-file.ts';
import { compileRuleSet } from '../../src/lang/checker.ts';
import { LANG_CODES } from '../../src/lang/codes.ts';
import { type Diagnostic, renderDiagnostic } from '../../src/source/diagnostic.ts';
import { Source } from '../../src/source/source.ts';

const ROOT = 'test/fixtures/lang';
const cases = readdirSync(ROOT).sort();

interface Expected {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly text: string;
  readonly help?: string;
}

function run(dir: string): Loaded<unknown> {
  const load = join(dir, 'load.txt');
  if (existsSync(load)) return loadRuleSet(readFileSync(load, 'utf8').trim());
  const file = join(dir, 'rules.klp');
  return compileRuleSet(new Source(file, readFileSync(file, 'utf8')));
}

function actual(d: Diagnostic): Expected {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    text: d.source.text.slice(d.span.start, d.span.end),
    ...(d.help === undefined ? {} : { help: d.help }),
  };
}

function expected(dir: string): Expected[] {
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
}

describe('rule language diagnostics', () => {
  it.each(cases)('%s', (name) => {
    const dir = join(ROOT, name);
    const result = run(dir);
    const want = expected(dir);
    expect(result.diagnostics.map(actual)).toEqual(want);
    // Errors and only errors keep a rule set from loading.
    expect(result.kind).toBe(want.some((d) => d.severity === 'error') ? 'error' : 'ok');
    for (const d of result.diagnostics) expect(d.severity).toBe(infoOf(d.code)?.severity);
    const rendered = join(dir, 'rendered.txt');
    if (existsSync(rendered)) {
      expect(result.diagnostics.map(renderDiagnostic).join('\n')).toBe(
        readFileSync(rendered, 'utf8').trimEnd(),
      );
    }
  });

  it('has a fixture for every code', () => {
    const seen = new Set(cases.flatMap((c) => expected(join(ROOT, c)).map((d) => d.code)));
    expect(Object.keys(LANG_CODES).filter((code) => !seen.has(code))).toEqual([]);
  });
});

function infoOf(code: string) {
  return Object.entries(LANG_CODES).find(([c]) => c === code)?.[1];
}
