/**
 * The checker's products: literal types for the back ends, witnesses, effective errnos, and the
 * guard analysis on small cases (the fixtures cover the diagnostics themselves).
 */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../src/lang/ast.ts';
import { type CheckedRuleSet, compileRuleSet } from '../../src/lang/checker.ts';
import { Source } from '../../src/source/source.ts';

function check(text: string): CheckedRuleSet {
  const r = compileRuleSet(new Source('t.klp', text));
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  expect(r.diagnostics).toEqual([]);
  return r.value;
}

function codes(text: string): string[] {
  return compileRuleSet(new Source('t.klp', text)).diagnostics.map((d) => d.code);
}

function literals(rs: CheckedRuleSet, e: Expr | null, out: string[] = []): string[] {
  if (e === null) return out;
  switch (e.kind) {
    case 'number':
      out.push(`${e.value}:${rs.types.get(e)}`);
      break;
    case 'attr':
      literals(rs, e.object, out);
      break;
    case 'call':
      literals(rs, e.object, out);
      literals(rs, e.arg, out);
      break;
    case 'not':
      literals(rs, e.operand, out);
      break;
    case 'and':
    case 'or':
    case 'implies':
    case 'compare':
    case 'order':
      literals(rs, e.left, out);
      literals(rs, e.right, out);
      break;
    default:
      break;
  }
  return out;
}

describe('types for the back ends', () => {
  it('give each literal the width of its context', () => {
    const rs = check(`ruleset t
invariant a "A"
  for p in installed, s in p.states
  require s.version >= 1 and s.id != 2 and p.has(3) and 4 == p.replace_set and 5 == 6
`);
    const inv = rs.invariants[0];
    expect(literals(rs, inv?.require ?? null)).toEqual([
      '1:u32',
      '2:u64',
      '3:u64',
      '4:u32',
      '5:u64',
      '6:u64',
    ]);
  });

  it('type every expression node', () => {
    const rs = check(`ruleset t
invariant a "A"
  for p in installed
  require p.name == p.family and p.replace_set > 0
`);
    const req = rs.invariants[0]?.require;
    if (req?.kind !== 'and' || req.left.kind !== 'compare') throw new Error('shape');
    expect(rs.types.get(req)).toBe('bool');
    expect(rs.types.get(req.left.left)).toBe('string');
    if (req.right.kind !== 'compare') throw new Error('shape');
    expect(rs.types.get(req.right.left)).toBe('u32');
  });
});

describe('checked rules', () => {
  const rs = check(`ruleset t
on enable new
  reject EINVAL log "no"
  rule own-errno "A"
    for f in new.functions, old in installed, s in old.states
    require not old.patches(f) and s.version > 0
    reject EBUSY
  rule block-errno "B"
    for s in new.states
    require not s.block_disable
  allow fine "C"
`);
  const [own, block, fine] = rs.enable?.rules ?? [];

  it('point at the witness binders', () => {
    expect(own?.witness).toEqual({ installed: 1, state: 2 });
    expect(block?.witness).toEqual({ installed: null, state: 0 });
    expect(fine?.witness).toEqual({ installed: null, state: null });
  });

  it('take their own errno, else the block one; allow rules none', () => {
    expect(own?.reject?.errno).toBe('EBUSY');
    expect(own?.reject?.log).toBeNull();
    expect(block?.reject?.errno).toBe('EINVAL');
    expect(fine?.reject).toBeNull();
    expect(fine?.require).toBeNull();
  });

  it('keep absent blocks absent', () => {
    expect(rs.disable).toBeNull();
    expect(rs.complete).toBeNull();
  });
});

describe('guards', () => {
  const rule = (body: string) => `ruleset t
on enable new
  reject EINVAL
  rule r "R"
${body}
`;

  it.each([
    ['for s in new.states\n    require new.version(s.id) > 0', []],
    [
      'for old in installed, s in old.states\n    when new.has(s.id) and old.replace\n    require new.version(s.id) >= s.version',
      [],
    ],
    ['require not (not new.has(1)) implies new.version(1) > 0', []],
    [
      'require (new.has(1) and new.replace) or (new.has(1) and not new.replace) implies new.version(1) > 0',
      [],
    ],
    ['require (new.has(1) or new.has(2)) implies new.version(1) > 0', ['KV2208']],
    ['require new.has(1) == true implies new.version(1) > 0', ['KV2208']],
    ['require new.has(1) implies new.version(2) > 0', ['KV2208']],
    ['for old in installed\n    require old.has(1) implies new.version(1) > 0', ['KV2208']],
    ['require (all s in new.states: new.has(s.id)) implies new.version(1) > 0', ['KV2208']],
    ['require not new.has(1) and new.version(1) > 0', ['KV2208']],
    ['require new.has(1) or new.version(1) > 0', ['KV2208']],
    ['require new.has(1)\n    message "{new.version(1)}"', ['KV2208']],
    ['require not new.has(1)\n    message "{new.version(1)}"', []],
  ])('%s', (body, want) => {
    expect(codes(rule(body))).toEqual(want);
  });
});
