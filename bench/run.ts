/**
 * `npm run bench`: the benchmarks behind bench/RESULTS.md. Each measurement runs in a fresh
 * child process (its own heap, its own peak memory), so numbers are cold and comparable.
 *
 *   npm run bench                          # everything, default sizes
 *   npm run bench -- --only cold-check     # one benchmark: startup | cold-check | admissibility | loadable | conflicts | queries | modules | fleet | log | audit | audit-reverted | load | scale
 *   npm run bench -- --only fleet --hosts 1000000 --configurations 300
 *   npm run bench -- --only log --mb 1000
 *   npm run bench -- --only load --processes 50 --plans 10000
 *   npm run bench -- --only scale                           # every command at 10/100/1000/5000, 30 s each
 *   npm run bench -- --sizes 10,50 --timeout 60 --repeat 5
 *   npm run bench -- --only loadable --rules block-disable --targets chain --transitions manual --engines smt --sizes 1000
 *
 * Prints Markdown tables; paste them into bench/RESULTS.md with the date and the machine's load.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { admissibility } from './admissibility.ts';
import { catalogYaml, generateBench } from './generate.ts';
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
    transitions: { type: 'string', default: 'auto,manual' },
    hosts: { type: 'string', default: '1000000' },
    configurations: { type: 'string', default: '300' },
    mb: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '50' },
    plans: { type: 'string', default: '10000' },
    installed: { type: 'string', default: '1,5,20' },
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
  // The bundle is what an installed klp-verify runs (bin/ falls back to tsx only in a checkout
  // whose sources are newer); build it so the figure is the product's, not the compiler's.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const plans = [
    'examples/selftests/system-state-modification.plan.yaml',
    'examples/vendor-stream/forgotten-state.plan.yaml',
    'examples/vendor-stream/rollback.plan.yaml',
  ];
  console.log('## Cold `klp-verify check` (whole process, wall time)\n');
  console.log('| plan | steps | median ms | min ms | max ms | peak RSS MB | runs |');
  console.log('|---|---|---|---|---|---|---|');
  for (const plan of plans) {
    const times: number[] = [];
    let kb = 0;
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      const r = spawnSync(
        '/usr/bin/time',
        ['-f', '%M', process.execPath, 'bin/klp-verify.mjs', 'check', plan],
        { cwd: ROOT, encoding: 'utf8' },
      );
      times.push(performance.now() - start);
      if (r.status !== 0) throw new Error(`check ${plan} exited ${r.status}: ${r.stderr}`);
      kb = Math.max(kb, Number(r.stderr.trim().split('\n').at(-1)));
    }
    const steps = (
      spawnSync(process.execPath, ['bin/klp-verify.mjs', 'check', plan, '--format', 'json'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).stdout.match(/"op":/g) ?? []
    ).length;
    console.log(
      `| ${plan} | ${steps} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${Math.max(...times).toFixed(0)} | ${(kb / 1024).toFixed(0)} | ${repeat} |`,
    );
  }
  console.log('');
}

/**
 * Start-up of commands that need no solver, as a ratio to a bare `node -e 0` measured in the
 * same run (the machine's load cancels out): from the bundle (what `npm ci` builds) and from
 * the TypeScript sources through tsx (what every start cost before the bundle), interleaved.
 */
function startup(repeat: number): void {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const commands: readonly (readonly string[])[] = [
    ['--help'],
    ['--version'],
    ['rules', 'list'],
    ['simulate', 'examples/vendor-stream/rollout.plan.yaml'],
  ];
  const time = (args: readonly string[], env: NodeJS.ProcessEnv): { ms: number; kb: number } => {
    const start = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const ms = performance.now() - start;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return { ms, kb: Number(r.stderr.trim().split('\n').at(-1)) };
  };
  const bare: number[] = [];
  const rows = commands.map((c) => ({ c, bundle: [] as number[], tsx: [] as number[], kb: 0 }));
  for (let i = 0; i < repeat; i++) {
    bare.push(time(['-e', '0'], {}).ms);
    for (const row of rows) {
      const b = time(['bin/klp-verify.mjs', ...row.c], {});
      row.bundle.push(b.ms);
      row.kb = Math.max(row.kb, b.kb);
      row.tsx.push(time(['bin/klp-verify.mjs', ...row.c], { KLP_VERIFY_SOURCES: '1' }).ms);
    }
  }
  const base = median(bare);
  console.log(
    '## Start-up (whole process, wall time; ratio to a bare `node -e 0` in the same run)\n',
  );
  console.log(`bare \`node -e 0\`: median ${base.toFixed(0)} ms over ${repeat} runs\n`);
  console.log('| command | bundle ms | bundle / node | bundle peak MB | tsx ms | tsx / node |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const b = median(row.bundle);
    const t = median(row.tsx);
    console.log(
      `| \`klp-verify ${row.c.join(' ')}\` | ${b.toFixed(0)} | ${(b / base).toFixed(1)}x | ${(row.kb / 1024).toFixed(0)} | ${t.toFixed(0)} | ${(t / base).toFixed(1)}x |`,
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
  modes: readonly ('auto' | 'manual')[] = ['auto', 'manual'],
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
      for (const transitions of modes) {
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
 * `klp-verify catalog build` over N compiled modules (whole process, wall time): copies of the
 * committed fixture modules, each given its own module name by rewriting `name=` in
 * `.modinfo` in place (same length), so the catalog really has N patches.
 */
function modules(sizes: readonly number[], repeat: number): void {
  const templates = [
    'test/fixtures/modules/src/ko/klp_ids.ko',
    'test/fixtures/modules/src/ko/klp_non_replace.ko',
    'test/fixtures/modules/src/ko/klp_system_states.ko',
    'test/fixtures/modules/kernel/ko/test_klp_state2.ko',
    'examples/artifact-stream/src/ko/klp_stream_r2.ko',
  ].map((f) => {
    const bytes = readFileSync(f);
    const name = /name=([A-Za-z0-9_]+)\0/.exec(bytes.toString('latin1'));
    if (name === null || name[1] === undefined) throw new Error(`no name= in ${f}`);
    return { bytes, at: (name.index ?? 0) + 5, length: name[1].length };
  });
  console.log('## `klp-verify catalog build` over compiled modules (whole process, wall time)\n');
  console.log(
    '| modules | bytes read | patches | median ms | min ms | max ms | reading only, median ms | runs |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'klp-bench-modules-'));
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = templates[i % templates.length];
      if (t === undefined) continue;
      const copy = Buffer.from(t.bytes);
      copy.write(`m${String(i).padStart(t.length - 1, '0')}`, t.at, 'latin1');
      writeFileSync(join(dir, `m${i}.ko`), copy);
      total += copy.length;
    }
    const times: number[] = [];
    let patches = 0;
    for (let r = 0; r < repeat; r++) {
      const start = performance.now();
      const out = spawnSync(
        process.execPath,
        ['bin/klp-verify.mjs', 'catalog', 'build', dir, '--format', 'json'],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 },
      );
      times.push(performance.now() - start);
      if (out.status !== 0) throw new Error(`catalog build failed: ${out.stderr}`);
      const doc: unknown = JSON.parse(out.stdout);
      patches =
        typeof doc === 'object' && doc !== null && 'patches' in doc && Array.isArray(doc.patches)
          ? doc.patches.length
          : 0;
    }
    // The same reading in-process, without node's start and the loading of the sources.
    const inner: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', 'bench/modules-job.ts', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const doc: unknown = JSON.parse(out.stdout);
      if (typeof doc === 'object' && doc !== null && 'ms' in doc && typeof doc.ms === 'number') {
        inner.push(doc.ms);
      }
    }
    rmSync(dir, { recursive: true });
    console.log(
      `| ${n} | ${(total / 1e6).toFixed(1)} MB | ${patches} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${Math.max(...times).toFixed(0)} | ${median(inner).toFixed(0)} | ${repeat} |`,
    );
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

/**
 * The reverted-functions finding of `audit catalog` (src/query/audit/reverted.ts) on generated
 * streams: its time alone and beside the load matrix of the conflict enumeration, and its share
 * of the audit's patches-and-matrix part, in the same process (up to 200 patches).
 */
function auditReverted(
  sizes: readonly number[],
  seed: number,
  timeoutMs: number,
  rules: string,
): void {
  console.log(
    `## \`audit catalog\`: functions cumulative patches revert (rules ${rules}, seed ${seed}, from the empty system)\n`,
  );
  console.log('| patches | detail | time ms | peak RSS MB |');
  console.log('|---|---|---|---|');
  for (const patches of sizes) {
    const r = runJob({
      kind: 'audit-reverted',
      patches,
      seed,
      rules,
      transitions: 'auto',
      target: 'conflict',
      initial: 'none',
      timeoutMs,
      auditParts: patches <= 200 ? 'patches-matrix' : 'all',
    });
    if ('error' in r)
      console.log(`| ${patches} | error: ${r.error.replaceAll('|', '\\|').slice(0, 80)} | | |`);
    else
      console.log(`| ${patches} | ${r.detail} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`);
  }
  console.log('');
}

/** Runs bench/fleet-job.ts in a child process; its last stdout line, parsed. */
function fleetJob(
  mode: 'generate' | 'run' | 'generate-log' | 'run-log',
  job: Record<string, unknown>,
): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/fleet-job.ts', mode, JSON.stringify(job)],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || line === '') throw new Error(`fleet-job ${mode} failed: ${r.stderr}`);
  return JSON.parse(line);
}

/**
 * `audit fleet` over generated NDJSON snapshots: HOSTS host lines over about CONFIGURATIONS
 * distinct configurations of a generated release stream (40 patches), rollout of its last
 * release. The input is generated in one child, the audit timed in another.
 */
function fleet(hosts: number, configurations: number, seed: number, repeat: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'klp-bench-fleet-'));
  try {
    const gen = fleetJob('generate', { hosts, configurations, seed, dir });
    const size = statSync(join(dir, 'fleet.ndjson')).size;
    console.log(
      `## \`audit fleet\` on ${hosts.toLocaleString('en-US')} generated host lines (${(size / 1e6).toFixed(0)} MB NDJSON, ${gen.configurations} distinct configurations, seed ${seed}, rollout ${gen.rollout})\n`,
    );
    console.log(
      '| run | wall s | peak RSS MB | configurations | admitted | refused | inconsistent | unknown | exit |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (let i = 1; i <= repeat; i++) {
      const r = fleetJob('run', { dir, rollout: gen.rollout });
      const v = typeof r.byVerdict === 'object' && r.byVerdict !== null ? r.byVerdict : {};
      const get = (k: string): string => String(k in v ? Reflect.get(v, k) : '');
      console.log(
        `| ${i} | ${(Number(r.ms) / 1000).toFixed(1)} | ${Number(r.maxRssMb).toFixed(0)} | ${r.configurations} | ${get('admitted')} | ${get('refused')} | ${get('inconsistent')} | ${get('unknown')} | ${r.exit} |`,
      );
    }
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `audit log` over a generated dmesg of `mb` megabytes (almost all of it other kernel lines). */
function kernelLog(mb: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'klp-bench-log-'));
  try {
    const gen = fleetJob('generate-log', { mb, dir });
    console.log(
      `## \`audit log\` on a generated ${(Number(gen.bytes) / 1e6).toFixed(0)} MB dmesg (${Number(gen.lines).toLocaleString('en-US')} lines, ${gen.boots} boots)\n`,
    );
    console.log('| wall s | MB/s | peak RSS MB | boots | exit |');
    console.log('|---|---|---|---|---|');
    const r = fleetJob('run-log', { dir });
    const s = Number(r.ms) / 1000;
    console.log(
      `| ${s.toFixed(1)} | ${(Number(gen.bytes) / 1e6 / s).toFixed(0)} | ${Number(r.maxRssMb).toFixed(0)} | ${r.boots} | ${r.exit} |`,
    );
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

header();
const only = values.only;
if (only === 'log') kernelLog(Number(values.mb));
if (only === 'fleet') {
  fleet(
    Number(values.hosts),
    Number(values.configurations),
    Number(values.seed),
    Math.min(3, Number(values.repeat)),
  );
}
const sizes = (values.sizes ?? '')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
if (only === undefined || only === 'startup') startup(Number(values.repeat));
if (only === undefined || only === 'cold-check') coldCheck(Number(values.repeat));
if (only === undefined || only === 'admissibility') {
  admissibility(
    values.sizes.split(',').map(Number),
    values.installed.split(',').map(Number),
    Number(values.repeat),
  );
}
if (only === undefined || only === 'modules') {
  modules(
    sizes.filter((n) => n >= 10),
    Number(values.repeat),
  );
}
if (only === undefined || only === 'conflicts') {
  conflicts(
    sizes.filter((n) => n <= 1000),
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
if (only === undefined || only === 'audit-reverted') {
  auditReverted(
    sizes,
    Number(values.seed),
    Number(values.timeout) * 1000,
    values.rules ?? 'upstream',
  );
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
    (values.transitions ?? '').split(',').filter((t) => t === 'auto' || t === 'manual'),
  );
}

// ---------- scale: issue 14, item 7

/**
 * Every command at growing catalog sizes, each run a whole `klp-verify` process under GNU time
 * (wall time, peak RSS) with the command's own `--timeout` and a kill 30 s later: a row that
 * runs out says so. The catalogs are generated streams (bench/generate.ts, `seed`); the plan
 * of `simulate` and `check` installs the first five patches in order; `prove` asks about the
 * last patch; `upgrade` goes from the first release to the last; `synth` asks for the next
 * cumulative release. The growth column fits `time = a * N^k` over the sizes that finished
 * (least squares on the logarithms): k = 1 means that time doubles when N doubles.
 */
function scale(sizes: readonly number[], seed: number, timeoutS: number): void {
  const BIN = fileURLToPath(new URL('../bin/klp-verify.mjs', import.meta.url));
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'klp-scale-'));
  const files = new Map<number, { catalog: string; plan: string; names: string[] }>();
  for (const n of sizes) {
    const g = generateBench({ patches: n, seed });
    const catalog = join(dir, `c${n}.catalog.yaml`);
    writeFileSync(catalog, catalogYaml(g));
    const names = g.catalog.patches.map((p) => p.name);
    const plan = join(dir, `p${n}.plan.yaml`);
    writeFileSync(
      plan,
      `rules: upstream\ncatalog: c${n}.catalog.yaml\nsteps:\n${names
        .slice(0, 5)
        .map((x) => `  - insmod: ${x}\n`)
        .join('')}`,
    );
    files.set(n, { catalog, plan, names });
  }
  const t = ['--timeout', String(timeoutS)];
  const commands: readonly {
    readonly name: string;
    readonly args: (f: { catalog: string; plan: string; names: string[] }) => string[];
  }[] = [
    { name: 'simulate', args: (f) => ['simulate', f.plan] },
    { name: 'check', args: (f) => ['check', f.plan, ...t] },
    {
      name: 'prove loadable',
      args: (f) => ['prove', 'loadable', f.names.at(-1) ?? '', '--catalog', f.catalog, ...t],
    },
    {
      name: 'prove invariant',
      args: (f) => ['prove', 'invariant', 'no-lower-version-above', '--catalog', f.catalog, ...t],
    },
    { name: 'conflicts', args: (f) => ['conflicts', '--catalog', f.catalog, '--limit', '5', ...t] },
    {
      name: 'upgrade',
      args: (f) => {
        const releases = f.names.filter((x) => !x.startsWith('klp_hotfix_'));
        return [
          'upgrade',
          '--catalog',
          f.catalog,
          '--from',
          releases[0] ?? '',
          '--to',
          releases.at(-1) ?? '',
          ...t,
        ];
      },
    },
    {
      name: 'synth',
      args: (f) => ['synth', 'klp_bench_next', '--catalog', f.catalog, '--replace', 'true', ...t],
    },
    {
      name: 'diff-rules',
      args: (f) => ['diff-rules', 'upstream', 'replace-set', '--catalog', f.catalog, ...t],
    },
    { name: 'audit catalog', args: (f) => ['audit', 'catalog', f.catalog, ...t] },
  ];
  console.log(
    `## Scale: every command at ${sizes.join(' / ')} patches (seed ${seed}, --timeout ${timeoutS} s per run)\n`,
  );
  console.log('| command | patches | exit | time ms | peak RSS MB | verdict |');
  console.log('|---|---|---|---|---|---|');
  const growth: string[] = [];
  for (const c of commands) {
    const done: { n: number; ms: number }[] = [];
    for (const n of sizes) {
      const f = files.get(n);
      if (f === undefined) continue;
      const start = performance.now();
      const r = spawnSync(
        '/usr/bin/time',
        // Generated catalogs list functions: 9 MB at 1000 patches, over the 4 MiB default.
        [
          '-f',
          '%M',
          process.execPath,
          BIN,
          ...c.args(f),
          '--quiet',
          '--max-input-size',
          '1000000000',
        ],
        { cwd: dir, encoding: 'utf8', timeout: (timeoutS + 30) * 1000, maxBuffer: 1 << 26 },
      );
      const ms = performance.now() - start;
      const kb = Number(r.stderr.trim().split('\n').at(-1));
      const mb = Number.isFinite(kb) ? (kb / 1024).toFixed(0) : '';
      const line = r.stdout.trim().split('\n').at(-1) ?? '';
      // Exit 3: out of time (the command's own deadline); killed: past it by 30 s.
      const status =
        r.signal !== null ? `killed after ${timeoutS + 30} s` : r.status === 3 ? 'out of time' : '';
      const verdict = (status === '' ? line : `${status}: ${line}`)
        .replaceAll(`${dir}/`, '')
        .replace(/\|/g, '\\|')
        .slice(0, 120);
      console.log(
        `| ${c.name} | ${n} | ${r.status ?? r.signal} | ${ms.toFixed(0)} | ${mb} | ${verdict} |`,
      );
      if (r.signal === null && r.status !== null && r.status <= 1) done.push({ n, ms });
    }
    growth.push(`- ${c.name}: ${fitGrowth(done, sizes)}`);
  }
  console.log('\nHow the cost grows (time = a * N^k fitted over the sizes that finished):\n');
  for (const g of growth) console.log(g);
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nThe whole table took ${((performance.now() - began) / 1000).toFixed(0)} s.\n`);
}

/** The exponent k of `time = a * N^k`, by least squares on the logarithms. */
function fitGrowth(done: readonly { n: number; ms: number }[], sizes: readonly number[]): string {
  const missing = sizes.filter((n) => !done.some((d) => d.n === n));
  const tail = missing.length === 0 ? '' : ` (${missing.join(', ')} did not finish)`;
  if (done.length < 2) return `too few sizes finished to fit${tail}`;
  const xs = done.map((d) => Math.log(d.n));
  const ys = done.map((d) => Math.log(d.ms));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] ?? 0) - my);
    sxx += (x - mx) ** 2;
  });
  const k = sxy / sxx;
  const words =
    k < 0.2
      ? 'flat: the start of the process dominates'
      : `time x${(2 ** k).toFixed(1)} when N doubles`;
  return `k = ${k.toFixed(2)}, ${words}${tail}`;
}

if (only === 'scale') {
  scale(
    (values.sizes === '10,50,200,1000' ? '10,100,1000,5000' : (values.sizes ?? ''))
      .split(',')
      .map(Number),
    Number(values.seed),
    values.timeout === '60' ? 30 : Number(values.timeout),
  );
}

// ---------- load: issue 13, item 9

/** A `check --format json` answer without what may differ between runs (file names, times). */
function answer(json: string): string {
  return json.replace(/"file":"[^"]*"/g, '"file":""').replace(/"ms":[0-9.e+-]+/g, '"ms":0');
}

interface Measured {
  readonly status: number | null;
  readonly stdout: string;
  readonly seconds: number;
  readonly peakKb: number;
}

/** Runs `klp-verify ARGS` under GNU time for wall time and peak RSS, without blocking. */
function measured(args: readonly string[]): Promise<Measured> {
  return new Promise((done, fail) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'TIME %e %M', process.execPath, 'bin/klp-verify.mjs', ...args],
      { cwd: fileURLToPath(ROOT) },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (status) => {
      const m = /TIME ([0-9.]+) ([0-9]+)/.exec(Buffer.concat(err).toString());
      done({
        status,
        stdout: Buffer.concat(out).toString(),
        seconds: Number(m?.[1] ?? Number.NaN),
        peakKb: Number(m?.[2] ?? Number.NaN),
      });
    });
  });
}

/**
 * 50 concurrent `check` processes, and one `check` over a folder of 10,000 plans, must give the
 * answers of one `check` per plan run one at a time; prints wall time and peak memory.
 */
async function load(processes: number, plans: number): Promise<void> {
  const examples = readdirSync(fileURLToPath(new URL('examples', ROOT)), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(fileURLToPath(new URL('examples', ROOT)), d.name))
        .filter((f) => f.endsWith('.plan.yaml'))
        .map((f) => join('examples', d.name, f)),
    )
    .sort();
  const reference = new Map<string, { status: number | null; answer: string }>();
  for (const plan of examples) {
    const r = await measured(['check', plan, '--format', 'json']);
    reference.set(plan, { status: r.status, answer: answer(r.stdout.trim()) });
  }
  console.log('## Load: concurrent processes and many plans (issue 13, item 9)\n');
  console.log(
    '| job | plans | wall s | peak RSS MB (max over processes) | same answers as one at a time |',
  );
  console.log('|---|---|---|---|---|');
  const start = performance.now();
  const runs = await Promise.all(
    Array.from({ length: processes }, (_, i) => {
      const plan = examples[i % examples.length] ?? '';
      return measured(['check', plan, '--format', 'json']).then((r) => ({ plan, r }));
    }),
  );
  const wall = (performance.now() - start) / 1000;
  const same = runs.every(
    ({ plan, r }) =>
      r.status === reference.get(plan)?.status &&
      answer(r.stdout.trim()) === reference.get(plan)?.answer,
  );
  const peak = Math.max(...runs.map(({ r }) => r.peakKb)) / 1024;
  console.log(
    `| ${processes} concurrent \`check\` processes | ${processes} | ${wall.toFixed(1)} | ${peak.toFixed(0)} | ${same ? 'yes' : 'NO'} |`,
  );

  // A folder of copies of the example plans, each folder with its catalogs.
  const dir = mkdtempSync(join(tmpdir(), 'klp-load-'));
  try {
    const files: { plan: string; copy: string }[] = [];
    for (const ex of new Set(examples.map((p) => join(p, '..')))) {
      const target = join(dir, basename(ex));
      mkdirSync(target);
      for (const f of readdirSync(fileURLToPath(new URL(ex, ROOT)))) {
        if (f.endsWith('.catalog.yaml'))
          copyFileSync(fileURLToPath(new URL(join(ex, f), ROOT)), join(target, f));
      }
    }
    for (let i = 0; i < plans; i++) {
      const plan = examples[i % examples.length] ?? '';
      const copy = join(
        dir,
        basename(join(plan, '..')),
        `${String(i).padStart(5, '0')}-${basename(plan)}`,
      );
      copyFileSync(fileURLToPath(new URL(plan, ROOT)), copy);
      files.push({ plan, copy });
    }
    const r = await measured(['check', ...files.map((f) => f.copy), '--format', 'json']);
    const answers = r.stdout.trim().split('\n');
    const agree =
      answers.length === files.length &&
      files.every((f, i) => answer(answers[i] ?? '') === reference.get(f.plan)?.answer);
    const worst = Math.max(...[...reference.values()].map((x) => x.status ?? 4));
    console.log(
      `| one \`check\` over a folder of plans | ${plans} | ${r.seconds.toFixed(1)} | ${(r.peakKb / 1024).toFixed(0)} | ${agree && r.status === worst ? 'yes' : 'NO'} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
}

if (only === 'load') await load(Number(values.processes), Number(values.plans));
