/**
 * The diagnostic codes of the input readers (catalog and plan files), one line each.
 *
 * docs/diagnostics.md documents every code listed here; the ingest tests check that this
 * table holds exactly the codes the readers can emit.
 */

/**
 * Every ingest diagnostic code with a one-line description.
 *
 * @example
 * INGEST_CODES.KV0104 // 'unknown key in a mapping (with a did-you-mean when close to a known key)'
 */
export const INGEST_CODES = {
  KV0101:
    'the file is not well-formed YAML (or JSON), or uses a YAML feature whose meaning is unclear',
  KV0102: 'the file is empty',
  KV0103: 'a value has the wrong type (e.g. a quoted `"yes"` where a boolean is expected)',
  KV0104: 'unknown key in a mapping (with a did-you-mean when close to a known key)',
  KV0105: 'the same key appears twice in one mapping',
  KV0106: 'a required key is missing',
  KV0107: 'a value is not one of the allowed choices (`transitions`, `expect`, `complete`)',
  KV0108: 'YAML aliases (`*name`) are not supported',
  KV0109: 'a file cannot be read (missing, a directory, no permission, not UTF-8)',
  KV0110: 'a module, object or function name is malformed',
  KV0111: 'two patches in one catalog have the same module name',
  KV0112: 'state id 0, which terminates the kernel state array',
  KV0113:
    'an integer is out of range (state id above 2^64-1, version or replace_set above 2^32-1, negative)',
  KV0114: 'warning: a patch declares the same state id twice; the kernel uses the first',
  KV0120: 'a plan has both `catalog` and an inline `patches` list',
  KV0121: 'a plan has neither `catalog` nor an inline `patches` list',
  KV0122: 'a plan step or `initial` names a patch that is not in the catalog',
  KV0123: 'a plan step has no operation key',
  KV0124: 'a plan step has more than one operation key',
  KV0125: 'a patch is listed twice in `initial`',
  KV0126:
    'an input file is not a regular file (a FIFO, a device, a file under `/proc`, `/sys` or `/dev`)',
  KV0127: 'an input file is larger than the input size limit (`--max-input-size`)',
  KV0128: "a plan names a file outside the plan's folder (allowed with `--allow-outside`)",
  KV0129: 'a document is nested deeper than 64 levels',
  KV0130: 'a `%YAML` or `%TAG` directive, which would change how values are read',
  KV0131: 'a file is not of the expected kind (its text is not shown)',
  KV0132:
    'a module name longer than 55 characters (MODULE_NAME_LEN) or a function name longer than 511',
  KV0150: 'a plan has no steps (a catalog given where a plan is expected, or an empty `steps:`)',
} satisfies Record<string, string>;

export type IngestCode = keyof typeof INGEST_CODES;
