/**
 * The pieces every `--format json` document shares, as zod schemas: the envelope
 * (`schemaVersion`, optional `diagnostics`), the bad-input document, state ids, operations,
 * systems and rule violations.
 *
 * These schemas are the one source of truth for the JSON output: the producers in src/report
 * are typed by them ({@link JsonOf}), and scripts/gen-schemas.ts publishes them as JSON Schema
 * in docs/schema/. Objects are strict (no undeclared key), so a field a producer
 * adds without declaring it here fails the schema tests. Shared pieces carry a meta `id`: they
 * become `$defs` of the published schemas.
 */
import { z } from 'zod';

/**
 * The version of every JSON document. Raise it when a field is removed or changes meaning
 * (adding an optional field keeps it).
 *
 * @example
 * JSON.parse(out).schemaVersion === SCHEMA_VERSION
 */
export const SCHEMA_VERSION = 1;

/** `"schemaVersion": 1`, the first key of every document. */
export const schemaVersion = z
  .literal(SCHEMA_VERSION)
  .describe('the version of this document format; raised when a field is removed or changes');

/**
 * The type of a JSON document as the producers build it: the schema's output type, read-only
 * all the way down so producers can hand over the read-only arrays of the engines' results.
 *
 * @example
 * function ruleSetJson(rs: CheckedRuleSet): JsonOf<typeof ruleSetEntry> { ... }
 */
export type JsonOf<S extends z.ZodType> = DeepReadonly<z.output<S>>;

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** 2^53 - 1: the largest integer a JSON number carries exactly. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * A state id (src/report/json.ts `stateIdJson`): an integer when it is exact in a JSON number
 * (at most 2^53 - 1), otherwise the `0x...` string the input format also accepts, so that no id
 * is ever rounded. The string form is used only above 2^53 - 1.
 *
 * @example
 * stateId.parse(1) // 1
 * stateId.parse('0x696f75726e670002') // '0x696f75726e670002'
 */
export const stateId = z
  .union([
    z.int().min(0).max(MAX_EXACT),
    // At least 2^53 = 0x20000000000000 (14 hex digits), at most 2^64 - 1 (16 digits).
    z.string().regex(/^0x(?:[2-9a-f][0-9a-f]{13}|[1-9a-f][0-9a-f]{14,15})$/),
  ])
  .meta({
    id: 'StateId',
    description:
      'a klp_state id: an integer up to 2^53 - 1, a lowercase "0x..." string above, never a rounded number',
  });

/** The errno values livepatch operations fail with (src/model/op.ts). */
export const errno = z.enum(['EINVAL', 'EBUSY', 'EEXIST', 'ENOENT']).meta({ id: 'Errno' });

/** `ok` or an errno: what an operation returned. */
export const opResult = z.union([z.literal('ok'), errno]).meta({ id: 'OpResult' });

/** `auto` or `manual`: whether transitions complete at once or stay pending. */
export const transitionMode = z.enum(['auto', 'manual']).meta({ id: 'TransitionMode' });

/** Which operation a step is (src/model/op.ts `OpKind`). */
export const opKind = z.enum(['insmod', 'rmmod', 'enable', 'disable', 'force', 'complete']);

/**
 * One operation: `{op, patch}`, `patch` null for `complete`. Plan steps, counterexamples and
 * paths all use it.
 *
 * @example
 * op.parse({ op: 'insmod', patch: 'test_klp_state' })
 */
export const op = z
  .strictObject({ op: opKind, patch: z.string().nullable() })
  .meta({ id: 'Op', description: 'an operation; `patch` is null for `complete`' });

/** Kernel transcript lines: `% insmod ...` command lines, `livepatch: ...` lines, errors. */
export const log = z
  .array(z.string())
  .meta({ id: 'Log', description: 'the transcript, as dmesg and the shell would show it' });

/** A name list in order, e.g. klp_patches bottom to top. */
export const names = z.array(z.string());

/** The pending transition, or null. */
export const transition = z
  .strictObject({ patch: z.string(), target: z.enum(['patched', 'unpatched']) })
  .nullable();

/** The shape of `systemJson` (src/report/json.ts), to spread into other objects. */
export const systemShape = {
  stack: names.describe('klp_patches, bottom to top'),
  transition,
  loaded: names.describe('loaded livepatch modules, in load order'),
  forced: names.describe('modules that took part in a forced transition'),
};

/**
 * A system as the kernel holds it: `stack` (klp_patches), `transition`, `loaded`, `forced`.
 *
 * @example
 * system.parse({ stack: ['a'], transition: null, loaded: ['a'], forced: [] })
 */
export const system = z.strictObject(systemShape).meta({ id: 'System' });

/**
 * A rule violation of the kernel rules (src/kernel/rules.ts `Violation`): the rule, the state
 * and versions involved, the message and the rule's sentence.
 *
 * @example
 * violation.parse({ rule: 'r', state: 1, installedBy: 'a', installedVersion: 1, newVersion: null, message: 'm', sentence: 's' })
 */
export const violation = z
  .strictObject({
    rule: z.string(),
    state: stateId.nullable(),
    installedBy: z.string().nullable(),
    installedVersion: z.int().nullable(),
    newVersion: z.int().nullable().describe('null when the new patch lacks the state'),
    message: z.string(),
    sentence: z.string(),
  })
  .meta({ id: 'Violation' });

/**
 * A diagnostic about the input (src/source/diagnostic.ts `diagnosticJson`): code (documented
 * in docs/diagnostics.md), severity, message, where it starts (1-based line and column) and
 * ends, the text it underlines, and advice when there is some. A diagnostic about the command
 * line (KV0001, a usage error) has no location: `file`, `line` and `column` are null.
 *
 * @example
 * diagnostic.parse({ code: 'KV0102', severity: 'error', message: 'unknown key `replase`', file: 'plan.yaml', line: 3, column: 5, endLine: 3, endColumn: 12, text: 'replase', help: 'did you mean `replace`?' })
 */
export const diagnostic = z
  .strictObject({
    code: z.string().regex(/^KV[0-9]{4}$/),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    file: z.string().nullable().describe('null when the problem has no location'),
    line: z.int().min(1).nullable(),
    column: z.int().min(1).nullable(),
    offset: z
      .int()
      .min(0)
      .optional()
      .describe('in a binary file (a module): the byte offset; `line` and `column` are null'),
    endLine: z.int().min(1).optional(),
    endColumn: z.int().min(1).optional(),
    text: z.string().optional().describe('the text the diagnostic underlines'),
    help: z.string().optional().describe('advice, e.g. "did you mean `replace`?"'),
  })
  .meta({ id: 'Diagnostic' });

/** `diagnostics`, optional on every document: warnings about the input. */
export const diagnostics = z.array(diagnostic);

/** How many diagnostics were left out of `diagnostics` (at most 50 are listed). */
export const omittedDiagnostics = z
  .int()
  .min(1)
  .describe('diagnostics left out: at most 50 are listed, errors first');

/**
 * A document: `schemaVersion` first, the given fields, then the optional `diagnostics`.
 *
 * @example
 * const doc = document({ verdict: z.string() })
 */
export function document<const T extends z.core.$ZodShape>(shape: T) {
  return z.strictObject({
    schemaVersion,
    ...shape,
    diagnostics: diagnostics.optional(),
    omittedDiagnostics: omittedDiagnostics.optional(),
  });
}

/**
 * What every command prints under `--format json` when its input is bad (exit status 2): the
 * diagnostics, errors first or in file order as the CLI sorts them.
 *
 * @example
 * badInputDocument.parse({ schemaVersion: 1, diagnostics: [] })
 */
export const badInputDocument = z
  .strictObject({ schemaVersion, diagnostics, omittedDiagnostics: omittedDiagnostics.optional() })
  .meta({ id: 'BadInput', description: 'bad input (exit status 2): every diagnostic' });

/**
 * What every command prints under `--format json --quiet`: the verdict line only.
 *
 * @example
 * quietDocument.parse({ schemaVersion: 1, verdict: 'proved: ...' })
 */
export const quietDocument = z
  .strictObject({ schemaVersion, verdict: z.string() })
  .meta({ id: 'Quiet', description: '`--quiet`: the verdict line only' });

/**
 * What every command prints under `--format json` when its time limit ran out before anything
 * was established (while reading the input): exit status 3, and what it was doing.
 *
 * @example
 * outOfTimeDocument.parse({ schemaVersion: 1, command: 'conflicts', verdict: 'unknown: ...', unknown: { reason: 'timeout', while: 'reading c.yaml' } })
 */
export const outOfTimeDocument = z
  .strictObject({
    schemaVersion,
    command: z.string(),
    verdict: z.string(),
    unknown: z.strictObject({
      reason: z.literal('timeout'),
      while: z.string().describe('what was being done, e.g. `reading c.yaml`'),
    }),
    diagnostics: diagnostics.optional(),
    omittedDiagnostics: omittedDiagnostics.optional(),
  })
  .meta({
    id: 'OutOfTime',
    description: 'the time limit ran out before anything was decided (exit status 3)',
  });

/**
 * Everything one command prints under `--format json`: its own documents, the bad-input
 * document, the out-of-time one, or the `--quiet` one.
 *
 * @example
 * const upgradeOutput = output('klp-verify upgrade --format json', 'the shortest path', upgradeDocument)
 */
export function output(title: string, description: string, ...documents: z.ZodType[]) {
  return z.union([...documents, badInputDocument, outOfTimeDocument, quietDocument]).meta({
    title,
    description: `${description}; or bad input; or out of time before anything was decided; or the verdict (--quiet)`,
  });
}
