/**
 * Runs on a real kernel -> text and JSON. A plan's JSON has the shape `simulate --format json`
 * prints (file, rules, transitions, ok, steps, final, log), with `rules` naming the kernel
 * release that decided, and `differences` from the simulator when compared.
 */

import type { PlanStep } from '../ingest/index.ts';
import { formatOp } from '../model/op.ts';
import type { TransitionMode } from '../model/system.ts';
import type { Difference } from '../vm/compare.ts';
import type { KernelPlanRun } from '../vm/kernel-run.ts';
import type { FunctionMapping } from '../vm/module-source.ts';
import { systemJson } from './json.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { kernelBootFailedDocument, kernelDocument, kernelPlan } from './schema/kernel.ts';

type KernelPlanJson = JsonOf<typeof kernelPlan>;

export interface KernelPlanMeta {
  readonly file: string;
  /** The rule set the simulator used for the comparison. */
  readonly rules: string;
  readonly transitions: TransitionMode;
  readonly release: string;
  readonly steps: readonly PlanStep[];
}

/**
 * Every step met its expectation on the kernel.
 *
 * @example
 * kernelPlanOk(meta, run) // false when an insmod the plan expects to succeed was refused
 */
export function kernelPlanOk(meta: KernelPlanMeta, run: KernelPlanRun): boolean {
  return run.steps.every((s, i) => s.result === meta.steps[i]?.expect);
}

function differenceJson(d: Difference): NonNullable<KernelPlanJson['differences']>[number] {
  switch (d.kind) {
    case 'result':
    case 'log':
      return {
        kind: d.kind,
        step: d.index,
        op: formatOp(d.op),
        kernel: d.kernel,
        simulator: d.simulator,
      };
    case 'function':
      return {
        kind: d.kind,
        step: d.index,
        op: formatOp(d.op),
        function: d.function,
        observedAs: d.observedAs,
        kernel: d.kernel,
        simulator: d.simulator,
      };
    case 'final':
      return { kind: d.kind, field: d.field, kernel: d.kernel, simulator: d.simulator };
    default: {
      const never: never = d;
      return never;
    }
  }
}

/**
 * One plan as the kernel ran it, in the shape of `simulate --format json`.
 *
 * @example
 * kernelPlanJson(meta, run, null).final // { stack: [...], transition: null, loaded: [...], forced: [] }
 */
export function kernelPlanJson(
  meta: KernelPlanMeta,
  run: KernelPlanRun,
  differences: readonly Difference[] | null,
): KernelPlanJson {
  return {
    file: meta.file,
    rules: `linux ${meta.release}`,
    transitions: meta.transitions,
    ok: kernelPlanOk(meta, run),
    steps: run.steps.map((s, i) => {
      const step = meta.steps[i];
      return {
        op: s.op.kind,
        patch: s.op.kind === 'complete' ? null : s.op.patch,
        result: s.result ?? 'unrecognized',
        expected: step?.expect ?? 'ok',
        line: step === undefined ? null : step.source.position(step.span.start).line,
        reasons: [],
        ...(s.result === null ? { error: s.error } : {}),
      };
    }),
    final: systemJson(run.final),
    log: [...run.setup, ...run.steps].flatMap((s) => s.log),
    ...(differences === null
      ? {}
      : { simulatorRules: meta.rules, differences: differences.map(differenceJson) }),
  };
}

/** What the guest reports about the run besides the plans. */
export interface KernelRunMeta {
  /** The kernel image given with `--kernel`. */
  readonly image: string;
  readonly release: string;
  readonly boots: number;
  readonly seconds: number;
  readonly compiled: number;
  readonly mappings: readonly FunctionMapping[];
}

/**
 * The document of `kernel --format json` (docs/schema/kernel.schema.json): the run, the
 * function mappings and every plan's {@link kernelPlanJson}.
 *
 * @example
 * kernelJson(run, plans).kernel.release // '6.1.0-57-amd64'
 */
export function kernelJson(
  run: KernelRunMeta,
  plans: readonly KernelPlanJson[],
): JsonOf<typeof kernelDocument> {
  return {
    schemaVersion: SCHEMA_VERSION,
    kernel: {
      image: run.image,
      release: run.release,
      boots: run.boots,
      seconds: run.seconds,
      modulesCompiled: run.compiled,
    },
    functionMappings: run.mappings.map((m) => ({
      patch: m.patch,
      declared: m.declared,
      mappedTo: m.mappedTo,
    })),
    plans,
  };
}

/**
 * The document of `kernel --format json` when the guest ran no plan.
 *
 * @example
 * kernelBootFailedJson('timeout', 'the kernel `bzImage` did not finish the plans in time', tail)
 */
export function kernelBootFailedJson(
  reason: 'timeout' | 'no-progress',
  message: string,
  consoleTail: string,
): JsonOf<typeof kernelBootFailedDocument> {
  return {
    schemaVersion: SCHEMA_VERSION,
    verdict: 'unknown',
    reason,
    message,
    console: consoleTail,
  };
}

/**
 * The text of a difference, one or more lines.
 *
 * @example
 * differenceText({ kind: 'final', field: 'stack', kernel: 'a', simulator: '' })
 *   // ['  final stack: kernel a, simulator (none)']
 */
export function differenceText(d: Difference): string[] {
  switch (d.kind) {
    case 'result':
      return [
        `  step ${d.index + 1} \`${formatOp(d.op)}\`: kernel ${d.kernel ?? 'unrecognized error'}, simulator ${d.simulator}`,
      ];
    case 'log':
      return [
        `  step ${d.index + 1} \`${formatOp(d.op)}\`: the transcripts differ`,
        ...d.kernel.map((l) => `    kernel:    ${l}`),
        ...d.simulator.map((l) => `    simulator: ${l}`),
      ];
    case 'function': {
      const owner = (o: string | null) => (o === null ? 'the original code' : `\`${o}\``);
      return [
        `  step ${d.index + 1} \`${formatOp(d.op)}\`: \`${d.function}\` (observed as \`${d.observedAs}\`) runs ${owner(d.kernel)} on the kernel, ${owner(d.simulator)} in the simulator`,
      ];
    }
    case 'final':
      return [
        `  final ${d.field}: kernel ${d.kernel || '(none)'}, simulator ${d.simulator || '(none)'}`,
      ];
    default: {
      const never: never = d;
      return never;
    }
  }
}

/**
 * The transcript as the kernel printed it, a summary line, and the differences when compared.
 *
 * @example
 * kernelPlanText(meta, run, []).endsWith('agrees with the simulator') // true
 */
export function kernelPlanText(
  meta: KernelPlanMeta,
  run: KernelPlanRun,
  differences: readonly Difference[] | null,
): string {
  const lines = [...run.setup, ...run.steps].flatMap((s) => s.log);
  const failed = run.steps.filter((s, i) => s.result !== meta.steps[i]?.expect).length;
  const n = run.steps.length;
  lines.push(
    '',
    `${meta.file}: linux ${meta.release}, transitions ${meta.transitions}, ${n} step${n === 1 ? '' : 's'}, ${failed === 0 ? 'all as expected' : `${failed} not as expected`}`,
  );
  if (differences === null) return lines.join('\n');
  if (differences.length === 0) {
    lines.push(`${meta.file}: agrees with the simulator (rules ${meta.rules})`);
  } else {
    lines.push(
      `${meta.file}: ${differences.length} difference${differences.length === 1 ? '' : 's'} from the simulator (rules ${meta.rules}):`,
    );
    for (const d of differences) lines.push(...differenceText(d));
  }
  return lines.join('\n');
}

/**
 * What the generated modules do differently from the catalog, for the user.
 *
 * @example
 * mappingLines(functionMappings(catalog)) // one `note: ...` line per declared function
 */
export function mappingLines(mappings: readonly FunctionMapping[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of mappings) {
    const key = `${m.patch} ${m.declared}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      m.mappedTo === null
        ? `note: \`${m.patch}\`'s \`${m.declared}\` is not observed: the catalog lists more functions than the kernel has observable ones (its ownership is not compared)`
        : `note: \`${m.patch}\` patches \`${m.mappedTo}\` in place of \`${m.declared}\`, printing its name (a generated module cannot reproduce a function's body; whose code runs is compared)`,
    );
  }
  return out;
}
