/**
 * What every command shares: the command type, common options, diagnostics output.
 */
import { stringify } from '../../report/json.ts';
import {
  type Diagnostic,
  diagnosticJson,
  renderDiagnostic,
  sortDiagnostics,
} from '../../source/diagnostic.ts';
import type { OptionSpec } from '../args.ts';
import type { Io } from '../io.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: () => string;
  /** Returns the exit status; throws UsageError for bad arguments. */
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

export const FORMAT_OPTION: OptionSpec = {
  name: 'format',
  short: 'f',
  kind: 'value',
  metavar: 'FORMAT',
  choices: ['text', 'json'],
  default: 'text',
  description: 'output format: text for people, json for scripts',
};

export const RULES_OPTION: OptionSpec = {
  name: 'rules',
  short: 'r',
  kind: 'value',
  metavar: 'NAME|FILE',
  description:
    "rule set by name (`klp-verify rules list`) or rule file path; overrides the plan's `rules:`",
};

/** Diagnostics go to stderr: rendered with code frames, or as one JSON object per file. */
export function printDiagnostics(
  io: Io,
  diags: readonly Diagnostic[],
  format: string,
  file: string,
): void {
  if (diags.length === 0) return;
  const sorted = sortDiagnostics(diags);
  if (format === 'json') {
    io.err(stringify({ file, diagnostics: sorted.map(diagnosticJson) }));
    return;
  }
  io.err(sorted.map(renderDiagnostic).join('\n\n'));
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const warnings = sorted.length - errors;
  const parts = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ].filter((p) => p !== '');
  io.err(`${file}: ${parts.join(', ')}`);
}
