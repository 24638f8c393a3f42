/**
 * `npm run capture:logs`: regenerates the real kernel logs of test/fixtures/logs/linux-6.1/.
 * Runs the plan files of that folder on the kernel under QEMU (`klp-verify kernel`'s harness,
 * src/vm/), compares each with the simulator (a capture whose plans disagree is not written),
 * and writes every boot's whole kernel log, as `dmesg -r` prints it, into `dmesg.txt` (boots
 * one after the other, as a host's rotated logs are given to `audit log`). Plans run in one
 * boot until one needs a module a forced transition left referenced; then the next boot.
 *
 *   npm run capture:logs -- [--dir DIR] [--kernel VMLINUX] [--headers DIR]
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveRules } from '../../src/analysis/rulesets.ts';
import { loadPlanFile } from '../../src/ingest/index.ts';
import { differenceText } from '../../src/report/kernel.ts';
import { checkHost } from '../../src/vm/environment.ts';
import { type KernelPlanInput, verifyOnKernel } from '../../src/vm/verify.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'test/fixtures/logs/linux-6.1' },
    kernel: { type: 'string', default: '.cache/kernel/vmlinux' },
    headers: { type: 'string', default: '/usr/src/linux-headers-6.1.0-57-amd64' },
  },
});

const problems = checkHost(values.kernel, values.headers);
if (problems.length > 0) {
  for (const p of problems) console.error(`capture:logs: ${p.message} (${p.help})`);
  process.exit(2);
}
const upstream = resolveRules('upstream', null);
if (upstream.kind !== 'ok') throw new Error('the upstream rule set does not load');

const files = readdirSync(values.dir)
  .filter((f) => f.endsWith('.plan.yaml'))
  .sort();
let catalog: KernelPlanInput['catalog'] | null = null;
const inputs: KernelPlanInput[] = files.map((f) => {
  const file = join(values.dir, f);
  const plan = loadPlanFile(file).value;
  if (plan === null) throw new Error(`${file} does not load`);
  if (upstream.kind !== 'ok') throw new Error('unreachable');
  // One Catalog object for plans sharing the catalog file: one set of modules.
  catalog ??= plan.catalog;
  return {
    file,
    catalog,
    rules: upstream.rules,
    rulesName: 'upstream',
    transitions: plan.transitions,
    initial: plan.initial.map((i) => i.name),
    steps: plan.steps,
  };
});

const v = await verifyOnKernel(
  inputs,
  {
    kernel: values.kernel,
    headers: values.headers,
    cacheDir: '.cache/klp-verify',
    captureLog: true,
    onProgress: (t) => process.stderr.write(`${t}\n`),
  },
  true,
);
if (v.kind !== 'ran') {
  console.error(`capture:logs: ${v.kind}: ${v.kind === 'build-failed' ? v.output : v.output}`);
  process.exit(4);
}
let disagree = 0;
for (const r of v.results) {
  const diffs = r.differences ?? [];
  if (diffs.length === 0) continue;
  disagree++;
  console.log(`disagree: ${r.input.file}`);
  for (const d of diffs) console.log(differenceText(d).join('\n'));
}
if (disagree > 0 || v.results.length !== inputs.length) {
  console.error('capture:logs: not written (the kernel and the simulator disagree)');
  process.exit(1);
}
const out = join(values.dir, 'dmesg.txt');
writeFileSync(out, v.kernelLogs.join(''));
console.log(
  `capture:logs: Linux ${v.release}: ${inputs.length} plans, ${v.boots} boot(s), written to ${out}`,
);
