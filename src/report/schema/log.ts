/**
 * The JSON document of `audit log` (src/report/log.ts `logJson`): per boot, the operations
 * reconstructed from the kernel's livepatch lines, replayed on the simulator, the final
 * klp_patches with the pending transition, and every line the model cannot explain with why.
 */
import { z } from 'zod';
import { document, names, opKind, output, transition, violation } from './common.ts';

/** One reconstructed operation (src/query/log/replay.ts `LogEvent`). */
const event = z.strictObject({
  file: z.string(),
  line: z.int().min(1),
  time: z.string().nullable().describe('the timestamp as the log prints it'),
  op: opKind,
  patch: z.string().nullable(),
  result: z
    .enum(['ok', 'EINVAL', 'EBUSY', 'EEXIST', 'ENOENT', 'failed'])
    .describe('`failed`: the kernel started enabling the patch and gave up'),
  implied: z.boolean().describe('an operation that prints nothing, implied by a later line'),
  replaced: names.describe('patches an atomic replace removed from klp_patches on completion'),
  reasons: z.array(violation).describe("the rules' reasons for a refusal"),
});

/**
 * `audit log --format json`.
 *
 * @example
 * logDocument.parse(JSON.parse(out)).boots.length // 2
 */
export const logDocument = document({
  command: z.literal('audit log'),
  rules: z.string(),
  files: names,
  malformedLines: z.int().min(0),
  boots: z.array(
    z.strictObject({
      bootId: z.string().optional(),
      file: z.string().describe('where the boot starts'),
      line: z.int().min(1),
      kernel: z.string().nullable().describe('from the `Linux version` line'),
      lines: z.int().min(0).describe('livepatch lines of the boot'),
      events: z.array(event),
      final: z.strictObject({
        stack: names.describe('klp_patches, bottom to top'),
        transition,
        loaded: names,
      }),
      unexplained: z.array(
        z.strictObject({
          file: z.string(),
          line: z.int().min(1),
          text: z.string(),
          why: z.string(),
        }),
      ),
    }),
  ),
}).meta({ title: 'klp-verify audit log --format json (result)' });

/**
 * Everything `audit log --format json` prints.
 *
 * @example
 * logOutput.parse(JSON.parse(out))
 */
export const logOutput = output(
  'klp-verify audit log --format json',
  "a host's kernel log replayed boot by boot, with every line the model cannot explain",
  logDocument,
);
