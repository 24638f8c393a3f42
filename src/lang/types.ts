/**
 * The types of the rule language and the attributes of each value type.
 *
 * `ATTRIBUTES` is the single table the checker resolves `e.name` and `e.name(arg)` against;
 * docs/rules.md documents every entry (a doc test checks it) and the evaluator implements every
 * entry (src/eval/eval.ts `evalAttr`, `evalCall`).
 */

/**
 * Value types. `u64` holds state ids (`unsigned long`), `u32` versions, replace sets and sympos
 * (`unsigned int`); the two never mix. `string` supports equality only.
 */
export type Type = 'bool' | 'u64' | 'u32' | 'string' | 'patch' | 'state' | 'function';

/** Types whose values have attributes. */
export type ObjectType = 'patch' | 'state' | 'function';

/** One attribute, method or collection of an object type. */
export interface AttributeInfo {
  readonly on: ObjectType;
  readonly name: string;
  /**
   * `attribute`: `e.name`; `method`: `e.name(arg)`; `collection`: only as a domain,
   * `x in e.name`.
   */
  readonly form: 'attribute' | 'method' | 'collection';
  /** Result type; for a collection, its element type. */
  readonly type: Type;
  /** Argument type of a method. */
  readonly param: Type | null;
  /** Needs a running system (`klp_patches`): not available in a `policy`. */
  readonly needsSystem: boolean;
  readonly doc: string;
}

function attribute(
  on: ObjectType,
  name: string,
  type: Type,
  doc: string,
  needsSystem = false,
): AttributeInfo {
  return { on, name, form: 'attribute', type, param: null, needsSystem, doc };
}

export const ATTRIBUTES: readonly AttributeInfo[] = [
  attribute('patch', 'name', 'string', 'the module name (`patch->mod->name`)'),
  attribute('patch', 'replace', 'bool', 'atomic replace ("cumulative") flag'),
  attribute('patch', 'replace_set', 'u32', 'replace set (replace-set proposal)'),
  attribute(
    'patch',
    'family',
    'string',
    'the module name without its trailing release suffix (digits, `_`, `-`, `.`)',
  ),
  attribute(
    'patch',
    'enabled',
    'bool',
    '`patch->enabled`: on `klp_patches` and not being unpatched',
    true,
  ),
  {
    on: 'patch',
    name: 'has',
    form: 'method',
    type: 'bool',
    param: 'u64',
    needsSystem: false,
    doc: 'the patch declares a state with this id (`klp_get_state() != NULL`)',
  },
  {
    on: 'patch',
    name: 'version',
    form: 'method',
    type: 'u32',
    param: 'u64',
    needsSystem: false,
    doc: 'version of the first state entry with this id (`klp_get_state()->version`); must be guarded by `has`',
  },
  {
    on: 'patch',
    name: 'patches',
    form: 'method',
    type: 'bool',
    param: 'function',
    needsSystem: false,
    doc: 'the patch patches this function (same object, name and sympos)',
  },
  {
    on: 'patch',
    name: 'states',
    form: 'collection',
    type: 'state',
    param: null,
    needsSystem: false,
    doc: 'every state entry in declaration order, duplicates included (`klp_for_each_state`)',
  },
  {
    on: 'patch',
    name: 'functions',
    form: 'collection',
    type: 'function',
    param: null,
    needsSystem: false,
    doc: 'the patched functions in declaration order',
  },
  attribute('state', 'id', 'u64', 'the state id'),
  attribute('state', 'version', 'u32', 'the state version'),
  attribute(
    'state',
    'block_disable',
    'bool',
    'blocks disabling its patch (block-disable proposal)',
  ),
  attribute('function', 'object', 'string', '`vmlinux` or the patched module name'),
  attribute('function', 'name', 'string', 'the function name'),
  attribute('function', 'sympos', 'u32', 'symbol position, 0 when the name is unique'),
];

/** The attributes of one object type. */
export function attributesOf(on: ObjectType): readonly AttributeInfo[] {
  return ATTRIBUTES.filter((a) => a.on === on);
}

/** The entry for `on.name`, if any. */
export function findAttribute(on: ObjectType, name: string): AttributeInfo | undefined {
  return ATTRIBUTES.find((a) => a.on === on && a.name === name);
}

export function isObjectType(t: Type): t is ObjectType {
  return t === 'patch' || t === 'state' || t === 'function';
}

/** Largest value of each numeric type. */
export const MAX_OF: Readonly<Record<'u32' | 'u64', bigint>> = {
  u32: 0xffff_ffffn,
  u64: (1n << 64n) - 1n,
};
