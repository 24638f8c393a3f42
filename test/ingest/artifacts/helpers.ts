/**
 * Shared helpers of the artifact tests: fixture paths and a patch read from an artifact
 * flattened to the facts a catalog holds (origins left out), for comparisons.
 */
import { join } from 'node:path';
import type { ArtifactRead } from '../../../src/ingest/artifacts/types.ts';

export const MODULES = 'test/fixtures/modules';

/** The folders of C sources, each with its `ko/` of modules built from them. */
export const FOLDERS = [
  join(MODULES, 'kernel'),
  join(MODULES, 'src'),
  'examples/artifact-stream/src',
];

export interface Facts {
  readonly name: string;
  readonly replace: boolean | 'unresolved';
  readonly states: readonly { id: bigint; version: number }[] | 'unresolved';
  readonly functions: readonly { object: string; name: string; sympos: number }[];
}

/**
 * The facts of an artifact's patch; states sorted by id when `sortStates` (the order of
 * `.kpatch.system_states` entries is the linker's, not the source's).
 */
export function facts(read: ArtifactRead, sortStates = false): Facts | null {
  const p = read.patch;
  if (p === null) return null;
  const states =
    'kind' in p.states ? 'unresolved' : p.states.map((s) => ({ id: s.id, version: s.version }));
  return {
    name: p.name,
    replace: 'kind' in p.replace ? 'unresolved' : p.replace.value,
    states:
      sortStates && states !== 'unresolved'
        ? [...states].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        : states,
    functions: p.functions.map((f) => ({ object: f.object, name: f.name, sympos: f.sympos })),
  };
}
