// What Z3 costs on this machine: loading, starting, a trivial check, and 1000 small checks on
// one solver in the ways the solver layer can ask them. Run: `npx tsx bench/z3-costs.ts`.
// Numbers are noisy on small machines: run twice before relying on one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rows: Array<[string, string]> = [];

function record(step: string, ms: number, n = 1): void {
  const each = n > 1 ? ` (${((ms * 1000) / n).toFixed(0)} us each)` : '';
  rows.push([step, `${ms.toFixed(1)} ms${each}`]);
}

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const out = await fn();
  return [out, performance.now() - started];
}

const N = 1000;

const [z3mod, importMs] = await time(() => import('z3-solver'));
record('import z3-solver', importMs);
const [api, initMs] = await time(() => z3mod.init());
record('init()', initMs);
const ctx = new api.Context('bench');
const x = ctx.BitVec.const('x', 32);

// A trivial check: the first one spawns Z3's worker thread.
const trivial = new ctx.Solver();
trivial.add(x.ult(ctx.BitVec.val(5n, 32)));
const [, firstMs] = await time(() => trivial.check());
record('first check() (spawns the worker thread)', firstMs);
for (let i = 0; i < 20; i++) await trivial.check(); // warm up the worker pool
const [, trivialMs] = await time(async () => {
  for (let i = 0; i < 100; i++) await trivial.check();
});
record('later trivial check() (mean of 100)', trivialMs / 100);
trivial.release();

// N small questions "is x = i possible under x < N/2?", three ways on one solver each.
const bound = ctx.BitVec.val(BigInt(N / 2), 32);
{
  const s = new ctx.Solver();
  s.add(x.ult(bound));
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) {
      s.push();
      s.add(x.eq(ctx.BitVec.val(BigInt(i), 32)));
      await s.check();
      s.pop();
    }
  });
  record(`${N} checks: push/add/check/pop`, ms, N);
  s.release();
}
{
  // Each question's guard is made and added when it is asked, as the solver layer does.
  const s = new ctx.Solver();
  s.add(x.ult(bound));
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) {
      const g = ctx.Bool.fresh('g');
      s.add(ctx.Implies(g, x.eq(ctx.BitVec.val(BigInt(i), 32))));
      await s.check(g);
    }
  });
  record(`${N} checks: check(assumption) on one solver`, ms, N);
  s.release();
}
{
  const s = new ctx.Solver();
  s.add(x.ult(bound));
  const g = ctx.Bool.fresh('g');
  s.add(ctx.Implies(g, x.eq(ctx.BitVec.val(7n, 32))));
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) await s.check(g);
  });
  record(`${N} checks: one assumption asked again and again`, ms, N);
  s.release();
}

// The same questions through the solver layer (guards, model decoding and model checking).
const { bv, bvult, bvVar, eq } = await import('../src/smt/factory.ts');
const { check, incremental } = await import('../src/smt/z3/check.ts');
const v = bvVar('v', 32);
const range = { name: 'range', term: bvult(v, bv(N / 2, 32)) };
{
  await check([range], { timeoutMs: 10_000 });
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) {
      await check([range, { name: 'is', term: eq(v, bv(i, 32)) }], { timeoutMs: 10_000 });
    }
  });
  record(`${N} checks: solver layer check()`, ms, N);
}
{
  const s = await incremental();
  s.assert(range.term);
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) {
      await s.check([{ name: 'is', term: eq(v, bv(i, 32)) }], { timeoutMs: 10_000 });
    }
  });
  record(`${N} checks: solver layer incremental().check()`, ms, N);
  s.release();
}
{
  const concrete = bv(3, 32);
  const [, ms] = await time(async () => {
    for (let i = 0; i < N; i++) {
      await check([{ name: 'is', term: eq(concrete, bv(i % 5, 32)) }], { timeoutMs: 10_000 });
    }
  });
  record(`${N} folded questions (no solver call)`, ms, N);
}

// The same script in one native z3 process, when installed.
const native = spawnSync('z3', ['--version'], { encoding: 'utf8' });
if (native.status === 0) {
  const dir = mkdtempSync(join(tmpdir(), 'klp-bench-'));
  const lines = ['(declare-fun x () (_ BitVec 32))', `(assert (bvult x (_ bv${N / 2} 32)))`];
  for (let i = 0; i < N; i++) lines.push(`(push 1)(assert (= x (_ bv${i} 32)))(check-sat)(pop 1)`);
  const file = join(dir, 'bench.smt2');
  writeFileSync(file, lines.join('\n'));
  const [, ms] = await time(() => spawnSync('z3', [file], { encoding: 'utf8' }));
  record(`${N} checks: native ${native.stdout.trim()}, one process`, ms, N);
  rmSync(dir, { recursive: true, force: true });
}

const width = Math.max(...rows.map(([s]) => s.length));
console.log(`${api.getFullVersion()} (z3-solver WASM), Node ${process.version}\n`);
for (const [step, cost] of rows) console.log(`${step.padEnd(width)}  ${cost}`);
