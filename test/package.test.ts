/**
 * Installable: `npm pack` makes a tarball that installs into an empty folder, where
 * `npx klp-verify` runs from the bundle (no TypeScript compiler at start) and finds its rule
 * sets; the library imports there too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const work = mkdtempSync(join(tmpdir(), 'klp-verify-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('npm pack', () => {
  it('installs into an empty folder and runs there', () => {
    const pack = run('npm', ['pack', '--silent', '--pack-destination', work], resolve('.'));
    expect(pack.status, pack.err).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","type":"module"}\n');
    const install = run(
      'npm',
      [
        'install',
        '--silent',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(work, tarball ?? ''),
      ],
      app,
    );
    expect(install.status, install.err).toBe(0);

    const help = run('npx', ['--no-install', 'klp-verify', '--help'], app);
    expect(help.status, help.err).toBe(0);
    expect(help.out).toContain('usage: klp-verify <command>');

    const rules = run(
      'npx',
      ['--no-install', 'klp-verify', 'rules', 'list', 'upstream', '-q'],
      app,
    );
    expect(rules.status, rules.err).toBe(0);
    expect(rules.out).toBe('1 rule set: upstream\n');

    writeFileSync(
      join(app, 'use.mjs'),
      "import { loadRuleSet } from 'klp-verify';\nconsole.log(loadRuleSet('upstream').kind);\n",
    );
    const lib = run('node', ['use.mjs'], app);
    expect(lib.status, lib.err).toBe(0);
    expect(lib.out).toBe('ok\n');
  }, 300_000);
});
