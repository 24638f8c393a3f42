/**
 * What the artifact readers recover from one compiled module or one C source: the
 * `struct klp_patch` facts the catalog needs, each with its origin, and the diagnostics.
 *
 * Guarantees: a fact that could not be read statically is never guessed. It is an
 * `Unresolved` value carrying the diagnostic that explains it, which `catalog build` reports
 * unless an option supplies the fact.
 */
import type { Diagnostic, Severity } from '../../source/diagnostic.ts';
import type { Source, Span } from '../../source/source.ts';
import type { ArtifactCode } from './codes.ts';
import type { Origin } from './origin.ts';

/** A fact the reader cannot know (assigned at run time, or not a constant). */
export interface Unresolved {
  readonly kind: 'unresolved';
  /** The KV0407/KV0412 diagnostic, reported when no option supplies the fact. */
  readonly diagnostic: Diagnostic;
}

export interface ArtifactState {
  readonly id: bigint;
  readonly version: number;
  readonly origin: Origin;
}

export interface ArtifactFunc {
  /** `vmlinux` or a module name. */
  readonly object: string;
  readonly name: string;
  readonly sympos: number;
  readonly origin: Origin;
}

/** One `struct klp_patch` as an artifact declares it. */
export interface ArtifactPatch {
  /** The module name (`name=` of `.modinfo`, or KBUILD_MODNAME from the file name). */
  readonly name: string;
  /** The artifact the patch was read from. */
  readonly file: string;
  /** Where `struct klp_patch` itself is. */
  readonly origin: Origin;
  readonly replace: { readonly value: boolean; readonly origin: Origin } | Unresolved;
  readonly states: readonly ArtifactState[] | Unresolved;
  /** Where a new state would be added: the state array, else the patch. */
  readonly statesOrigin: Origin;
  readonly functions: readonly ArtifactFunc[];
}

/** The outcome of reading one artifact: at most one patch (one patch per module). */
export interface ArtifactRead {
  readonly patch: ArtifactPatch | null;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Collects the diagnostics of one artifact, on its text (a C file) or at byte offsets (a
 * module, whose `Source` has no text).
 */
export class ArtifactReporter {
  readonly source: Source;
  readonly diagnostics: Diagnostic[] = [];

  constructor(source: Source) {
    this.source = source;
  }

  /** A diagnostic without recording it (for unresolved facts the caller may resolve). */
  make(
    code: ArtifactCode,
    severity: Severity,
    where: Span | number,
    message: string,
    help?: string,
  ): Diagnostic {
    return {
      code,
      severity,
      message,
      source: this.source,
      span: typeof where === 'number' ? { start: 0, end: 0 } : where,
      ...(typeof where === 'number' ? { offset: where } : {}),
      ...(help === undefined ? {} : { help }),
    };
  }

  error(code: ArtifactCode, where: Span | number, message: string, help?: string): void {
    this.diagnostics.push(this.make(code, 'error', where, message, help));
  }

  warning(code: ArtifactCode, where: Span | number, message: string, help?: string): void {
    this.diagnostics.push(this.make(code, 'warning', where, message, help));
  }
}

/**
 * The module name kbuild gives a file: its base name without `.ko`/`.c`, `-` read as `_`.
 *
 * @example
 * kbuildName('samples/livepatch/livepatch-sample.c') // 'livepatch_sample'
 */
export function kbuildName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(ko|c)$/, '').replaceAll('-', '_');
}
