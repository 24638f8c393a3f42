/**
 * The JSON document of `prove loadable` and `prove invariant` (src/report/prove.ts
 * `proveJson`): the claim, the verdict, the counterexample replayed on the simulator and why it
 * fails, or the inductive invariant that proves the claim, and the work done.
 */
import { z } from 'zod';
import { document, errno, log, names, op, output, transitionMode, violation } from './common.ts';

/** How an inductive invariant was found (src/prove/engine.ts `ProofMethod`). */
export const proofMethod = z
  .enum(['static', 'induction', 'strengthened', 'spacer'])
  .meta({ id: 'ProofMethod' });

const counterexample = z.strictObject({
  steps: z
    .array(op)
    .describe('from the initial configuration; for `loadable` the last is the insmod'),
  patches: names.describe('the catalog patches it needs besides the initial stack: subset-minimal'),
  shortest: z.int().min(0).describe('fewest steps of any counterexample over the whole catalog'),
  log,
  minimality: z.array(
    z.strictObject({ patch: z.string(), withoutIt: z.enum(['proved', 'refuted', 'unknown']) }),
  ),
});

const explanation = z.union([
  z.strictObject({ errno, reasons: z.array(violation), waysOut: z.array(z.string()) }),
  z.strictObject({
    violations: z.array(
      z.strictObject({
        invariant: z.string(),
        sentence: z.string(),
        message: z.string(),
        binding: z.string(),
      }),
    ),
  }),
  z.strictObject({
    owner: z
      .string()
      .nullable()
      .describe('whose code the function runs at the end; null: the original'),
    unswitched: z.string().nullable(),
    mixed: z.boolean(),
    newer: names.describe('installed releases newer than the owner that patch the function'),
  }),
]);

const certificate = z.strictObject({
  method: proofMethod,
  invariant: z.string().describe('the inductive invariant, in SMT-LIB'),
  variables: z.array(z.strictObject({ name: z.string(), meaning: z.string() })),
  files: names.describe('the files `--certificate DIR` writes'),
});

const stats = z.strictObject({
  ms: z.int().min(0),
  depth: z.int().min(0),
  solverChecks: z.int().min(0),
  patches: z.int().min(0),
  ignoredPatches: z.int().min(0),
  stateVariables: z.int().min(0),
  minimizeMs: z.int().min(0),
});

function proveShape<Q extends 'loadable' | 'invariant' | 'ownership'>(query: Q) {
  return {
    query: z.literal(query),
    rules: z.string(),
    transitions: transitionMode,
    initial: names,
    verdict: z.enum(['proved', 'refuted', 'unknown', 'error']),
    statement: z.string().describe('what exactly was established, in a sentence'),
    counterexample: counterexample.nullable(),
    explanation: explanation.nullable(),
    certificate: certificate.nullable(),
    stats,
    error: z.string().optional(),
  };
}

/**
 * `prove loadable P --format json`.
 *
 * @example
 * proveLoadableDocument.parse(JSON.parse(out)).verdict // 'refuted'
 */
export const proveLoadableDocument = document({
  ...proveShape('loadable'),
  patch: z.string(),
}).meta({ title: 'klp-verify prove loadable --format json' });

/**
 * `prove invariant NAME --format json`.
 *
 * @example
 * proveInvariantDocument.parse(JSON.parse(out)).verdict // 'proved'
 */
export const proveInvariantDocument = document({
  ...proveShape('invariant'),
  invariant: z.string(),
}).meta({ title: 'klp-verify prove invariant --format json' });

/**
 * `prove original FUNC --while P` and `prove newest FUNC --format json`: a function ownership
 * claim.
 *
 * @example
 * proveOwnershipDocument.parse(JSON.parse(out)).claim // 'newest'
 */
export const proveOwnershipDocument = document({
  ...proveShape('ownership'),
  claim: z.enum(['original', 'newest']),
  function: z.string().describe('the function as `object:name` or `object:name,sympos`'),
  patch: z.string().optional().describe('`prove original`: the --while patch'),
}).meta({ title: 'klp-verify prove original|newest --format json' });

/**
 * Everything `prove --format json` prints.
 *
 * @example
 * proveOutput.parse(JSON.parse(out))
 */
export const proveOutput = output(
  'klp-verify prove --format json',
  'a claim proved, refuted with a counterexample, or unknown',
  proveLoadableDocument,
  proveInvariantDocument,
  proveOwnershipDocument,
);
