/**
 * Where a fact of a catalog built from artifacts comes from: a line of a C source, or an
 * offset in a section of a compiled module. Rendered the way people cite them:
 * `test_klp_state2.c:166` or `klp_v2.ko: .data+0x40`.
 */
import { basename } from 'node:path';

export type Origin =
  | {
      readonly kind: 'source';
      readonly file: string;
      readonly line: number;
      readonly col: number;
    }
  | {
      readonly kind: 'module';
      readonly file: string;
      readonly section: string;
      readonly offset: number;
    }
  | {
      /** Supplied on the command line (`--replace NAME=true`). */
      readonly kind: 'option';
      readonly option: string;
    };

/**
 * A short citation of an origin: the file's base name, then the line or the section offset.
 *
 * @example
 * formatOrigin({ kind: 'module', file: 'ko/klp_v2.ko', section: '.data', offset: 64 })
 * // 'klp_v2.ko: .data+0x40'
 */
export function formatOrigin(o: Origin): string {
  switch (o.kind) {
    case 'source':
      return `${basename(o.file)}:${o.line}`;
    case 'module':
      return `${basename(o.file)}: ${o.section}+0x${o.offset.toString(16)}`;
    case 'option':
      return `option \`${o.option}\``;
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** The JSON form of an origin (src/report/schema/catalog-build.ts `source`). */
export type OriginJson =
  | { readonly file: string; readonly line: number; readonly col: number }
  | { readonly file: string; readonly section: string; readonly offset: number }
  | { readonly option: string };

/**
 * The JSON form of an origin (`{file, line}` or `{file, section, offset}`).
 *
 * @example
 * originJson({ kind: 'source', file: 'a.c', line: 3, col: 1 }) // { file: 'a.c', line: 3, col: 1 }
 */
export function originJson(o: Origin): OriginJson {
  switch (o.kind) {
    case 'source':
      return { file: o.file, line: o.line, col: o.col };
    case 'module':
      return { file: o.file, section: o.section, offset: o.offset };
    case 'option':
      return { option: o.option };
    default: {
      const never: never = o;
      return never;
    }
  }
}
