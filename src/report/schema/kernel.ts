/**
 * The JSON document of `kernel` (src/report/kernel.ts `kernelJson`): plans run on a real Linux
 * kernel under QEMU, each plan in the shape `simulate --format json` prints with `rules`
 * naming the kernel release that decided, and, with `--compare`, every difference from the
 * simulator. When the guest ran no plan: `{verdict: "unknown", reason, message, console}`.
 */
import { z } from 'zod';
import { document, log, opKind, opResult, output, system, transitionMode } from './common.ts';

/** One difference between the kernel's run and the simulator's (src/vm/compare.ts). */
const difference = z.union([
  z.strictObject({
    kind: z.enum(['result', 'log']),
    step: z.int().min(0).describe('index among all operations, initial loads first'),
    op: z.string().describe('the operation as typed, e.g. `insmod P`'),
    kernel: z
      .union([opResult, z.null(), log])
      .describe('`result`: the errno, null when unrecognized; `log`: the lines'),
    simulator: z.union([opResult, log]),
  }),
  z.strictObject({
    kind: z.literal('function'),
    step: z.int().min(0).describe('index among all operations, initial loads first'),
    op: z.string().describe('the operation as typed, e.g. `insmod P`'),
    function: z.string().describe('the catalog function, `object:name`'),
    observedAs: z.string().describe('the kernel function whose output was read in its place'),
    kernel: z.string().nullable().describe('the patch whose code ran; null: the original code'),
    simulator: z.string().nullable(),
  }),
  z.strictObject({
    kind: z.literal('final'),
    field: z.enum(['stack', 'transition', 'loaded', 'forced']),
    kernel: z.string(),
    simulator: z.string(),
  }),
]);

/** One plan as the kernel ran it, in the shape of `simulate --format json`. */
export const kernelPlan = z.strictObject({
  file: z.string(),
  rules: z.string().describe('`linux RELEASE`: the kernel decided'),
  transitions: transitionMode,
  ok: z.boolean().describe('every step met its expectation on the kernel'),
  steps: z.array(
    z.strictObject({
      op: opKind,
      patch: z.string().nullable(),
      result: z.union([opResult, z.literal('unrecognized')]),
      expected: opResult,
      line: z.int().min(1).nullable().describe("the step's line in the plan"),
      reasons: z.array(z.never()).describe('always empty: the kernel names no reason'),
      error: z.string().optional().describe("the command's error text, when unrecognized"),
    }),
  ),
  final: system,
  log,
  simulatorRules: z.string().optional().describe('`--compare`: the rule set it was compared with'),
  differences: z.array(difference).optional().describe('`--compare`: empty when they agree'),
});

/**
 * `kernel --format json` after the guest ran the plans.
 *
 * @example
 * kernelDocument.parse(JSON.parse(out)).plans[0].rules // 'linux 6.1.0-57-amd64'
 */
export const kernelDocument = document({
  kernel: z.strictObject({
    image: z.string().describe('the kernel image given with --kernel'),
    release: z.string().describe('`uname -r` in the guest, or `unknown`'),
    boots: z.int().min(0),
    seconds: z.number().min(0),
    modulesCompiled: z.int().min(0),
  }),
  functionMappings: z
    .array(
      z.strictObject({
        patch: z.string(),
        declared: z.string(),
        mappedTo: z.string().nullable().describe('null: no observable function was left for it'),
      }),
    )
    .describe('functions the generated modules patch in place of those the catalog declares'),
  plans: z.array(kernelPlan),
}).meta({ title: 'klp-verify kernel --format json (result)' });

/**
 * `kernel --format json` when the guest ran no plan (exit status 3).
 *
 * @example
 * kernelBootFailedDocument.parse(JSON.parse(out)).reason // 'timeout'
 */
export const kernelBootFailedDocument = document({
  verdict: z.literal('unknown'),
  reason: z.enum(['timeout', 'no-progress']),
  message: z.string(),
  console: z.string().describe("the console's last lines"),
}).meta({ title: 'klp-verify kernel --format json (the guest ran no plan)' });

/**
 * Everything `kernel --format json` prints.
 *
 * @example
 * kernelOutput.parse(JSON.parse(out))
 */
export const kernelOutput = output(
  'klp-verify kernel --format json',
  'plans run on a real kernel under QEMU, compared with the simulator; or why no plan ran',
  kernelDocument,
  kernelBootFailedDocument,
);
