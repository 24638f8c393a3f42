/**
 * `klp-verify audit fleet` end to end, in-process: the vendor-stream fleet fixture (every
 * verdict kind, aggregated lines, two malformed lines), the order-dependent fixture (Linux 6.8
 * hosts without `stack_order` under a rule set that reads the order), the three formats, and
 * the exit statuses.
 */
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';

const STREAM = [
  'test/fixtures/fleet/stream/fleet.ndjson',
  '--catalog',
  'examples/vendor-stream/stream.catalog.yaml',
];
const ORDER = [
  'test/fixtures/fleet/order-dependent/fleet.ndjson',
  '--catalog',
  'test/fixtures/fleet/order-dependent/catalog.yaml',
  '--rules',
  'test/fixtures/fleet/order-dependent/top-only.klp',
  '--rollout',
  'klp_next',
];

async function cli(args: string[]) {
  const io = bufferIo();
  const code = await main(['audit', 'fleet', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

interface JsonGroup {
  verdict: string;
  errno?: string;
  count: number;
  hosts: string[];
  loaded?: string;
  fix?: { kind: string; ops?: string[] };
  reasons: { rule?: string; installedBy?: string; kind?: string }[];
}

describe('audit fleet', () => {
  it('groups the fleet by cause, largest first, and still reports the malformed lines', async () => {
    const r = await cli([...STREAM, '--rollout', 'klp_6_8_0_45_r4']);
    expect(r.code).toBe(2); // malformed lines; the rest is audited all the same
    expect(r.err).toContain('fleet.ndjson:11:16: error[KV0501]');
    expect(r.err).toContain(
      'fleet.ndjson:13:139: error[KV0503]: unknown key `stackorder` in `livepatch[0]`',
    );
    expect(r.out.split('\n').slice(0, 2)).toEqual([
      'fleet: 1,010 hosts in 9 configurations; rollout insmod klp_6_8_0_45_r4 (rules upstream)',
      '  admitted 1,003, refused 5, inconsistent 2',
    ]);
    expect(r.out).toContain(
      '1. 1,003 hosts (2 configurations), e.g. web1, web2, web100, web101, web102',
    );
  });

  it('says why in JSON: errno, rule, holder, where an already loaded module is, the fix', async () => {
    const r = await cli([...STREAM, '--rollout', 'klp_6_8_0_45_r4', '--format', 'json']);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ schemaVersion: 1, hosts: 1010, malformedLines: 2 });
    const groups: JsonGroup[] = doc.groups;
    expect(groups.map((g) => [g.verdict, g.errno ?? null, g.count])).toEqual([
      ['admitted', null, 1003],
      ['refused', 'EINVAL', 2],
      ['refused', 'EINVAL', 1],
      ['refused', 'EEXIST', 1],
      ['refused', 'EEXIST', 1],
      ['inconsistent', null, 1],
      ['inconsistent', null, 1],
    ]);
    expect(groups[1]).toMatchObject({
      hosts: ['db1', 'db2'],
      reasons: [{ rule: 'cumulative-handles-all', installedBy: 'klp_6_8_0_45_r2' }],
      fix: { kind: 'found', ops: ['disable klp_6_8_0_45_r2'] },
    });
    expect(groups.slice(3, 5).map((g) => [g.hosts[0], g.loaded])).toEqual([
      ['build1', 'on-stack'],
      ['build2', 'off-stack'],
    ]);
    expect(groups[5]?.reasons[0]?.kind).toBe('unreachable');
    expect(groups[6]?.reasons[0]).toMatchObject({
      kind: 'not-in-catalog',
      patch: 'klp_local_debug',
      onStack: true,
    });
    expect(doc.findings.map((f: { kind: string }) => f.kind)).toContain('transition-pending');
  });

  it('prints one NDJSON line per input line, with the group of its cause', async () => {
    const r = await cli([...STREAM, '--rollout', 'klp_6_8_0_45_r4', '--format', 'ndjson']);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(11);
    expect(lines[0]).toEqual({ host: 'web1', verdict: 'admitted', group: 1, configuration: 1 });
    expect(lines.find((l) => l.host === 'db2')).toMatchObject({
      verdict: 'refused',
      errno: 'EINVAL',
      group: 2,
    });
    expect(lines.find((l) => l.count === 1000)).toMatchObject({
      host: 'web100',
      verdict: 'admitted',
    });
    // NDJSON is the report; diagnostics of malformed lines go to stderr as text.
    expect(r.err).toContain('error[KV0501]');
  });

  it('answers for every order sysfs allows before 6.14, unknown when the order decides', async () => {
    const r = await cli([...ORDER, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    const byHost = new Map<
      string,
      { verdict: string; orderKnown: boolean; answers?: { verdict: string }[] }
    >(doc.configurations.map((c: { hosts: string[] }) => [c.hosts[0], c]));
    expect(byHost.get('old-kernel-1')).toMatchObject({
      verdict: 'unknown',
      orderKnown: false,
      answers: [{ verdict: 'refused' }, { verdict: 'admitted' }],
    });
    expect(byHost.get('new-kernel-1')).toMatchObject({ verdict: 'admitted', orderKnown: true });
    expect(byHost.get('new-kernel-2')).toMatchObject({ verdict: 'refused', orderKnown: true });
    const text = await cli(ORDER);
    expect(text.out).toContain(
      'unknown: the answer depends on the order of klp_patches, which sysfs does not show before 6.14',
    );
  });

  it('without --rollout: consistency only, exit 0 when every host is consistent', async () => {
    const r = await cli([
      'test/fixtures/fleet/order-dependent/fleet.ndjson',
      '--catalog',
      'test/fixtures/fleet/order-dependent/catalog.yaml',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('consistent 3');
  });

  it('refuses bad arguments with help', async () => {
    const r = await cli([...STREAM, '--rollout', 'klp_6_8_0_45_r9']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--rollout: patch `klp_6_8_0_45_r9` is not in the catalog');
    expect((await cli(['--catalog', 'examples/vendor-stream/stream.catalog.yaml'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('examples:');
    const top = bufferIo();
    expect(await main(['audit', 'flet'], top)).toBe(2);
    expect(top.stderr()).toContain('did you mean `fleet`?');
  });
});
