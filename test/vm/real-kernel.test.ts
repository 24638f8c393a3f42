// The simulator against a real Linux kernel under QEMU, on a bounded sample: the four
// scenarios of test-state.sh and test-livepatch.sh's atomic replace through `klp-verify kernel
// --compare --format json`, and a few random plans (auto and manual transitions, patches with
// overlapping functions) from a fixed seed, with the atomic replace's function ownership as a
// known answer read on the kernel. Runs when QEMU, the kernel
// image and its headers are present (scripts/kernel/setup.sh prepares them; KLP_KERNEL and
// KLP_HEADERS point elsewhere); otherwise skipped, saying what is missing. The full run is
// `npm run test:kernel` (docs/semantics.md records its figures).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRules } from '../../src/analysis/rulesets.ts';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { loadPlanFile, parsePlan } from '../../src/ingest/index.ts';
import { Source } from '../../src/source/source.ts';
import { checkHost } from '../../src/vm/environment.ts';
import {
  planYaml,
  randomCatalog,
  randomOps,
  rng,
  withRandomFunctions,
} from '../../src/vm/random-plans.ts';
import { type KernelPlanInput, verifyOnKernel } from '../../src/vm/verify.ts';

const KERNEL = process.env.KLP_KERNEL ?? '.cache/kernel/vmlinux';
const HEADERS = process.env.KLP_HEADERS ?? '/usr/src/linux-headers-6.1.0-57-amd64';
const problems = checkHost(KERNEL, HEADERS);
const skipped =
  problems.length === 0
    ? ''
    : ` (skipped: ${problems.map((p) => p.message.replaceAll('`', '')).join('; ')}; run scripts/kernel/setup.sh --install)`;

describe.skipIf(problems.length > 0)(`a real Linux kernel under QEMU${skipped}`, () => {
  it('test-state.sh and the atomic replace: the kernel agrees with the simulator line for line', async () => {
    const plans = readdirSync('examples/selftests')
      .filter((f) => f.endsWith('.plan.yaml'))
      .map((f) => join('examples/selftests', f));
    const io = bufferIo();
    const status = await main(
      [
        'kernel',
        ...plans,
        '--kernel',
        KERNEL,
        '--headers',
        HEADERS,
        '--compare',
        '--format',
        'json',
      ],
      io,
    );
    expect(io.stderr()).toBe('');
    const doc: unknown = JSON.parse(io.stdout());
    expect(doc).toMatchObject({ schemaVersion: 1, kernel: { release: expect.any(String) } });
    const results = typeof doc === 'object' && doc !== null && 'plans' in doc ? doc.plans : [];
    expect(results).toHaveLength(5);
    for (const p of Array.isArray(results) ? results : []) {
      expect(p).toMatchObject({ ok: true, differences: [] });
    }
    expect(status).toBe(0);
  }, 600_000);

  it('random plans from seed 11 (6 auto, 4 manual) with functions: no difference; test_klp_atomic_replace’s known answer', async () => {
    const upstream = resolveRules('upstream', null);
    if (upstream.kind !== 'ok') throw new Error('upstream rules');
    const r = rng(11);
    const cat = withRandomFunctions(rng(12), randomCatalog(r, 0, 5));
    const names = cat.map((p) => p.name);
    const inputs: KernelPlanInput[] = [];
    let catalog: KernelPlanInput['catalog'] | null = null;
    for (const [mode, n] of [
      ['auto', 6],
      ['manual', 4],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const file = `seed-11-${mode}-${i}.plan.yaml`;
        const plan = parsePlan(new Source(file, planYaml(cat, mode, randomOps(r, names, mode, 8))));
        if (plan.value === null) throw new Error(file);
        catalog ??= plan.value.catalog;
        inputs.push({
          file,
          catalog,
          rules: upstream.rules,
          rulesName: 'upstream',
          transitions: mode,
          initial: [],
          steps: plan.value.steps,
        });
      }
    }
    const known = 'examples/selftests/atomic-replace.plan.yaml';
    const atomic = loadPlanFile(known).value;
    if (atomic === null) throw new Error(known);
    inputs.push({
      file: known,
      catalog: atomic.catalog,
      rules: upstream.rules,
      rulesName: 'upstream',
      transitions: 'auto',
      initial: [],
      steps: atomic.steps,
    });
    const v = await verifyOnKernel(
      inputs,
      { kernel: KERNEL, headers: HEADERS, cacheDir: '.cache/klp-verify' },
      true,
    );
    if (v.kind !== 'ran') throw new Error(`the VM failed: ${JSON.stringify(v)}`);
    const disagreements = v.results.filter((x) => (x.differences ?? []).length > 0);
    expect(disagreements.map((x) => [x.input.file, x.differences])).toEqual([]);
    expect(v.results).toHaveLength(11);
    // Ownership was read after every step of the random plans.
    expect(
      v.results.slice(0, 10).every((x) => x.run.steps.every((s) => s.observed.length > 0)),
    ).toBe(true);
    // test-livepatch.sh: /proc/cmdline, then /proc/meminfo, after each step (a patch's name
    // where its code runs; the original text otherwise).
    const read = v.results[10]?.run.steps.map((s) =>
      s.observed.map((l) => (l.startsWith('test_klp_') ? l : 'original')),
    );
    expect(read).toEqual([
      ['test_klp_livepatch', 'original'], // insmod test_klp_livepatch
      ['original', 'test_klp_atomic_replace'], // insmod test_klp_atomic_replace: the nop reverts cmdline
      ['original', 'original'], // disable test_klp_atomic_replace
      ['original', 'original'], // rmmod test_klp_atomic_replace
      ['original', 'original'], // rmmod test_klp_livepatch
    ]);
  }, 600_000);
});
