/**
 * SIGINT and SIGTERM stop a long run within a second and leave nothing half-written: the CLI
 * is spawned on a generated 1,500-patch catalog (conflicts and prove take a minute or more on
 * it), signalled after it has been working for a few seconds, and must end by that signal
 * (the shell's 130 / 143) within 1 s plus a margin for a loaded machine, with no certificate
 * folder, no report file and no temporary file in the target folder. Z3 solves in WASM worker
 * threads; they must not keep the process alive: one run (diff-rules on a 400-patch catalog)
 * is signalled only once the process has started threads beyond its first ones (Linux /proc),
 * that is while Z3 solves.
 *
 * A signal that arrives while a file is being written waits for the write
 * (src/cli/files.ts): checked in a child that signals itself in the middle of writing a 20 MB
 * file and a certificate folder; both are whole afterwards, and the child died of the signal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogYaml, generateBench } from '../bench/generate.ts';
import { bufferIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const BIN = join(process.cwd(), 'bin/klp-verify.mjs');
/** How long the run has been working when the signal is sent. */
const WORKING_MS = 4000;
/** The bound: 1 s, plus a margin for a machine shared by many. */
const STOP_MS = 1000 + 1000;

let dir = '';
let catalog = '';
let last = '';
let solverCatalog = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'klp-signals-'));
  const bench = generateBench({
    patches: 1500,
    seed: 1,
    maxStatesPerPatch: 2,
    functionPool: 1,
    blockChains: 0,
  });
  catalog = join(dir, 'big.catalog.yaml');
  writeFileSync(catalog, catalogYaml(bench));
  // With block_disable chains: diff-rules upstream block-disable asks Z3 (Spacer) at length.
  solverCatalog = join(dir, 'solver.catalog.yaml');
  writeFileSync(solverCatalog, catalogYaml(generateBench({ patches: 400, seed: 1 })));
  last = bench.catalog.patches.at(-1)?.name ?? '';
});

interface Stopped {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From the signal to the exit. */
  readonly ms: number;
}

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** The number of threads of a process (Linux), or null. */
function threads(pid: number | undefined): number | null {
  try {
    const m = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Resolves when the process has started more threads than it had at first: Z3's WASM
 * pthread workers, started by its first solver call. False when it ended first.
 */
async function solving(child: ChildProcess, limitMs: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 500));
  const first = threads(child.pid);
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    const now = threads(child.pid);
    if (now === null || first === null) return false;
    if (now > first) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Spawns the CLI in `cwd`, lets it work, signals it, and times the stop. */
async function interrupt(
  argv: readonly string[],
  signal: NodeJS.Signals,
  cwd: string,
  untilSolving = false,
): Promise<Stopped> {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b) => {
    out += String(b);
  });
  child.stderr?.on('data', (b) => {
    out += String(b);
  });
  const done = exited(child);
  const early = await Promise.race([
    done.then(() => true),
    untilSolving
      ? solving(child, 90_000).then((yes) => !yes)
      : new Promise<false>((r) => setTimeout(() => r(false), WORKING_MS)),
  ]);
  // The run must still be working when the signal comes, or the test tests nothing.
  expect(early, `ended before the signal: ${out.slice(0, 400)}`).toBe(false);
  const t0 = performance.now();
  child.kill(signal);
  const r = await done;
  return { ...r, ms: performance.now() - t0 };
}

/** What the shell reports: 128 + the signal's number. */
const SHELL = { SIGINT: 130, SIGTERM: 143 } as const;

function expectStoppedBy(r: Stopped, signal: 'SIGINT' | 'SIGTERM'): void {
  // Killed by the signal (the shell prints 130 / 143), or exited with that status.
  expect(r.signal === signal || r.code === SHELL[signal]).toBe(true);
  expect(r.ms).toBeLessThan(STOP_MS);
  stops.push(Math.round(r.ms));
}

/** Every measured stop, printed at the end (the numbers behind the bound). */
const stops: number[] = [];
afterAll(() => console.log('signal to exit, ms:', JSON.stringify(stops)));

/** A fresh target folder holding nothing. */
function target(): string {
  return mkdtempSync(join(dir, 'out-'));
}

describe('a signal stops a long run within a second', () => {
  it('conflicts on 1,500 patches, SIGINT', async () => {
    const cwd = target();
    const r = await interrupt(['conflicts', '-c', catalog, '--timeout', '300'], 'SIGINT', cwd);
    expectStoppedBy(r, 'SIGINT');
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);

  it.skipIf(!existsSync('/proc/self/status'))(
    'diff-rules while Z3 solves in its worker threads, SIGINT',
    async () => {
      const cwd = target();
      const argv = ['diff-rules', 'upstream', 'block-disable', '-c', solverCatalog];
      const r = await interrupt([...argv, '--timeout', '300'], 'SIGINT', cwd, true);
      expectStoppedBy(r, 'SIGINT');
      expect(readdirSync(cwd)).toEqual([]);
    },
    120_000,
  );

  it('prove loadable --certificate DIR, SIGTERM: no folder, no temporary one', async () => {
    const cwd = target();
    const argv = ['prove', 'loadable', last, '-c', catalog, '--certificate', 'cert'];
    const r = await interrupt([...argv, '--timeout', '300'], 'SIGTERM', cwd);
    expectStoppedBy(r, 'SIGTERM');
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);

  it('audit catalog --output FILE, SIGINT and SIGTERM: no report, no temporary file', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const cwd = target();
      const argv = ['audit', 'catalog', catalog, '--output', 'audit.json', '--format', 'json'];
      const r = await interrupt([...argv, '--timeout', '300'], signal, cwd);
      expectStoppedBy(r, signal);
      expect(readdirSync(cwd)).toEqual([]);
    }
  }, 90_000);
});

describe('a signal during a write waits for it', () => {
  it('the file and the certificate folder are whole, then the process dies of the signal', async () => {
    const cwd = target();
    const script = join(dir, 'write-while-signalled.ts');
    const files = join(process.cwd(), 'src/cli/files.ts');
    const common = join(process.cwd(), 'src/cli/commands/common.ts');
    writeFileSync(
      script,
      [
        `import { deferSignals, writeFileAtomic } from ${JSON.stringify(files)};`,
        `import { writeFiles } from ${JSON.stringify(common)};`,
        'deferSignals(() => {',
        "  process.kill(process.pid, 'SIGTERM');",
        "  writeFileAtomic('report.txt', 'x'.repeat(20_000_000), '--output');",
        "  writeFiles('cert', [{ name: 'a.smt2', text: '(check-sat)' }, { name: 'b.smt2', text: '(exit)' }]);",
        '});',
        "setTimeout(() => console.log('survived'), 5000);",
        '',
      ].join('\n'),
    );
    const tsx = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, script], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (b) => {
      out += String(b);
    });
    child.stderr?.on('data', (b) => {
      out += String(b);
    });
    const r = await exited(child);
    expect(r.signal, out).toBe('SIGTERM');
    expect(out).not.toContain('survived');
    expect(readdirSync(cwd).sort()).toEqual(['cert', 'report.txt']);
    expect(statSync(join(cwd, 'report.txt')).size).toBe(20_000_000);
    expect(readdirSync(join(cwd, 'cert')).sort()).toEqual(['a.smt2', 'b.smt2']);
    expect(readFileSync(join(cwd, 'cert', 'b.smt2'), 'utf8')).toBe('(exit)');
  }, 60_000);
});

describe('every file the CLI writes is checked before the work', () => {
  it.each([
    [
      [
        'audit',
        'catalog',
        'examples/selftests/test_modules.catalog.yaml',
        '--output',
        '/proc/x.json',
      ],
    ],
    [
      [
        'audit',
        'catalog',
        'examples/selftests/test_modules.catalog.yaml',
        '--output',
        'no/such/folder/a.json',
      ],
    ],
    [
      [
        'audit',
        'diff',
        'examples/selftests/test_modules.catalog.yaml',
        'examples/selftests/test_modules.catalog.yaml',
        '--output',
        '.',
      ],
    ],
    [['catalog', 'build', 'examples/artifact-stream/src', '-o', 'no/such/folder/c.yaml']],
  ])('%j is a usage error (exit 2), nothing written', async (argv) => {
    const io = bufferIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr()).toMatch(/error: `(--output|-o) /);
  });
});
