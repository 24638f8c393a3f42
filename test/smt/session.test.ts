// The process's Z3 instance: one per process, restartable, and never keeping a process alive.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bv, bvult, bvVar } from '../../src/smt/factory.ts';
import { check } from '../../src/smt/z3/check.ts';
import { init, shutdown, solverVersion } from '../../src/smt/z3/session.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('session', () => {
  it('starts one instance however many callers race for it', async () => {
    const [a, b, c] = await Promise.all([init(), init(), init()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(a?.version).toMatch(/^Z3 \d+\.\d+/);
    expect(await solverVersion()).toBe(a?.version);
  });

  it('starts a new instance after shutdown, and answers on it', async () => {
    const q = [{ name: 'low', term: bvult(bvVar('v', 32), bv(3, 32)) }];
    expect((await check(q, { timeoutMs: 10_000 })).kind).toBe('sat');
    const before = await init();
    await shutdown();
    await shutdown();
    const after = await init();
    expect(after).not.toBe(before);
    expect((await check(q, { timeoutMs: 10_000 })).kind).toBe('sat');
  });

  it('lets a program exit by itself after a check', () => {
    const started = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/fixtures/smt/exit-after-check/main.ts')],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('unsat\n');
    expect(r.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
