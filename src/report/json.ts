/**
 * JSON conventions shared by every `--format json` output.
 */
import { formatStateId } from '../model/patch.ts';
import type { System } from '../model/system.ts';

/** The version of every JSON document's shape; raised when a field changes meaning or goes. */
export const SCHEMA_VERSION = 1;

/**
 * A state id in JSON: an integer when it is exact in a JSON number (below 2^53), otherwise the
 * `0x...` string the input format also accepts, so no id is ever rounded.
 */
export function stateIdJson(id: bigint): number | string {
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : formatStateId(id);
}

/** `final` of simulate/check: the system as the kernel holds it. */
export function systemJson(sys: System): Record<string, unknown> {
  return {
    stack: sys.klpPatches,
    transition:
      sys.transition === null
        ? null
        : { patch: sys.transition.patch, target: sys.transition.target },
    loaded: sys.loaded,
    forced: sys.forced,
  };
}

/** Serializes with bigint support (as {@link stateIdJson}), for values built elsewhere. */
export function stringify(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? stateIdJson(v) : v),
    indent,
  );
}
