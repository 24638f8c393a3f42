/**
 * Renders a catalog built from artifacts: YAML in the catalog format `src/ingest/catalog.ts`
 * reads (with an `origin:` field on each patch and state, which explanations cite, and a
 * comment naming where every other fact was read), or one JSON document.
 *
 * Guarantees: the YAML parses back with `parseCatalog` into the same patches (ids above 2^32
 * as `"0x..."` strings, never rounded); the JSON carries `"schemaVersion": 1`.
 */
import type { BuiltCatalog } from '../ingest/artifacts/build.ts';
import { formatOrigin, originJson } from '../ingest/artifacts/origin.ts';
import { formatStateId } from '../model/patch.ts';
import { stateIdJson } from './json.ts';
import type { catalogBuildDocument } from './schema/catalog-build.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';

/**
 * The catalog as YAML with provenance.
 *
 * @example
 * catalogYaml(buildCatalog(['test_klp_state2.c']))
 * // patches:
 * //   - name: test_klp_state2 # test_klp_state2.c:170
 * //     origin: "test_klp_state2.c:170"
 * //     replace: true # test_klp_state2.c:174
 * //     states:
 * //       - { id: 1, version: 2, origin: "test_klp_state2.c:166" }
 */
export function catalogYaml(built: BuiltCatalog): string {
  const lines = [
    `# built by \`klp-verify catalog build\` from ${built.files.length} artifact${built.files.length === 1 ? '' : 's'};`,
    '# `origin` and the comments say where each fact was read',
    built.patches.length === 0 ? 'patches: []' : 'patches:',
  ];
  for (const p of built.patches) {
    lines.push(`  - name: ${p.name} # ${formatOrigin(p.origin)}`);
    lines.push(`    origin: ${JSON.stringify(formatOrigin(p.origin))}`);
    lines.push(`    replace: ${p.replace} # ${formatOrigin(p.replaceOrigin)}`);
    if (p.states.length === 0) lines.push('    states: []');
    else lines.push('    states:');
    for (const s of p.states) {
      const id = s.id < 0x1_0000_0000n ? formatStateId(s.id) : `"${formatStateId(s.id)}"`;
      lines.push(
        `      - { id: ${id}, version: ${s.version}, origin: ${JSON.stringify(formatOrigin(s.origin))} }`,
      );
    }
    if (p.functions.length === 0) lines.push('    functions: []');
    else lines.push('    functions:');
    for (const f of p.functions) {
      lines.push(
        `      - { object: ${f.object}, name: ${f.name}, sympos: ${f.sympos} } # ${formatOrigin(f.origin)}`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The catalog as one JSON document (docs/schema/catalog-build.schema.json); ids as in every
 * JSON output.
 *
 * @example
 * catalogJson(built).patches[0].states[0] // { id: 1, version: 2, source: { file, line, col } }
 */
export function catalogJson(built: BuiltCatalog): JsonOf<typeof catalogBuildDocument> {
  return {
    schemaVersion: SCHEMA_VERSION,
    patches: built.patches.map((p) => ({
      name: p.name,
      replace: p.replace,
      states: p.states.map((s) => ({
        id: stateIdJson(s.id),
        version: s.version,
        source: originJson(s.origin),
      })),
      functions: p.functions.map((f) => ({
        object: f.object,
        name: f.name,
        sympos: f.sympos,
        source: originJson(f.origin),
      })),
      source: originJson(p.origin),
      replaceSource: originJson(p.replaceOrigin),
    })),
    // The CLI puts the run's diagnostics here when there are any.
    diagnostics: [],
  };
}
