/**
 * Host snapshots: NDJSON lines (one host or aggregated), gzip, raw capture folders, and the
 * collector `scripts/klp-snapshot.sh` run against fake sysfs trees. Every malformed line is a
 * diagnostic with its code, file:line:col and underlined text, and the rest is still read.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readKernelLog } from '../../src/ingest/kernel-log.ts';
import {
  type HostSnapshot,
  parseSnapshotLine,
  readSnapshots,
  SNAPSHOT_CODES,
} from '../../src/ingest/snapshot.ts';
import type { Diagnostic } from '../../src/source/diagnostic.ts';
import { renderDiagnostic } from '../../src/source/diagnostic.ts';

const WEB1 =
  '{"host":"web1","kernel":"6.14.0","bootId":"b1","livepatch":[{"name":"klp_a","enabled":1,"transition":0,"replace":1,"stackOrder":1}],"modules":["klp_a","klp_old"]}';

async function readAll(paths: string[]): Promise<{ hosts: HostSnapshot[]; diags: Diagnostic[] }> {
  const hosts: HostSnapshot[] = [];
  const diags: Diagnostic[] = [];
  await readSnapshots(paths, { host: (h) => hosts.push(h), diagnostic: (d) => diags.push(d) });
  return { hosts, diags };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'klp-snapshot-'));
}

/** Code, location and underlined text of a diagnostic. */
function where(d: Diagnostic): { code: string; at: string; text: string; message: string } {
  const start = d.source.position(d.span.start);
  return {
    code: d.code,
    at: `${d.source.file}:${start.line}:${start.col}`,
    text: d.source.text.slice(d.span.start, d.span.end),
    message: d.message,
  };
}

describe('snapshot lines', () => {
  it('reads a host as the collector prints it', () => {
    const r = parseSnapshotLine('f.ndjson', 1, WEB1);
    expect(r.kind).toBe('host');
    if (r.kind !== 'host') return;
    expect(r.snapshot).toMatchObject({
      host: 'web1',
      kernel: '6.14.0',
      livepatch: [
        { name: 'klp_a', enabled: true, transition: false, replace: true, stackOrder: 1 },
      ],
      modules: ['klp_a', 'klp_old'],
      forced: null,
      count: 1,
      sampleHosts: ['web1'],
    });
  });

  it('reads an aggregated line: count and sample hosts, no host', () => {
    const r = parseSnapshotLine(
      'f.ndjson',
      7,
      '{"count":250000,"sampleHosts":["a1","a2"],"kernel":"6.8.0","livepatch":[],"modules":[]}',
    );
    expect(r.kind === 'host' && r.snapshot).toMatchObject({
      host: 'a1',
      count: 250000,
      sampleHosts: ['a1', 'a2'],
    });
  });

  it.each([
    ['{"host":"w" "kernel":null}', 'KV0501', 'f.ndjson:3:13', '"'],
    ['[1,2]', 'KV0502', 'f.ndjson:3:1', '[1,2]'],
    ['{"host":"w","count":0}', 'KV0502', 'f.ndjson:3:13', '"count"'],
    ['{"host":"w","livepatch":[{"name":"a","enabled":2}]}', 'KV0502', 'f.ndjson:3:38', '"enabled"'],
    ['{"host":"w","modules":["bad name"]}', 'KV0502', 'f.ndjson:3:13', '"modules"'],
    ['{"host":"w","kernal":"6.1"}', 'KV0503', 'f.ndjson:3:13', '"kernal"'],
    [
      '{"host":"w","livepatch":[{"name":"a"},{"name":"a"}]}',
      'KV0507',
      'f.ndjson:3:13',
      '"livepatch"',
    ],
  ])('%s is %s', (line, code, at, text) => {
    const r = parseSnapshotLine('f.ndjson', 3, line);
    expect(r.kind).toBe('error');
    if (r.kind !== 'error') return;
    expect(where(r.diagnostic)).toMatchObject({ code, at, text });
    expect(r.diagnostic.message).toMatch(/^[a-z`][^\n]*[^.\n]$/);
  });

  it('suggests the key meant', () => {
    const r = parseSnapshotLine('f.ndjson', 3, '{"host":"w","kernal":"6.1"}');
    expect(r.kind === 'error' && r.diagnostic.help).toBe('did you mean `kernel`?');
    expect(r.kind === 'error' && renderDiagnostic(r.diagnostic)).toContain(
      '3 | {"host":"w","kernal":"6.1"}',
    );
  });
});

describe('snapshot files', () => {
  it('reads gzip and plain files; a malformed line never stops the rest', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'a.ndjson.gz'),
      gzipSync(`${WEB1}\nnot json\n\n${WEB1.replace('web1', 'web2')}\n`),
    );
    writeFileSync(join(dir, 'b.ndjson'), `${WEB1.replace('web1', 'web3')}\n`);
    const { hosts, diags } = await readAll([
      join(dir, 'a.ndjson.gz'),
      join(dir, 'missing.ndjson'),
      join(dir, 'b.ndjson'),
    ]);
    expect(hosts.map((h) => h.host)).toEqual(['web1', 'web2', 'web3']);
    expect(diags.map(where).map((w) => [w.code, w.at.replace(dir, 'D')])).toEqual([
      ['KV0501', 'D/a.ndjson.gz:2:1'],
      ['KV0504', 'D/missing.ndjson:1:1'],
    ]);
  });

  it('reports a corrupt gzip file and goes on with the next', async () => {
    const dir = tmp();
    const gz = gzipSync(`${WEB1}\n`.repeat(1000));
    writeFileSync(join(dir, 'bad.gz'), gz.subarray(0, gz.length - 20));
    writeFileSync(join(dir, 'ok.ndjson'), `${WEB1}\n`);
    const { hosts, diags } = await readAll([join(dir, 'bad.gz'), join(dir, 'ok.ndjson')]);
    expect(diags.map((d) => d.code)).toEqual(['KV0504']);
    expect(diags[0]?.message).toMatch(/^cannot read `.*bad\.gz`: /);
    expect(hosts.at(-1)?.host).toBe('web1');
  });
});

describe('raw capture folders', () => {
  it('reads grep -rH and lsmod output, one folder per host', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'db1'));
    writeFileSync(
      join(dir, 'db1', 'livepatch.txt'),
      [
        '/sys/kernel/livepatch/klp_b/enabled:1',
        '/sys/kernel/livepatch/klp_b/transition:1',
        '/sys/kernel/livepatch/klp_b/vmlinux/patched:1',
        '/sys/kernel/livepatch/klp_a/enabled:1',
        '/sys/kernel/livepatch/klp_a/transition:0',
        '/sys/kernel/livepatch/klp_a/stack_order:x',
        'garbage',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'db1', 'modules.txt'),
      'Module                  Size  Used by\nklp_b 16384 1\nklp_a 16384 1\nklp_old 16384 1\next4 1007616 2\nbad line\n',
    );
    writeFileSync(join(dir, 'db1', 'kernel.txt'), '6.1.0-13-amd64\n');
    mkdirSync(join(dir, 'db2'));
    writeFileSync(join(dir, 'db2', 'livepatch.txt'), '');
    writeFileSync(
      join(dir, 'db2', 'modules.txt'),
      'klp_c 16384 0 - Live 0xffffffffc0a00000 (OEK)\next4 1007616 2 - Live 0xffffffffc0b00000\n',
    );
    const { hosts, diags } = await readAll([dir]);
    expect(hosts.map((h) => h.host)).toEqual(['db1', 'db2']);
    expect(hosts[0]).toMatchObject({
      kernel: '6.1.0-13-amd64',
      livepatch: [
        { name: 'klp_b', enabled: true, transition: true, stackOrder: null },
        { name: 'klp_a', enabled: true, transition: false, stackOrder: null },
      ],
      modulesUnfiltered: true,
      forced: ['klp_old', 'ext4'],
    });
    // /proc/modules shows taints: only K (livepatch) modules count.
    expect(hosts[1]).toMatchObject({
      livepatch: [],
      modules: ['klp_c'],
      forced: [],
      modulesUnfiltered: false,
    });
    expect(diags.map(where).map((w) => [w.code, w.at.replace(dir, 'D'), w.text])).toEqual([
      ['KV0505', 'D/db1/livepatch.txt:6:1', '/sys/kernel/livepatch/klp_a/stack_order:x'],
      ['KV0505', 'D/db1/livepatch.txt:7:1', 'garbage'],
      ['KV0506', 'D/db1/modules.txt:6:1', 'bad line'],
    ]);
  });
});

describe('scripts/klp-snapshot.sh', () => {
  function fakeHost(files: Record<string, string>): string {
    const root = tmp();
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  function collect(root: string): HostSnapshot {
    const r = spawnSync('sh', ['scripts/klp-snapshot.sh', '--root', root], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    const parsed = parseSnapshotLine('collector', 1, r.stdout.trim());
    if (parsed.kind !== 'host') throw new Error(`collector line rejected: ${r.stdout}`);
    return parsed.snapshot;
  }

  it('captures a 6.14 host: stack_order, replace, a forced module, taints', () => {
    const root = fakeHost({
      'proc/sys/kernel/hostname': 'web1\n',
      'proc/sys/kernel/osrelease': '6.14.0-1-amd64\n',
      'proc/sys/kernel/random/boot_id': '3f1a2b3c-0000-4000-8000-000000000001\n',
      'sys/kernel/livepatch/klp_r2/enabled': '1\n',
      'sys/kernel/livepatch/klp_r2/transition': '0\n',
      'sys/kernel/livepatch/klp_r2/replace': '1\n',
      'sys/kernel/livepatch/klp_r2/stack_order': '2\n',
      'sys/kernel/livepatch/klp_r2/vmlinux/patched': '1\n',
      'sys/kernel/livepatch/klp_fix/enabled': '0\n',
      'sys/kernel/livepatch/klp_fix/transition': '1\n',
      'sys/kernel/livepatch/klp_fix/replace': '0\n',
      'sys/kernel/livepatch/klp_fix/stack_order': '1\n',
      'proc/modules': [
        'klp_r2 16384 1 - Live 0xffffffffc0a00000 (OEK)',
        'klp_fix 16384 1 - Live 0xffffffffc0a10000 (OEK)',
        'klp_r1 16384 1 - Live 0xffffffffc0a20000 (OEK)',
        'klp_r0 16384 0 - Live 0xffffffffc0a30000 (OEK)',
        'ext4 1007616 2 - Live 0xffffffffc0b00000',
        '',
      ].join('\n'),
    });
    expect(collect(root)).toMatchObject({
      host: 'web1',
      kernel: '6.14.0-1-amd64',
      bootId: '3f1a2b3c-0000-4000-8000-000000000001',
      livepatch: [
        { name: 'klp_fix', enabled: false, transition: true, replace: false, stackOrder: 1 },
        { name: 'klp_r2', enabled: true, transition: false, replace: true, stackOrder: 2 },
      ],
      modules: ['klp_r2', 'klp_fix', 'klp_r1', 'klp_r0'],
      forced: ['klp_r1'],
    });
  });

  it('captures a 5.10 host: no replace, no stack_order (null), no livepatch directory', () => {
    const old = fakeHost({
      'proc/sys/kernel/hostname': 'db7\n',
      'proc/sys/kernel/osrelease': '5.10.0-28-amd64\n',
      'sys/kernel/livepatch/klp_a/enabled': '1\n',
      'sys/kernel/livepatch/klp_a/transition': '0\n',
      'proc/modules': 'klp_a 16384 1 - Live 0xffffffffc0a00000 (OEK)\n',
    });
    expect(collect(old).livepatch).toEqual([
      { name: 'klp_a', enabled: true, transition: false, replace: null, stackOrder: null },
    ]);
    const none = fakeHost({ 'proc/sys/kernel/hostname': 'bare"host\n' });
    expect(collect(none)).toMatchObject({
      host: 'barehost',
      livepatch: [],
      modules: [],
      forced: null,
    });
  });
});

describe('SNAPSHOT_CODES', () => {
  it('describes each code in one line', () => {
    for (const [code, text] of Object.entries(SNAPSHOT_CODES)) {
      expect(code).toMatch(/^KV05\d\d$/);
      expect(text).toMatch(/^[^\n]+[^.\n]$/);
    }
  });
});

describe('docs/diagnostics.md, host snapshots and kernel logs', () => {
  it('documents every KV05xx code with its one-line description, and no other', () => {
    const doc = readFileSync('docs/diagnostics.md', 'utf8');
    const documented = [...doc.matchAll(/^### (KV05\d\d): (.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(documented).toEqual(Object.entries(SNAPSHOT_CODES));
  });

  it('the fixtures of test/fixtures/fleet/malformed and logs/journal produce every code', async () => {
    const fleet = await readAll([
      'test/fixtures/fleet/malformed/fleet.ndjson',
      'test/fixtures/fleet/malformed/captures',
      'test/fixtures/fleet/malformed/missing.ndjson',
    ]);
    const codes = new Set(fleet.diags.map((d) => d.code));
    await readKernelLog('test/fixtures/logs/journal/kernel-json.ndjson', {
      record: () => {},
      diagnostic: (d) => codes.add(d.code),
    });
    expect([...codes].sort()).toEqual(Object.keys(SNAPSHOT_CODES));
    // The good line of the file and the raw capture are still read.
    expect(fleet.hosts.map((h) => h.host)).toEqual(['web1', 'web9']);
  });
});
