/**
 * `prove loadable` and `prove invariant` as functions: pose the problem, decide it with the
 * engine (src/prove/engine.ts), and turn the decision into a result a user can act on: a
 * counterexample over a subset-minimal set of patches, replayed on the simulator, with the
 * explanation and ways out; or a proof with its certificate; or what was established before
 * the time ran out.
 *
 * Guarantees: a counterexample is shown only after the simulator replayed it and failed
 * exactly as claimed (a disagreement throws: it is a bug, never an answer); `proved` comes
 * with three SMT-LIB queries that an independent solver can re-check.
 */

import { ownersOf } from '../analysis/function-owners.ts';
import { proveStep } from '../analysis/step-proof.ts';
import type { RuleViolation } from '../eval/audit.ts';
import { evalInvariant } from '../eval/audit.ts';
import { formatFunction } from '../eval/value.ts';
import { run, type StepOutcome, type Violation } from '../kernel/index.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import { assertNever, type Errno, formatOp, type Op } from '../model/op.ts';
import { funcKey } from '../model/patch.ts';
import type { TransitionMode } from '../model/system.ts';
import { printTerm, type Term } from '../smt/term.ts';
import { decide, type EngineStats, type Proof, type ProofMethod } from './engine.ts';
import { type Drop, minimalSet } from './minimize.ts';
import { type OwnershipClaim, ownershipViolated } from './ownership.ts';
import { type Claim, type Posed, type ProblemError, pose } from './problem.ts';

/** Default time limit of a proof, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface ProveInput {
  readonly catalog: Catalog;
  /** The kernel rule set that decides every operation. */
  readonly ruleSet: CheckedRuleSet;
  /** Default `auto`. */
  readonly transitions?: TransitionMode;
  /** The installed stack to start from, bottom to top; default nothing installed. */
  readonly initial?: readonly string[];
  /** Default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** How the catalog is named in sentences, e.g. its file name. */
  readonly catalogName?: string;
  readonly progress?: (line: string) => void;
  /**
   * Leave out the patches that are never loaded (src/prove/holders.ts); default true. Off,
   * proofs stand without that invariant (tests of the other proof methods).
   */
  readonly leaveOutNeverLoaded?: boolean;
}

export interface LoadableInput extends ProveInput {
  readonly patch: string;
}

export interface InvariantInput extends ProveInput {
  readonly invariant: string;
  /** The rule set that declares the invariant; default `ruleSet`. */
  readonly invariants?: CheckedRuleSet;
}

export interface OwnershipInput extends ProveInput {
  readonly ownership: OwnershipClaim;
}

export type Verdict = 'proved' | 'refuted' | 'unknown' | 'error';

export interface Counterexample {
  /** From the initial configuration; for `loadable` the last one is `insmod P`. */
  readonly steps: readonly Op[];
  /** The catalog patches it operates on besides the initial stack's: subset-minimal. */
  readonly patches: readonly string[];
  /** The simulator's replay of `steps`, with the kernel log of each. */
  readonly outcomes: readonly StepOutcome[];
  /** Fewest steps of any counterexample over the whole catalog (`steps` may use more patches). */
  readonly shortest: number;
  /** How each patch dropped while minimizing fared. */
  readonly drops: readonly Drop[];
  /** Patches kept only because deciding whether they are needed ran out of time. */
  readonly undecided: readonly string[];
}

export type Explanation =
  | {
      readonly kind: 'rejection';
      readonly errno: Errno;
      /** Every violation of the final `insmod P`. */
      readonly violations: readonly Violation[];
      /**
       * The ways out of the final rejection, as `check` computes them (minimal correction sets,
       * in words); empty when the solver gave none in time.
       */
      readonly waysOut: readonly string[];
    }
  | { readonly kind: 'invariant'; readonly violations: readonly RuleViolation[] }
  | {
      readonly kind: 'ownership';
      /** Whose code the function runs at the end: switched tasks (every task when settled). */
      readonly owner: string | null;
      /** Tasks that have not switched to the pending transition's target. */
      readonly unswitched: string | null;
      /** `newest`: the installed releases after the owner (catalog order) that patch the function. */
      readonly newer: readonly string[];
    };

export interface Certificate {
  readonly method: ProofMethod;
  /** Over the state variables `s.*` (see `variables`). */
  readonly invariant: Term;
  /** What each state variable means. */
  readonly variables: readonly { readonly name: string; readonly meaning: string }[];
  /** The selector variable of the step and the operation each of its values stands for. */
  readonly selector: {
    readonly name: string;
    readonly operations: readonly { readonly value: number; readonly op: string }[];
  };
  /** SMT-LIB scripts, each expected `unsat`: initiation, consecution, safety. */
  readonly files: readonly { readonly name: string; readonly text: string }[];
  /**
   * Patches whose operations the transition relation leaves out: no term the claim reads,
   * and no rule of a patch it reads, depends on them (cone of influence).
   */
  readonly ignored: readonly string[];
}

export interface ProveStats {
  readonly ms: number;
  /** No counterexample has at most this many operations before the last step. */
  readonly depth: number;
  readonly solverChecks: number;
  /** Patches in the transition system of the main decision. */
  readonly universe: number;
  /** Patches left out of it: they cannot influence the claim (cone of influence). */
  readonly ignored: readonly string[];
  readonly stateVariables: number;
  readonly minimizeMs: number;
}

export interface ProveResult {
  readonly query: Claim['kind'];
  /** The patch (`loadable`), invariant name, or function (`ownership`, as `object:name`). */
  readonly subject: string;
  /** The ownership claim, for `ownership`; else null. */
  readonly ownership: OwnershipClaim | null;
  readonly rules: string;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly verdict: Verdict;
  /** What exactly was established, in a sentence. */
  readonly statement: string;
  /** Which sequences the claim is about. */
  readonly scope: {
    /** e.g. `the 4 other patches of stream.catalog.yaml` */
    readonly patches: string;
    /** `the empty system` or `the installed stack \`a\`` */
    readonly from: string;
    /** e.g. `transitions auto: steady configurations` */
    readonly transitions: string;
  };
  readonly error: ProblemError | null;
  readonly counterexample: Counterexample | null;
  readonly explanation: Explanation | null;
  readonly certificate: Certificate | null;
  readonly stats: ProveStats;
}

/**
 * Proves or refutes that `insmod patch` is never rejected (EINVAL) from any configuration
 * reachable by operations on the catalog's other patches.
 *
 * @example
 * const r = await proveLoadable({ catalog: cat, ruleSet: upstream, patch: 'klp_6_8_0_45_r4' });
 * r.verdict // 'refuted'
 * r.counterexample?.steps.map(formatOp) // ['insmod klp_6_8_0_45_r2', 'insmod klp_6_8_0_45_r4']
 */
export function proveLoadable(input: LoadableInput): Promise<ProveResult> {
  return prove(input, { kind: 'loadable', patch: input.patch });
}

/**
 * Proves or refutes that an invariant of a rule file holds in every configuration reachable
 * by operations on the catalog's patches.
 *
 * @example
 * const r = await proveInvariant({ catalog: cat, ruleSet: upstream, invariants: stackInvariants, invariant: 'no-lower-version-above' });
 * r.verdict // 'proved'
 */
export function proveInvariant(input: InvariantInput): Promise<ProveResult> {
  return prove(input, {
    kind: 'invariant',
    name: input.invariant,
    ruleSet: input.invariants ?? input.ruleSet,
  });
}

/**
 * Proves or refutes a function ownership claim over every configuration reachable by
 * operations on the catalog's patches (src/prove/ownership.ts).
 *
 * @example
 * const r = await proveOwnership({ catalog: cat, ruleSet: upstream, ownership: { kind: 'newest', func } });
 * r.verdict // 'refuted' when an older non-cumulative release can be loaded over a newer one
 */
export function proveOwnership(input: OwnershipInput): Promise<ProveResult> {
  return prove(input, { kind: 'ownership', claim: input.ownership });
}

/** What a claim is about, in one word or name. */
function subjectOf(claim: Claim): string {
  switch (claim.kind) {
    case 'loadable':
      return claim.patch;
    case 'invariant':
      return claim.name;
    case 'ownership':
      return formatFunction(claim.claim.func);
    default:
      return assertNever(claim, 'claim');
  }
}

/** The ownership claim in words, e.g. "no task runs the original code of F while `P` is installed". */
export function ownershipWords(c: OwnershipClaim): string {
  const f = formatFunction(c.func);
  switch (c.kind) {
    case 'original':
      return `no task runs the original code of ${f} while \`${c.patch}\` is installed`;
    case 'newest':
      return `with no transition pending, ${f} runs the code of the newest installed release that patches it`;
    default:
      return assertNever(c, 'ownership claim');
  }
}

async function prove(input: ProveInput, claim: Claim): Promise<ProveResult> {
  const started = performance.now();
  const transitions = input.transitions ?? 'auto';
  const initial = input.initial ?? [];
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const subject = subjectOf(claim);
  const base = {
    query: claim.kind,
    subject,
    ownership: claim.kind === 'ownership' ? claim.claim : null,
    rules: input.ruleSet.name,
    transitions,
    initial,
    scope: {
      patches: 'the catalog',
      from: 'the empty system',
      transitions: modeWords(transitions),
    },
  };
  const posedOr = pose({
    catalog: input.catalog,
    ruleSet: input.ruleSet,
    transitions,
    initial,
    claim,
  });
  if (posedOr.kind === 'error') {
    return {
      ...base,
      verdict: 'error',
      statement: posedOr.error.message,
      error: posedOr.error,
      counterexample: null,
      explanation: null,
      certificate: null,
      stats: {
        ms: 0,
        depth: 0,
        solverChecks: 0,
        universe: 0,
        ignored: [],
        stateVariables: 0,
        minimizeMs: 0,
      },
    };
  }
  const posed = posedOr.value;
  const engine = {
    deadline,
    ...(input.progress ? { progress: input.progress } : {}),
    ...(input.leaveOutNeverLoaded === false ? { leaveOutNeverLoaded: false } : {}),
  };
  const d = await decide(posed, new Set(posed.candidates), engine);
  const where = describeWhere(posed, input.catalogName);
  const scope = { patches: where.patches, from: where.from, transitions: modeWords(transitions) };
  const stats = (s: EngineStats, minimizeMs = 0): ProveStats => ({
    ms: performance.now() - started,
    depth: s.depth,
    solverChecks: s.solverChecks,
    universe: s.universe,
    ignored: s.ignored,
    stateVariables: s.stateVariables,
    minimizeMs,
  });
  const none = { error: null, counterexample: null, explanation: null, certificate: null };
  switch (d.kind) {
    case 'proved':
      return {
        ...base,
        ...none,
        scope,
        verdict: 'proved',
        statement: provedStatement(posed, where),
        certificate: certificate(d.proof, posed, provedStatement(posed, where), d.stats.ignored),
        stats: stats(d.stats),
      };
    case 'unknown': {
      const ops = d.stats.depth;
      const tail = claim.kind === 'loadable' ? ` before \`insmod ${subject}\`` : '';
      const established = `no counterexample of at most ${ops} operation${ops === 1 ? '' : 's'}${tail}`;
      return {
        ...base,
        ...none,
        scope,
        verdict: 'unknown',
        statement: `${established} on ${where.patches} from ${where.from}; ${
          d.reason === 'timeout'
            ? `the time limit of ${timeoutMs / 1000} s ran out`
            : 'the unrolled sequences grew too large to search further'
        }`,
        stats: stats(d.stats),
      };
    }
    case 'refuted': {
      const shortest = d.path.length + (claim.kind === 'loadable' ? 1 : 0);
      const m0 = performance.now();
      input.progress?.('minimizing the patches of the counterexample');
      const min = await minimalSet(posed, d.path, engine);
      const minimizeMs = performance.now() - m0;
      const steps = claim.kind === 'loadable' ? [...min.path, insmod(claim.patch)] : min.path;
      const replayed = replay(posed, steps);
      const { outcomes } = replayed;
      const explanation = await withWaysOut(posed, replayed, deadline);
      const n = steps.length;
      const count = min.patches.length;
      return {
        ...base,
        ...none,
        scope,
        verdict: 'refuted',
        statement: refutedStatement(posed, n, count, where),
        counterexample: {
          steps,
          patches: min.patches,
          outcomes,
          shortest,
          drops: min.drops,
          undecided: min.undecided,
        },
        explanation,
        stats: stats(d.stats, minimizeMs),
      };
    }
    default:
      throw new Error('unreachable: every decision is handled');
  }
}

function insmod(patch: string): Op {
  return { kind: 'insmod', patch };
}

/** How a claim was proved, in words (certificates, and the report's verdict line). */
export function methodWords(m: ProofMethod): string {
  switch (m) {
    case 'static':
      return 'no configuration can violate it';
    case 'induction':
      return 'the claim is inductive';
    case 'strengthened':
      return 'the claim, strengthened with the patches that stay installed and those never loaded, is inductive';
    case 'spacer':
      return 'inductive invariant found by Spacer';
    default:
      throw new Error(`unknown proof method ${String(m)}`);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('ch') ? 'es' : 's'}`;
}

interface Where {
  /** `the 4 other patches of stream.catalog.yaml` */
  readonly patches: string;
  /** `the empty system` or `the installed stack \`a\`` */
  readonly from: string;
  readonly count: number;
}

function describeWhere(posed: Posed, catalogName: string | undefined): Where {
  const { problem } = posed;
  const name = catalogName ?? 'the catalog';
  const others = problem.claim.kind === 'loadable' ? 'other ' : '';
  const from =
    problem.initial.length === 0
      ? 'the empty system'
      : `the installed stack ${problem.initial.map((p) => `\`${p}\``).join(', ')}`;
  const count = posed.candidates.length;
  return {
    patches: `the ${count} ${others}patch${count === 1 ? '' : 'es'} of ${name}`,
    from,
    count,
  };
}

function modeWords(mode: TransitionMode): string {
  return mode === 'auto'
    ? 'transitions auto: steady configurations'
    : 'transitions manual: configurations with a pending transition included';
}

function provedStatement(posed: Posed, where: Where): string {
  const { claim, ruleSet, transitions } = posed.problem;
  const what =
    claim.kind === 'loadable'
      ? `\`insmod ${claim.patch}\` is admitted by rule set ${ruleSet.name}`
      : claim.kind === 'invariant'
        ? `invariant \`${claim.name}\` holds under rule set ${ruleSet.name}`
        : `${ownershipWords(claim.claim)} (rule set ${ruleSet.name})`;
  return `for every sequence of operations on ${where.patches} from ${where.from}, ${what} (${modeWords(transitions)})`;
}

function refutedStatement(posed: Posed, steps: number, patches: number, where: Where): string {
  const { claim, ruleSet, transitions } = posed.problem;
  const what =
    claim.kind === 'loadable'
      ? `end in \`insmod ${claim.patch}\` rejected (EINVAL) by rule set ${ruleSet.name}`
      : claim.kind === 'invariant'
        ? `reach a configuration that violates invariant \`${claim.name}\` under rule set ${ruleSet.name}`
        : `reach a configuration where it is not so that ${ownershipWords(claim.claim)} (rule set ${ruleSet.name})`;
  const using = `using ${patches} of ${where.patches}`;
  return `from ${where.from}, ${plural(steps, 'step')} ${using} ${what} (${modeWords(transitions)})`;
}

/**
 * Replays the counterexample on the simulator from the initial configuration. Throws unless
 * every step succeeds but the last `insmod P`, which fails with EINVAL (or, for an invariant,
 * the final configuration violates it).
 */
function replay(
  posed: Posed,
  steps: readonly Op[],
): { outcomes: StepOutcome[]; explanation: Explanation } {
  const { problem } = posed;
  const { outcomes, final } = run(posed.initial, steps, {
    rules: posed.kernel,
    catalog: problem.catalog,
    transitions: problem.transitions,
  });
  const claim = problem.claim;
  const disagree = (why: string): never => {
    throw new Error(
      `internal: the counterexample [${steps.map(formatOp).join(', ')}] does not replay on the simulator: ${why}`,
    );
  };
  if (claim.kind === 'loadable') {
    const last = outcomes.at(-1);
    outcomes.slice(0, -1).forEach((o) => {
      if (o.result !== 'ok') disagree(`\`${formatOp(o.op)}\` fails with ${o.result}`);
    });
    if (last === undefined || last.result !== 'EINVAL') {
      disagree(
        `the final \`insmod ${claim.patch}\` gives ${last?.result ?? 'nothing'}, not EINVAL`,
      );
    }
    const verdict = last?.verdict;
    const violations =
      verdict !== null && verdict !== undefined && !verdict.ok ? verdict.violations : [];
    return {
      outcomes,
      explanation: {
        kind: 'rejection',
        errno: 'EINVAL',
        violations,
        waysOut: [],
      },
    };
  }
  for (const o of outcomes) {
    if (o.result !== 'ok') disagree(`\`${formatOp(o.op)}\` fails with ${o.result}`);
  }
  if (claim.kind === 'ownership') {
    const opts = { rules: posed.kernel, catalog: problem.catalog };
    if (!ownershipViolated(claim.claim, final, opts)) {
      disagree(`in the final configuration, ${ownershipWords(claim.claim)}`);
    }
    const key = funcKey(claim.claim.func);
    const o = ownersOf(final, opts).find((x) => funcKey(x.func) === key);
    if (o === undefined) return disagree(`no owner for ${key}`);
    const order = problem.catalog.patches.map((p) => p.name);
    const newer =
      claim.claim.kind !== 'newest' || o.owner === null
        ? []
        : final.klpPatches.filter(
            (n) =>
              order.indexOf(n) > order.indexOf(o.owner ?? '') &&
              (problem.catalog.byName.get(n)?.functions ?? []).some((f) => funcKey(f) === key),
          );
    return {
      outcomes,
      explanation: { kind: 'ownership', owner: o.owner, unswitched: o.unswitched, newer },
    };
  }
  const violations = evalInvariant(claim.ruleSet, claim.name, final, problem.catalog);
  if (violations.length === 0) disagree(`the final configuration satisfies \`${claim.name}\``);
  return { outcomes, explanation: { kind: 'invariant', violations } };
}

/**
 * The ways out of the counterexample's final rejection: the step proof of `check` on the
 * configuration before it (it re-checks its verdict against the simulator's).
 */
async function withWaysOut(
  posed: Posed,
  replayed: { outcomes: readonly StepOutcome[]; explanation: Explanation },
  deadline: number,
): Promise<Explanation> {
  const { explanation, outcomes } = replayed;
  const last = outcomes.at(-1);
  if (explanation.kind !== 'rejection' || last === undefined) return explanation;
  const before = outcomes.at(-2)?.system ?? posed.initial;
  const timeoutMs = Math.max(1000, deadline - Date.now());
  const r = await proveStep(posed.problem.ruleSet, before, posed.problem.catalog, last.op, {
    timeoutMs,
  });
  if (r.kind !== 'proved') return explanation;
  return { ...explanation, waysOut: r.waysOut.map((w) => w.words) };
}

/** The proof as files an independent solver can re-check. */
function certificate(
  proof: Proof,
  posed: Posed,
  statement: string,
  ignored: readonly string[],
): Certificate {
  const { ts } = proof;
  const variables = ts.stateVariables('s.').map((v) => {
    const name = v.kind === 'var' ? v.name : printTerm(v);
    return { name, meaning: meaningOf(name) };
  });
  const header = [
    `klp-verify prove: ${statement}`,
    `rule set ${posed.problem.ruleSet.name}; proof: ${methodWords(proof.method)}`,
    'the invariant is an inductive invariant of the transition relation below; each of',
    'initiation, consecution and safety must be unsat',
    ...(proof.queries.some((q) => q.name.startsWith('never-loaded-'))
      ? [
          'the patches the never-loaded queries show never loaded are left out; each of those',
          'queries (over the transition relation with them) must be unsat too',
        ]
      : []),
    ...(ignored.length === 0
      ? []
      : [
          `operations on ${ignored.length} patches that cannot influence the claim are left out (cone of influence):`,
          `  ${ignored.join(' ')}`,
        ]),
  ];
  const files = proof.queries.map((q) => ({
    name: `${q.name}.smt2`,
    text: `${header.map((l) => `; ${l}`).join('\n')}\n${q.smtlib}`,
  }));
  const sel = ts.selector(null);
  const selector = {
    name: sel.kind === 'var' ? sel.name : printTerm(sel),
    // Values past the last one leave the configuration unchanged (like a failed operation).
    operations: ts.ops.map((op, value) => ({ value, op: formatOp(op) })),
  };
  return { method: proof.method, invariant: proof.invariant, variables, selector, files, ignored };
}

function meaningOf(name: string): string {
  const [, component, ...rest] = name.split('.');
  const who = rest.join(' below ');
  switch (component) {
    case 'ld':
      return `module \`${who}\` is loaded`;
    case 'on':
      return `\`${who}\` is on klp_patches`;
    case 'tp':
      return `\`${who}\` is the transition patch, being patched`;
    case 'tu':
      return `\`${who}\` is the transition patch, being unpatched`;
    case 'rev':
      return 'the pending patching transition was reversed from unpatching';
    case 'bl':
      return `on klp_patches, ${rest.map((r) => `\`${r}\``).join(' is below ')}`;
    default:
      return '';
  }
}
