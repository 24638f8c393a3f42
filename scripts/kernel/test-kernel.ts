/**
 * `npm run test:kernel`: the simulator against a real Linux kernel under QEMU. Runs the
 * scenarios of tools/testing/selftests/livepatch (examples/selftests: the four of test-state.sh
 * and test-livepatch.sh's atomic replace) and random plans from a seed (upstream rules; auto
 * and manual transitions; patches listing overlapping functions, whose ownership is compared
 * after every step) on the kernel, compares each with the simulator, prints `agree X/N` (and
 * how many plans and step readings compared function ownership), and writes every
 * disagreement as a plan file ready to rerun with `klp-verify kernel FILE --compare`.
 * `--functions off` gives the catalogs no functions (the runs before ownership was observed).
 * Installs nothing: says what is missing.
 *
 *   npm run test:kernel -- [--seed N] [--auto N] [--manual N] [--catalogs N] [--verbose]
 *                          [--functions on|off] [--kernel VMLINUX] [--headers DIR] [--out DIR]
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveRules } from '../../src/analysis/rulesets.ts';
import { loadPlanFile, parsePlan } from '../../src/ingest/index.ts';
import { differenceText } from '../../src/report/kernel.ts';
import { Source } from '../../src/source/source.ts';
import { checkHost, HOST_PROGRAMS } from '../../src/vm/environment.ts';
import {
  planYaml,
  type RandomOp,
  type RandomPatch,
  randomCatalog,
  randomOps,
  rng,
  withRandomFunctions,
} from '../../src/vm/random-plans.ts';
import { type KernelPlanInput, verifyOnKernel } from '../../src/vm/verify.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    auto: { type: 'string', default: '40' },
    manual: { type: 'string', default: '20' },
    kernel: { type: 'string', default: '.cache/kernel/vmlinux' },
    headers: { type: 'string', default: '/usr/src/linux-headers-6.1.0-57-amd64' },
    out: { type: 'string', default: '.cache/test-kernel' },
    catalogs: { type: 'string', default: '6' },
    functions: { type: 'string', default: 'on' },
    verbose: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const nAuto = Number(values.auto);
const nManual = Number(values.manual);

const problems = checkHost(values.kernel, values.headers);
if (problems.length > 0) {
  for (const p of problems) console.error(`test:kernel: ${p.message} (${p.help})`);
  console.error(
    `test:kernel: needs the Debian packages ${HOST_PROGRAMS.map((p) => p.pkg).join(', ')}, linux-headers-6.1.0-57-amd64 and the kernel image: run scripts/kernel/setup.sh --install as root`,
  );
  process.exit(2);
}

const upstream = resolveRules('upstream', null);
if (upstream.kind !== 'ok') throw new Error('the upstream rule set does not load');

interface Case {
  readonly input: KernelPlanInput;
  readonly kind: 'selftest' | 'auto' | 'manual';
  readonly patches: readonly RandomPatch[];
  readonly ops: readonly RandomOp[];
}

function input(file: string, text: string | null): KernelPlanInput {
  const loaded = text === null ? loadPlanFile(file) : parsePlan(new Source(file, text));
  const plan = loaded.value;
  if (plan === null)
    throw new Error(`${file}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  if (upstream.kind !== 'ok') throw new Error('unreachable');
  return {
    file,
    catalog: plan.catalog,
    rules: upstream.rules,
    rulesName: 'upstream',
    transitions: plan.transitions,
    initial: plan.initial.map((i) => i.name),
    steps: plan.steps,
  };
}

const cases: Case[] = [];
for (const f of readdirSync('examples/selftests')
  .filter((f) => f.endsWith('.plan.yaml'))
  .sort()) {
  cases.push({
    input: input(join('examples/selftests', f), null),
    kind: 'selftest',
    patches: [],
    ops: [],
  });
}
const r = rng(seed);
const drawn = Array.from({ length: Number(values.catalogs) }, (_, i) => randomCatalog(r, i, 5));
// Functions from a generator of their own: the plans' other draws stay those of the seed.
const rf = rng(seed ^ 0x5eed_f00d);
const catalogs = values.functions === 'off' ? drawn : drawn.map((c) => withRandomFunctions(rf, c));
// Plans over the same catalog share one Catalog object, so modules are generated once.
const shared = new Map<RandomPatch[], KernelPlanInput['catalog']>();
for (const [kind, n] of [
  ['auto', nAuto],
  ['manual', nManual],
] as const) {
  for (let i = 0; i < n; i++) {
    const patches = catalogs[Math.floor(r() * catalogs.length)] ?? [];
    const ops = randomOps(
      r,
      patches.map((p) => p.name),
      kind,
      4 + Math.floor(r() * 8),
    );
    const file = `seed-${seed}-${kind}-${i}.plan.yaml`;
    const parsed = input(file, planYaml(patches, kind, ops));
    const cat = shared.get(patches) ?? parsed.catalog;
    shared.set(patches, cat);
    cases.push({ input: { ...parsed, catalog: cat }, kind, patches, ops });
  }
}

const started = Date.now();
const v = await verifyOnKernel(
  cases.map((c) => c.input),
  {
    kernel: values.kernel,
    headers: values.headers,
    cacheDir: '.cache/klp-verify',
    onProgress: process.stderr.isTTY
      ? (t) => process.stderr.write(`\r\x1b[K${t}`)
      : values.verbose
        ? (t) => process.stderr.write(`${t}\n`)
        : () => {},
  },
  true,
);
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
if (v.kind !== 'ran') {
  console.error(
    `test:kernel: ${v.kind === 'build-failed' ? `module ${v.module} does not build:\n${v.output}` : `the VM failed (${v.reason}):\n${v.output}`}`,
  );
  process.exit(4);
}
const outDir = join(values.out, `seed-${seed}`);
let written = 0;
const tally = {
  selftest: { agree: 0, total: 0 },
  auto: { agree: 0, total: 0 },
  manual: { agree: 0, total: 0 },
};
// Ownership: plans that observed functions, and (step, function) readings compared.
const owned = { plans: 0, agree: 0, readings: 0, original: 0, differences: 0 };
for (const [i, res] of v.results.entries()) {
  const c = cases[i];
  if (c === undefined) continue;
  const diffs = res.differences ?? [];
  const readings = [...res.run.setup, ...res.run.steps].flatMap((s) => s.observed);
  if (readings.length > 0) {
    const names = new Set(c.input.catalog.patches.map((p) => p.name));
    const fdiffs = diffs.filter((d) => d.kind === 'function').length;
    owned.plans++;
    if (fdiffs === 0) owned.agree++;
    owned.readings += readings.length;
    owned.original += readings.filter((l) => !names.has(l)).length;
    owned.differences += fdiffs;
  }
  const t = tally[c.kind];
  t.total++;
  if (diffs.length === 0) {
    t.agree++;
    continue;
  }
  console.log(`disagree: ${c.input.file}`);
  for (const d of diffs) console.log(differenceText(d).join('\n'));
  if (c.kind === 'selftest') continue;
  mkdirSync(outDir, { recursive: true });
  const expect = res.run.steps.map((s) => s.result ?? 'ok');
  const comment = [
    `klp-verify kernel: Linux ${v.release} and the simulator disagree on this plan (seed ${seed}).`,
    'Rerun: klp-verify kernel THIS_FILE --kernel VMLINUX --headers DIR --compare',
    ...diffs.flatMap(differenceText).map((l) => l.trim()),
  ];
  writeFileSync(
    join(outDir, c.input.file),
    planYaml(c.patches, c.kind === 'manual' ? 'manual' : 'auto', c.ops, expect, comment),
  );
  written++;
}
const line = (k: keyof typeof tally) => `${k} ${tally[k].agree}/${tally[k].total}`;
const agree = tally.selftest.agree + tally.auto.agree + tally.manual.agree;
const total = v.results.length;
console.log(
  `test:kernel: Linux ${v.release}, seed ${seed}: agree ${agree}/${total} (${line('selftest')}, ${line('auto')}, ${line('manual')}); ${v.boots} boot(s), ${v.compiled} module(s) compiled, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  `test:kernel: function ownership agree ${owned.agree}/${owned.plans} plans (${owned.readings} readings after steps, ${owned.original} of them the original code; ${owned.differences} difference(s))`,
);
if (written > 0) console.log(`test:kernel: ${written} disagreement(s) written to ${outDir}/`);
process.exit(agree === total ? 0 : 1);
