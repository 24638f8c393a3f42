// The symbolic transition system against the simulator, operation by operation: on random
// catalogs, for every shipped rule set and both transition modes, from random reachable
// systems, the successor of the concrete state under every selector value folds to exactly the
// system `step()` returns (loaded modules, klp_patches with its order, the transition). Also:
// `force` is `complete` plus forced marks (why the encoding may leave it out), the guards'
// templates agree with the evaluator, and the symbolic state agrees with a variable one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SimOptions, step } from '../../src/kernel/index.ts';
import type { Catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import { EMPTY_SYSTEM, type System } from '../../src/model/system.ts';
import { compileRules } from '../../src/smt/compile.ts';
import { bv, bvVar, TRUE } from '../../src/smt/factory.ts';
import { interpret } from '../../src/smt/interpret.ts';
import type { Term } from '../../src/smt/term.ts';
import { type StateTerms, TransitionSystem } from '../../src/smt/transition.ts';
import { allOps, arbCatalog, MODES, perRuleSet, RULE_SETS } from '../prove/arbitraries.ts';
import { checkedRuleSet, rulesNamed } from '../support/rules.ts';

const FULL = process.env.KLP_FULL !== undefined;

const kernel = perRuleSet(rulesNamed);
const symbolic = perRuleSet((n) => compileRules(checkedRuleSet(n)));

function lit(t: Term): boolean {
  if (t.kind !== 'bool') throw new Error(`expected a literal, got ${t.kind}`);
  return t.value;
}

/** The system a concrete successor state describes, read back from its literals. */
function read(ts: TransitionSystem, s: StateTerms): System {
  const on: number[] = [];
  const loaded: string[] = [];
  let transition: System['transition'] = null;
  for (let x = 0; x < ts.size; x++) {
    const name = ts.patch(x).name;
    if (lit(s.ld(x))) loaded.push(name);
    if (lit(s.on(x))) on.push(x);
    if (lit(s.tp(x))) {
      expect(transition).toBeNull();
      transition = { patch: name, target: 'patched' };
    }
    if (lit(s.tu(x))) {
      expect(transition).toBeNull();
      transition = { patch: name, target: 'unpatched' };
    }
  }
  // Order on klp_patches from the pairwise `below` literals: a strict total order.
  on.sort((a, b) => (lit(s.below(a, b)) ? -1 : 1));
  for (let i = 0; i < on.length; i++) {
    for (let j = i + 1; j < on.length; j++) {
      expect(lit(s.below(on[i] ?? 0, on[j] ?? 0))).toBe(true);
    }
  }
  return { klpPatches: on.map((x) => ts.patch(x).name), transition, loaded, forced: [] };
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** Random walks from the empty system: the reachable systems they visit. */
function reachable(opts: SimOptions, walks: readonly (readonly Op[])[]): System[] {
  const out: System[] = [EMPTY_SYSTEM];
  for (const walk of walks) {
    let sys = EMPTY_SYSTEM;
    for (const op of walk) {
      const r = step(sys, op, opts);
      if (r.result === 'ok' && r.system !== sys) {
        sys = r.system;
        out.push(sys);
      }
    }
  }
  return out;
}

const arbWalk = (cat: Catalog) => fc.array(fc.constantFrom(...allOps(cat)), { maxLength: 14 });

/**
 * Two patches loaded in turn, the lower one disabled and re-enabled (manual transitions):
 * the reversal that leaves a patch above the one being patched, then random operations.
 */
const arbReversal = (cat: Catalog) =>
  fc
    .tuple(
      fc.constantFrom(...cat.patches.map((p) => p.name)),
      fc.constantFrom(...cat.patches.map((p) => p.name)),
      arbWalk(cat),
    )
    .map(([a, b, rest]): Op[] => [
      { kind: 'insmod', patch: a },
      { kind: 'complete' },
      { kind: 'insmod', patch: b },
      { kind: 'complete' },
      { kind: 'disable', patch: a },
      { kind: 'enable', patch: a },
      ...rest,
    ]);

const arbCase = arbCatalog(1, 5).chain((cat) =>
  fc.record({
    cat: fc.constant(cat),
    rules: fc.constantFrom(...RULE_SETS),
    mode: fc.constantFrom(...MODES),
    walks: fc.array(fc.oneof(arbWalk(cat), arbReversal(cat)), { minLength: 1, maxLength: 4 }),
  }),
);

describe('one step of the transition system', () => {
  it('folds to what the simulator does, for every operation, from reachable systems', () => {
    const seen = { ok: 0, failed: 0, reversed: 0, replacedBelow: 0, keptAbove: 0 };
    fc.assert(
      fc.property(arbCase, ({ cat, rules, mode, walks }) => {
        const opts: SimOptions = { rules: kernel[rules], catalog: cat, transitions: mode };
        const ts = new TransitionSystem({
          catalog: cat,
          rules: symbolic[rules],
          transitions: mode,
          operable: new Set(cat.patches.map((p) => p.name)),
          initial: EMPTY_SYSTEM,
        });
        for (const sys of reachable(opts, walks)) {
          // Forced marks are left out of the encoding (see the next test); only those of the
          // initial system are kept.
          if (sys.forced.length > 0) continue;
          const from = ts.concrete(sys);
          for (let code = 0; code < 2 ** ts.selectorWidth; code++) {
            const op = ts.opOf(BigInt(code));
            const expected = op === null ? sys : step(sys, op, opts).system;
            if (op !== null && step(sys, op, opts).result === 'ok') seen.ok++;
            else seen.failed++;
            const next = read(ts, ts.successor(from, bv(code, ts.selectorWidth)));
            expect(next.klpPatches).toEqual(expected.klpPatches);
            expect(next.transition).toEqual(expected.transition);
            expect(sorted(next.loaded)).toEqual(sorted(expected.loaded));
            if (op?.kind === 'enable' && expected.transition !== sys.transition) seen.reversed++;
            if (op?.kind === 'complete' && sys.transition?.target === 'patched') {
              const at = sys.klpPatches.indexOf(sys.transition.patch);
              if (sys.klpPatches.slice(0, at).some((p) => !expected.klpPatches.includes(p)))
                seen.replacedBelow++;
              if (at < sys.klpPatches.length - 1) seen.keptAbove++;
            }
          }
        }
      }),
      { numRuns: FULL ? 600 : 150 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.reversed).toBeGreaterThan(0);
    expect(seen.replacedBelow).toBeGreaterThan(0);
    expect(seen.keptAbove).toBeGreaterThan(0);
  });

  it('leaves out `force` soundly: it is `complete` plus forced marks', () => {
    fc.assert(
      fc.property(arbCase, ({ cat, rules, walks }) => {
        const opts: SimOptions = { rules: kernel[rules], catalog: cat, transitions: 'manual' };
        for (const sys of reachable(opts, walks)) {
          if (sys.transition === null) continue;
          const forced = step(sys, { kind: 'force', patch: sys.transition.patch }, opts);
          const completed = step(sys, { kind: 'complete' }, opts);
          expect(forced.result).toBe('ok');
          expect({ ...forced.system, forced: [] }).toEqual({ ...completed.system, forced: [] });
          expect(completed.system.forced).toEqual(sys.forced);
        }
      }),
      { numRuns: FULL ? 400 : 100 },
    );
  });

  it('agrees with a variable state under the assignment of a concrete one', () => {
    fc.assert(
      fc.property(arbCase, ({ cat, rules, mode, walks }) => {
        const opts: SimOptions = { rules: kernel[rules], catalog: cat, transitions: mode };
        const ts = new TransitionSystem({
          catalog: cat,
          rules: symbolic[rules],
          transitions: mode,
          operable: new Set(cat.patches.map((p) => p.name)),
          initial: EMPTY_SYSTEM,
        });
        const vars = ts.variables('s.');
        const sel = bvVar('sel', ts.selectorWidth);
        const next = ts.successor(vars, sel);
        ts.components(next); // registers the order pairs the successor reads
        const symbolicNext = ts.components(next);
        for (const sys of reachable(opts, walks).slice(0, 6)) {
          if (sys.forced.length > 0) continue;
          const values = ts.components(ts.concrete(sys));
          const model = new Map<string, boolean | bigint>(
            ts
              .stateVariables('s.')
              .map((v, i) => [v.kind === 'var' ? v.name : '', values[i] === TRUE]),
          );
          for (let code = 0; code < 2 ** ts.selectorWidth; code++) {
            model.set('sel', BigInt(code));
            const concreteNext = ts.components(
              ts.successor(ts.concrete(sys), bv(code, ts.selectorWidth)),
            );
            symbolicNext.forEach((t, i) => {
              expect(interpret(t, model)).toBe(concreteNext[i] === TRUE);
            });
          }
        }
      }),
      { numRuns: FULL ? 200 : 40 },
    );
  });
});
