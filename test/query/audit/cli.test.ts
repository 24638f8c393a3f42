/**
 * `klp-verify audit catalog` as users meet it: help, exit statuses 0 / 1 / 2 / 3, the JSON
 * document, --output, --policy, and every KV06xx diagnostic of a --deployed file (code, message,
 * underlined text, help), each documented in docs/diagnostics.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { AUDIT_CODES } from '../../../src/ingest/deployed.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const STREAM = 'examples/vendor-stream/stream.catalog.yaml';
const FIX = 'test/fixtures/audit';

function tmpCatalog(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'klp-audit-')), 'c.catalog.yaml');
  writeFileSync(file, text);
  return file;
}

describe('audit catalog', () => {
  it('is listed, and its help teaches with examples and exit statuses', async () => {
    expect((await cli('--help')).out).toMatch(/audit\s+Offline audits/);
    const top = await cli('audit');
    expect(top.status).toBe(2);
    expect(top.err).toContain('missing subcommand of `audit`');
    expect((await cli('audit', '--help')).out).toMatch(/catalog\s+Audit a whole catalog/);
    const r = await cli('audit', 'catalog', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify audit catalog CATALOG [options]');
    expect(r.out).toContain('klp-verify audit catalog examples/vendor-stream/stream.catalog.yaml');
    expect(r.out).toMatch(/ {2}1 {2}error findings/);
    const bad = await cli('audit', 'catalogue');
    expect(bad.status).toBe(2);
    expect(bad.err).toContain('did you mean `catalog`?');
  });

  it('reports the vendor stream: verdict first, findings with locations (exit 1)', async () => {
    const r = await cli('audit', 'catalog', STREAM);
    expect(r.status).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(
      /^examples\/vendor-stream\/stream.catalog.yaml: error findings: 7 errors, 2 warnings/,
    );
    expect(r.out).toContain('error[refusable-patch]: `klp_6_8_0_45_r4` can be refused (rule');
    expect(r.out).toContain('--> examples/vendor-stream/stream.catalog.yaml:49:11');
    expect(r.out).toContain('warning[conflict]: `klp_6_8_0_45_r2`, `klp_6_8_0_45_r4`');
    // Rolling back to r3 over r4 reverts the function r4 added.
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      'warning[reverted-functions]: cumulative `klp_6_8_0_45_r3` reverts `vmlinux:udp_gro_receive` to the original code; `klp_6_8_0_45_r4` patched it last (when loaded over `klp_6_8_0_45_r4`) --> examples/vendor-stream/stream.catalog.yaml:36:11',
    );
    expect(r.out).toContain('livepatch: Livepatch patch (klp_6_8_0_45_r4) is not compatible');
    expect(r.out).toContain('by the SMT engine (proofs under rule set upstream, transitions auto)');
  });

  it('reports progress through Io.progress only (stderr stays empty off a terminal)', async () => {
    const lines: string[] = [];
    const io = { ...bufferIo(), progress: (t: string) => lines.push(t) };
    const status = await main(['audit', 'catalog', STREAM, '--format', 'json'], io);
    expect(status).toBe(1);
    expect(io.stderr()).toBe('');
    expect(lines.some((l) => /^audit: patch 1\/5 `klp_6_8_0_45_r1` loadable\? \(/.test(l))).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('');
  });

  it('prints one JSON document with schemaVersion 1 and the documented fields', async () => {
    const r = await cli('audit', 'catalog', STREAM, '--format', 'json');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.patches.map((p: { verdict: string }) => p.verdict)).toEqual([
      'refuted',
      'refuted',
      'loadable',
      'loadable',
      'refuted',
    ]);
    const r4 = doc.patches[4];
    expect(r4.counterexample.steps).toEqual([
      { op: 'insmod', patch: 'klp_6_8_0_45_r2' },
      { op: 'insmod', patch: 'klp_6_8_0_45_r4' },
    ]);
    expect(doc.upgrades).toHaveLength(25);
    expect(doc.upgrades[1]).toMatchObject({
      from: ['klp_6_8_0_45_r1'],
      to: ['klp_6_8_0_45_r2'],
      verdict: 'reachable',
      steps: [{ op: 'insmod', patch: 'klp_6_8_0_45_r2' }],
    });
    expect(doc.conflicts).toEqual([{ patches: ['klp_6_8_0_45_r2', 'klp_6_8_0_45_r4'] }]);
    expect(doc.policies.map((p: { policy: string }) => p.policy)).toContain('all-cumulative');
    const f = doc.findings[0];
    expect(Object.keys(f)).toEqual(
      expect.arrayContaining(['kind', 'severity', 'message', 'patches', 'location']),
    );
    expect(f.location).toMatchObject({ file: STREAM, line: 9, col: 11 });
  });

  it('exits 0 on a clean catalog, with --policy none and --output FILE', async () => {
    const cat = tmpCatalog(
      [
        'patches:',
        '  - name: a_1',
        '    replace: true',
        '    states: [{ id: 1, version: 1 }]',
        '',
      ].join('\n'),
    );
    const out = join(mkdtempSync(join(tmpdir(), 'klp-audit-out-')), 'audit.html');
    const r = await cli(
      'audit',
      'catalog',
      cat,
      '--policy',
      'none',
      '--format',
      'html',
      '--output',
      out,
    );
    expect(r.status).toBe(0);
    // The report goes to the file; stdout says where, in one line.
    expect(r.out).toMatch(/report written to .*audit\.html\n$/);
    expect(readFileSync(out, 'utf8')).toContain('no error findings');
  });

  it('exits 3 when the time runs out before the parts are decided', async () => {
    // Five cumulative releases in a chain of block_disable states: proofs need the engine.
    const lines = ['patches:'];
    for (let i = 1; i <= 5; i++) {
      lines.push(
        `  - name: r_${i}`,
        '    replace: true',
        `    states: [{ id: ${i}, version: 1, block_disable: true }, { id: ${i + 1}, version: 1 }]`,
      );
    }
    const r = await cli(
      'audit',
      'catalog',
      tmpCatalog(`${lines.join('\n')}\n`),
      '--rules',
      'block-disable',
      '--policy',
      'none',
      '--timeout',
      '0.3', // long enough to read the catalog, far too short to decide it (about 14 s)
      '--format',
      'json',
    );
    expect([1, 3], r.err).toContain(r.status);
    const doc = JSON.parse(r.out);
    expect(doc.complete).toBe(false);
    if (doc.findings.some((f: { severity: string }) => f.severity === 'error'))
      expect(r.status).toBe(1);
    else expect(r.status).toBe(3);
    expect(doc.findings.some((f: { kind: string }) => f.kind === 'undecided')).toBe(true);
  });

  it('reads --deployed stacks: questions start there, rows are those stacks', async () => {
    const r = await cli(
      'audit',
      'catalog',
      STREAM,
      '--deployed',
      `${FIX}/fleet/deployed.yaml`,
      '--format',
      'json',
    );
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.deployed).toEqual([
      ['klp_6_8_0_45_r1'],
      ['klp_6_8_0_45_r2', 'klp_hotfix_tcp_rto'],
      ['klp_6_8_0_45_r3'],
    ]);
    expect(doc.upgrades).toHaveLength(15);
    const hotfix = doc.patches.find((p: { name: string }) => p.name === 'klp_hotfix_tcp_rto');
    expect(hotfix.stacks.map((s: { verdict: string }) => s.verdict)).toEqual([
      'loadable',
      'installed',
      'loadable',
    ]);
  });

  const cases: readonly [string, string, string, string, string][] = [
    [
      'KV0601',
      'not-a-list-of-stacks',
      'expected a list of stacks, found a mapping',
      'stacks:\n  - [klp_6_8_0_45_r1]',
      'write a list of stacks',
    ],
    [
      'KV0602',
      'unknown-patch-in-stack',
      'patch `klp_6_8_0_45_r5` is not in the catalog',
      'klp_6_8_0_45_r5',
      'did you mean `klp_6_8_0_45_r1`?',
    ],
    [
      'KV0603',
      'patch-twice-in-stack',
      'patch `klp_6_8_0_45_r3` is listed twice in one stack',
      'klp_6_8_0_45_r3',
      'klp_patches holds each patch once',
    ],
    [
      'KV0604',
      'stack-refused',
      'the kernel refuses this deployed stack: patch `klp_6_8_0_45_r4` cannot be loaded: insmod fails with EINVAL',
      '[klp_6_8_0_45_r2, klp_6_8_0_45_r4]',
      'must load bottom to top',
    ],
  ];
  for (const [code, dir, message, underlined, help] of cases) {
    it(`${code}: ${dir} (exit 2, one JSON document of diagnostics on stdout)`, async () => {
      const r = await cli(
        'audit',
        'catalog',
        STREAM,
        '--deployed',
        `${FIX}/${dir}/deployed.yaml`,
        '--format',
        'json',
      );
      expect(r.status).toBe(2);
      expect(r.err).toBe('');
      const d = JSON.parse(r.out).diagnostics[0];
      expect(d.code).toBe(code);
      expect(d.message).toBe(message);
      expect(d.text).toBe(underlined);
      expect(d.help).toContain(help);
    });
  }

  it('documents every KV06xx code in docs/diagnostics.md, under Audits, with an example', () => {
    const doc = readFileSync('docs/diagnostics.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Audits (KV06xx)'));
    expect(section.length).toBeLessThan(doc.length);
    const documented = [...section.matchAll(/^### (KV06\d\d):/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(AUDIT_CODES));
    for (const code of Object.keys(AUDIT_CODES)) expect(section).toContain(`error[${code}]`);
  });
});

describe('audit diff', () => {
  /** The stream with r3 rebuilt without the hotfix's state 0x...0003. */
  function candidate(): string {
    const text = readFileSync(STREAM, 'utf8').replace(
      /( {4}states:\n {6}- \{ id: "0x6e6574f117c60001", version: 2 \}\n {6}- \{ id: "0x696f75726e670002", version: 1 \}\n) {6}- \{ id: "0x7463705f72740003", version: 1 \}\n/,
      '$1',
    );
    expect(text).not.toBe(readFileSync(STREAM, 'utf8'));
    return tmpCatalog(text);
  }

  it('is listed with its help', async () => {
    expect((await cli('audit', '--help')).out).toMatch(/diff\s+A CI gate between two versions/);
    const r = await cli('audit', 'diff', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('usage: klp-verify audit diff OLD NEW [options]');
    expect((await cli('audit', 'diff', STREAM)).status).toBe(2);
  });

  it('passes (exit 0) when NEW is OLD', async () => {
    const r = await cli('audit', 'diff', STREAM, STREAM);
    expect(r.status).toBe(0);
    expect(r.out).toContain('breaks nothing');
  });

  it('fails (exit 1) with the replayed witness when NEW breaks a patch', async () => {
    const r = await cli('audit', 'diff', STREAM, candidate(), '--format', 'json');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.verdict).toBe('breaks');
    const broken = doc.breaks.find((b: { kind: string }) => b.kind === 'patch-broken');
    expect(broken.patch).toBe('klp_6_8_0_45_r3');
    expect(broken.before).toBe('loadable');
    expect(broken.witness.steps).toEqual([
      { op: 'insmod', patch: 'klp_hotfix_tcp_rto' },
      { op: 'insmod', patch: 'klp_6_8_0_45_r3' },
    ]);
    expect(broken.witness.log.at(-1)).toContain('could not insert module klp_6_8_0_45_r3.ko');
    expect(doc.breaks.map((b: { kind: string }) => b.kind)).toContain('conflict-new');
    expect(doc.fixes.map((b: { kind: string }) => b.kind)).toContain('policy-fixed');
  });
});
