/**
 * One `--only modules` measurement of bench/run.ts: `buildCatalog` over a folder of modules in
 * this process, timed without the process start and module loading. Prints one JSON line.
 *
 * Usage: node --import tsx bench/modules-job.ts DIR
 */
import { buildCatalog } from '../src/ingest/artifacts/build.ts';

const dir = process.argv[2] ?? '.';
const start = performance.now();
const built = buildCatalog([dir]);
const ms = performance.now() - start;
console.log(
  JSON.stringify({
    ms,
    patches: built.patches.length,
    errors: built.diagnostics.filter((d) => d.severity === 'error').length,
  }),
);
