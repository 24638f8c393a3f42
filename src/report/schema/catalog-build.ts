/**
 * The JSON document of `catalog build --format json` (src/report/catalog-build.ts
 * `catalogJson`): the catalog read from compiled modules and C sources, with where every fact
 * was read (`source`: a line of a C file, an offset in a module's section, or a command-line
 * option). With `-o FILE` the catalog goes to the file and `{output, patches}` is printed.
 */
import { z } from 'zod';
import { document, output, stateId } from './common.ts';

/** Where a fact was read (src/ingest/artifacts/origin.ts `originJson`). */
const source = z
  .union([
    z.strictObject({ file: z.string(), line: z.int().min(1), col: z.int().min(1) }),
    z.strictObject({
      file: z.string(),
      section: z.string().describe('an ELF section, e.g. `.data`'),
      offset: z.int().min(0).describe('byte offset in the section'),
    }),
    z.strictObject({ option: z.string().describe('e.g. `--replace klp_a=true`') }),
  ])
  .meta({ id: 'Origin', description: 'where a fact was read' });

/**
 * `catalog build --format json`.
 *
 * @example
 * catalogBuildDocument.parse(JSON.parse(out)).patches[0].name // 'klp_stream_r1'
 */
export const catalogBuildDocument = document({
  patches: z.array(
    z.strictObject({
      name: z.string(),
      replace: z.boolean(),
      states: z.array(
        z.strictObject({ id: stateId, version: z.int().min(0).max(0xffff_ffff), source }),
      ),
      functions: z.array(
        z.strictObject({
          object: z.string().describe('`vmlinux` or a module name'),
          name: z.string(),
          sympos: z.int().min(0),
          source,
        }),
      ),
      source,
      replaceSource: source.describe('where `replace` was read'),
    }),
  ),
}).meta({ title: 'klp-verify catalog build --format json (result)' });

/** `catalog build -o FILE`: the file written and how many patches it holds. */
const catalogWrittenDocument = document({
  output: z.string(),
  patches: z.int().min(0),
}).meta({ title: 'klp-verify catalog build -o FILE --format json' });

/**
 * Everything `catalog build --format json` prints.
 *
 * @example
 * catalogBuildOutput.parse(JSON.parse(out))
 */
export const catalogBuildOutput = output(
  'klp-verify catalog build --format json',
  'the catalog read from modules and C sources, with where each fact was read; or where -o wrote it',
  catalogBuildDocument,
  catalogWrittenDocument,
);
