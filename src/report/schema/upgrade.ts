/**
 * The JSON document of `upgrade` (src/report/upgrade.ts `upgradeJson`): whether some
 * sequence of operations takes klp_patches from one stack to another, the shortest such path
 * replayed on the simulator, or why none exists and the invariant that proves it.
 */
import { z } from 'zod';
import { document, log, names, op, opResult, output, transitionMode, violation } from './common.ts';
import { proofMethod } from './prove.ts';

const reason = z.union([
  z.strictObject({
    kind: z.literal('stays'),
    patch: z.string(),
    message: z.string(),
    disable: z
      .strictObject({ result: opResult, log, reasons: z.array(violation) })
      .optional()
      .describe('`disable PATCH` on the --from stack, when the rules reject it there'),
  }),
  z.strictObject({ kind: z.literal('never-enabled'), patch: z.string(), message: z.string() }),
  z.strictObject({ kind: z.literal('invariant'), message: z.string() }),
]);

/**
 * `upgrade --format json`.
 *
 * @example
 * upgradeDocument.parse(JSON.parse(out)).verdict // 'reachable'
 */
export const upgradeDocument = document({
  from: names,
  to: names,
  rules: z.string(),
  transitions: transitionMode,
  verdict: z.enum(['reachable', 'unreachable', 'unknown', 'error']),
  summary: z.string(),
  path: z
    .strictObject({ steps: z.array(op), log })
    .nullable()
    .describe('the shortest path, replayed on the simulator (`reachable`)'),
  reason: reason.nullable().describe('why no path exists (`unreachable`)'),
  certificate: z
    .strictObject({
      method: proofMethod,
      invariant: z.string().describe('the inductive invariant, in SMT-LIB'),
      files: names.describe('the files `--certificate DIR` writes'),
    })
    .nullable(),
  stats: z.strictObject({ ms: z.int().min(0), depth: z.int().min(0) }),
  error: z.string().optional(),
}).meta({ title: 'klp-verify upgrade --format json (result)' });

/**
 * Everything `upgrade --format json` prints.
 *
 * @example
 * upgradeOutput.parse(JSON.parse(out))
 */
export const upgradeOutput = output(
  'klp-verify upgrade --format json',
  'the shortest path between two stacks, or why none exists',
  upgradeDocument,
);
