/**
 * `klp-verify synth P`: the smallest state declaration of a new patch P (fewest states, then
 * lowest versions: src/query/synth-encode.ts `compareDeclarations`) with which `prove loadable
 * P` holds, for a cumulative P and for a non-cumulative one; which of the two can exist at all;
 * and, when neither can, the configurations no declaration is admitted on.
 *
 * Counterexample-guided inductive synthesis. What the other patches can reach does not depend
 * on P (P is never operated on, and rule sets that range over the catalog are refused), so
 * "P is loadable" is "the rules admit `insmod P` on every configuration of one fixed, finite
 * set R". The loop keeps a pool of configurations of R, starting with the cheap ones (the
 * initial configuration and each one `insmod` away from it), and repeats:
 * 1. Z3's Optimize picks the smallest declaration the rules admit P with on every pooled
 *    configuration (with `replace` fixed);
 * 2. `proveLoadable` (src/prove) decides the claim for that declaration over every operation
 *    sequence;
 * 3. proved: done. Refuted: the configuration before the failing `insmod P` in the replayed
 *    counterexample joins the pool (it is new: the candidate was admitted on every pooled one);
 *    unknown: the time ran out.
 * Unsatisfiable in step 1: no declaration exists, and the unsat core, shrunk to a minimal one,
 * names the configurations that rule every declaration out. The pool is shared between the
 * cumulative and the non-cumulative search.
 *
 * Guarantees: a declaration `found` is proved loadable (with the prover's certificate) and is
 * the smallest loadable one: every smaller declaration is rejected on some pooled configuration,
 * which is in R (each is replayed on the simulator from the initial one), and the simulator's
 * rejection of P without each state, and with each version one lower, is shown. `none` holds
 * because the named configurations are in R and no declaration is admitted on all of them.
 * A disagreement between the solver and the simulator throws: a bug, never an answer.
 */
import { kernelRules } from '../eval/kernel-rules.ts';
import {
  installStack,
  type KernelRules,
  run,
  type StepOutcome,
  step,
  type Violation,
} from '../kernel/index.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import { type Catalog, catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import { formatStateId, type Patch, patch } from '../model/patch.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { type ProveResult, proveLoadable } from '../prove/index.ts';
import { compileRules } from '../smt/compile.ts';
import { type Assignment, interpretBool } from '../smt/interpret.ts';
import type { SymbolicRules } from '../smt/symbolic.ts';
import type { NamedAssertion, Term } from '../smt/term.ts';
import { lexMinimize, minimizeCore, optimize } from '../smt/z3/index.ts';
import {
  admittedAt,
  compareDeclarations,
  decodeDeclaration,
  objectives,
  readsCatalog,
  type SynthPatch,
  structure,
  synthPatch,
  type Universe,
  universeOf,
} from './synth-encode.ts';

export type { Universe };
export { compareDeclarations, universeOf };

/** Default time limit of a synthesis, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface SynthInput {
  readonly catalog: Catalog;
  /** The kernel rule set that decides every operation. */
  readonly ruleSet: CheckedRuleSet;
  /**
   * P's module name. When the catalog has a patch of that name, its functions and replace set
   * are kept and its state declaration is what is synthesized (the one it has is ignored, ids
   * only it declares included: the fresh id stands for them); otherwise P is a new patch
   * without functions, appended to the catalog.
   */
  readonly patch: string;
  /** Fixes the choice: only cumulative (`true`) or only non-cumulative (`false`) declarations. */
  readonly replace?: boolean;
  /** Default `auto`. */
  readonly transitions?: TransitionMode;
  /** The installed stack to start from, bottom to top; default nothing installed. */
  readonly initial?: readonly string[];
  /** For the whole synthesis; default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** How the catalog is named in sentences, e.g. its file name. */
  readonly catalogName?: string;
  readonly progress?: (line: string) => void;
}

/** A configuration the rules must admit `insmod P` on, and how it is reached. */
export interface Witness {
  /** The configuration before `insmod P`. */
  readonly system: System;
  /** From the initial configuration (the initial stack set up); replayed on the simulator. */
  readonly steps: readonly Op[];
  /**
   * `initial`, `one-step` (one operation away: a cheap start) or from a `counterexample` (its
   * configuration, or one operation after it, pooled in the same round).
   */
  readonly origin: 'initial' | 'one-step' | 'counterexample';
}

/** The simulator's rejection of `insmod P` with `declaration` on a configuration. */
export interface Rejection {
  readonly witness: Witness;
  readonly declaration: Patch;
  /** The failing `insmod P`, with its log and the rules' verdict. */
  readonly outcome: StepOutcome;
  readonly violations: readonly Violation[];
}

/** Why the declaration found cannot lose a state or lower a version. */
export interface Need {
  readonly id: bigint;
  readonly version: number;
  /** P without this state is rejected here. */
  readonly without: Rejection;
  /** P with this state one version lower is rejected here; null at version 0. */
  readonly lower: Rejection | null;
}

/** One configuration of a set no declaration is admitted on, with the proof by example. */
export interface Blocker {
  readonly witness: Witness;
  /**
   * The smallest declaration admitted on the set's other configurations, rejected on this one;
   * null when finding it ran out of time.
   */
  readonly rejection: Rejection | null;
}

export type ChoiceResult =
  | {
      readonly kind: 'found';
      readonly replace: boolean;
      /** P's catalog entry with the synthesized states (ascending id). */
      readonly declaration: Patch;
      readonly needs: readonly Need[];
      /** The `prove loadable` result that proves it. */
      readonly proof: ProveResult;
      /** Candidates the solver proposed, this one included. */
      readonly candidates: number;
    }
  | {
      readonly kind: 'none';
      readonly replace: boolean;
      /** Configurations no declaration (with this `replace`) is admitted on, all together. */
      readonly blockers: readonly Blocker[];
      /** Dropping any one of them leaves some declaration admitted on the rest. */
      readonly minimal: boolean;
      readonly candidates: number;
    }
  | {
      readonly kind: 'unknown';
      readonly replace: boolean;
      /** What ran out, in a sentence. */
      readonly reason: string;
      /**
       * The last candidate, the smallest admitted on every configuration pooled when it was
       * proposed: no smaller declaration is loadable. `loadable` says whether it is: `no` when
       * it was refuted, `undecided` when its proof ran out of time. Null before any candidate.
       */
      readonly bound: { readonly declaration: Patch; readonly loadable: 'no' | 'undecided' } | null;
      readonly candidates: number;
    }
  /** `--replace` fixed the other choice. */
  | { readonly kind: 'not-asked'; readonly replace: boolean };

export type SynthVerdict = 'found' | 'none' | 'unknown' | 'error';

export interface SynthStats {
  readonly ms: number;
  /** Candidates proposed over both choices. */
  readonly candidates: number;
  /** Configurations in the pool at the end. */
  readonly configurations: number;
  readonly optimizeCalls: number;
  readonly proofs: number;
}

export interface SynthResult {
  readonly patch: string;
  readonly rules: string;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly verdict: SynthVerdict;
  /**
   * When both choices were asked and decided: `must` (only a cumulative P exists), `must-not`
   * (only a non-cumulative one), `either`; null otherwise.
   */
  readonly cumulative: 'must' | 'must-not' | 'either' | null;
  /** The `replace` value `--replace` fixed, or null. */
  readonly replaceFixed: boolean | null;
  /** The smallest declaration over the choices asked (on a tie, the cumulative one). */
  readonly smallest: Patch | null;
  /** Cumulative first, then non-cumulative. */
  readonly choices: readonly ChoiceResult[];
  readonly universe: Universe;
  readonly scope: {
    /** e.g. `the 3 other patches of test_modules.catalog.yaml` */
    readonly patches: string;
    /** `the empty system` or `the installed stack \`a\`` */
    readonly from: string;
  };
  /** Why the question cannot be asked (verdict `error`). */
  readonly error: string | null;
  readonly stats: SynthStats;
}

/** The catalog with `decl` as P: in P's place when P is there, else appended. */
function withPatch(cat: Catalog, decl: Patch): Catalog {
  if (cat.byName.has(decl.name))
    return catalog(cat.patches.map((p) => (p.name === decl.name ? decl : p)));
  return catalog([...cat.patches, decl]);
}

function insmod(name: string): Op {
  return { kind: 'insmod', patch: name };
}

/** What `insmod P` sees of a configuration: klp_patches and the transition. */
function admissionKey(sys: System): string {
  const t = sys.transition === null ? '-' : `${sys.transition.patch}>${sys.transition.target}`;
  return `${sys.klpPatches.join(',')}|${t}`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * A declaration in words, for reports and progress lines.
 *
 * @example
 * describeDeclaration(patch('P', { replace: true, states: [{ id: 1, version: 2 }] }))
 * // 'cumulative, 1 state (1 at version 2)'
 */
export function describeDeclaration(d: Patch): string {
  const states =
    d.states.length === 0
      ? 'no states'
      : `${plural(d.states.length, 'state')} (${d.states.map((s) => `${formatStateId(s.id)} at version ${s.version}`).join(', ')})`;
  return `${d.replace ? 'cumulative' : 'non-cumulative'}, ${states}`;
}

/** Most configurations pooled besides the counterexample's own in one CEGIS round. */
const BATCH = 32;

interface PoolEntry {
  readonly name: string;
  readonly witness: Witness;
  readonly admit: Term;
}

/** Everything one synthesis shares between its two searches. */
class Synthesis {
  readonly input: SynthInput;
  readonly kernel: KernelRules;
  readonly symbolic: SymbolicRules;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly deadline: number;
  /** The catalog with P's bare entry (no states): what the other patches' operations see. */
  readonly cat0: Catalog;
  readonly p: SynthPatch;
  readonly start: System;
  readonly pool: PoolEntry[] = [];
  private readonly keys = new Set<string>();
  optimizeCalls = 0;
  proofs = 0;

  constructor(input: SynthInput, base: Patch, start: System, kernel: KernelRules) {
    this.input = input;
    this.kernel = kernel;
    this.symbolic = compileRules(input.ruleSet);
    this.transitions = input.transitions ?? 'auto';
    this.initial = input.initial ?? [];
    this.deadline = Date.now() + (input.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.cat0 = withPatch(input.catalog, base);
    this.p = synthPatch(base, universeOf(this.cat0));
    this.start = start;
  }

  remainingMs(): number {
    return Math.floor(this.deadline - Date.now());
  }

  /** Adds a configuration unless an equivalent one is pooled; returns whether it was new. */
  add(witness: Witness): boolean {
    const k = admissionKey(witness.system);
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    const admit = admittedAt(this.input.ruleSet, this.symbolic, this.cat0, witness.system, this.p);
    this.pool.push({ name: `configuration:${this.pool.length}`, witness, admit });
    return true;
  }

  /** The initial configuration and those one operation away (a pending transition counts). */
  seed(): void {
    this.add({ system: this.start, steps: [], origin: 'initial' });
    const opts = { rules: this.kernel, catalog: this.cat0, transitions: this.transitions };
    for (const q of this.cat0.patches) {
      if (q.name === this.input.patch) continue;
      // Each configuration costs a compilation of the rules over the catalog: on thousands of
      // patches seeding alone would outlast the deadline. A smaller pool loses nothing: every
      // proposal is still proved or refuted by the engine.
      if (Date.now() >= this.deadline) return;
      const out = step(this.start, insmod(q.name), opts);
      if (out.result !== 'ok') continue;
      this.add({ system: out.system, steps: [out.op], origin: 'one-step' });
      if (out.system.transition !== null) {
        const done = step(out.system, { kind: 'complete' }, opts);
        if (done.result === 'ok') {
          this.add({ system: done.system, steps: [out.op, done.op], origin: 'one-step' });
        }
      }
    }
  }

  /** `insmod P` with `decl` on `w`: the failing outcome, or null when it is not EINVAL. */
  rejection(w: Witness, decl: Patch): Rejection | null {
    const out = step(w.system, insmod(decl.name), {
      rules: this.kernel,
      catalog: withPatch(this.cat0, decl),
      transitions: this.transitions,
    });
    if (out.result !== 'EINVAL') return null;
    const v = out.verdict;
    return {
      witness: w,
      declaration: decl,
      outcome: out,
      violations: v !== null && !v.ok ? v.violations : [],
    };
  }

  /** The first pooled configuration `decl` is rejected on. */
  firstRejection(decl: Patch): Rejection | null {
    for (const e of this.pool) {
      const r = this.rejection(e.witness, decl);
      if (r !== null) return r;
    }
    return null;
  }

  hard(replace: boolean, entries: readonly PoolEntry[] = this.pool): NamedAssertion[] {
    return [
      ...structure(this.p, replace),
      ...entries.map((e) => ({ name: e.name, term: e.admit })),
    ];
  }

  /**
   * The smallest declaration admitted on the pooled configurations (`entries`, default all):
   * the objectives minimized in order by incremental checks (src/smt/z3/lex.ts, the optimum
   * Optimize finds, with a few checks per objective: measured at 50 generated patches, 24 s in
   * one Optimize call against a fraction of a second). When no declaration exists, Optimize
   * itself is asked, for the unsat core the explanation starts from.
   */
  async smallest(replace: boolean, entries?: readonly PoolEntry[]) {
    this.optimizeCalls++;
    const hard = this.hard(replace, entries);
    const opts = { timeoutMs: Math.max(1, this.remainingMs()) };
    const r = await lexMinimize({ hard, objectives: objectives(this.p).map((o) => o.term) }, opts);
    if (r.kind !== 'unsat') return r;
    return optimize({ hard, objectives: objectives(this.p) }, opts);
  }

  /** The CEGIS loop for one value of `replace`. */
  async search(replace: boolean): Promise<ChoiceResult> {
    const what = replace ? 'cumulative' : 'non-cumulative';
    let candidates = 0;
    let bound: { declaration: Patch; loadable: 'no' | 'undecided' } | null = null;
    const unknown = (reason: string): ChoiceResult => ({
      kind: 'unknown',
      replace,
      reason,
      bound,
      candidates,
    });
    for (;;) {
      if (this.remainingMs() <= 0) return unknown('the time limit ran out');
      this.input.progress?.(
        `synth: smallest ${what} declaration admitted on ${plural(this.pool.length, 'configuration')}`,
      );
      const opt = await this.smallest(replace);
      if (opt.kind === 'unknown') return unknown(`the solver gave up (${opt.reason})`);
      if (opt.kind === 'unsat') {
        const { blockers, minimal } = await this.explainNone(replace, opt.core);
        return { kind: 'none', replace, blockers, minimal, candidates };
      }
      const decl = decodeDeclaration(this.p, opt.model);
      candidates++;
      bound = { declaration: decl, loadable: 'undecided' };
      const rejected = this.firstRejection(decl);
      if (rejected !== null) {
        throw new Error(
          `internal: the solver admits ${describeDeclaration(decl)} on every pooled configuration, the simulator rejects it on [${rejected.witness.system.klpPatches.join(', ')}]`,
        );
      }
      if (this.remainingMs() <= 0) return unknown('the time limit ran out');
      this.input.progress?.(`synth: proving ${what} candidate ${describeDeclaration(decl)}`);
      this.proofs++;
      const proof = await proveLoadable({
        catalog: withPatch(this.cat0, decl),
        ruleSet: this.input.ruleSet,
        patch: decl.name,
        transitions: this.transitions,
        initial: this.initial,
        timeoutMs: Math.max(1, this.remainingMs()),
        ...(this.input.catalogName === undefined ? {} : { catalogName: this.input.catalogName }),
      });
      switch (proof.verdict) {
        case 'proved':
          return {
            kind: 'found',
            replace,
            declaration: decl,
            needs: this.needs(decl),
            proof,
            candidates,
          };
        case 'unknown':
          return unknown(
            `proving candidate ${candidates} ran out of time: unknown: no counterexample of at most ${proof.stats.depth} operation${proof.stats.depth === 1 ? '' : 's'} before \`insmod ${proof.subject}\``,
          );
        case 'refuted':
          this.learn(proof, opt.model, decl);
          bound = { declaration: decl, loadable: 'no' };
          break;
        case 'error':
          throw new Error(`internal: prove loadable cannot be posed: ${proof.statement}`);
        default:
          throw new Error('unreachable: every verdict is handled');
      }
    }
  }

  /**
   * Pools the configuration before the failing `insmod P` of a refutation, and with it a batch
   * of configurations one operation further that also reject the candidate (see
   * {@link Synthesis.batch}).
   */
  private learn(proof: ProveResult, model: Assignment, decl: Patch): void {
    const cex = proof.counterexample;
    if (cex === null) throw new Error('internal: a refutation without a counterexample');
    const steps = cex.steps.slice(0, -1);
    const opts = { rules: this.kernel, catalog: this.cat0, transitions: this.transitions };
    const replay = run(this.start, steps, opts);
    const failed = replay.outcomes.find((o) => o.result !== 'ok');
    if (failed !== undefined) {
      throw new Error(`internal: the counterexample does not replay: ${failed.op.kind} failed`);
    }
    const witness: Witness = { system: replay.final, steps, origin: 'counterexample' };
    if (!this.add(witness)) {
      throw new Error(
        `internal: the candidate was admitted on [${replay.final.klpPatches.join(', ')}] and refuted there`,
      );
    }
    const entry = this.pool.at(-1);
    if (entry === undefined || interpretBool(entry.admit, model)) {
      throw new Error(
        `internal: the rules as compiled admit the candidate on [${replay.final.klpPatches.join(', ')}], the simulator rejects it`,
      );
    }
    this.batch(witness, decl, model);
  }

  /**
   * Many configurations per CEGIS round: from the counterexample's configuration `w`, each
   * `insmod Q` the kernel admits (and the completion of its transition) leads to a
   * configuration of R (reached by replay from the initial one, like every pooled
   * configuration); those that reject the candidate too are pooled now instead of costing a
   * proof each in later rounds (at most {@link BATCH} per round). Pooling more configurations of
   * R changes no answer: the optimum over the pool is still checked by a proof, and a smaller
   * declaration is still rejected on some pooled configuration.
   */
  private batch(w: Witness, decl: Patch, model: Assignment): void {
    const opts = { rules: this.kernel, catalog: this.cat0, transitions: this.transitions };
    let added = 0;
    const consider = (system: System, steps: readonly Op[]): void => {
      if (
        added >= BATCH ||
        this.rejection({ system, steps, origin: 'counterexample' }, decl) === null
      )
        return;
      if (!this.add({ system, steps, origin: 'counterexample' })) return;
      added++;
      const entry = this.pool.at(-1);
      if (entry === undefined || interpretBool(entry.admit, model)) {
        throw new Error(
          `internal: the rules as compiled admit the candidate on [${system.klpPatches.join(', ')}], the simulator rejects it`,
        );
      }
    };
    for (const q of this.cat0.patches) {
      if (added >= BATCH) return;
      if (q.name === this.input.patch) continue;
      const out = step(w.system, insmod(q.name), opts);
      if (out.result !== 'ok') continue;
      const steps = [...w.steps, out.op];
      consider(out.system, steps);
      if (out.system.transition !== null) {
        const done = step(out.system, { kind: 'complete' }, opts);
        if (done.result === 'ok') consider(done.system, [...steps, done.op]);
      }
    }
  }

  /** Why each state, and each version, of the declaration found is needed. */
  private needs(decl: Patch): Need[] {
    return decl.states.map((s) => {
      const without = { ...decl, states: decl.states.filter((x) => x.id !== s.id) };
      const lower =
        s.version === 0
          ? null
          : {
              ...decl,
              states: decl.states.map((x) =>
                x.id === s.id ? { ...x, version: s.version - 1 } : x,
              ),
            };
      const rw = this.firstRejection(without);
      const rl = lower === null ? null : this.firstRejection(lower);
      // INVARIANT: both are smaller than the optimum over the pool, so some pooled
      // configuration rejects each.
      if (rw === null || (lower !== null && rl === null)) {
        throw new Error(
          `internal: the solver's optimum ${describeDeclaration(decl)} is not the smallest on the pooled configurations`,
        );
      }
      return { id: s.id, version: s.version, without: rw, lower: rl };
    });
  }

  /** The configurations of an unsat core, shrunk, each with a declaration it alone rejects. */
  private async explainNone(
    replace: boolean,
    core: readonly string[],
  ): Promise<{ blockers: Blocker[]; minimal: boolean }> {
    const structural = structure(this.p, replace).map((a) => a.name);
    let names = core.filter((n) => !structural.includes(n));
    let minimal = false;
    if (this.remainingMs() > 0) {
      const m = await minimizeCore(this.hard(replace), [...structural, ...names], {
        timeoutMs: Math.max(1, this.remainingMs()),
        fixed: structural,
      });
      names = m.core.filter((n) => !structural.includes(n));
      minimal = m.kind === 'minimal';
    }
    const entries = this.pool.filter((e) => names.includes(e.name));
    const blockers: Blocker[] = [];
    for (const e of entries) {
      let rejection: Rejection | null = null;
      if (this.remainingMs() > 0) {
        const others = entries.filter((x) => x !== e);
        const opt = await this.smallest(replace, others);
        if (opt.kind === 'optimal') {
          const decl = decodeDeclaration(this.p, opt.model);
          rejection = this.rejection(e.witness, decl);
          if (rejection === null) {
            throw new Error(
              `internal: ${describeDeclaration(decl)} is admitted on a configuration of an unsat core`,
            );
          }
        }
      }
      blockers.push({ witness: e.witness, rejection });
    }
    return { blockers, minimal };
  }
}

interface Where {
  readonly patches: string;
  readonly from: string;
}

function describeWhere(input: SynthInput, others: number): Where {
  const initial = input.initial ?? [];
  return {
    patches: `the ${plural(others, 'other patch', 'other patches')} of ${input.catalogName ?? 'the catalog'}`,
    from:
      initial.length === 0
        ? 'the empty system'
        : `the installed stack ${initial.map((p) => `\`${p}\``).join(', ')}`,
  };
}

/**
 * The smallest declaration of P with which `insmod P` is admitted after every operation
 * sequence on the other catalog patches, for a cumulative and a non-cumulative P (or the one
 * `replace` fixes).
 *
 * @example
 * const r = await synthesize({ catalog: testModules, ruleSet: upstream, patch: 'P', replace: true });
 * r.verdict // 'found'
 * r.smallest?.states // [{ id: 1n, version: 2, blockDisable: false }]
 */
export async function synthesize(input: SynthInput): Promise<SynthResult> {
  const started = performance.now();
  const transitions = input.transitions ?? 'auto';
  const initial = input.initial ?? [];
  const base0 = input.catalog.byName.get(input.patch) ?? patch(input.patch);
  const base: Patch = { ...base0, replace: false, states: [] };
  const kernel = kernelRules(input.ruleSet);
  const others = input.catalog.patches.filter((q) => q.name !== input.patch).length;
  const head = {
    patch: input.patch,
    rules: input.ruleSet.name,
    transitions,
    initial,
    replaceFixed: input.replace ?? null,
    scope: describeWhere(input, others),
  };
  const fail = (error: string): SynthResult => ({
    ...head,
    verdict: 'error',
    cumulative: null,
    smallest: null,
    choices: [],
    universe: universeOf(withPatch(input.catalog, base)),
    error,
    stats: { ms: 0, candidates: 0, configurations: 0, optimizeCalls: 0, proofs: 0 },
  });
  if (readsCatalog(input.ruleSet)) {
    return fail(
      `rule set \`${input.ruleSet.name}\` ranges over \`catalog\` in a kernel rule: what the other patches can do may depend on the declaration of \`${input.patch}\``,
    );
  }
  if (initial.includes(input.patch)) {
    return fail(
      `patch \`${input.patch}\` is in the initial stack, so \`insmod ${input.patch}\` fails with EEXIST before any rule is asked`,
    );
  }
  const cat0 = withPatch(input.catalog, base);
  const stack = installStack(cat0, kernel, initial, transitions);
  if (stack.kind !== 'ok') return fail(stack.message);

  const s = new Synthesis(input, base, stack.system, kernel);
  s.seed();
  const asked = input.replace === undefined ? [true, false] : [input.replace];
  const choices: ChoiceResult[] = [];
  for (const replace of [true, false]) {
    choices.push(
      asked.includes(replace) ? await s.search(replace) : { kind: 'not-asked', replace },
    );
  }
  const decided = choices.filter((c) => c.kind !== 'not-asked');
  const found = decided.flatMap((c) => (c.kind === 'found' ? [c] : []));
  const verdict: SynthVerdict = decided.some((c) => c.kind === 'unknown')
    ? 'unknown'
    : found.length > 0
      ? 'found'
      : 'none';
  const byReplace = (r: boolean) => choices.find((c) => c.replace === r)?.kind;
  const cumulative =
    input.replace !== undefined || verdict !== 'found'
      ? null
      : byReplace(false) !== 'found'
        ? 'must'
        : byReplace(true) !== 'found'
          ? 'must-not'
          : 'either';
  let smallest: Patch | null = null;
  if (verdict === 'found') {
    // On a tie the cumulative one: kpatch-build and klp-build make cumulative patches by default.
    for (const c of found) {
      if (smallest === null || compareDeclarations(c.declaration, smallest) < 0)
        smallest = c.declaration;
    }
  }
  const candidates = decided.reduce((n, c) => n + c.candidates, 0);
  return {
    ...head,
    verdict,
    cumulative,
    smallest,
    choices,
    universe: s.p.universe,
    error: null,
    stats: {
      ms: performance.now() - started,
      candidates,
      configurations: s.pool.length,
      optimizeCalls: s.optimizeCalls,
      proofs: s.proofs,
    },
  };
}
