/**
 * `klp-verify catalog build` end to end: the YAML it writes reads back into the same patches
 * with their origins, the JSON document carries schemaVersion 1 and the source of every fact,
 * exit statuses follow the house rules, and a catalog may list artifacts directly, whose
 * origins `check` then cites in its ways out.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { loadCatalogFile, parseCatalog } from '../../../src/ingest/index.ts';
import { Source } from '../../../src/source/source.ts';
import { MODULES } from './helpers.ts';

const kernel = (name: string) => join(MODULES, 'kernel', name);

async function run(...args: string[]) {
  const io = bufferIo();
  const status = await main(args, io);
  return { status, stdout: io.stdout(), stderr: io.stderr() };
}

describe('catalog build', () => {
  it('writes YAML that reads back as the same patches, with origins', async () => {
    const r = await run(
      'catalog',
      'build',
      kernel('test_klp_state.c'),
      kernel('ko/test_klp_state2.ko'),
      join(MODULES, 'src/ko/klp_ids.ko'),
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const cat = parseCatalog(new Source('built.yaml', r.stdout));
    expect(cat.diagnostics).toEqual([]);
    const patches = cat.value?.patches ?? [];
    expect(patches.map((p) => [p.name, p.replace, p.origin])).toEqual([
      ['test_klp_state', true, 'test_klp_state.c:141'],
      ['test_klp_state2', true, 'test_klp_state2.ko: .data+0x1a0'],
      ['klp_ids', true, 'klp_ids.ko: .data+0x0'],
    ]);
    expect(patches[0]?.states).toEqual([
      { id: 1n, version: 1, blockDisable: false, origin: 'test_klp_state.c:137' },
    ]);
    expect(patches[2]?.states.map((s) => [s.id, s.version])).toEqual([
      [1n, 1],
      [1n << 63n, 0xffff_ffff],
      [(1n << 64n) - 1n, 7],
    ]);
    expect(r.stdout).toContain('replace: true # test_klp_state.c:145');
  });

  it('prints one JSON document with schemaVersion 1 and the source of every fact', async () => {
    const r = await run('catalog', 'build', kernel('test_klp_state2.c'), '--format', 'json');
    expect(r.status).toBe(0);
    const doc: unknown = JSON.parse(r.stdout);
    expect(doc).toEqual({
      schemaVersion: 1,
      patches: [
        {
          name: 'test_klp_state2',
          replace: true,
          states: [
            { id: 1, version: 2, source: { file: kernel('test_klp_state2.c'), line: 166, col: 3 } },
          ],
          functions: [],
          source: { file: kernel('test_klp_state2.c'), line: 170, col: 25 },
          replaceSource: { file: kernel('test_klp_state2.c'), line: 174, col: 2 },
        },
      ],
      diagnostics: [],
    });
  });

  it('refuses a run-time replace with exit 2 unless --replace supplies it', async () => {
    const file = kernel('test_klp_atomic_replace.c');
    const refused = await run('catalog', 'build', file);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`${file}:44:2: error[KV0407]`);
    const json = await run('catalog', 'build', file, '--format', 'json');
    expect(json.status).toBe(2);
    // Bad input under --format json: the one document of every command, diagnostics only.
    expect(JSON.parse(json.stdout)).toMatchObject({
      schemaVersion: 1,
      diagnostics: [{ code: 'KV0407', line: 44, column: 2 }],
    });
    const supplied = await run(
      'catalog',
      'build',
      file,
      '--replace',
      'test_klp_atomic_replace=true',
    );
    expect(supplied.status).toBe(0);
    expect(supplied.stdout).toContain(
      'replace: true # option `--replace test_klp_atomic_replace=true`',
    );
  });

  it('takes -D and -I like the compiler', async () => {
    const r = await run(
      'catalog',
      'build',
      join(MODULES, 'src/klp_non_replace.c'),
      '-DKLP_STREAM_RELEASE=1',
      '--format',
      'json',
    );
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.patches[0].states.map((s: { version: number }) => s.version)).toEqual([1, 11]);
  });

  it('reports bad arguments as usage errors (exit 2)', async () => {
    expect((await run('catalog', 'build')).status).toBe(2);
    expect((await run('catalog', 'build', 'x.c', '--replace', 'nope')).status).toBe(2);
    expect((await run('catalog', 'frobnicate')).status).toBe(2);
  });

  it('teaches in --help, with examples', async () => {
    const r = await run('catalog', 'build', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('examples:');
    expect(r.stdout).toContain('--replace MODULE=BOOL');
  });
});

describe('catalogs that list artifacts', () => {
  it('reads modules and sources next to the catalog, with their origins', () => {
    const cat = loadCatalogFile('examples/artifact-stream/stream.catalog.yaml');
    expect(cat.diagnostics).toEqual([]);
    expect(cat.value?.patches.map((p) => [p.name, p.origin])).toEqual([
      ['klp_stream_r1', 'klp_stream_r1.ko: .data+0x0'],
      ['klp_stream_r2', 'klp_stream_r2.ko: .data+0x0'],
      ['klp_stream_r3', 'klp_stream_r3.c:42'],
    ]);
  });

  it('lets check cite the source lines in its ways out', async () => {
    const r = await run('check', 'examples/artifact-stream/forgotten-state.plan.yaml');
    expect(r.status).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      'declare state 0x696f75726e670002 with version >= 1 in `klp_stream_r3` (klp_stream_r3.c:34)',
    );
    expect(text).toContain(
      'make `klp_stream_r3` non-cumulative (replace: false) (klp_stream_r3.c:46)',
    );
  });
});
