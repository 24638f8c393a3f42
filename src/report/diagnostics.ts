/**
 * Diagnostics in JSON (the `Diagnostic` of src/report/schema/common.ts), and the document every
 * command prints under `--format json` when its input is bad: `{schemaVersion, diagnostics}`.
 */
import { type Diagnostic, sortDiagnostics } from '../source/diagnostic.ts';
import {
  type badInputDocument,
  type diagnostic,
  type JsonOf,
  SCHEMA_VERSION,
} from './schema/common.ts';

/**
 * One diagnostic: code, severity, message, file, 1-based line and column of the start of its
 * span, and the advice (null when there is none).
 *
 * @example
 * diagnosticEntryJson(d) // { code: 'KV0102', severity: 'error', message: 'unknown key `replase`', file: 'plan.yaml', line: 3, column: 5, help: 'did you mean `replace`?' }
 */
export function diagnosticEntryJson(d: Diagnostic): JsonOf<typeof diagnostic> {
  const start = d.source.position(d.span.start);
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.source.file,
    line: start.line,
    column: start.col,
    help: d.help ?? null,
  };
}

/**
 * Diagnostics in JSON, sorted by file and position as the text output shows them.
 *
 * @example
 * diagnosticsJson(loaded.diagnostics)[0]?.code // 'KV0102'
 */
export function diagnosticsJson(diags: readonly Diagnostic[]): JsonOf<typeof diagnostic>[] {
  return sortDiagnostics(diags).map(diagnosticEntryJson);
}

/**
 * The bad-input document (exit status 2): `{schemaVersion, diagnostics}`.
 *
 * @example
 * stringify(badInputJson(loaded.diagnostics)) // '{"schemaVersion":1,"diagnostics":[{"code":"KV0102",...}]}'
 */
export function badInputJson(diags: readonly Diagnostic[]): JsonOf<typeof badInputDocument> {
  return { schemaVersion: SCHEMA_VERSION, diagnostics: diagnosticsJson(diags) };
}
