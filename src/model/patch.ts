/**
 * Livepatch modules as the kernel sees them: `struct klp_patch` with its `struct klp_state`
 * array and the functions it patches (include/linux/livepatch.h).
 *
 * Pure data, no I/O. Ids are `bigint` because real state ids are random 64-bit constants
 * (e.g. `0x8173f7e2ce67e6ca`) that a JavaScript number cannot hold exactly.
 */

/** Largest value of a state id (`unsigned long` on 64-bit kernels). */
export const MAX_STATE_ID = (1n << 64n) - 1n;
/** Largest value of a state version (`unsigned int`). */
export const MAX_STATE_VERSION = 0xffff_ffff;
/** Largest value of a replace set (`unsigned int` in the replace-set proposal). */
export const MAX_REPLACE_SET = 0xffff_ffff;

/** `struct klp_state`: one system state a patch modifies. */
export interface KlpState {
  /** Unsigned 64-bit, never 0 (0 terminates the kernel's array). */
  readonly id: bigint;
  /** Unsigned 32-bit. */
  readonly version: number;
  /** Only meaningful under the block-disable rules. */
  readonly blockDisable: boolean;
  /**
   * Where the state is declared, when the catalog comes from artifacts: a citation such as
   * `test_klp_state.c:137` or `klp_v2.ko: .data+0xe0`. Explanations cite it.
   */
  readonly origin?: string;
}

/** A function a patch replaces: `struct klp_func` within its `struct klp_object`. */
export interface KlpFunc {
  /** `vmlinux` or a module name. */
  readonly object: string;
  readonly name: string;
  /** Position of the symbol when the name is ambiguous; 0 means unique. */
  readonly sympos: number;
}

/** `struct klp_patch`, identified by its module name. */
export interface Patch {
  readonly name: string;
  /** Atomic replace ("cumulative"). */
  readonly replace: boolean;
  /** Only meaningful under the replace-set rules. */
  readonly replaceSet: number;
  /**
   * The states as declared, duplicates included. The kernel looks a state up with
   * `klp_get_state()`, which returns the FIRST entry with the id: use {@link getState}.
   */
  readonly states: readonly KlpState[];
  readonly functions: readonly KlpFunc[];
  /** Where `struct klp_patch` is declared, when the catalog comes from artifacts. */
  readonly origin?: string;
  /** Where `replace` is set (or the option that supplied it), when read from artifacts. */
  readonly replaceOrigin?: string;
  /** Where a state would be added (the state array), when read from artifacts. */
  readonly statesOrigin?: string;
}

/**
 * `klp_get_state(patch, id)`: the first state of `patch` with `id`, as the kernel finds it.
 *
 * @example
 * getState(patch, 1n)?.version // undefined when the patch does not declare state 1
 */
export function getState(patch: Patch, id: bigint): KlpState | undefined {
  return patch.states.find((s) => s.id === id);
}

/**
 * The states that count: duplicates after the first of each id dropped, in declaration order
 * (what `klp_for_each_state` combined with `klp_get_state` sees).
 */
export function effectiveStates(patch: Patch): readonly KlpState[] {
  const seen = new Set<bigint>();
  const out: KlpState[] = [];
  for (const s of patch.states) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    out.push(s);
  }
  return out;
}

/** Stable identity of a patched function, for comparisons across patches. */
export function funcKey(f: KlpFunc): string {
  return `${f.object}:${f.name},${f.sympos}`;
}

/** A state id as users write it: decimal below 2^32, `0x...` hex above. */
export function formatStateId(id: bigint): string {
  return id < 0x1_0000_0000n ? id.toString(10) : `0x${id.toString(16)}`;
}

/** A patch with defaults filled in, for tests and programmatic use. */
export function patch(
  name: string,
  opts: {
    replace?: boolean;
    replaceSet?: number;
    states?: ReadonlyArray<{ id: bigint | number; version?: number; blockDisable?: boolean }>;
    functions?: readonly KlpFunc[];
  } = {},
): Patch {
  return {
    name,
    replace: opts.replace ?? false,
    replaceSet: opts.replaceSet ?? 0,
    states: (opts.states ?? []).map((s) => ({
      id: BigInt(s.id),
      version: s.version ?? 0,
      blockDisable: s.blockDisable ?? false,
    })),
    functions: opts.functions ?? [],
  };
}
