// Properties of step proofs on random configurations, for the kernel rule sets with rules:
// the verdict is the evaluator's; an explanation is unsatisfiable and minimal (dropping any
// one fact or rule makes it satisfiable); every way out, applied to the concrete patch and
// system, makes the evaluator admit the step, at every version it promises, and needs each of
// its changes. Outcomes are counted; KLP_FULL=1 runs many more cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyWayOut,
  type Change,
  proveStep,
  type StepWayOut,
} from '../../src/analysis/step-proof.ts';
import { stepModel } from '../../src/analysis/step-proof-facts.ts';
import { kernelRules } from '../../src/eval/kernel-rules.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import type { Op } from '../../src/model/op.ts';
import type { Patch } from '../../src/model/patch.ts';
import type { System } from '../../src/model/system.ts';
import { not } from '../../src/smt/factory.ts';
import type { NamedAssertion } from '../../src/smt/term.ts';
import { check } from '../../src/smt/z3/check.ts';
import { worldArb } from '../eval/arbitraries.ts';

const FULL = process.env.KLP_FULL !== undefined;
const OPTS = { timeoutMs: 20_000 };

function ruleSet(name: string): CheckedRuleSet {
  const r = loadRuleSet(name);
  if (r.kind === 'error') throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

const RULE_SETS = ['upstream', 'block-disable', 'replace-set'].map(ruleSet);

const key = (x: unknown) =>
  JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function admits(rs: CheckedRuleSet, op: Op, sys: System, cat: Catalog, p: Patch): boolean {
  const kernel = kernelRules(rs);
  const c = catalog(cat.patches.map((q) => (q.name === p.name ? p : q)));
  return (op.kind === 'insmod' ? kernel.enable(sys, c, p) : kernel.disable(sys, c, p)).ok;
}

function without(way: StepWayOut, i: number): StepWayOut {
  return { ...way, changes: way.changes.filter((_, j) => j !== i) };
}

function withVersion(
  way: StepWayOut,
  version: (c: Extract<Change, { kind: 'declare-state' }>) => number,
): StepWayOut {
  return {
    ...way,
    changes: way.changes.map((c) =>
      c.kind === 'declare-state' && c.versions !== 'exactly' ? { ...c, version: version(c) } : c,
    ),
  };
}

describe('step proofs on random configurations', () => {
  it('agree with the evaluator, explain minimally, and find ways out that work', async () => {
    const seen = {
      admitted: 0,
      rejected: 0,
      disable: 0,
      withWaysOut: 0,
      changes: new Map<string, number>(),
    };
    await fc.assert(
      fc.asyncProperty(
        worldArb,
        fc.constantFrom(...RULE_SETS),
        fc.integer({ min: 0, max: 0xffff }),
        async ([cat, sys, p], rs, bump) => {
          const op: Op = sys.loaded.includes(p.name)
            ? { kind: 'disable', patch: p.name }
            : { kind: 'insmod', patch: p.name };
          const r = await proveStep(rs, sys, cat, op, OPTS);
          if (r.kind === 'no-question') return;
          expect(r.kind).toBe('proved');
          if (r.kind !== 'proved') return;
          if (op.kind === 'disable') seen.disable++;
          expect(r.verdict === 'admitted').toBe(admits(rs, op, sys, cat, p));
          if (r.verdict === 'admitted') {
            seen.admitted++;
            expect(r.explanation).toBeNull();
            return;
          }
          seen.rejected++;

          // The explanation, rebuilt from the facts: unsatisfiable, and every member needed.
          const e = r.explanation;
          expect(e?.minimal).toBe(true);
          if (e === null) return;
          const model = stepModel(rs, sys, cat, r.question);
          const wanted = new Set(e.facts.map(key));
          const members: NamedAssertion[] = [
            ...model.facts.filter((f) => wanted.has(key(f.fact))),
            ...model.violations
              .filter((v) => e.rules.includes(v.rule))
              .map((v) => ({ name: `rule ${v.rule}`, term: not(v.violated) })),
          ];
          expect(members.length).toBe(e.facts.length + e.rules.length);
          expect((await check(members, OPTS)).kind).toBe('unsat');
          for (const m of members) {
            const rest = members.filter((x) => x !== m);
            expect((await check(rest, OPTS)).kind, `without ${m.name}`).toBe('sat');
          }

          // Every way out works, at every version it promises, and needs each of its changes.
          if (r.waysOut.length > 0) seen.withWaysOut++;
          for (const way of r.waysOut) {
            for (const c of way.changes)
              seen.changes.set(c.kind, (seen.changes.get(c.kind) ?? 0) + 1);
            const apply = (w: StepWayOut) => {
              const after = applyWayOut(w, sys, p);
              return admits(rs, op, after.system, cat, after.patch);
            };
            expect(apply(way), way.words).toBe(true);
            expect(
              apply(withVersion(way, (c) => Math.min(0xffff_ffff, c.version + bump))),
              way.words,
            ).toBe(true);
            way.changes.forEach((_, i) => {
              expect(apply(without(way, i)), `${way.words} without change ${i + 1}`).toBe(false);
            });
          }
        },
      ),
      { numRuns: FULL ? 400 : 80 },
    );
    expect(seen.admitted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.withWaysOut).toBeGreaterThan(0);
    if (FULL) {
      expect(seen.disable).toBeGreaterThan(0);
      for (const k of ['disable-first', 'declare-state', 'set-replace']) {
        expect(seen.changes.get(k) ?? 0, k).toBeGreaterThan(0);
      }
    }
  });
});
