/**
 * Typed readers over YAML values: mappings with a fixed key set, lists, booleans, bounded
 * unsigned integers, state ids, strings and choices.
 *
 * Every reader either returns the value or reports why not and returns null; none coerces
 * (`"yes"` is not a boolean, `1.0` is not an integer, `"5"` is not a version) and none
 * ignores a key it does not know.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Span } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import type { Reporter } from './reporter.ts';
import { describe, isEmpty, literal, spanOf, type Value } from './yaml-tree.ts';

/** One `key: value` of a mapping. */
export interface Field {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: Value;
}

/** The known keys of a mapping, in document order, first occurrence of each. */
export interface Fields {
  readonly span: Span;
  readonly byKey: ReadonlyMap<string, Field>;
  /** How many unknown keys were reported. */
  readonly unknown: number;
}

/**
 * A name from the input as a message quotes it: cut after 40 characters, so a 50 MB name
 * cannot make a 50 MB message.
 *
 * @example
 * shortened('a'.repeat(100)) // 'aaa…' (40 characters)
 */
export function shortened(name: string): string {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

/** Backticked list, shortened after `limit` words: `a`, `b`, `c` and 2 more. */
export function quoted(words: readonly string[], limit = 8): string {
  const shown = words
    .slice(0, limit)
    .map((w) => `\`${shortened(w)}\``)
    .join(', ');
  return words.length > limit ? `${shown} and ${words.length - limit} more` : shown;
}

/**
 * Reads a mapping whose keys must come from `allowed`; reports unknown keys (with
 * did-you-mean), duplicate keys (pointing back at the first) and missing `required` keys.
 */
export function readFields(
  r: Reporter,
  v: Value,
  what: string,
  allowed: readonly string[],
  required: readonly string[] = [],
): Fields | null {
  if (rejectAlias(r, v)) return null;
  const node = v.node;
  if (!isMap(node)) {
    r.error('KV0103', v.span, `expected a mapping for ${what}, found ${describe(r, v)}`);
    return null;
  }
  const byKey = new Map<string, Field>();
  let unknown = 0;
  for (const pair of node.items) {
    const keySpan = spanOf(r, pair.key);
    const key = isScalar(pair.key) ? String(pair.key.value) : literal(r, keySpan);
    if (!allowed.includes(key)) {
      unknown++;
      r.error('KV0104', keySpan, `unknown key \`${shortened(key)}\` in ${what}`, {
        help: didYouMean(key, allowed) ?? `expected one of ${quoted(allowed)}`,
      });
      continue;
    }
    const first = byKey.get(key);
    if (first !== undefined) {
      r.error('KV0105', keySpan, `duplicate key \`${shortened(key)}\` in ${what}`, {
        related: [r.related(first.keySpan, `\`${shortened(key)}\` first given here`)],
      });
      continue;
    }
    const value = pair.value;
    // An empty value points at its key: there is no text of its own to underline.
    const span = value === null || isEmpty(r, value) ? keySpan : spanOf(r, value);
    byKey.set(key, { key, keySpan, value: { node: value, span } });
  }
  for (const key of required) {
    if (!byKey.has(key)) r.error('KV0106', v.span, `missing key \`${key}\` in ${what}`);
  }
  return { span: v.span, byKey, unknown };
}

/** The items of a list. */
export function readList(r: Reporter, v: Value, label: string): Value[] | null {
  if (rejectAlias(r, v)) return null;
  if (!isSeq(v.node)) {
    r.error('KV0103', v.span, `expected a list for ${label}, found ${describe(r, v)}`);
    return null;
  }
  return v.node.items.map((item) => ({ node: item, span: spanOf(r, item) }));
}

export function readBool(r: Reporter, v: Value, label: string): boolean | null {
  if (rejectAlias(r, v)) return null;
  const x = scalarValue(r, v);
  if (typeof x === 'boolean') return x;
  r.error(
    'KV0103',
    v.span,
    `expected \`true\` or \`false\` for ${label}, found ${describe(r, v)}`,
    {
      help: typeof x === 'string' ? boolHelp(literal(r, v.span)) : undefined,
    },
  );
  return null;
}

export function readString(r: Reporter, v: Value, label: string): string | null {
  if (rejectAlias(r, v)) return null;
  const x = scalarValue(r, v);
  if (typeof x === 'string') return x;
  r.error('KV0103', v.span, `expected a string for ${label}, found ${describe(r, v)}`);
  return null;
}

/** An unsigned integer up to `max` (at most 2^32-1 here), written as a YAML/JSON integer. */
export function readUnsigned(r: Reporter, v: Value, label: string, max: number): number | null {
  if (rejectAlias(r, v)) return null;
  const x = scalarValue(r, v);
  if (typeof x === 'bigint') {
    if (x >= 0n && x <= BigInt(max)) return Number(x);
    r.error('KV0113', v.span, `value \`${literal(r, v.span)}\` for ${label} is out of range`, {
      help: `${label} is an unsigned integer from 0 to ${max}`,
    });
    return null;
  }
  r.error('KV0103', v.span, `expected an unsigned integer for ${label}, found ${describe(r, v)}`, {
    help: typeof x === 'string' && /^\d+$/.test(x) ? 'write the number without quotes' : undefined,
  });
  return null;
}

/**
 * A `struct klp_state` id: a YAML/JSON integer, a `"0x..."` hex string or a decimal string,
 * from 1 to `max`.
 */
export function readStateId(r: Reporter, v: Value, max: bigint): bigint | null {
  if (rejectAlias(r, v)) return null;
  const x = scalarValue(r, v);
  const id = typeof x === 'bigint' ? x : typeof x === 'string' ? parseIdString(x) : null;
  const text = literal(r, v.span);
  if (id === null) {
    r.error(
      'KV0103',
      v.span,
      `expected an unsigned integer or a \`0x...\` string for \`id\`, found ${describe(r, v)}`,
    );
  } else if (id === 0n) {
    r.error(
      'KV0112',
      v.span,
      `invalid state id \`${text}\`: 0 terminates the kernel's state array`,
      {
        help: 'state ids start at 1; real patches use random 64-bit constants',
      },
    );
  } else if (id < 0n || id > max) {
    r.error('KV0113', v.span, `state id \`${text}\` is out of range`, {
      help: `a state id is an unsigned 64-bit integer from 1 to ${max} (0x${max.toString(16)})`,
    });
  } else {
    return id;
  }
  return null;
}

/** One of a fixed set of strings. */
export function readChoice<T extends string>(
  r: Reporter,
  v: Value,
  label: string,
  choices: readonly T[],
): T | null {
  if (rejectAlias(r, v)) return null;
  const x = scalarValue(r, v);
  if (typeof x !== 'string') {
    r.error(
      'KV0103',
      v.span,
      `expected one of ${quoted(choices)} for ${label}, found ${describe(r, v)}`,
    );
    return null;
  }
  const hit = choices.find((c) => c === x);
  if (hit !== undefined) return hit;
  r.error('KV0107', v.span, `invalid value \`${literal(r, v.span)}\` for ${label}`, {
    help: didYouMean(x, choices) ?? `expected one of ${quoted(choices)}`,
  });
  return null;
}

function boolHelp(text: string): string | undefined {
  if (/^["']/.test(text)) return 'write `true` or `false` without quotes';
  // YAML 1.1 booleans; YAML 1.2, which JSON and these readers follow, reads them as strings.
  if (/^(y|yes|n|no|on|off)$/i.test(text)) {
    return `YAML 1.2 reads \`${text}\` as a string: write \`true\` or \`false\``;
  }
  return undefined;
}

/** The value of a scalar with something written in it; undefined for anything else. */
function scalarValue(r: Reporter, v: Value): unknown {
  const node = v.node;
  return node !== null && isScalar(node) && !isEmpty(r, node) ? node.value : undefined;
}

function rejectAlias(r: Reporter, v: Value): boolean {
  if (!isAlias(v.node)) return false;
  r.error('KV0108', v.span, `yaml alias \`${literal(r, v.span)}\` is not supported`, {
    help: 'write the value out in full',
  });
  return true;
}

function parseIdString(s: string): bigint | null {
  return /^0[xX][0-9a-fA-F]+$/.test(s) || /^[0-9]+$/.test(s) ? BigInt(s) : null;
}
