/**
 * The JSON document of `conflicts` (src/report/conflicts.ts `conflictsJson`): the sets of
 * patches no order loads, with every failing order replayed on the simulator, the load matrix
 * of every ordered pair, what was established when the enumeration stopped early, and the
 * work done.
 */
import { z } from 'zod';
import { document, errno, names, output, violation } from './common.ts';

/** An insmod refused: the patch, klp_patches at that moment, the errno and the violations. */
const rejectionShape = {
  patch: z.string(),
  klpPatches: names,
  errno,
  violations: z.array(violation),
};

const failedOrder = z.strictObject({
  order: names.describe('the patches loaded in turn, the last one refused'),
  ...rejectionShape,
});

const conflict = z.strictObject({
  patches: names,
  orders: z.int().min(1).describe('how many orders the set has'),
  explained: z.enum(['every-order', 'per-first-patch']),
  exhaustive: z.boolean(),
  failing: z.array(failedOrder),
  withoutOne: z.array(z.strictObject({ without: z.string(), order: names })),
});

/** One ordered pair: `loaded` inserted where `installed` is. */
const pair = z.union([
  z.strictObject({
    installed: z.string(),
    loaded: z.string(),
    result: z.literal('ok'),
    klpPatches: names,
  }),
  z.strictObject({
    installed: z.string(),
    loaded: z.string(),
    result: z.union([errno, z.literal('not-installable')]),
    ...rejectionShape,
  }),
]);

const alone = z.union([
  z.strictObject({ patch: z.string(), result: z.literal('ok') }),
  z.strictObject({ result: errno, ...rejectionShape }),
]);

const work = z.strictObject({ checks: z.int().min(0), ms: z.number().min(0) });

/**
 * `conflicts --format json`.
 *
 * @example
 * conflictsDocument.parse(JSON.parse(out)).verdict // 'conflicts'
 */
export const conflictsDocument = document({
  catalog: z.string(),
  rules: z.string(),
  verdict: z.enum(['conflicts', 'no-conflicts', 'unknown']),
  complete: z.boolean().describe('every conflict of the catalog is listed'),
  stop: z
    .union([
      z.strictObject({ kind: z.literal('limit'), limit: z.int().min(0) }),
      z.strictObject({
        kind: z.literal('unknown'),
        reason: z.enum(['timeout', 'resource-limit', 'out-of-memory', 'interrupted', 'incomplete']),
        detail: z.string(),
      }),
    ])
    .nullable()
    .describe('why the enumeration stopped early; null when complete'),
  known: z.int().min(0).describe('conflicts established (more than listed past the limit)'),
  conflicts: z.array(conflict),
  conflictFree: z.array(names).describe('sets shown conflict-free, largest first'),
  unminimized: names.nullable().describe('a set no order loads, not yet shrunk to a conflict'),
  matrix: z.strictObject({
    complete: z.boolean().describe('false when the time ran out before every pair was loaded'),
    patches: names,
    alone: z.array(alone),
    pairs: z.array(pair),
  }),
  stats: z.strictObject({
    solverChecks: z.int().min(0),
    work: z.strictObject({ map: work, rollout: work, cover: work }),
    orders: z.int().min(0),
    seeds: z.int().min(0),
    simulatorSteps: z.int().min(0),
    ms: z.number().min(0),
  }),
}).meta({ title: 'klp-verify conflicts --format json (result)' });

/**
 * Everything `conflicts --format json` prints.
 *
 * @example
 * conflictsOutput.parse(JSON.parse(out))
 */
export const conflictsOutput = output(
  'klp-verify conflicts --format json',
  'the conflicts of a catalog, the load matrix and the work done',
  conflictsDocument,
);
