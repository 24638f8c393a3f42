/**
 * The JSON documents of `simulate` and `check` (src/report/plan.ts `simulateJson`,
 * `checkJson`): one plan run, its steps with their results and reasons, where the system ends,
 * and the transcript. `check` adds the solver's proof and the ways out of every step, and the
 * certificate directory. Several PLAN files make one document `{schemaVersion, plans}` holding
 * one entry per file, in the order given.
 */
import { z } from 'zod';
import {
  diagnostics,
  document,
  log,
  opKind,
  opResult,
  output,
  schemaVersion,
  systemShape,
  transitionMode,
  violation,
} from './common.ts';

/** A patched function: its object, name and sympos, as the catalog lists it. */
const funcShape = {
  object: z.string().describe('`vmlinux` or the module the function is in'),
  name: z.string(),
  sympos: z.int().min(0),
};
const owner = z.string().nullable().describe('the patch whose code runs; null: the original code');

/** A function whose owner a step changed (src/analysis/function-owners.ts). */
const ownerChange = z
  .strictObject({
    ...funcShape,
    before: owner,
    after: owner.describe('for tasks already switched when a transition is pending'),
    change: z.enum(['patched', 'repatched', 'reverted', 'mixed']),
    mixed: z.boolean().describe('tasks run different code until the pending transition ends'),
    unswitched: owner.describe('what tasks not yet switched run'),
    revertedBy: z
      .strictObject({ kind: z.enum(['disable', 'replace']), patch: z.string() })
      .nullable(),
  })
  .meta({ id: 'OwnerChange' });

/** Who owns a function at the end of a plan. */
const functionOwner = z
  .strictObject({ ...funcShape, owner, mixed: z.boolean(), unswitched: owner })
  .meta({ id: 'FunctionOwner' });

/** A cumulative patch that reverted a function the patches it replaced had patched. */
const revertWarning = z
  .strictObject({
    kind: z.literal('reverted-function'),
    patch: z.string(),
    ...funcShape,
    lastPatchedBy: z.string(),
    message: z.string(),
  })
  .meta({ id: 'RevertWarning' });

/** A plan's final system: klp_patches and the rest, and every catalog function's owner. */
const planFinal = z
  .strictObject({ ...systemShape, functions: z.array(functionOwner) })
  .meta({ id: 'PlanFinal' });

/** A plan step as `simulate` reports it. */
const simulateStep = z.strictObject({
  op: opKind,
  patch: z.string().nullable(),
  result: opResult,
  expected: opResult,
  line: z.int().min(1).describe("the step's line in the plan file"),
  reasons: z.array(violation).describe('the violations of a rejected step, else empty'),
  functions: z.array(ownerChange).describe('the functions whose owner the step changed'),
});

/** The solver's proof of a step's verdict: proved (admitted or rejected) or unknown. */
const stepProof = z
  .union([
    z.strictObject({
      verdict: z.enum(['admitted', 'rejected']),
      explanation: z
        .strictObject({
          facts: z.array(z.string()),
          rules: z.array(z.string()),
          minimal: z.boolean(),
        })
        .nullable()
        .describe('the facts and rules that force a rejection; null when admitted'),
      waysOut: z.array(z.string()),
      waysOutComplete: z.boolean(),
      queries: z.int().min(0),
    }),
    z.strictObject({
      verdict: z.literal('unknown'),
      reason: z.enum(['timeout', 'resource-limit', 'out-of-memory', 'interrupted', 'incomplete']),
      detail: z.string(),
    }),
  ])
  .meta({ id: 'StepProof' });

/** A plan step as `check` reports it: the `simulate` step, its ways out and its proof. */
const checkStep = simulateStep.extend({
  waysOut: z.array(z.string()),
  proof: stepProof.nullable().describe('null when the step asks the rules nothing'),
  warnings: z.array(revertWarning).describe('functions a cumulative patch reverted'),
});

function planShape<S extends z.ZodType>(step: S) {
  return {
    file: z.string(),
    rules: z.string(),
    transitions: transitionMode,
    ok: z.boolean().describe('every step did what the plan expects'),
    error: z
      .string()
      .optional()
      .describe('present when the initial stack could not be loaded; `steps` is then empty'),
    steps: z.array(step),
    final: planFinal,
    log,
  };
}

const simulatePlanShape = planShape(simulateStep);

const checkPlanShape = {
  ...planShape(checkStep),
  certificate: z.string().nullable().describe('the `--certificate` directory, or null'),
};

/**
 * `simulate PLAN --format json`: one plan run on the simulator.
 *
 * @example
 * simulatePlanDocument.parse(JSON.parse(out)).steps[0]?.result // 'ok'
 */
export const simulatePlanDocument = document(simulatePlanShape).meta({
  title: 'klp-verify simulate --format json (one plan)',
});

/**
 * `check PLAN --format json`: one plan run with the solver's proof of every step.
 *
 * @example
 * checkPlanDocument.parse(JSON.parse(out)).steps[0]?.proof?.verdict // 'admitted'
 */
export const checkPlanDocument = document(checkPlanShape).meta({
  title: 'klp-verify check --format json (one plan)',
});

/**
 * One plan of several in `simulate`: the plan document without `schemaVersion`.
 *
 * @example
 * simulatePlanEntry.parse(doc.plans[0])
 */
export const simulatePlanEntry = z.strictObject({
  ...simulatePlanShape,
  diagnostics: diagnostics.optional(),
});

/**
 * One plan of several in `check`: the plan document without `schemaVersion`.
 *
 * @example
 * checkPlanEntry.parse(doc.plans[0])
 */
export const checkPlanEntry = z.strictObject({
  ...checkPlanShape,
  diagnostics: diagnostics.optional(),
});

/**
 * Several PLAN files: one document, one entry per file in the order given (the plan document
 * without `schemaVersion`). A plan that cannot be read makes the whole run bad input.
 */
function plansDocument<E extends typeof simulatePlanEntry | typeof checkPlanEntry>(entry: E) {
  return z.strictObject({
    schemaVersion,
    plans: z.array(entry),
    diagnostics: diagnostics.optional(),
  });
}

/** `simulate PLAN... --format json` with several plans. */
export const simulatePlansDocument = plansDocument(simulatePlanEntry).meta({
  title: 'klp-verify simulate --format json (several plans)',
});

/** `check PLAN... --format json` with several plans. */
export const checkPlansDocument = plansDocument(checkPlanEntry).meta({
  title: 'klp-verify check --format json (several plans)',
});

/**
 * Everything `simulate --format json` prints: one plan, several plans, bad input, or the
 * verdict (`--quiet`).
 *
 * @example
 * simulateOutput.parse(JSON.parse(out))
 */
export const simulateOutput = output(
  'klp-verify simulate --format json',
  'one plan run on the simulator; several plans',
  simulatePlanDocument,
  simulatePlansDocument,
);

/**
 * Everything `check --format json` prints: one plan, several plans, bad input, or the verdict
 * (`--quiet`).
 *
 * @example
 * checkOutput.parse(JSON.parse(out))
 */
export const checkOutput = output(
  'klp-verify check --format json',
  'one plan run with the proof of every step; several plans',
  checkPlanDocument,
  checkPlansDocument,
);
