/**
 * JSON conventions shared by every `--format json` output. The shape of every document is
 * declared once, as zod schemas in src/report/schema/ (published in docs/schema/).
 */
import { formatStateId } from '../model/patch.ts';
import type { System } from '../model/system.ts';
import type { JsonOf, system } from './schema/common.ts';

/** The version of every JSON document's shape (declared with the schemas). */
export { SCHEMA_VERSION } from './schema/common.ts';

/**
 * A state id in JSON: an integer when it is exact in a JSON number (below 2^53), otherwise the
 * `0x...` string the input format also accepts, so no id is ever rounded.
 *
 * @example
 * stateIdJson(1n) // 1
 * stateIdJson(0x696f75726e670002n) // '0x696f75726e670002'
 */
export function stateIdJson(id: bigint): number | string {
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : formatStateId(id);
}

/**
 * `final` of simulate/check: the system as the kernel holds it.
 *
 * @example
 * systemJson(EMPTY_SYSTEM) // { stack: [], transition: null, loaded: [], forced: [] }
 */
export function systemJson(sys: System): JsonOf<typeof system> {
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

/**
 * Serializes with bigint support (as {@link stateIdJson}), for values built elsewhere.
 *
 * @example
 * stringify({ id: 1n }) // '{"id":1}'
 */
export function stringify(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? stateIdJson(v) : v),
    indent,
  );
}
