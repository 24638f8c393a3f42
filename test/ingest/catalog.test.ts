/**
 * Valid catalogs: the model they produce, YAML and JSON alike, exact 64-bit state ids,
 * duplicate state ids as the kernel treats them, and the declaration spans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadCatalogFile,
  type PatchDecl,
  parseCatalog,
  type SourcedCatalog,
  stateDecl,
} from '../../src/ingest/index.ts';
import { getState, MAX_STATE_ID, patch } from '../../src/model/patch.ts';
import { Source } from '../../src/source/source.ts';
import { fixture, textAt } from './helpers.ts';

function load(file: string): SourcedCatalog {
  const { value, diagnostics } = loadCatalogFile(fixture(file));
  expect(diagnostics).toEqual([]);
  if (value === null) throw new Error(`${file} did not load`);
  return value;
}

function declOf(cat: SourcedCatalog, name: string): PatchDecl {
  const decl = cat.decls.get(name);
  if (decl === undefined) throw new Error(`no declaration of ${name}`);
  return decl;
}

const VPSADMINOS_ID = 0x8173f7e2ce67e6can;

describe('a valid catalog', () => {
  const yaml = load('valid-selftest-catalog/catalog.yaml');

  it('yields the patches in file order with defaults filled in', () => {
    const cmdline = { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 };
    expect(yaml.patches).toEqual([
      patch('test_klp_state', {
        replace: true,
        states: [{ id: 1, version: 1 }],
        functions: [cmdline],
      }),
      patch('test_klp_state2', {
        replace: true,
        states: [{ id: 1, version: 2 }],
        functions: [cmdline],
      }),
      patch('test_klp_state3', { replace: true, states: [{ id: 1, version: 2 }] }),
      patch('vpsadminos-rhashtable', {
        replaceSet: 3,
        states: [{ id: VPSADMINOS_ID, version: 7, blockDisable: true }],
        functions: [
          { object: 'vmlinux', name: 'rht_deferred_worker', sympos: 2 },
          { object: 'nfsd', name: 'nfsd_open', sympos: 0 },
        ],
      }),
      patch('no_states'),
    ]);
    expect([...yaml.byName.keys()]).toEqual(yaml.patches.map((p) => p.name));
  });

  it('reads the same from (tab-indented) JSON as from YAML', () => {
    const json = load('valid-selftest-catalog/catalog.json');
    expect(json.patches).toEqual(yaml.patches);
  });

  it('points at each patch declaration and its name', () => {
    const state3 = declOf(yaml, 'test_klp_state3');
    expect(textAt(state3.source, state3.span)).toBe(
      'name: test_klp_state3\n    replace: true\n    states:\n      - id: 1\n        version: 2',
    );
    const decl = declOf(yaml, 'no_states');
    expect(decl.source.file).toBe(fixture('valid-selftest-catalog/catalog.yaml'));
    expect(decl.source.location(decl.nameSpan.start)).toBe(
      `${fixture('valid-selftest-catalog/catalog.yaml')}:32:11`,
    );
    expect(textAt(decl.source, decl.nameSpan)).toBe('no_states');
  });

  it('points at each state declaration by id', () => {
    const decl = declOf(yaml, 'vpsadminos-rhashtable');
    const state = stateDecl(decl, VPSADMINOS_ID);
    if (state === undefined) throw new Error('missing state');
    expect(textAt(decl.source, state.idSpan)).toBe('0x8173f7e2ce67e6ca');
    expect(textAt(decl.source, state.span)).toBe(
      'id: 0x8173f7e2ce67e6ca\n        version: 7\n        block_disable: true',
    );
    expect(stateDecl(decl, 1n)).toBeUndefined();
  });

  it('may be an empty list', () => {
    const { value, diagnostics } = parseCatalog(new Source('empty.yaml', 'patches: []\n'));
    expect(diagnostics).toEqual([]);
    expect(value?.patches).toEqual([]);
  });
});

describe('64-bit state ids', () => {
  it('2^64-1 and 0x8173f7e2ce67e6ca round-trip exactly, however written, in YAML and JSON', () => {
    for (const file of [
      'valid-large-state-ids/catalog.yaml',
      'valid-large-state-ids/catalog.json',
    ]) {
      const ids = load(file).patches.map((p) => p.states.map((s) => s.id));
      expect(ids).toEqual([
        [MAX_STATE_ID],
        [MAX_STATE_ID],
        [MAX_STATE_ID],
        [MAX_STATE_ID],
        [VPSADMINOS_ID],
        [VPSADMINOS_ID],
      ]);
      expect(ids[0]?.[0]).toBe(18446744073709551615n);
      expect(load(file).byName.get('vpsadminos_as_yaml_hex')?.states[0]?.version).toBe(4294967295);
    }
  });

  it('every id in 1..2^64-1 is accepted in every notation, and 0 or above 2^64-1 never', () => {
    const outcomes = { accepted: 0, zero: 0, tooLarge: 0 };
    const notation = fc.constantFrom('yaml-int', 'yaml-hex', 'hex-string', 'decimal-string');
    const id = fc.oneof(
      fc.bigInt({ min: 0n, max: MAX_STATE_ID + 2n }),
      fc.constantFrom(0n, 1n, MAX_STATE_ID, MAX_STATE_ID + 1n),
    );
    fc.assert(
      fc.property(id, notation, fc.boolean(), (n, how, json) => {
        const written =
          how === 'yaml-int'
            ? n.toString()
            : how === 'yaml-hex'
              ? `0x${n.toString(16)}`
              : how === 'hex-string'
                ? `"0x${n.toString(16)}"`
                : `"${n}"`;
        // JSON has no hex literals; the YAML reader still takes them in a .json file.
        const text = json
          ? `{"patches": [{"name": "p", "states": [{"id": ${written}}]}]}`
          : `patches:\n  - name: p\n    states:\n      - id: ${written}\n`;
        const { value, diagnostics } = parseCatalog(new Source(json ? 'c.json' : 'c.yaml', text));
        if (n >= 1n && n <= MAX_STATE_ID) {
          outcomes.accepted++;
          expect(diagnostics).toEqual([]);
          expect(value?.patches[0]?.states[0]?.id).toBe(n);
        } else {
          if (n === 0n) outcomes.zero++;
          else outcomes.tooLarge++;
          expect(value).toBeNull();
          expect(diagnostics.map((d) => d.code)).toEqual([n === 0n ? 'KV0112' : 'KV0113']);
        }
      }),
      { numRuns: 400 },
    );
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.zero).toBeGreaterThan(0);
    expect(outcomes.tooLarge).toBeGreaterThan(0);
  });
});

describe('duplicate state ids', () => {
  it('keep both entries in order, warn, and the first one counts', () => {
    const { value, diagnostics } = loadCatalogFile(fixture('duplicate-state-id/catalog.yaml'));
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([['KV0114', 'warning']]);
    const p = value?.byName.get('test_klp_state');
    if (p === undefined) throw new Error('missing');
    expect(p.states.map((s) => [s.id, s.version])).toEqual([
      [1n, 1],
      [2n, 0],
      [1n, 3],
    ]);
    expect(getState(p, 1n)?.version).toBe(1);
    if (value === null) throw new Error('a warning must not drop the catalog');
    const decl = declOf(value, 'test_klp_state');
    expect(decl.states.map((s) => s.id)).toEqual([1n, 2n, 1n]);
    const first = stateDecl(decl, 1n);
    expect(first && decl.source.location(first.idSpan.start)).toBe(
      `${fixture('duplicate-state-id/catalog.yaml')}:4:13`,
    );
  });
});
