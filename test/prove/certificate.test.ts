// Proof certificates re-checked outside klp-verify: the initiation, consecution and safety
// queries of every kind of proof (no configuration can violate the claim, 1-induction, an
// invariant from Spacer), in both transition modes, and the queries that let patches never
// loaded be left out (src/prove/holders.ts), are unsat under native `z3` and `cvc5`
// when they are installed (CI installs both); and the queries are not vacuous: with a weaker
// invariant in place of the proof's, a native solver finds the configuration it misses.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckedRuleSet } from '../../src/lang/checker.ts';
import { type Catalog, catalog } from '../../src/model/catalog.ts';
import { patch } from '../../src/model/patch.ts';
import type { TransitionMode } from '../../src/model/system.ts';
import { type ProveResult, proveInvariant, proveLoadable } from '../../src/prove/index.ts';
import { TRUE } from '../../src/smt/factory.ts';
import { toSmtlib } from '../../src/smt/smtlib.ts';
import { checkedRuleSet } from '../support/rules.ts';

const SOLVERS = [
  { name: 'z3', args: [] as string[] },
  { name: 'cvc5', args: ['--lang=smt2'] },
].filter((s) => spawnSync(s.name, ['--version']).status === 0);

const dir = mkdtempSync(join(tmpdir(), 'klp-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function answer(solver: (typeof SOLVERS)[number], text: string): string {
  const file = join(dir, `c${fileNo++}.smt2`);
  writeFileSync(file, text);
  const r = spawnSync(solver.name, [...solver.args, file], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout.trim().split('\n')[0]?.trim() ?? '';
}

const guarded = catalog([
  patch('guard', { replace: true, states: [{ id: 1, blockDisable: true }] }),
  patch('target', { replace: true, states: [{ id: 1, blockDisable: true }] }),
  patch('blocker', { replace: true, states: [{ id: 2, blockDisable: true }] }),
]);
const handedOver = catalog([
  patch('first', { replace: true, states: [{ id: 1, blockDisable: true }] }),
  patch('second', { replace: true, states: [{ id: 1 }, { id: 2, blockDisable: true }] }),
  patch('target', { replace: true, states: [{ id: 1 }, { id: 2, blockDisable: true }] }),
  patch('blocker', { replace: true, states: [{ id: 3, blockDisable: true }] }),
]);
const versions = catalog([
  patch('a', { replace: true, states: [{ id: 1, version: 1 }] }),
  patch('b', { replace: true, states: [{ id: 1, version: 2 }] }),
  patch('c', { states: [{ id: 1, version: 1 }] }),
]);

interface Proof {
  readonly name: string;
  readonly method: string;
  readonly files?: readonly string[];
  readonly run: (transitions: TransitionMode) => Promise<ProveResult>;
}

const loadable =
  (cat: Catalog, rs: CheckedRuleSet, p: string, initial: string[] = [], leaveOut = true) =>
  (transitions: TransitionMode) =>
    proveLoadable({
      catalog: cat,
      ruleSet: rs,
      patch: p,
      initial,
      transitions,
      leaveOutNeverLoaded: leaveOut,
    });

const THREE = ['initiation.smt2', 'consecution.smt2', 'safety.smt2'];
/** With the queries that let the patches never loaded be left out (src/prove/holders.ts). */
const FIVE = ['never-loaded-initiation.smt2', 'never-loaded-consecution.smt2', ...THREE];

const PROOFS: readonly Proof[] = [
  {
    name: 'b is loadable upstream',
    method: 'static',
    run: loadable(versions, checkedRuleSet('upstream'), 'b'),
  },
  {
    name: 'no-lower-version-above holds upstream',
    method: 'induction',
    run: (transitions) =>
      proveInvariant({
        catalog: versions,
        ruleSet: checkedRuleSet('upstream'),
        invariants: checkedRuleSet('stack-invariants'),
        invariant: 'no-lower-version-above',
        transitions,
      }),
  },
  {
    name: 'target is loadable while guard stays (block-disable)',
    method: 'strengthened',
    run: loadable(guarded, checkedRuleSet('block-disable'), 'target', ['guard'], false),
  },
  {
    name: 'target is loadable while first or second is installed (block-disable)',
    method: 'spacer',
    run: loadable(handedOver, checkedRuleSet('block-disable'), 'target', ['first'], false),
  },
  {
    name: 'target is loadable while guard stays, blocker left out (block-disable)',
    method: 'static',
    files: FIVE,
    run: loadable(guarded, checkedRuleSet('block-disable'), 'target', ['guard']),
  },
  {
    name: 'target is loadable while first or second is installed, blocker left out (block-disable)',
    method: 'static',
    files: FIVE,
    run: loadable(handedOver, checkedRuleSet('block-disable'), 'target', ['first']),
  },
];

describe.skipIf(SOLVERS.length === 0)('certificates under native solvers', () => {
  for (const proof of PROOFS) {
    for (const transitions of ['auto', 'manual'] as const) {
      it(`${proof.name} (${proof.method}, transitions ${transitions})`, async () => {
        const r = await proof.run(transitions);
        expect(r.verdict).toBe('proved');
        const cert = r.certificate;
        expect(cert?.method).toBe(proof.method);
        expect(cert?.files.map((f) => f.name)).toEqual(proof.files ?? THREE);
        for (const f of cert?.files ?? []) {
          expect(f.text).toContain('(set-info :status unsat)');
          for (const s of SOLVERS)
            expect(`${s.name} ${f.name}: ${answer(s, f.text)}`).toBe(`${s.name} ${f.name}: unsat`);
        }
      });
    }
  }

  it('are not vacuous: without the invariant the safety query is satisfiable', async () => {
    const r = await PROOFS[3]?.run('auto');
    const safety = r?.certificate?.files.find((f) => f.name === 'safety.smt2');
    expect(safety).toBeDefined();
    // The same question with `true` as the invariant: some configuration violates the claim.
    const weakened = safety?.text
      .replace(/\(assert \(! (.*) :named invariant\)\)/, '(assert (! true :named invariant))')
      .replace('(set-info :status unsat)', '(set-info :status sat)');
    expect(weakened).not.toBe(safety?.text);
    for (const s of SOLVERS) expect(answer(s, weakened ?? '')).toBe('sat');
    // Without the holders invariant, some configuration loads the blocker in one step.
    const premise = (await PROOFS[5]?.run('auto'))?.certificate?.files.find(
      (f) => f.name === 'never-loaded-consecution.smt2',
    );
    expect(premise).toBeDefined();
    const unguarded = premise?.text
      .replace(/\(assert \(! (.*) :named invariant\)\)/, '(assert (! true :named invariant))')
      .replace('(set-info :status unsat)', '(set-info :status sat)');
    expect(unguarded).not.toBe(premise?.text);
    for (const s of SOLVERS) expect(answer(s, unguarded ?? '')).toBe('sat');
    // And through our own printer, for a query built from terms.
    const text = toSmtlib([{ name: 'invariant', term: TRUE }], { expected: 'sat' });
    for (const s of SOLVERS) expect(answer(s, text)).toBe('sat');
  });
});
