/**
 * The JSON documents of `audit catalog` (src/report/audit.ts `auditJson`) and `audit diff`
 * (src/report/audit-diff.ts `auditDiffJson`): every patch's verdict with its shortest
 * counterexample replayed on the simulator, the upgrade matrix, the conflicts, the policies and
 * the findings grouped by cause; and, for `audit diff`, what NEW breaks and fixes. Both
 * commands print `{output, verdict}` instead when `--output FILE` took the report.
 */
import { z } from 'zod';
import { document, log, names, op, output, stateId, violation } from './common.ts';

/** Who settled a question (src/query/audit/patches.ts `Method`). */
const method = z
  .enum(['simulator', 'engine', 'not-asked'])
  .describe('who settled the question: exhaustive simulation, the SMT engine, or nobody in time');

/** A patch's verdict over every deployed stack (src/query/audit/patches.ts `PatchVerdict`). */
export const patchVerdict = z.enum(['loadable', 'refuted', 'dead', 'unknown', 'installed']);

/** Where to look in the catalog file: 1-based line and column, start and end. */
const location = z
  .strictObject({
    file: z.string(),
    line: z.int().min(1),
    col: z.int().min(1),
    endLine: z.int().min(1),
    endCol: z.int().min(1),
    origin: z
      .string()
      .optional()
      .describe(
        'where the fact comes from, for catalogs built from artifacts (C line or module offset)',
      ),
  })
  .nullable()
  .describe('where to fix it in the catalog; null for a catalog without positions');

/** A patched function as the catalog lists it. */
const klpFunc = z.strictObject({
  object: z.string().describe('`vmlinux` or the module the function is in'),
  name: z.string(),
  sympos: z.int().min(0),
});

/** The fields every finding has after its own. */
const findingTail = {
  patches: names.describe('the catalog patches the finding is about'),
  message: z.string(),
  location,
};

/** Why an `insmod` is refused: the rule and state that block it, and who holds the state. */
const refusalCause = {
  patch: z.string(),
  rule: z.string().nullable(),
  state: stateId.nullable(),
  holders: names.describe('installed patches that hold the cause, catalog order'),
};

/** One finding (src/query/audit/findings.ts `Finding`), with its message and location. */
export const finding = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('refusable-patch'),
      severity: z.literal('error'),
      ...refusalCause,
      steps: z.int().min(1).describe('steps of the shortest counterexample'),
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('dead-patch'),
      severity: z.literal('error'),
      ...refusalCause,
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('policy-violation'),
      severity: z.literal('error'),
      ruleSet: z.string(),
      policy: z.string(),
      detail: z.string().describe("the policy's own message"),
      states: z.array(stateId),
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('reverted-functions'),
      severity: z
        .enum(['error', 'warning'])
        .describe('error when a policy file refuses that insmod'),
      patch: z.string().describe('the cumulative patch'),
      replaced: z.string().describe('the patch that patched the functions last'),
      functions: z.array(klpFunc),
      from: names.describe(
        'klp_patches of a reachable configuration where it happens, bottom to top',
      ),
      policies: z.array(z.strictObject({ ruleSet: z.string(), rules: names })),
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('unreachable-upgrade'),
      severity: z.literal('warning'),
      reason: z.enum(['stays', 'never-enabled', 'invariant']),
      blocker: z.string().nullable().describe('the patch the reason names, if any'),
      cells: z.array(z.strictObject({ from: names, to: z.string() })),
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('conflict'),
      severity: z.literal('warning'),
      ...findingTail,
    }),
    z.strictObject({
      kind: z.literal('undecided'),
      severity: z.literal('note'),
      what: z.enum(['patch', 'upgrade', 'conflicts', 'reverted-functions', 'policies']),
      subject: z
        .string()
        .describe(
          'a patch, `from -> to`, `cumulative over replaced`, or empty for the conflicts or the reverted-functions search as a whole',
        ),
      ...findingTail,
    }),
  ])
  .meta({ id: 'AuditFinding' });

/**
 * Why no upgrade path exists (src/query/upgrade.ts `UnreachableReason`), proved: a patch that
 * never leaves klp_patches, one that is never enabled, or the inductive invariant.
 */
export const unreachableReason = z
  .union([
    z.strictObject({
      kind: z.enum(['stays', 'never-enabled']),
      patch: z.string(),
      message: z.string(),
    }),
    z.strictObject({ kind: z.literal('invariant'), message: z.string() }),
  ])
  .meta({ id: 'UnreachableReason' });

/** A counterexample's fields shared with `audit diff`'s witness. */
const witnessShape = {
  from: names.describe('the deployed stack it starts from, bottom to top'),
  steps: z.array(op).describe('from that stack; the last is the refused `insmod`'),
  patches: names.describe('the other patches it operates on: a minimal set'),
  violations: z.array(violation),
  log: log.describe("the simulator's replay of the steps"),
};

const counterexample = z.strictObject({
  ...witnessShape,
  shortest: z.int().min(1).describe('fewest steps of any counterexample over the whole catalog'),
  undecided: names.describe('patches kept in `patches` because deciding their drop timed out'),
});

/** What was decided from one deployed stack. */
const stackVerdict = z.discriminatedUnion('verdict', [
  z.strictObject({ from: names, verdict: z.literal('loadable'), decidedBy: method }),
  z.strictObject({
    from: names,
    verdict: z.literal('refuted'),
    dead: z.union([z.boolean(), z.literal('unknown')]).describe('refused everywhere from here'),
    decidedBy: method,
  }),
  z.strictObject({
    from: names,
    verdict: z.literal('unknown'),
    depth: z.int().min(0).describe('no counterexample of at most this many operations'),
    reason: z.enum(['timeout', 'size']),
  }),
  z.strictObject({ from: names, verdict: z.literal('installed') }),
]);

/** One cell of the upgrade matrix: from a deployed stack to one patch alone. */
const upgradeCell = z.strictObject({
  from: names,
  to: names,
  verdict: z.enum(['reachable', 'unreachable', 'unknown']),
  steps: z.array(op).optional().describe('a path of fewest operations (reachable)'),
  reason: unreachableReason.optional().describe('why no path exists (unreachable)'),
  depth: z.int().min(0).optional().describe('no path of at most this many operations (unknown)'),
  decidedBy: method,
});

/** A policy violation: the rule file's message, the patches and states it names. */
const policyViolation = z.strictObject({
  message: z.string(),
  patches: names,
  states: z.array(stateId),
});

/**
 * `audit catalog --format json`.
 *
 * @example
 * auditDocument.parse(JSON.parse(out)).verdict // 'errors'
 */
export const auditDocument = document({
  command: z.literal('audit catalog'),
  verdict: z.enum(['clean', 'errors', 'unknown']),
  complete: z.boolean().describe('every question was decided'),
  rules: z.string(),
  policyRuleSets: names,
  transitions: z.literal('auto'),
  deployed: z.array(names).describe('the stacks every question starts from, bottom to top'),
  findings: z.array(finding).describe('errors first, each group in catalog order'),
  patches: z.array(
    z.strictObject({
      name: z.string(),
      verdict: patchVerdict,
      counterexample: counterexample.optional().describe('the shortest over every stack'),
      stacks: z.array(stackVerdict),
    }),
  ),
  upgrades: z.array(upgradeCell).describe('row by row, each in catalog order of the target'),
  conflicts: z.array(z.strictObject({ patches: names })),
  conflictsStatus: z.enum(['complete', 'limit', 'unknown']),
  policies: z.array(
    z.strictObject({
      ruleSet: z.string(),
      policy: z.string(),
      sentence: z.string(),
      violations: z.array(policyViolation),
    }),
  ),
  stats: z.strictObject({
    ms: z.number().min(0),
    patchMs: z.number().min(0),
    upgradeMs: z.number().min(0),
    conflictMs: z.number().min(0),
    revertedMs: z.number().min(0).describe('deciding the reverted-functions finding'),
    bySimulator: z.int().min(0),
    byEngine: z.int().min(0),
  }),
}).meta({ title: 'klp-verify audit catalog --format json (result)' });

/**
 * What an audit prints when `--output FILE` took the report: where, and the verdict line.
 *
 * @example
 * writtenDocument.parse({ schemaVersion: 1, output: 'audit.json', verdict: '...' })
 */
export const writtenDocument = document({
  output: z.string().describe('the file the report was written to'),
  verdict: z.string(),
}).meta({ id: 'Written', description: '`--output FILE`: where the report went' });

/**
 * Everything `audit catalog --format json` prints.
 *
 * @example
 * auditOutput.parse(JSON.parse(out))
 */
export const auditOutput = output(
  'klp-verify audit catalog --format json',
  'the whole catalog audited: patches, upgrade matrix, conflicts, policies, findings; or where --output wrote it',
  auditDocument,
  writtenDocument,
);

const change = <K extends string, T extends z.core.$ZodShape>(kind: K, shape: T) =>
  z.strictObject({ kind: z.literal(kind), message: z.string(), ...shape });

/** One difference between OLD and NEW (src/query/audit/diff.ts `DiffChange`). */
export const diffChange = z
  .discriminatedUnion('kind', [
    change('patch-broken', {
      patch: z.string(),
      before: patchVerdict.nullable().describe('null: the patch is new in NEW'),
      after: z.enum(['refuted', 'dead']),
      witness: z.strictObject(witnessShape).describe('replayed on the simulator'),
    }),
    change('patch-fixed', {
      patch: z.string(),
      before: z.enum(['refuted', 'dead']),
      after: patchVerdict,
    }),
    change('upgrade-cut', {
      from: names,
      to: names,
      before: z.array(op).describe("OLD's path"),
      reason: unreachableReason.nullable().describe('why NEW has none, proved'),
    }),
    change('upgrade-restored', { from: names, to: names, steps: z.array(op) }),
    change('conflict-new', { patches: names }),
    change('conflict-gone', { patches: names }),
    change('policy-broken', {
      ruleSet: z.string(),
      policy: z.string(),
      violation: policyViolation,
    }),
    change('policy-fixed', { ruleSet: z.string(), policy: z.string(), violation: policyViolation }),
    change('undecided', { what: z.enum(['patch', 'upgrade', 'conflicts']), subject: z.string() }),
  ])
  .meta({ id: 'AuditDiffChange' });

/**
 * `audit diff --format json`.
 *
 * @example
 * auditDiffDocument.parse(JSON.parse(out)).verdict // 'breaks'
 */
export const auditDiffDocument = document({
  command: z.literal('audit diff'),
  verdict: z.enum(['breaks', 'unknown', 'ok']),
  rules: z.string(),
  deployed: z.array(names),
  breaks: z.array(diffChange).describe('what NEW breaks that OLD allowed'),
  fixes: z.array(diffChange),
  undecided: z.array(diffChange).describe('what could not be compared in time'),
  stats: z.strictObject({ oldMs: z.number().min(0), newMs: z.number().min(0) }),
}).meta({ title: 'klp-verify audit diff --format json (result)' });

/**
 * Everything `audit diff --format json` prints.
 *
 * @example
 * auditDiffOutput.parse(JSON.parse(out))
 */
export const auditDiffOutput = output(
  'klp-verify audit diff --format json',
  'what NEW breaks and fixes that OLD allowed, each break with its witness; or where --output wrote it',
  auditDiffDocument,
  writtenDocument,
);
