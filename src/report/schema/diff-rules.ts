/**
 * The JSON document of `diff-rules` (src/report/diff-rules.ts `diffRulesJson`): for each
 * direction (one rule set admits what the other rejects), the shortest scenario replayed under
 * both rule sets, or the proof that there is none.
 */
import { z } from 'zod';
import { document, log, names, op, opResult, output, transitionMode, violation } from './common.ts';

const direction = z
  .strictObject({
    admits: z.string(),
    rejects: z.string(),
    verdict: z.enum(['found', 'none', 'unknown']),
    depth: z.int().min(0).describe('no scenario has at most this many operations'),
    scenario: z
      .strictObject({
        steps: z.array(op),
        result: opResult.nullable().describe('the last step under the rejecting rule set'),
        reasons: z.array(violation),
        logRejected: log,
        logAdmitted: log,
      })
      .nullable(),
    certificate: z
      .strictObject({
        invariant: z.string().describe('the inductive invariant, in SMT-LIB'),
        files: names,
      })
      .nullable(),
  })
  .nullable();

/**
 * `diff-rules --format json`.
 *
 * @example
 * diffRulesDocument.parse(JSON.parse(out)).verdict // 'differ'
 */
export const diffRulesDocument = document({
  left: z.string(),
  right: z.string(),
  transitions: transitionMode,
  initial: names,
  verdict: z.enum(['differ', 'agree', 'unknown', 'error']),
  summary: z.string(),
  leftOnly: direction.describe('what the left rule set admits and the right one rejects'),
  rightOnly: direction.describe('what the right rule set admits and the left one rejects'),
  stats: z.strictObject({ ms: z.int().min(0) }),
  error: z.string().optional(),
}).meta({ title: 'klp-verify diff-rules --format json (result)' });

/**
 * Everything `diff-rules --format json` prints.
 *
 * @example
 * diffRulesOutput.parse(JSON.parse(out))
 */
export const diffRulesOutput = output(
  'klp-verify diff-rules --format json',
  'where two rule sets part ways on a catalog, or the proof that they agree',
  diffRulesDocument,
);
