/**
 * One benchmark measurement, run in a child process of bench/run.ts so that each has its own
 * heap and its peak memory (max RSS) is its own. Prints one JSON line.
 *
 * Usage: node --import tsx bench/job.ts '{"kind":"explore-loadable","patches":50,"seed":1,...}'
 */
import { pathToFileURL } from 'node:url';
import { kernelRules } from '../src/eval/index.ts';
import { provesLoadable } from '../src/explore/index.ts';
import { loadRuleSet } from '../src/ingest/rule-file.ts';
import { catalog } from '../src/model/catalog.ts';
import { patch } from '../src/model/patch.ts';
import type { TransitionMode } from '../src/model/system.ts';
import { generateBench } from './generate.ts';

export interface LoadableJob {
  readonly kind:
    | 'explore-loadable'
    | 'smt-loadable'
    | 'conflicts'
    | 'synth'
    | 'upgrade'
    | 'diff-rules'
    | 'audit'
    | 'audit-one-by-one'
    | 'audit-reverted';
  readonly patches: number;
  readonly seed: number;
  readonly rules: string;
  readonly transitions: TransitionMode;
  /** `conflict`: the target of a planted conflict (refuted); `fresh`: a new non-cumulative
   * patch with a state nobody else has, admissible everywhere (proved: the costly kind). */
  readonly target: 'conflict' | 'fresh' | 'chain';
  /** `none`: start from nothing installed; `block`: from the first release that carries a
   * block_disable state (under the block-disable rules it can only be replaced, not disabled). */
  readonly initial: 'none' | 'block';
  readonly timeoutMs: number;
  /** `audit`: skip the conflict enumeration and the policies (the parts that grow fastest). */
  readonly auditParts?: 'all' | 'patches-matrix';
}

export interface JobResult {
  readonly verdict: string;
  readonly detail: string;
  readonly ms: number;
  readonly maxRssMb: number;
}

/** Length of the block_disable chain of the `chain` target. */
export const CHAIN = 8;

/**
 * A block_disable chain `klp_chain_1..N` (release i adds blocking state b_i and keeps b_(i-1)
 * without the flag, so under the block-disable rules release i+1 can replace release i and
 * nothing else can) and a cumulative target that lacks only b_N: `insmod` of the target fails
 * only once the whole chain was walked, so the shortest counterexample has N steps.
 */
function chainPatches() {
  const b = (i: number) => 0xb10c_0000_0000_0000n + BigInt(i);
  const chain = Array.from({ length: CHAIN }, (_, k) => {
    const i = k + 1;
    const states = [{ id: b(i), version: 1, blockDisable: true }];
    if (i > 1) states.push({ id: b(i - 1), version: 1, blockDisable: false });
    return patch(`klp_chain_${i}`, { replace: true, states });
  });
  const target = patch('klp_chain_target', {
    replace: true,
    states: Array.from({ length: CHAIN - 1 }, (_, k) => ({ id: b(k + 1), version: 1 })),
  });
  return { chain, target };
}

/** The catalog and the patch whose loadability the benchmark asks. */
export function benchTarget(patches: number, seed: number, kind: 'conflict' | 'fresh' | 'chain') {
  const bench = generateBench({ patches, seed });
  if (kind === 'chain') {
    const { chain, target } = chainPatches();
    return { catalog: catalog([...bench.catalog.patches, ...chain, target]), target: target.name };
  }
  if (kind === 'fresh') {
    const fresh = patch('klp_bench_fresh', {
      states: [{ id: 0xfee1_dead_0000_0001n, version: 1 }],
    });
    return { catalog: catalog([...bench.catalog.patches, fresh]), target: fresh.name };
  }
  const planted = bench.planted.find((p) => p.kind !== 'foreign-function');
  const target = planted?.patch ?? bench.catalog.patches.at(-1)?.name;
  if (target === undefined) throw new Error('empty catalog');
  return { catalog: bench.catalog, target };
}

async function runJob(job: LoadableJob): Promise<Omit<JobResult, 'maxRssMb'>> {
  const { catalog: cat, target } = benchTarget(job.patches, job.seed, job.target);
  const loaded = loadRuleSet(job.rules);
  if (loaded.kind === 'error') throw new Error(`rule set ${job.rules} does not load`);
  const initial =
    job.target === 'chain'
      ? ['klp_chain_1']
      : job.initial === 'block'
        ? cat.patches
            .filter((p) => p.name !== target && p.states.some((s) => s.blockDisable))
            .slice(0, 1)
            .map((p) => p.name)
        : [];
  const start = performance.now();
  if (job.kind === 'conflicts') {
    const { conflictRules, findConflicts } = await import('../src/query/conflicts.ts');
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const r = await findConflicts(cat, conflictRules(loaded.value), {
      limit: 1_000_000,
      timeoutMs: job.timeoutMs,
    });
    const ms = performance.now() - start;
    const detail = `${r.known} conflicts, ${r.stats.solverChecks} solver checks`;
    return { verdict: r.status.kind, detail, ms };
  }
  if (job.kind === 'audit') {
    // The whole audit of a generated stream: every patch, the matrix from each release,
    // conflicts and the release-stream policies (or only the first two).
    const { auditCatalog } = await import('../src/query/audit/audit.ts');
    const policy = loadRuleSet('release-stream');
    if (policy.kind === 'error') throw new Error('rule set release-stream does not load');
    const all = job.auditParts !== 'patches-matrix';
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const out = await auditCatalog({
      catalog: cat,
      ruleSet: loaded.value,
      policies: all ? [policy.value] : [],
      deployed: null,
      skipConflicts: !all,
      timeoutMs: job.timeoutMs,
    });
    if (out.kind !== 'ok') throw new Error(out.message);
    const r = out.result;
    const count = (xs: readonly string[]) => {
      const m = new Map<string, number>();
      for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
      return [...m].map(([k, n]) => `${n} ${k}`).join(', ');
    };
    const s = (ms: number) => (ms / 1000).toFixed(1);
    const policyMs = r.stats.ms - r.stats.patchMs - r.stats.upgradeMs - r.stats.conflictMs;
    const detail = [
      `patches: ${count(r.patches.map((p) => p.verdict))} (${s(r.stats.patchMs)} s)`,
      `matrix: ${count(r.upgrades.map((c) => c.verdict))} (${s(r.stats.upgradeMs)} s)`,
      all
        ? `conflicts: ${r.conflicts.sets.length} ${r.conflicts.status} (${s(r.stats.conflictMs)} s)`
        : 'conflicts: skipped',
      all
        ? `policies and findings: ${r.policies.reduce((n, p) => n + p.violations.length, 0)} violations (${s(policyMs)} s)`
        : 'policies: skipped',
      `${r.stats.bySimulator} questions by simulation, ${r.stats.byEngine} by the engine`,
    ].join('; ');
    return {
      verdict: r.complete ? 'complete' : 'incomplete',
      detail,
      ms: performance.now() - start,
    };
  }
  if (job.kind === 'audit-reverted') {
    // The reverted-functions finding: its share of the audit that computes it (patches and
    // matrix; conflicts and policies, which it does not touch, skipped), and, alone, beside
    // the conflict enumeration's load matrix (n² simulator steps) on the same catalog.
    const { auditCatalog } = await import('../src/query/audit/audit.ts');
    const { revertedFunctions } = await import('../src/query/audit/reverted.ts');
    const { loadMatrix } = await import('../src/query/conflicts-replay.ts');
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const rules = kernelRules(loaded.value);
    const t0 = performance.now();
    const alone = revertedFunctions(
      { catalog: cat, kernel: rules },
      { deployed: null, upgrades: [], policies: [] },
    );
    const revertedMs = performance.now() - t0;
    const t1 = performance.now();
    const matrix = loadMatrix(cat, rules, Number.POSITIVE_INFINITY);
    const matrixMs = performance.now() - t1;
    // As in the whole audit, after the conflict enumeration: the load matrix's steps reused.
    const t2 = performance.now();
    const reused = revertedFunctions(
      { catalog: cat, kernel: rules },
      { deployed: null, upgrades: [], policies: [], matrix },
    );
    const reusedMs = performance.now() - t2;
    if (reused.pairs.length !== alone.pairs.length) throw new Error('reverted: matrix disagrees');
    const parts = [
      `${alone.pairs.length} reverting pairs, ${alone.pairs.reduce((n, p) => n + p.functions.length, 0)} functions`,
      `alone ${revertedMs.toFixed(0)} ms, load matrix ${matrixMs.toFixed(0)} ms (ratio ${(revertedMs / matrixMs).toFixed(2)})`,
      `with the load matrix given ${reusedMs.toFixed(0)} ms`,
    ];
    if (job.auditParts !== 'all') {
      const out = await auditCatalog({
        catalog: cat,
        ruleSet: loaded.value,
        policies: [],
        deployed: null,
        skipConflicts: true,
        timeoutMs: job.timeoutMs,
      });
      if (out.kind !== 'ok') throw new Error(out.message);
      const st = out.result.stats;
      parts.push(
        `in the audit (patches and matrix): ${st.revertedMs.toFixed(0)} ms of ${(st.ms / 1000).toFixed(1)} s (${((100 * st.revertedMs) / st.ms).toFixed(2)} %)`,
      );
    }
    return { verdict: 'done', detail: parts.join('; '), ms: performance.now() - start };
  }
  if (job.kind === 'audit-one-by-one') {
    // The same questions as separate `prove loadable` and `upgrade` calls (what a vendor runs
    // today): a sample of 10 of each, timed, and extrapolated to every patch and matrix cell.
    const { proveLoadable } = await import('../src/prove/index.ts');
    const { upgrade } = await import('../src/query/upgrade.ts');
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const names = cat.patches.map((p) => p.name);
    const k = Math.min(10, names.length);
    const t0 = performance.now();
    for (const name of names.slice(0, k)) {
      await proveLoadable({
        catalog: cat,
        ruleSet: loaded.value,
        patch: name,
        timeoutMs: job.timeoutMs,
      });
    }
    const loadMs = (performance.now() - t0) / k;
    const t1 = performance.now();
    for (let i = 0; i < k; i++) {
      const from = names[i] ?? '';
      const to = names[(i * 7 + 3) % names.length] ?? '';
      await upgrade({
        catalog: cat,
        ruleSet: loaded.value,
        from: [from],
        to: [to],
        timeoutMs: job.timeoutMs,
      });
    }
    const upgradeMs = (performance.now() - t1) / k;
    const n = names.length;
    const total = loadMs * n + upgradeMs * n * n;
    const detail = `sample of ${k}: ${loadMs.toFixed(0)} ms per prove loadable, ${upgradeMs.toFixed(0)} ms per upgrade; extrapolated to ${n} + ${n * n} questions: ${(total / 1000).toFixed(0)} s (conflicts and policies not counted)`;
    return { verdict: 'sampled', detail, ms: performance.now() - start };
  }
  if (job.kind === 'synth') {
    // The next cumulative release: a new patch appended to the generated catalog.
    const { synthesize } = await import('../src/query/synth.ts');
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const r = await synthesize({
      catalog: cat,
      ruleSet: loaded.value,
      patch: 'klp_bench_next',
      replace: true,
      transitions: job.transitions,
      timeoutMs: job.timeoutMs,
    });
    // The summary lists every state; the table keeps its head.
    const { synthSummary } = await import('../src/report/synth.ts');
    const detail = `${synthSummary(r).replace(/ \(.*$/, '')}; ${r.stats.proofs} proofs, ${r.stats.configurations} configurations`;
    return { verdict: r.verdict, detail, ms: performance.now() - start };
  }
  if (job.kind === 'upgrade') {
    // Walk the block_disable chain from its first release to its last (7 operations).
    const { upgrade } = await import('../src/query/upgrade.ts');
    // Without the chain's target, which could replace the first release and shortcut the walk.
    const { catalog: withTarget } = benchTarget(job.patches, job.seed, 'chain');
    const cat = catalog(withTarget.patches.filter((p) => p.name !== 'klp_chain_target'));
    const r = await upgrade({
      catalog: cat,
      ruleSet: loaded.value,
      from: ['klp_chain_1'],
      to: [`klp_chain_${CHAIN}`],
      transitions: job.transitions,
      timeoutMs: job.timeoutMs,
    });
    const { upgradeSummary } = await import('../src/report/upgrade.ts');
    return { verdict: r.verdict, detail: upgradeSummary(r), ms: performance.now() - start };
  }
  if (job.kind === 'diff-rules') {
    const { diffRules } = await import('../src/query/diff-rules.ts');
    const right = loadRuleSet('replace-set');
    if (right.kind === 'error') throw new Error('rule set replace-set does not load');
    const cat = generateBench({ patches: job.patches, seed: job.seed }).catalog;
    const r = await diffRules({
      catalog: cat,
      left: loaded.value,
      right: right.value,
      transitions: job.transitions,
      timeoutMs: job.timeoutMs,
    });
    const { diffRulesSummary } = await import('../src/report/diff-rules.ts');
    return { verdict: r.verdict, detail: diffRulesSummary(r), ms: performance.now() - start };
  }
  if (job.kind === 'explore-loadable') {
    const v = provesLoadable(cat, kernelRules(loaded.value), target, {
      transitions: job.transitions,
      initial,
      deadline: Date.now() + job.timeoutMs,
    });
    const ms = performance.now() - start;
    const detail =
      v.kind === 'refuted'
        ? `${v.path.length} steps`
        : v.kind === 'proved'
          ? `${v.states} configurations`
          : v.kind === 'unknown'
            ? `${v.limit} at depth ${v.depth}`
            : '';
    return { verdict: v.kind, detail, ms };
  }
  const { proveLoadable } = await import('../src/prove/index.ts');
  const v = await proveLoadable({
    catalog: cat,
    ruleSet: loaded.value,
    patch: target,
    initial,
    transitions: job.transitions,
    timeoutMs: job.timeoutMs,
  });
  const ms = performance.now() - start;
  const { proveSummary } = await import('../src/report/prove.ts');
  return { verdict: v.verdict, detail: proveSummary(v), ms };
}

// Run only as the child process itself, not when another script imports `benchTarget`.
const arg = process.argv[2];
if (arg !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const job: LoadableJob = JSON.parse(arg);
  const r = await runJob(job);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...r, maxRssMb })}\n`);
  process.exit(0);
}
