/**
 * The C subset: integer constant expressions with C's types (LP64), the preprocessor's
 * macros and conditionals, and a property: any 64-bit id and 32-bit version, written in any
 * literal form a source may use, is read back exactly (and an id of 0 ends the array, as
 * `klp_for_each_state` has it). Outcome counters make sure ids above 2^63, below 2^32 and 0 all
 * occurred.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/ingest/artifacts/c/expr.ts';
import { readSource } from '../../../src/ingest/artifacts/c/extract.ts';
import { lex } from '../../../src/ingest/artifacts/c/lexer.ts';
import { expand, preprocess } from '../../../src/ingest/artifacts/c/preprocess.ts';
import { Source } from '../../../src/source/source.ts';

function value(expr: string, defines = ''): string {
  const pp = preprocess(new Source('e.c', `${defines}\n`));
  const tokens = expand(lex(new Source('e.c', expr)), pp.macros);
  if (tokens.kind === 'error') return `error: ${tokens.message}`;
  const r = evaluate(tokens.tokens, () => null);
  if (r.kind === 'error') return `error: ${r.message}`;
  return `${r.value.value} ${r.value.unsigned ? 'u' : 's'}${r.value.bits}`;
}

describe('constant expressions (LP64)', () => {
  it.each([
    ['~0UL', '18446744073709551615 u64'],
    ['~0', '-1 s32'],
    ['~0U', '4294967295 u32'],
    ['1 << 31', '-2147483648 s32'],
    ['1UL << 63', '9223372036854775808 u64'],
    ['2147483648', '2147483648 s64'],
    ['0xffffffff', '4294967295 u32'],
    ['-1 == 0xffffffff', '1 s32'],
    ['(unsigned long)-1', '18446744073709551615 u64'],
    ['(u32)0x123456789', '591751049 u32'],
    ['0x8173f7e2ce67e6caUL', '9328071806712014538 u64'],
    ['010 + 0b11', '11 s32'],
    ["'A' + 1", '66 s32'],
    ['3 > 2 ? 7 : 8', '7 s32'],
    ['(2 * 3 + 1) % 4', '3 s32'],
    ['1 / 0', 'error: division by zero in a constant expression'],
    ['1 << 40', 'error: shift by 40 is undefined for a 32-bit value'],
    ['FOO + 1', 'error: `FOO` is not a known constant'],
  ])('%s = %s', (expr, expected) => {
    expect(value(expr)).toBe(expected);
  });

  it('expands object-like and function-like macros, not recursively', () => {
    const defs = '#define BASE 0x10UL\n#define ID(n) ((BASE << 32) | (n))\n#define SELF SELF\n';
    expect(value('ID(3)', defs)).toBe(`${(0x10n << 32n) | 3n} u64`);
    expect(value('SELF', defs)).toBe('error: `SELF` is not a known constant');
    expect(value('CAT(a, b)', '#define CAT(a, b) a ## b\n')).toBe(
      'error: macro `CAT` uses `##`, which is not supported',
    );
  });
});

describe('conditionals', () => {
  function kept(text: string, defines: Record<string, string> = {}): string {
    const pp = preprocess(new Source('c.c', text), { defines: new Map(Object.entries(defines)) });
    return pp.tokens.map((t) => t.text).join(' ');
  }

  it('follows #if, #elif, #else, #ifdef, defined and -D', () => {
    const text = [
      '#if defined(A) && A > 2',
      'big',
      '#elif defined A',
      'small',
      '#else',
      'none',
      '#endif',
      '#ifndef B',
      'noB',
      '#endif',
    ].join('\n');
    expect(kept(text)).toBe('none noB');
    expect(kept(text, { A: '1' })).toBe('small noB');
    expect(kept(text, { A: '3', B: '1' })).toBe('big');
  });

  it('keeps nested inactive branches inactive', () => {
    expect(kept('#if 0\n#if 1\nx\n#else\ny\n#endif\n#endif\nz')).toBe('z');
  });
});

describe('ids and versions in any literal form', () => {
  it('reads back exactly what the source declares', () => {
    const seen = { top: 0, small: 0, zero: 0 };
    const literal = (v: bigint, style: number, suffix: string) => {
      switch (style % 3) {
        case 0:
          return `0x${v.toString(16)}${suffix}`;
        case 1:
          return `${v.toString(10)}${suffix}`;
        default:
          return `(${v.toString(10)}${suffix} + 0)`;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 1n << 63n)),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.nat(),
        fc.constantFrom('UL', 'ULL', 'ul'),
        (id, version, style, suffix) => {
          const text = [
            `#define STATE_ID ${literal(id, style, suffix)}`,
            'static struct klp_state states[] = {',
            `\t{ .id = STATE_ID, .version = ${literal(BigInt(version), style + 1, 'U')} },`,
            '\t{ .id = 5, .version = 5 },',
            '\t{ }',
            '};',
            'static struct klp_patch patch = { .mod = THIS_MODULE, .states = states };',
          ].join('\n');
          const r = readSource(new Source('klp_prop.c', text));
          expect(r.diagnostics).toEqual([]);
          const states = r.patch?.states;
          if (states === undefined || 'kind' in states) throw new Error('no states');
          if (id === 0n) {
            seen.zero++;
            expect(states).toEqual([]);
            return;
          }
          if (id >= 1n << 63n) seen.top++;
          if (id < 1n << 32n) seen.small++;
          expect(states.map((s) => [s.id, s.version])).toEqual([
            [id, version],
            [5n, 5],
          ]);
        },
      ),
      { numRuns: 300 },
    );
    expect(seen.top).toBeGreaterThan(0);
    expect(seen.small).toBeGreaterThan(0);
    expect(seen.zero).toBeGreaterThan(0);
  });
});
