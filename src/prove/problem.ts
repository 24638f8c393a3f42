/**
 * What `klp-verify prove` is asked: a catalog, the kernel rule set that decides every
 * operation, the transition mode, the initial installed stack, and the claim, either
 * "`insmod P` is never rejected (EINVAL)" or "invariant NAME holds", in every configuration
 * reachable by operations on the catalog's other patches.
 *
 * Each claim is given twice, and the two must agree (test/prove/oracle.test.ts): as a
 * concrete test on a `System`, through the simulator and the evaluator (the reference), and as
 * a template term over the symbolic configuration, through the rule compiler.
 */
import { evalInvariant } from '../eval/audit.ts';
import { kernelRules } from '../eval/kernel-rules.ts';
import { formatFunction } from '../eval/value.ts';
import { installStack, type KernelRules, type StackError, step } from '../kernel/index.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import { type Catalog, patchNamed } from '../model/catalog.ts';
import { assertNever, type Op } from '../model/op.ts';
import { funcKey } from '../model/patch.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { compileRules, invariantViolated, rejectedWith } from '../smt/compile.ts';
import { symPatch } from '../smt/compile-config.ts';
import type { SymbolicRules } from '../smt/symbolic.ts';
import type { Term } from '../smt/term.ts';
import type { TransitionSystem } from '../smt/transition.ts';
import { type OwnershipClaim, ownershipBad, ownershipViolated } from './ownership.ts';

/** The claim to prove. */
export type Claim =
  /** `insmod patch` is not rejected with EINVAL by the rules in any counted configuration. */
  | { readonly kind: 'loadable'; readonly patch: string }
  /** The invariant `name` of `ruleSet` holds in every reachable configuration. */
  | { readonly kind: 'invariant'; readonly name: string; readonly ruleSet: CheckedRuleSet }
  /** A function ownership claim (src/prove/ownership.ts) holds in every reachable configuration. */
  | { readonly kind: 'ownership'; readonly claim: OwnershipClaim };

/** A question for the prover. */
export interface Problem {
  readonly catalog: Catalog;
  /** The kernel rule set every operation is decided by. */
  readonly ruleSet: CheckedRuleSet;
  readonly transitions: TransitionMode;
  /** The installed stack every sequence starts from, bottom to top. */
  readonly initial: readonly string[];
  readonly claim: Claim;
}

/** Why a problem cannot be posed. */
export type ProblemError =
  | { readonly kind: 'unknown-patch'; readonly patch: string; readonly message: string }
  | { readonly kind: 'unknown-invariant'; readonly name: string; readonly message: string }
  | { readonly kind: 'unknown-function'; readonly func: string; readonly message: string }
  | { readonly kind: 'target-installed'; readonly patch: string; readonly message: string }
  | { readonly kind: 'stack'; readonly error: StackError; readonly message: string };

/** A problem with everything derived from it once: the rules, the initial system, the claim. */
export interface Posed {
  readonly problem: Problem;
  readonly kernel: KernelRules;
  readonly symbolic: SymbolicRules;
  readonly initial: System;
  /** The operations that set the initial stack up. */
  readonly setup: readonly Op[];
  /** Catalog patches whose operations are performed, in catalog order (the claim's patch excluded). */
  readonly candidates: readonly string[];
  /** Whether `sys` is a counterexample configuration (the reference semantics). */
  readonly violated: (sys: System) => boolean;
  /** The claim as a template over the transition system's configuration. */
  readonly bad: (ts: TransitionSystem) => Term;
}

const compiled = new WeakMap<CheckedRuleSet, SymbolicRules>();

/**
 * The rule compiler's answer for a rule set, compiled once per rule set.
 *
 * @example
 * symbolicRules(upstream) === symbolicRules(upstream) // true: compiled once
 */
export function symbolicRules(rs: CheckedRuleSet): SymbolicRules {
  let r = compiled.get(rs);
  if (r === undefined) {
    r = compileRules(rs);
    compiled.set(rs, r);
  }
  return r;
}

/**
 * Checks a problem and derives what the prover needs, or says why it cannot be posed.
 *
 * @example
 * const p = pose({ catalog: cat, ruleSet: upstream, transitions: 'auto', initial: [], claim: { kind: 'loadable', patch: 'p' } });
 * p.kind === 'ok' && p.value.violated(EMPTY_SYSTEM) // false: nothing is installed
 */
export function pose(
  problem: Problem,
):
  | { readonly kind: 'ok'; readonly value: Posed }
  | { readonly kind: 'error'; readonly error: ProblemError } {
  const { catalog: cat, claim } = problem;
  const kernel = kernelRules(problem.ruleSet);
  const fail = (error: ProblemError) => ({ kind: 'error', error }) as const;
  if (claim.kind === 'loadable') {
    if (!cat.byName.has(claim.patch)) {
      return fail({
        kind: 'unknown-patch',
        patch: claim.patch,
        message: `patch \`${claim.patch}\` is not in the catalog`,
      });
    }
    if (problem.initial.includes(claim.patch)) {
      return fail({
        kind: 'target-installed',
        patch: claim.patch,
        message: `patch \`${claim.patch}\` is in the initial stack, so \`insmod ${claim.patch}\` fails with EEXIST before any rule is asked`,
      });
    }
  } else if (claim.kind === 'ownership') {
    const key = funcKey(claim.claim.func);
    if (!cat.patches.some((p) => p.functions.some((f) => funcKey(f) === key))) {
      const func = formatFunction(claim.claim.func);
      return fail({
        kind: 'unknown-function',
        func,
        message: `no patch of the catalog patches \`${func}\``,
      });
    }
    const c = claim.claim;
    if (c.kind === 'original' && !cat.byName.has(c.patch)) {
      return fail({
        kind: 'unknown-patch',
        patch: c.patch,
        message: `patch \`${c.patch}\` is not in the catalog`,
      });
    }
  } else if (!claim.ruleSet.invariants.some((r) => r.name === claim.name)) {
    return fail({
      kind: 'unknown-invariant',
      name: claim.name,
      message: `rule set \`${claim.ruleSet.name}\` has no invariant \`${claim.name}\``,
    });
  }
  const stack = installStack(cat, kernel, problem.initial, problem.transitions);
  if (stack.kind !== 'ok') return fail({ kind: 'stack', error: stack, message: stack.message });
  const exclude = claim.kind === 'loadable' ? claim.patch : null;
  const symbolic = symbolicRules(problem.ruleSet);
  const simOpts = { rules: kernel, catalog: cat, transitions: problem.transitions } as const;
  const value: Posed = {
    problem,
    kernel,
    symbolic,
    initial: stack.system,
    setup: stack.ops,
    candidates: cat.patches.map((p) => p.name).filter((n) => n !== exclude),
    violated: (sys) => {
      switch (claim.kind) {
        case 'loadable':
          return step(sys, { kind: 'insmod', patch: claim.patch }, simOpts).result === 'EINVAL';
        case 'invariant':
          return evalInvariant(claim.ruleSet, claim.name, sys, cat).length > 0;
        case 'ownership':
          return ownershipViolated(claim.claim, sys, simOpts);
        default:
          return assertNever(claim, 'claim');
      }
    },
    bad: (ts) => {
      switch (claim.kind) {
        case 'loadable':
          return ts.template((cfg) =>
            rejectedWithEinval(problem.ruleSet, symbolic, cfg, claim.patch),
          );
        case 'invariant':
          return ts.template((cfg) => invariantViolated(claim.ruleSet, claim.name, cfg));
        case 'ownership':
          return ownershipBad(ts, claim.claim);
        default:
          return assertNever(claim, 'claim');
      }
    },
  };
  return { kind: 'ok', value };
}

/**
 * `insmod P` fails with EINVAL: some `rule` of `on enable` is violated and the first violated
 * one (in file order) rejects with EINVAL (src/smt/compile.ts `rejectedWith`).
 */
function rejectedWithEinval(
  rs: CheckedRuleSet,
  symbolic: SymbolicRules,
  cfg: Parameters<SymbolicRules['enableViolations']>[0],
  patch: string,
): Term {
  const target = patchNamed(cfg.catalog, patch);
  return rejectedWith(rs.enable, symbolic.enableViolations(cfg, symPatch(target)), 'EINVAL');
}
