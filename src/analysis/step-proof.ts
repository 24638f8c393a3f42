/**
 * Solver-backed proofs of one plan step's admissibility, for `check`.
 *
 * For an operation that asks the rule set a question (an `insmod` reaching
 * `klp_enable_patch()`'s compatibility check, a disable reaching the disable guard), the
 * configuration before it is a set of named facts (src/analysis/step-proof-facts.ts) and each
 * rule of the block is a compiled term (src/smt/compile.ts):
 * - admitted: facts and "some rule is violated" are unsatisfiable together: the proof;
 * - rejected: facts and "rule R is not violated", one assertion per rule, are unsatisfiable:
 *   the proof, whose unsat core, minimized by deletion, is the explanation (the facts and rules
 *   that force the rejection); the ways out are the minimal correction sets over the facts a
 *   user can change (the new patch's declarations, which installed patches are there), each
 *   turned into words with values from an optimal model (the lowest versions that work).
 *
 * Mirrors `kernelRules` (src/eval/kernel-rules.ts), the reference: its verdict is computed for
 * every step and must agree with the solver's (and with the compiled terms evaluated on the
 * concrete facts); every way out is applied to the concrete patch and system and re-checked
 * with it. A disagreement is never an answer: it throws {@link StepProofDisagreement}.
 *
 * Guarantees: every query is returned as a standalone SMT-LIB 2 script with the answer it got
 * (`certificateFiles`), so native solvers can re-check it; an explanation marked `minimal`
 * loses its unsatisfiability when any one member is dropped (its `sat` witnesses are among the
 * queries); `unknown` from the solver is reported as such, never as a verdict.
 */
import { kernelRules } from '../eval/kernel-rules.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import { type Catalog, catalog, patchNamed } from '../model/catalog.ts';
import { assertNever, formatOp, type Op } from '../model/op.ts';
import { formatStateId, funcKey, type KlpFunc, type KlpState, type Patch } from '../model/patch.ts';
import type { System } from '../model/system.ts';
import { anyViolation } from '../smt/compile.ts';
import { and, bool, bv, bvuge, eq, not } from '../smt/factory.ts';
import { interpret, interpretBool } from '../smt/interpret.ts';
import { type Expected, toSmtlib } from '../smt/smtlib.ts';
import { freeVars, type NamedAssertion, type Term } from '../smt/term.ts';
import {
  type CheckOptions,
  check,
  enumerateCorrectionSets,
  minimizeCore,
  optimize,
  type SoftConstraint,
  type UnknownReason,
} from '../smt/z3/index.ts';
import { type PlanInput, type PlanRun, runPlan } from './run-plan.ts';
import {
  type Fact,
  formatFunc,
  type Question,
  ruleQuestion,
  type StepModel,
  stepModel,
  type TrackedFact,
} from './step-proof-facts.ts';

export { type Fact, formatFact, type Question, ruleQuestion } from './step-proof-facts.ts';

/** One solver query, as a standalone SMT-LIB 2 script, with the answer it must get. */
export interface Query {
  /** File-name friendly: `proof`, `explanation`, `explanation-without-2`, `way-out-1`. */
  readonly name: string;
  readonly smtlib: string;
  readonly expected: 'sat' | 'unsat';
}

/** Why a step is rejected: facts and rules that are contradictory together. */
export interface Explanation {
  readonly facts: readonly Fact[];
  /** Rule names, in file order. */
  readonly rules: readonly string[];
  /** Every member is needed (else the solver answered `unknown` on the way). */
  readonly minimal: boolean;
}

/** One change a way out makes. */
export type Change =
  /** Take an installed patch off klp_patches first (`echo 0 > .../enabled`). */
  | { readonly kind: 'disable-first'; readonly patch: string }
  /**
   * Declare a state in the new patch, or change entry `index`. `versions` says which versions
   * work, given the way out's other changes: `version` and up, only `version`, or any.
   */
  | {
      readonly kind: 'declare-state';
      readonly patch: string;
      readonly index: number | null;
      readonly id: bigint;
      readonly version: number;
      readonly versions: 'at-least' | 'exactly' | 'any';
      readonly blockDisable: boolean;
    }
  | {
      readonly kind: 'drop-state';
      readonly patch: string;
      readonly index: number;
      readonly id: bigint;
    }
  | { readonly kind: 'set-replace'; readonly patch: string; readonly value: boolean }
  | { readonly kind: 'set-replace-set'; readonly patch: string; readonly value: number }
  | {
      readonly kind: 'set-function';
      readonly patch: string;
      readonly func: KlpFunc;
      readonly patches: boolean;
    };

/** A minimal set of changes that makes the step admissible. */
export interface StepWayOut {
  readonly changes: readonly Change[];
  /** The changes in the user's words, e.g. "declare state 1 with version >= 2 in `P`". */
  readonly words: string;
}

/** The solver's proof of one step's verdict. */
export interface StepProof {
  readonly kind: 'proved';
  readonly op: Op;
  readonly question: Question;
  readonly verdict: 'admitted' | 'rejected';
  /** The query whose `unsat` proves the verdict. */
  readonly proof: Query;
  /** Every fact of the configuration before the step. */
  readonly facts: readonly Fact[];
  /** Null when admitted. */
  readonly explanation: Explanation | null;
  /** Smallest first; empty when admitted or when nothing a user can change helps. */
  readonly waysOut: readonly StepWayOut[];
  /** False when the list was cut at the limit or by an `unknown` answer. */
  readonly waysOutComplete: boolean;
  /** Every query asked, the proof first. */
  readonly queries: readonly Query[];
}

export type StepProofResult =
  | StepProof
  /** The kernel decides before any rule is asked (or the operation asks none). */
  | { readonly kind: 'no-question'; readonly op: Op }
  | {
      readonly kind: 'unknown';
      readonly op: Op;
      readonly question: Question;
      readonly reason: UnknownReason;
      readonly detail: string;
    };

export interface StepProofOptions extends CheckOptions {
  /** Most ways out to compute (default 8). */
  readonly maxWaysOut?: number;
  /**
   * Absolute time (ms since the epoch) by which every query of the plan must end; each query
   * gets what is left (at most `timeoutMs`), so a limit holds for the whole run.
   */
  readonly deadline?: number | null;
}

/** `opts` whose `timeoutMs` is, at each query, the time left before the deadline. */
function untilDeadline(opts: StepProofOptions): StepProofOptions {
  const { deadline } = opts;
  if (deadline === undefined || deadline === null) return opts;
  const cap = opts.timeoutMs;
  return {
    ...opts,
    get timeoutMs() {
      return Math.max(1, Math.min(cap, Math.floor(deadline - Date.now())));
    },
  };
}

/**
 * The solver and the evaluator disagree: a bug in the rule compiler, the solver layer or the
 * evaluator, never a property of the user's input. Report it loudly (exit status 4).
 *
 * @example
 * try { await proveStep(rs, sys, cat, op, opts) } catch (e) { if (e instanceof StepProofDisagreement) ... }
 */
export class StepProofDisagreement extends Error {
  override readonly name = 'InternalError';
}

function disagreement(op: Op, what: string): StepProofDisagreement {
  return new StepProofDisagreement(
    `internal error: the solver and the evaluator disagree on \`${formatOp(op)}\`: ${what}`,
  );
}

const SOME_VIOLATION = 'some rule is violated';
const ruleName = (rule: string) => `rule ${rule}`;

function script(
  name: string,
  assertions: readonly NamedAssertion[],
  expected: Expected & ('sat' | 'unsat'),
  description: string,
): Query {
  return { name, expected, smtlib: toSmtlib(assertions, { expected, description }) };
}

function asserted(facts: readonly TrackedFact[]): NamedAssertion[] {
  return facts.map((f) => ({ name: f.name, term: f.term }));
}

/**
 * Proves the verdict of the rule question `op` asks on `sys` with the solver, and for a
 * rejection explains it and computes the ways out. Throws {@link StepProofDisagreement} when
 * the solver and the evaluator disagree.
 *
 * @example
 * const r = await proveStep(upstream, system(['test_klp_state2']), cat,
 *   { kind: 'insmod', patch: 'test_klp_state' }, { timeoutMs: 10_000 });
 * // r.verdict === 'rejected'
 * // r.explanation.facts.map(formatFact): ['`test_klp_state2` is installed',
 * //   '`test_klp_state2` holds state 1 at version 2', '`test_klp_state` declares state 1 at version 1']
 * // r.waysOut.map((w) => w.words): ['declare state 1 with version >= 2 in `test_klp_state`',
 * //   'disable `test_klp_state2` first']
 */
export async function proveStep(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  op: Op,
  opts: StepProofOptions,
): Promise<StepProofResult> {
  const question = ruleQuestion(sys, op);
  if (question === null) return { kind: 'no-question', op };
  const model = stepModel(rs, sys, cat, question);
  const expected = evaluatorVerdict(rs, sys, cat, question);
  checkCompiledTerms(op, model, expected);
  const facts = asserted(model.facts);
  const what = `\`${formatOp(op)}\` under \`${rs.name}\``;

  if (expected.size === 0) {
    const q = [...facts, { name: SOME_VIOLATION, term: anyViolation(model.violations) }];
    const r = await check(q, opts);
    if (r.kind === 'unknown') return { ...r, op, question };
    if (r.kind === 'sat') {
      throw disagreement(
        op,
        `the evaluator admits it, the solver finds a violation in a model of the facts`,
      );
    }
    const proof = script('proof', q, 'unsat', `${what} is admitted: no rule can be violated`);
    return {
      kind: 'proved',
      op,
      question,
      verdict: 'admitted',
      proof,
      facts: model.facts.map((f) => f.fact),
      explanation: null,
      waysOut: [],
      waysOutComplete: true,
      queries: [proof],
    };
  }

  const rules = model.violations.map((v) => ({ name: ruleName(v.rule), term: not(v.violated) }));
  const q = [...facts, ...rules];
  const first = await check(q, opts);
  if (first.kind === 'unknown') return { ...first, op, question };
  if (first.kind === 'sat') {
    throw disagreement(
      op,
      'the evaluator rejects it, the solver satisfies every rule under the facts',
    );
  }
  const proof = script(
    'proof',
    q,
    'unsat',
    `${what} is rejected: the facts and the rules contradict`,
  );
  const queries: Query[] = [proof];
  const explanation = await explain(model, expected, opts, what, queries);
  const ways = await waysOut(rs, sys, cat, op, model, opts, what, queries);
  return {
    kind: 'proved',
    op,
    question,
    verdict: 'rejected',
    proof,
    facts: model.facts.map((f) => f.fact),
    explanation,
    waysOut: ways.list,
    waysOutComplete: ways.complete,
    queries,
  };
}

/** The rules the evaluator finds violated (empty: admitted). */
function evaluatorVerdict(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  question: Question,
): Set<string> {
  const kernel = kernelRules(rs);
  const p = patchNamed(cat, question.patch);
  const v = question.kind === 'enable' ? kernel.enable(sys, cat, p) : kernel.disable(sys, cat, p);
  return new Set(v.ok ? [] : v.violations.map((x) => x.rule));
}

/** The compiled terms, evaluated on the concrete facts, must give the evaluator's verdict. */
function checkCompiledTerms(op: Op, model: StepModel, expected: ReadonlySet<string>): void {
  for (const v of model.violations) {
    const got = interpretBool(v.violated, model.values);
    if (got !== expected.has(v.rule)) {
      throw disagreement(
        op,
        `rule \`${v.rule}\` is ${got ? 'violated' : 'not violated'} by the compiled rules and ${got ? 'not violated' : 'violated'} by the evaluator`,
      );
    }
  }
}

/**
 * The explanation: for each violated rule, the facts with that rule alone are unsatisfiable;
 * each such core is minimized by deletion and the smallest is kept (ties: file order).
 */
async function explain(
  model: StepModel,
  violated: ReadonlySet<string>,
  opts: CheckOptions,
  what: string,
  queries: Query[],
): Promise<Explanation | null> {
  // A fact no rule reads is in no minimal core: leave it out of the search.
  const facts = asserted(model.facts.filter(relevant(model)));
  let best: { members: NamedAssertion[]; minimal: boolean } | null = null;
  for (const v of model.violations) {
    if (!violated.has(v.rule)) continue;
    const q = [...facts, { name: ruleName(v.rule), term: not(v.violated) }];
    const r = await check(q, opts);
    if (r.kind !== 'unsat') continue;
    const m = await minimizeCore(q, r.core, opts);
    const names = new Set(m.core);
    const members = q.filter((a) => names.has(a.name));
    if (best === null || members.length < best.members.length) {
      best = { members, minimal: m.kind === 'minimal' };
    }
  }
  if (best === null) return null;
  const { members, minimal } = best;
  queries.push(
    script(
      'explanation',
      members,
      'unsat',
      `${what}: the minimal facts and rules that force the rejection`,
    ),
  );
  if (minimal) {
    members.forEach((dropped, i) => {
      queries.push(
        script(
          `explanation-without-${i + 1}`,
          members.filter((a) => a !== dropped),
          'sat',
          `${what}: without \`${dropped.name}\` the rest of the explanation is satisfiable`,
        ),
      );
    });
  }
  const names = new Set(members.map((a) => a.name));
  return {
    facts: model.facts.filter((f) => names.has(f.name)).map((f) => f.fact),
    rules: model.violations.filter((v) => names.has(ruleName(v.rule))).map((v) => v.rule),
    minimal,
  };
}

/**
 * Whether a fact pins a variable some rule's term reads. Each fact pins variables of its own,
 * so one that no rule reads is independent of the rest: it is in no minimal core and no
 * minimal correction set.
 */
function relevant(model: StepModel): (f: TrackedFact) => boolean {
  const read = freeVars(model.violations.map((v) => v.violated));
  return (f) => [...freeVars([f.term]).keys()].some((name) => read.has(name));
}

// ---------- ways out ----------

interface Realized {
  readonly changes: Change[];
  /** What the changes assert, for the query that proves the way out works. */
  readonly pins: Term[];
  /** Same, with `declare-state` versions as lower bounds. */
  readonly atLeast: Term[];
}

async function waysOut(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  op: Op,
  model: StepModel,
  opts: StepProofOptions,
  what: string,
  queries: Query[],
): Promise<{ list: StepWayOut[]; complete: boolean }> {
  const rules = model.violations.map((v) => ({ name: ruleName(v.rule), term: not(v.violated) }));
  const fixed = model.facts.filter((f) => !f.changeable);
  const changeable = model.facts.filter((f) => f.changeable);
  const limit = opts.maxWaysOut ?? 8;
  // A fact no rule reads is in no minimal correction set: leave it out of the search.
  const read = relevant(model);
  const sets = await enumerateCorrectionSets(
    {
      hard: [...asserted(fixed.filter(read)), ...rules],
      soft: asserted(changeable.filter(read)),
    },
    { ...opts, limit },
  );
  if (sets.kind === 'hard-unsat') return { list: [], complete: true };
  // Smallest first; among equals, changes to the new patch before disabling installed patches.
  const rank = new Map(
    model.facts.map((f, i) => [f.name, f.fact.kind === 'installed' ? model.facts.length + i : i]),
  );
  const first = (set: readonly string[]) => Math.min(...set.map((n) => rank.get(n) ?? 0));
  const sorted = [...sets.sets].sort((a, b) => a.length - b.length || first(a) - first(b));
  const list: StepWayOut[] = [];
  let complete = sets.kind === 'complete';
  for (const set of sorted) {
    const dropped = new Set(set);
    const kept = changeable.filter((f) => !dropped.has(f.name));
    const gone = changeable.filter((f) => dropped.has(f.name));
    const realized = await realize(
      model,
      [...asserted(fixed.filter(read)), ...rules, ...asserted(kept.filter(read))],
      gone,
      opts,
    );
    if (realized === null) {
      complete = false;
      break;
    }
    const base = [...asserted(fixed), ...asserted(kept)];
    const violation = { name: SOME_VIOLATION, term: anyViolation(model.violations) };
    let changes = realized.changes;
    let pins = realized.atLeast;
    let r = await check([...base, { name: 'way out', term: and(...pins) }, violation], opts);
    if (r.kind === 'sat') {
      // Some higher version breaks another rule: only the versions found work.
      changes = changes.map((c) =>
        c.kind === 'declare-state' && c.versions !== 'exactly' ? { ...c, versions: 'exactly' } : c,
      );
      pins = realized.pins;
      r = await check([...base, { name: 'way out', term: and(...pins) }, violation], opts);
      if (r.kind === 'sat') throw disagreement(op, 'an optimal model of a way out violates a rule');
    }
    if (r.kind === 'unknown') {
      complete = false;
      break;
    }
    const way = {
      changes,
      words: joinWords(changes.map((c) => formatChange(c) + citeChange(cat, c))),
    };
    verifyWayOut(rs, sys, cat, op, model.question, way);
    list.push(way);
    queries.push(
      script(
        `way-out-${list.length}`,
        [...base, { name: 'way out', term: and(...pins) }, violation],
        'unsat',
        `${what}: after "${way.words.replaceAll('`', '')}" no rule can be violated`,
      ),
    );
  }
  return { list, complete };
}

/**
 * Values for the facts of a correction set from an optimal model: keep the new patch's state
 * entries where possible, without block_disable, at the lowest versions.
 */
async function realize(
  model: StepModel,
  hard: readonly NamedAssertion[],
  gone: readonly TrackedFact[],
  opts: CheckOptions,
): Promise<Realized | null> {
  const entry = (f: Fact) => {
    const id = f.kind === 'state' || f.kind === 'no-state' ? f.id : null;
    const index = f.kind === 'state' ? f.index : null;
    return model.subject.states.find((s) => s.state.id === id && s.index === index)?.state;
  };
  const soft: SoftConstraint[] = [];
  const objectives: { kind: 'minimize'; term: Term }[] = [];
  gone.forEach((g, i) => {
    const s = entry(g.fact);
    if (s !== undefined) {
      if (g.fact.kind === 'state') soft.push({ name: `keep ${i}`, term: s.has, weight: 4 });
      soft.push({ name: `no block_disable ${i}`, term: not(s.blockDisable), weight: 1 });
      objectives.push({ kind: 'minimize', term: s.version });
    }
    if (g.fact.kind === 'replace-set')
      objectives.push({ kind: 'minimize', term: model.subject.replaceSet });
  });
  const r = await optimize({ hard, soft, objectives }, opts);
  if (r.kind !== 'optimal') return null;
  const value = (t: Term) => interpret(t, r.model);
  const out: Realized = { changes: [], pins: [], atLeast: [] };
  const pin = (t: Term, atLeast: Term = t) => {
    out.pins.push(t);
    out.atLeast.push(atLeast);
  };
  for (const g of gone) {
    const f = g.fact;
    switch (f.kind) {
      case 'installed': {
        out.changes.push({ kind: 'disable-first', patch: f.patch });
        pin(not(g.term));
        break;
      }
      case 'state':
      case 'no-state': {
        const s = entry(f);
        if (s === undefined) throw new Error('unreachable: every state fact has an entry');
        if (value(s.has) !== true) {
          if (f.kind !== 'state')
            throw new Error('unreachable: a dropped `no-state` fact adds the state');
          out.changes.push({ kind: 'drop-state', patch: f.patch, index: f.index, id: f.id });
          pin(not(s.has));
          break;
        }
        const version = Number(value(s.version));
        const bd = value(s.blockDisable) === true;
        out.changes.push({
          kind: 'declare-state',
          patch: f.patch,
          index: f.kind === 'state' ? f.index : null,
          id: f.id,
          version,
          versions: 'at-least',
          blockDisable: bd,
        });
        const same = and(s.has, eq(s.blockDisable, bool(bd)));
        pin(
          and(same, eq(s.version, bv(version, 32))),
          and(same, bvuge(s.version, bv(version, 32))),
        );
        break;
      }
      case 'replace': {
        out.changes.push({ kind: 'set-replace', patch: f.patch, value: !f.value });
        pin(not(g.term));
        break;
      }
      case 'replace-set': {
        const v = Number(value(model.subject.replaceSet));
        out.changes.push({ kind: 'set-replace-set', patch: f.patch, value: v });
        pin(eq(model.subject.replaceSet, bv(v, 32)));
        break;
      }
      case 'function': {
        out.changes.push({
          kind: 'set-function',
          patch: f.patch,
          func: f.func,
          patches: !f.patches,
        });
        pin(not(g.term));
        break;
      }
      default:
        return assertNever(f, 'fact');
    }
  }
  // A version nothing constrains is not worth mentioning: 0 is the least of all.
  out.changes.forEach((c, i) => {
    if (c.kind === 'declare-state' && c.index === null && c.version === 0) {
      out.changes[i] = { ...c, versions: 'any' };
    }
  });
  return out;
}

/**
 * The step's patch and system after a way out. `disable-first` takes the patch off klp_patches
 * (its unpatching transition done); the other changes edit the new patch.
 *
 * @example
 * applyWayOut(way, system(['test_klp_state2']), cat.byName.get('test_klp_state')!).system.klpPatches // []
 */
export function applyWayOut(
  way: StepWayOut,
  sys: System,
  subject: Patch,
): { readonly system: System; readonly patch: Patch } {
  let klp = sys.klpPatches;
  let transition = sys.transition;
  const states: (KlpState | null)[] = [...subject.states];
  const added: KlpState[] = [];
  let replace = subject.replace;
  let replaceSet = subject.replaceSet;
  let functions = [...subject.functions];
  for (const c of way.changes) {
    switch (c.kind) {
      case 'disable-first':
        klp = klp.filter((n) => n !== c.patch);
        if (transition?.patch === c.patch) transition = null;
        break;
      case 'declare-state': {
        const s = { id: c.id, version: c.version, blockDisable: c.blockDisable };
        if (c.index === null) added.push(s);
        else states[c.index] = s;
        break;
      }
      case 'drop-state':
        states[c.index] = null;
        break;
      case 'set-replace':
        replace = c.value;
        break;
      case 'set-replace-set':
        replaceSet = c.value;
        break;
      case 'set-function':
        functions = c.patches
          ? [...functions, c.func]
          : functions.filter((f) => funcKey(f) !== funcKey(c.func));
        break;
      default:
        return assertNever(c, 'change');
    }
  }
  return {
    system: { ...sys, klpPatches: klp, transition },
    patch: {
      ...subject,
      replace,
      replaceSet,
      states: [...states.filter((s): s is KlpState => s !== null), ...added],
      functions,
    },
  };
}

/** Re-checks a way out with the evaluator: the changed step must be admitted. */
function verifyWayOut(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  op: Op,
  question: Question,
  way: StepWayOut,
): void {
  const subject = patchNamed(cat, question.patch);
  const variants: StepWayOut[] = [way];
  if (way.changes.some((c) => c.kind === 'declare-state' && c.versions !== 'exactly')) {
    // The words promise every higher version too: try the highest.
    variants.push({
      ...way,
      changes: way.changes.map((c) =>
        c.kind === 'declare-state' && c.versions !== 'exactly' ? { ...c, version: 0xffff_ffff } : c,
      ),
    });
  }
  for (const v of variants) {
    const after = applyWayOut(v, sys, subject);
    const cat2 = catalog(cat.patches.map((p) => (p.name === subject.name ? after.patch : p)));
    const kernel = kernelRules(rs);
    const verdict =
      question.kind === 'enable'
        ? kernel.enable(after.system, cat2, after.patch)
        : kernel.disable(after.system, cat2, after.patch);
    if (!verdict.ok) {
      throw disagreement(
        op,
        `the way out "${way.words}" is admitted by the solver and rejected by the evaluator (\`${verdict.violations[0]?.rule}\`)`,
      );
    }
  }
}

/**
 * A change in the user's words.
 *
 * @example
 * formatChange({ kind: 'disable-first', patch: 'klp_r3' }) // 'disable `klp_r3` first'
 */
export function formatChange(c: Change): string {
  switch (c.kind) {
    case 'disable-first':
      return `disable \`${c.patch}\` first`;
    case 'declare-state': {
      const version =
        c.versions === 'any'
          ? ''
          : ` with version ${c.versions === 'at-least' ? '>= ' : ''}${c.version}`;
      return `declare state ${formatStateId(c.id)}${version}${c.blockDisable ? ' with block_disable' : ''} in \`${c.patch}\``;
    }
    case 'drop-state':
      return `remove state ${formatStateId(c.id)} from \`${c.patch}\``;
    case 'set-replace':
      return c.value
        ? `make \`${c.patch}\` cumulative (replace: true)`
        : `make \`${c.patch}\` non-cumulative (replace: false)`;
    case 'set-replace-set':
      return `put \`${c.patch}\` in replace set ${c.value}`;
    case 'set-function':
      return c.patches
        ? `make \`${c.patch}\` patch ${formatFunc(c.func)}`
        : `stop patching ${formatFunc(c.func)} in \`${c.patch}\``;
    default:
      return assertNever(c, 'change');
  }
}

/**
 * Where a change is to be made, when the catalog comes from artifacts: ` (test_klp_state.c:137)`
 * after the change's words, the state entry to edit or the `struct klp_patch` to add to.
 */
function citeChange(cat: Catalog, c: Change): string {
  if (c.kind === 'disable-first' || c.kind === 'set-replace-set' || c.kind === 'set-function') {
    return '';
  }
  const p = cat.byName.get(c.patch);
  const index = c.kind === 'set-replace' ? null : c.index;
  const origin =
    c.kind === 'set-replace'
      ? (p?.replaceOrigin ?? p?.origin)
      : index === null
        ? (p?.statesOrigin ?? p?.origin)
        : (p?.states[index]?.origin ?? p?.origin);
  return origin === undefined ? '' : ` (${origin})`;
}

function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

// ---------- plans ----------

/** A plan run on the simulator with the solver's proof of every step. */
export interface PlanProof {
  readonly run: PlanRun;
  /** One per step (none when the setup failed). */
  readonly steps: readonly StepProofResult[];
}

/**
 * Runs a plan on the simulator under `rs` and proves every step's verdict with the solver;
 * the simulator's verdict and the proof's must agree.
 *
 * @example
 * const { steps } = await provePlan(upstream, plan, { timeoutMs: 10_000 });
 * steps.filter((s) => s.kind === 'proved' && s.verdict === 'rejected').length // 1
 */
export async function provePlan(
  rs: CheckedRuleSet,
  plan: PlanInput,
  opts: StepProofOptions,
): Promise<PlanProof> {
  const run = runPlan(plan, kernelRules(rs));
  if (run.kind === 'setup-failed') return { run, steps: [] };
  const steps: StepProofResult[] = [];
  const limited = untilDeadline(opts);
  for (const s of run.steps) {
    const r = await proveStep(rs, s.before, plan.catalog, s.step.op, limited);
    if (r.kind === 'proved' && (r.verdict === 'rejected') !== (s.outcome.verdict !== null)) {
      throw disagreement(
        s.step.op,
        `the simulator ${s.outcome.verdict === null ? 'admits' : 'rejects'} it, the proof says ${r.verdict}`,
      );
    }
    steps.push(r);
  }
  return { run, steps };
}

/**
 * The files `--certificate DIR` writes: every query of every proved step as a standalone
 * SMT-LIB 2 script (`step-2-proof.smt2`, ...), its expected answer in the header comment.
 *
 * @example
 * certificateFiles(steps).map((f) => f.file) // ['step-1-proof.smt2', 'step-2-proof.smt2', ...]
 */
export function certificateFiles(
  steps: readonly StepProofResult[],
): { readonly file: string; readonly text: string; readonly expected: 'sat' | 'unsat' }[] {
  return steps.flatMap((s, i) =>
    s.kind === 'proved'
      ? s.queries.map((q) => ({
          file: `step-${i + 1}-${q.name}.smt2`,
          text: q.smtlib,
          expected: q.expected,
        }))
      : [],
  );
}
