/**
 * The generated catalogs the deadline tests run every command on: thousands of cumulative
 * releases with one state each, all patching one function, no block_disable chains and no
 * planted conflicts (test/fuzz/deadlines*.test.ts).
 */
import type { GenerateOptions } from '../../bench/generate.ts';

/** Options of `generateCatalog`/`generateBench` for a deadline test over `patches` patches. */
export function deadlineCatalogOptions(patches: number): GenerateOptions {
  return { patches, seed: 1, maxStatesPerPatch: 1, functionPool: 1, blockChains: 0, conflicts: 0 };
}
