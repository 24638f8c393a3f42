/**
 * Runs the fuzz corpus (corpus.ts) in-process through `main(argv, io)`: every case must end
 * with its exit status and diagnostic code, with no internal error, no stack trace, no raw
 * control character in any output, no leaked file contents and a bounded amount of stderr.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { ANY, type Case, CORPUS, DIR, FIFO, type Kind, SYMLINK } from './corpus.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'klp-fuzz-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

/** The default cap on stderr: no case needs more than this to say what is wrong. */
const MAX_ERR = 100_000;

let serial = 0;

function materialize(c: Case): string {
  const dir = join(ROOT, String(serial++));
  mkdirSync(dir);
  for (const [name, content] of Object.entries(c.files ?? {})) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (content === FIFO) execFileSync('mkfifo', [path]);
    else if (typeof content === 'string' && content.startsWith(SYMLINK)) {
      symlinkSync(content.slice(SYMLINK.length), path);
    } else if (typeof content === 'string') writeFileSync(path, content.replaceAll(DIR, dir));
    else writeFileSync(path, content);
  }
  return dir;
}

async function runCase(c: Case): Promise<{ status: number; out: string; err: string }> {
  const dir = materialize(c);
  const argv = c.argv.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a));
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

/** Control characters other than newline and tab. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this is what the test looks for
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function expectCase(c: Case, r: { status: number; out: string; err: string }): void {
  const both = r.out + r.err;
  expect(both, 'internal error').not.toContain('internal error');
  expect(both, 'stack trace').not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(RAW_CONTROL.test(both), 'raw control character in the output').toBe(false);
  expect(r.err.length, 'stderr size').toBeLessThanOrEqual(c.maxErr ?? MAX_ERR);
  if (c.secret !== undefined) expect(both, 'leaked file contents').not.toContain(c.secret);
  // Diagnostics are on stderr as text, or in the one JSON document on stdout (--format json).
  if (c.code === 'usage') expect(both).toMatch(/^klp-verify: error: |"code": ?"KV0001"/m);
  else if (c.code === ANY) expect(both).toMatch(/\[KV\d{4}\]|"code": ?"KV\d{4}"/);
  else if (c.code !== null) {
    expect(both).toMatch(new RegExp(`\\[${c.code}\\]|"code": ?"${c.code}"`));
  }
  expect({ status: r.status, err: r.status === c.exit ? '' : r.err.slice(0, 2000) }).toEqual({
    status: c.exit,
    err: '',
  });
}

const KINDS: readonly Kind[] = [
  'finding',
  'yaml-syntax',
  'types',
  'ranges',
  'names',
  'files',
  'plans',
  'rule-syntax',
  'arguments',
  'output',
];

describe('the fuzz corpus', () => {
  it('has at least 200 cases besides the findings, and a case for each finding it covers', () => {
    const others = CORPUS.filter((c) => c.kind !== 'finding');
    expect(others.length).toBeGreaterThanOrEqual(200);
    const findings = new Set(CORPUS.flatMap((c) => (c.finding === undefined ? [] : [c.finding])));
    // 9 (deadlines) is tested in deadlines.test.ts; 10 (stdout errors) is the integrator's.
    expect([...findings].sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16,
    ]);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      it.each(CORPUS.filter((c) => c.kind === kind).map((c) => [c.name, c] as const))(
        '%s',
        async (_name, c) => {
          expectCase(c, await runCase(c));
        },
      );
    });
  }
});
