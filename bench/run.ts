/**
 * `npm run bench`: the benchmarks behind bench/RESULTS.md. Each measurement runs in a fresh
 * child process (its own heap, its own peak memory), so numbers are cold and comparable.
 *
 *   npm run bench                          # everything, default sizes
 *   npm run bench -- --only cold-check     # one benchmark: cold-check | loadable | conflicts | queries | audit
 *   npm run bench -- --sizes 10,50 --timeout 60 --repeat 5
 *
 * Prints Markdown tables; paste them into bench/RESULTS.md with the date and the machine's load.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { JobResult, LoadableJob } from './job.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string', default: '10,50,200,1000' },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '60' },
    repeat: { type: 'string', default: '5' },
    rules: { type: 'string', default: 'upstream' },
    engines: { type: 'string', default: 'smt,explore' },
    initial: { type: 'string', default: 'none' },
    targets: { type: 'string', default: 'conflict,fresh' },
  },
});

const ROOT = new URL('..', import.meta.url);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function header(): void {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`# klp-verify benchmarks, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpus().length} cores (${cpu}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
}

/** Wall time of whole `klp-verify check` processes: what a user waits for. */
function coldCheck(repeat: number): void {
  const plans = [
    'examples/selftests/system-state-modification.plan.yaml',
    'examples/vendor-stream/forgotten-state.plan.yaml',
    'examples/vendor-stream/rollback.plan.yaml',
  ];
  console.log('## Cold `klp-verify check` (whole process, wall time)\n');
  console.log('| plan | steps | median ms | min ms | max ms | runs |');
  console.log('|---|---|---|---|---|---|');
  for (const plan of plans) {
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      const r = spawnSync(process.execPath, ['bin/klp-verify.mjs', 'check', plan], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      times.push(performance.now() - start);
      if (r.status !== 0) throw new Error(`check ${plan} exited ${r.status}: ${r.stderr}`);
    }
    const steps = (
      spawnSync(process.execPath, ['bin/klp-verify.mjs', 'check', plan, '--format', 'json'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).stdout.match(/"op":/g) ?? []
    ).length;
    console.log(
      `| ${plan} | ${steps} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${Math.max(...times).toFixed(0)} | ${repeat} |`,
    );
  }
  console.log('');
}

function runJob(job: LoadableJob): JobResult | { error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/job.ts', JSON.stringify(job)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: job.timeoutMs + 120_000,
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || line === '') {
    const why =
      r.signal !== null
        ? `killed by ${r.signal}`
        : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
    return { error: why };
  }
  return JSON.parse(line);
}

/** `prove loadable` on generated catalogs, SMT engine and brute-force explorer side by side. */
function loadable(
  sizes: readonly number[],
  seed: number,
  timeoutMs: number,
  rules: string,
  engines: readonly string[],
  initial: 'none' | 'block',
  targets: readonly ('conflict' | 'fresh' | 'chain')[],
): void {
  const from =
    initial === 'none'
      ? 'from nothing installed'
      : 'from the first release with a block_disable state';
  console.log(
    `## \`prove loadable\` on generated catalogs (rules ${rules}, ${from}, seed ${seed}, timeout ${timeoutMs / 1000} s)\n`,
  );
  console.log(
    '| patches | target | transitions | engine | verdict | detail | time ms | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const patches of sizes) {
    for (const target of targets) {
      for (const transitions of ['auto', 'manual'] as const) {
        for (const engine of engines) {
          const kind = engine === 'smt' ? 'smt-loadable' : 'explore-loadable';
          const r = runJob({ kind, patches, seed, rules, transitions, target, initial, timeoutMs });
          const head = `| ${patches} | ${target} | ${transitions} | ${engine}`;
          if ('error' in r) {
            console.log(`${head} | error | ${r.error.replaceAll('|', '\\|').slice(0, 80)} | | |`);
          } else {
            console.log(
              `${head} | ${r.verdict} | ${r.detail} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`,
            );
          }
        }
      }
    }
  }
  console.log('');
}

/** `conflicts`: every minimal conflict set of generated catalogs. */
function conflicts(sizes: readonly number[], seed: number, timeoutMs: number, rules: string): void {
  console.log(
    `## \`conflicts\` on generated catalogs (rules ${rules}, seed ${seed}, every conflict, timeout ${timeoutMs / 1000} s)\n`,
  );
  console.log('| patches | status | detail | time ms | peak RSS MB |');
  console.log('|---|---|---|---|---|');
  for (const patches of sizes) {
    const r = runJob({
      kind: 'conflicts',
      patches,
      seed,
      rules,
      transitions: 'auto',
      target: 'conflict',
      initial: 'none',
      timeoutMs,
    });
    if ('error' in r)
      console.log(`| ${patches} | error | ${r.error.replaceAll('|', '\\|').slice(0, 80)} | | |`);
    else
      console.log(
        `| ${patches} | ${r.verdict} | ${r.detail} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`,
      );
  }
  console.log('');
}

/** `synth`, `upgrade` and `diff-rules` on generated catalogs. */
function queries(sizes: readonly number[], seed: number, timeoutMs: number): void {
  const rows = [
    { kind: 'synth', rules: 'upstream', what: 'next cumulative release (--replace true)' },
    { kind: 'upgrade', rules: 'block-disable', what: 'klp_chain_1 to klp_chain_8 (7 operations)' },
    { kind: 'diff-rules', rules: 'upstream', what: 'upstream vs replace-set' },
  ] as const;
  console.log(
    `## \`synth\`, \`upgrade\`, \`diff-rules\` on generated catalogs (seed ${seed}, transitions auto, timeout ${timeoutMs / 1000} s)\n`,
  );
  console.log('| query | rules | question | patches | verdict | summary | time ms | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    for (const patches of sizes) {
      const r = runJob({
        kind: row.kind,
        patches,
        seed,
        rules: row.rules,
        transitions: 'auto',
        target: 'conflict',
        initial: 'none',
        timeoutMs,
      });
      const head = `| ${row.kind} | ${row.rules} | ${row.what} | ${patches}`;
      if ('error' in r)
        console.log(`${head} | error | ${r.error.replaceAll('|', '\\|').slice(0, 80)} | | |`);
      else
        console.log(
          `${head} | ${r.verdict} | ${r.detail.replaceAll('|', '\\|')} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`,
        );
    }
  }
  console.log('');
}

/**
 * `audit catalog` on generated streams: the whole audit (every patch, the matrix from each
 * release, conflicts, policies) up to 200 patches, patches and matrix only above; and the same
 * questions asked one command at a time (a timed sample, extrapolated), in the same run.
 */
function audit(sizes: readonly number[], seed: number, timeoutMs: number, rules: string): void {
  console.log(
    `## \`audit catalog\` on generated streams (rules ${rules}, seed ${seed}, from the empty system, timeout ${timeoutMs / 1000} s)\n`,
  );
  console.log('| patches | how | result | detail | time ms | peak RSS MB |');
  console.log('|---|---|---|---|---|---|');
  for (const patches of sizes) {
    type AuditJob = {
      readonly kind: 'audit' | 'audit-one-by-one';
      readonly auditParts: 'all' | 'patches-matrix';
      readonly how: string;
    };
    const jobs: AuditJob[] = [
      { kind: 'audit', auditParts: 'patches-matrix', how: 'audit, patches and matrix' },
      { kind: 'audit-one-by-one', auditParts: 'all', how: 'one command at a time' },
    ];
    if (patches <= 200)
      jobs.unshift({ kind: 'audit', auditParts: 'all', how: 'audit, every part' });
    for (const j of jobs) {
      const r = runJob({
        kind: j.kind,
        patches,
        seed,
        rules,
        transitions: 'auto',
        target: 'conflict',
        initial: 'none',
        timeoutMs,
        auditParts: j.auditParts,
      });
      const head = `| ${patches} | ${j.how}`;
      if ('error' in r)
        console.log(`${head} | error | ${r.error.replaceAll('|', '\\|').slice(0, 80)} | | |`);
      else
        console.log(
          `${head} | ${r.verdict} | ${r.detail.replaceAll('|', '\\|')} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`,
        );
    }
  }
  console.log('');
}

header();
const only = values.only;
const sizes = (values.sizes ?? '')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
if (only === undefined || only === 'cold-check') coldCheck(Number(values.repeat));
if (only === undefined || only === 'conflicts') {
  conflicts(
    sizes.filter((n) => n <= 200),
    Number(values.seed),
    Number(values.timeout) * 1000,
    values.rules ?? 'upstream',
  );
}
if (only === undefined || only === 'queries') {
  queries(
    sizes.filter((n) => n <= 200),
    Number(values.seed),
    Number(values.timeout) * 1000,
  );
}
if (only === undefined || only === 'audit') {
  audit(sizes, Number(values.seed), Number(values.timeout) * 1000, values.rules ?? 'upstream');
}
if (only === undefined || only === 'loadable') {
  const initial = values.initial === 'block' ? 'block' : 'none';
  loadable(
    sizes,
    Number(values.seed),
    Number(values.timeout) * 1000,
    values.rules ?? 'upstream',
    (values.engines ?? '').split(','),
    initial,
    (values.targets ?? '')
      .split(',')
      .filter((t) => t === 'conflict' || t === 'fresh' || t === 'chain'),
  );
}
