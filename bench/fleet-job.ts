/**
 * The `--only fleet` benchmark of bench/run.ts, in two child processes so that generating the
 * input does not count in the audit's peak memory:
 *
 *   node --import tsx bench/fleet-job.ts generate '{"hosts":1000000,"configurations":300,"seed":1,"dir":"/tmp/x"}'
 *     writes DIR/catalog.yaml (a generated release stream) and DIR/fleet.ndjson: HOSTS host lines
 *     over about CONFIGURATIONS distinct configurations (a release with hotfixes on top, older
 *     releases still loaded, a few pending transitions and inconsistent hosts, kernels with and
 *     without stack_order), hosts spread over them by a Zipf law; prints the rollout patch.
 *   node --import tsx bench/fleet-job.ts run '{"dir":"/tmp/x","rollout":"klp_s1_r9"}'
 *     runs `klp-verify audit fleet DIR/fleet.ndjson --catalog DIR/catalog.yaml --rollout P
 *     --format json` in-process and prints one JSON line: verdict counts, wall ms, peak RSS MB.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { kernelRules } from '../src/eval/index.ts';
import { loadRuleSet } from '../src/ingest/rule-file.ts';
import { installStack } from '../src/kernel/index.ts';
import { isEnabled, type System } from '../src/model/system.ts';
import { catalogYaml, generateBench } from './generate.ts';

interface GenerateJob {
  readonly hosts: number;
  readonly configurations: number;
  readonly seed: number;
  readonly dir: string;
}

/** mulberry32: the same seed, the same fleet. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function snapshotLine(host: string, kernel: string, sys: System, stackOrder: boolean): string {
  return JSON.stringify({
    host,
    kernel,
    bootId: null,
    livepatch: sys.klpPatches.map((name, i) => ({
      name,
      enabled: isEnabled(sys, name) ? 1 : 0,
      transition: sys.transition?.patch === name ? 1 : 0,
      replace: null,
      stackOrder: stackOrder ? i + 1 : null,
    })),
    modules: sys.loaded,
  });
}

async function generate(job: GenerateJob): Promise<string> {
  const bench = generateBench({ patches: 40, seed: job.seed, hotfixRatio: 0.4, blockChains: 0 });
  const cat = bench.catalog;
  writeFileSync(join(job.dir, 'catalog.yaml'), catalogYaml(bench));
  const rules = loadRuleSet('upstream');
  if (rules.kind === 'error') throw new Error('upstream rules do not load');
  const kernel = kernelRules(rules.value);
  const rnd = prng(job.seed);
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[Math.floor(rnd() * xs.length)];
    if (x === undefined) throw new Error('empty choice');
    return x;
  };
  const releases = cat.patches.filter((p) => p.replace && p.replaceSet === 1).map((p) => p.name);
  const hotfixes = cat.patches.filter((p) => !p.replace).map((p) => p.name);
  const rollout = releases.at(-1) ?? '';
  const configs: { kernel: string; sys: System; stackOrder: boolean }[] = [];
  const seen = new Set<string>();
  for (
    let tries = 0;
    configs.length < job.configurations && tries < job.configurations * 50;
    tries++
  ) {
    const ri = Math.floor(rnd() * (releases.length - 1));
    const stack = [releases[ri] ?? ''];
    const nHotfixes = Math.floor(rnd() * 3);
    for (let i = 0; i < nHotfixes; i++) {
      const h = pick(hotfixes);
      if (!stack.includes(h)) stack.push(h);
    }
    const s = installStack(cat, kernel, stack, 'auto');
    if (s.kind !== 'ok') continue;
    let sys = s.system;
    // Older releases replaced but still loaded.
    const older = releases.slice(Math.max(0, ri - 3), ri).filter(() => rnd() < 0.5);
    sys = { ...sys, loaded: [...older, ...sys.loaded] };
    const roll = rnd();
    // A few hosts with a transition stuck, a few in a configuration no order admits.
    const top = sys.klpPatches.at(-1);
    if (roll < 0.05 && top !== undefined)
      sys = { ...sys, transition: { patch: top, target: 'patched' } };
    else if (roll < 0.07 && ri > 0) {
      const below = releases[ri - 1] ?? '';
      sys = {
        ...sys,
        klpPatches: [below, ...sys.klpPatches],
        loaded: [below, ...sys.loaded.filter((m) => m !== below)],
      };
    }
    const k = rnd() < 0.5 ? '6.8.0-45-generic' : '6.14.0-1-generic';
    const key = `${k}|${JSON.stringify(sys)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    configs.push({ kernel: k, sys, stackOrder: k.startsWith('6.14') });
  }
  // Zipf: configuration i gets weight 1/(i+1).
  const weights = configs.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cumulative.push(acc);
  }
  const out = createWriteStream(join(job.dir, 'fleet.ndjson'));
  const templates = configs.map((c) => snapshotLine('HOST', c.kernel, c.sys, c.stackOrder));
  let buf = '';
  for (let h = 0; h < job.hosts; h++) {
    const r = rnd();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 1) < r) lo = mid + 1;
      else hi = mid;
    }
    buf += `${(templates[lo] ?? '').replace('"HOST"', `"host-${h}"`)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  return JSON.stringify({ rollout, configurations: configs.length });
}

/**
 * Runs the CLI in-process on `argv` (with `--format json`) and times it: the exit status, the
 * wall time and the one JSON document it printed (stderr is dropped).
 */
async function runJson(
  argv: readonly string[],
): Promise<{ code: number; ms: number; doc: unknown }> {
  const io = bufferIo();
  const start = performance.now();
  const code = await main([...argv, '--format', 'json'], io);
  const ms = performance.now() - start;
  return { code, ms, doc: JSON.parse(io.stdout()) };
}

async function runAudit(job: { dir: string; rollout: string }): Promise<string> {
  const fleet = join(job.dir, 'fleet.ndjson');
  const catalog = join(job.dir, 'catalog.yaml');
  const args = ['audit', 'fleet', fleet, '--catalog', catalog, '--rollout', job.rollout];
  const { code, ms, doc: parsed } = await runJson(args);
  const summary =
    typeof parsed === 'object' &&
    parsed !== null &&
    'byVerdict' in parsed &&
    'configurations' in parsed &&
    Array.isArray(parsed.configurations)
      ? { byVerdict: parsed.byVerdict, configurations: parsed.configurations.length }
      : {};
  return JSON.stringify({
    exit: code,
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...summary,
  });
}

/**
 * A dmesg of about `mb` megabytes: kernel noise with, every `every` lines, the livepatch lines
 * of the vendor stream's releases being loaded (each boot: r1, hotfix, r2, r4 refused, r3),
 * a new boot (a `Linux version` line) every 200,000 lines.
 */
async function generateLog(job: { mb: number; dir: string }): Promise<string> {
  const out = createWriteStream(join(job.dir, 'kern.log'));
  const story = [
    "livepatch: enabling patch 'klp_6_8_0_45_r1'",
    "livepatch: 'klp_6_8_0_45_r1': starting patching transition",
    "livepatch: 'klp_6_8_0_45_r1': patching complete",
    "livepatch: enabling patch 'klp_hotfix_tcp_rto'",
    "livepatch: 'klp_hotfix_tcp_rto': starting patching transition",
    "livepatch: 'klp_hotfix_tcp_rto': patching complete",
    "livepatch: enabling patch 'klp_6_8_0_45_r3'",
    "livepatch: 'klp_6_8_0_45_r3': starting patching transition",
    "livepatch: 'klp_6_8_0_45_r3': patching complete",
    'livepatch: Livepatch patch (klp_6_8_0_45_r4) is not compatible with the already installed livepatches.',
  ];
  let bytes = 0;
  let line = 0;
  let boots = 0;
  let buf = '';
  let t = 0;
  let next = 0;
  while (bytes < job.mb * 1e6) {
    if (line % 200_000 === 0) {
      buf +=
        '<5>[    0.000000] [    T0] Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP\n';
      boots++;
      t = 0;
      next = 0;
    }
    t += 0.001;
    const ts = t.toFixed(6).padStart(12);
    const msg =
      line % 20_000 === 10 && next < story.length
        ? story[next++]
        : `EXT4-fs (vda1): re-mounted ${line}. Quota mode: none.`;
    const text = `<6>[${ts}] [  T${line % 9999}] ${msg}\n`;
    buf += text;
    bytes += text.length;
    line++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  return JSON.stringify({ lines: line, boots, bytes });
}

async function runLog(job: { dir: string }): Promise<string> {
  const catalog = 'examples/vendor-stream/stream.catalog.yaml';
  const args = ['audit', 'log', join(job.dir, 'kern.log'), '--catalog', catalog];
  const { code, ms, doc: parsed } = await runJson(args);
  const boots =
    typeof parsed === 'object' &&
    parsed !== null &&
    'boots' in parsed &&
    Array.isArray(parsed.boots)
      ? parsed.boots.length
      : 0;
  return JSON.stringify({ exit: code, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, boots });
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'generate') {
  const job: GenerateJob = JSON.parse(arg ?? '{}');
  console.log(await generate(job));
} else if (mode === 'run') {
  const job: { dir: string; rollout: string } = JSON.parse(arg ?? '{}');
  console.log(await runAudit(job));
} else if (mode === 'generate-log') {
  const job: { mb: number; dir: string } = JSON.parse(arg ?? '{}');
  console.log(await generateLog(job));
} else if (mode === 'run-log') {
  const job: { dir: string } = JSON.parse(arg ?? '{}');
  console.log(await runLog(job));
} else {
  throw new Error('usage: fleet-job.ts generate|run|generate-log|run-log JSON');
}
