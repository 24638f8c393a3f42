/**
 * The JSON document of `synth` (src/report/synth.ts `synthJson`): the smallest
 * declaration (states and `replace`) that makes a patch loadable, per choice of `replace`,
 * with why each state is needed and the configurations that rule declarations out.
 */
import { z } from 'zod';
import {
  document,
  log,
  names,
  op,
  opResult,
  output,
  stateId,
  systemShape,
  transitionMode,
  violation,
} from './common.ts';
import { proofMethod } from './prove.ts';

const states = z.array(z.strictObject({ id: stateId, version: z.int().min(0) }));

/** A declaration with the catalog entry and the C ready to paste. */
const declaration = z.strictObject({
  replace: z.boolean(),
  states,
  yaml: z.string().describe('an entry of a catalog `patches:` list'),
  c: z.string().describe('the `struct klp_state` array and `struct klp_patch` fields'),
});

/** A configuration reachable from the initial stack: how it is reached, and the system. */
const witnessShape = {
  origin: z.enum(['initial', 'one-step', 'counterexample']),
  steps: z.array(op),
  ...systemShape,
};

/** The simulator's rejection of `insmod P` with a declaration on a configuration. */
const rejection = z.strictObject({
  configuration: z.strictObject(witnessShape),
  declaration: z.strictObject({ replace: z.boolean(), states }),
  errno: opResult,
  reasons: z.array(violation),
  log,
});

const candidates = z.int().min(0).describe('declarations tried');

const choice = z.union([
  z.strictObject({
    replace: z.boolean(),
    outcome: z.literal('found'),
    declaration,
    needs: z.array(
      z.strictObject({
        id: stateId,
        version: z.int().min(0),
        without: rejection.describe('P without this state is rejected here'),
        lower: rejection.nullable().describe('P with a lower version is rejected here'),
      }),
    ),
    proof: z.strictObject({ statement: z.string(), method: proofMethod.nullable() }),
    candidates,
  }),
  z.strictObject({
    replace: z.boolean(),
    outcome: z.literal('none'),
    minimal: z.boolean(),
    configurations: z.array(z.strictObject({ ...witnessShape, rejection: rejection.nullable() })),
    candidates,
  }),
  z.strictObject({
    replace: z.boolean(),
    outcome: z.literal('unknown'),
    reason: z.string(),
    bound: z.strictObject({ declaration, loadable: z.enum(['no', 'undecided']) }).nullable(),
    candidates,
  }),
  z.strictObject({ replace: z.boolean(), outcome: z.literal('not-asked') }),
]);

/**
 * `synth --format json`.
 *
 * @example
 * synthDocument.parse(JSON.parse(out)).smallest?.yaml
 */
export const synthDocument = document({
  patch: z.string(),
  rules: z.string(),
  transitions: transitionMode,
  initial: names,
  verdict: z.enum(['found', 'none', 'unknown', 'error']),
  summary: z.string(),
  cumulative: z.enum(['must', 'must-not', 'either']).nullable(),
  replaceFixed: z.boolean().nullable().describe('the value `--replace` fixed, or null'),
  smallest: declaration.nullable(),
  choices: z.array(choice).describe('cumulative first, then non-cumulative'),
  universe: z.strictObject({ ids: z.array(stateId), fresh: stateId }),
  scope: z.strictObject({ patches: z.string(), from: z.string() }),
  stats: z.strictObject({
    ms: z.int().min(0),
    candidates: z.int().min(0),
    configurations: z.int().min(0),
    optimizeCalls: z.int().min(0),
    proofs: z.int().min(0),
  }),
  error: z.string().optional(),
}).meta({ title: 'klp-verify synth --format json (result)' });

/**
 * Everything `synth --format json` prints.
 *
 * @example
 * synthOutput.parse(JSON.parse(out))
 */
export const synthOutput = output(
  'klp-verify synth --format json',
  'the smallest declaration that makes a patch loadable',
  synthDocument,
);
