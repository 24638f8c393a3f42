/**
 * `klp-verify upgrade`: the shortest operation sequence that takes the system from one installed
 * stack to another, or a proof that none exists, with a reason in the user's terms.
 *
 * The target is reached when klp_patches is exactly the `--to` stack, bottom to top, and no
 * patch on it is being unpatched. Loaded modules that are not on klp_patches (disabled, not yet
 * removed) do not matter: they change nothing the kernel runs, and `rmmod` can follow at any
 * time. With manual transitions, a pending *patching* transition towards the target counts as
 * reached: the kernel completes it by itself once every task is in the patched state, with no
 * further operation from the user.
 *
 * The question goes to the prover's engine (src/prove/engine.ts) as the claim "the target is
 * never reached": refuted gives a path of fewest operations (bounded model checking), proved
 * gives an inductive invariant with its certificate.
 *
 * Guarantees: a path is returned only after the simulator replayed it from the `--from` stack,
 * every operation `ok`, to a configuration that is the target (a disagreement throws: it is a
 * bug, never an answer); `unreachable` only with the three unsat queries of the invariant; a
 * reason other than the generic one is itself proved by the engine.
 */
import { kernelRules } from '../eval/kernel-rules.ts';
import { installStack, run, type StackError, type StepOutcome, step } from '../kernel/index.ts';
import type { CheckedRuleSet } from '../lang/checker.ts';
import type { Catalog } from '../model/catalog.ts';
import { formatOp, type Op } from '../model/op.ts';
import type { System, TransitionMode } from '../model/system.ts';
import { type Decidable, decide, type Proof, type ProofMethod } from '../prove/engine.ts';
import { symbolicRules } from '../prove/problem.ts';
import { DEFAULT_TIMEOUT_MS } from '../prove/prove.ts';
import { and, bvult, FALSE, not } from '../smt/factory.ts';
import type { SymConfig, SymInstalled } from '../smt/symbolic.ts';
import type { Term } from '../smt/term.ts';
import type { TransitionSystem } from '../smt/transition.ts';

export interface UpgradeInput {
  readonly catalog: Catalog;
  /** The kernel rule set that decides every operation. */
  readonly ruleSet: CheckedRuleSet;
  /** Default `auto`. */
  readonly transitions?: TransitionMode;
  /** The installed stack to start from, bottom to top. */
  readonly from: readonly string[];
  /** The installed stack to reach, bottom to top. */
  readonly to: readonly string[];
  /** Default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly progress?: (line: string) => void;
}

/** Why the question cannot be asked. */
export type UpgradeError =
  | { readonly kind: 'unknown-patch'; readonly patch: string; readonly message: string }
  | { readonly kind: 'duplicate-patch'; readonly patch: string; readonly message: string }
  | { readonly kind: 'stack'; readonly error: StackError; readonly message: string };

export type UpgradeVerdict = 'reachable' | 'unreachable' | 'unknown' | 'error';

/** Why no sequence reaches the target, in the user's terms. */
export type UnreachableReason =
  /** A patch of `--from` that is not in `--to` never leaves klp_patches (proved). */
  | {
      readonly kind: 'stays';
      readonly patch: string;
      /** `disable patch` from the `--from` stack, when the rules reject it there. */
      readonly disable: StepOutcome | null;
      readonly message: string;
    }
  /** A patch of `--to` that is not in `--from` is never enabled (proved). */
  | { readonly kind: 'never-enabled'; readonly patch: string; readonly message: string }
  /** No simpler reason was found; the invariant is the reason. */
  | { readonly kind: 'invariant'; readonly message: string };

export interface UpgradeResult {
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly rules: string;
  readonly transitions: TransitionMode;
  readonly verdict: UpgradeVerdict;
  readonly error: UpgradeError | null;
  /** The shortest path, replayed on the simulator (`reachable`). */
  readonly path: {
    readonly steps: readonly Op[];
    readonly outcomes: readonly StepOutcome[];
  } | null;
  readonly reason: UnreachableReason | null;
  readonly proof: {
    readonly method: ProofMethod;
    readonly invariant: Term;
    /** SMT-LIB scripts, each expected `unsat`: initiation, consecution, safety. */
    readonly files: readonly { readonly name: string; readonly text: string }[];
  } | null;
  /** No sequence of at most this many operations reaches the target (`unknown`, `unreachable`). */
  readonly depth: number;
  readonly ms: number;
}

/** Whether `sys` is the target configuration `to` (see the header). */
export function isTarget(sys: System, to: readonly string[]): boolean {
  return (
    sys.klpPatches.length === to.length &&
    sys.klpPatches.every((p, i) => p === to[i]) &&
    sys.transition?.target !== 'unpatched'
  );
}

/** The template entry of catalog patch `name` in the transition system's configuration. */
function entryOf(ts: TransitionSystem, cfg: SymConfig, name: string): SymInstalled {
  const x = ts.index.get(name);
  const e = x === undefined ? undefined : cfg.patches[x];
  if (e === undefined) throw new Error(`patch \`${name}\` is not in the transition system`);
  return e;
}

/** {@link isTarget} as a template over the transition system's configuration. */
function targetTerm(ts: TransitionSystem, to: readonly string[]): Term {
  // A target patch the engine left out was proved never loaded (src/prove/holders.ts, with
  // its premises in the certificate): no configuration of this system is the target.
  if (to.some((name) => !ts.index.has(name))) return FALSE;
  return ts.template((cfg) => {
    const parts: Term[] = [];
    for (const p of ts.patches)
      if (!to.includes(p.name)) parts.push(not(entryOf(ts, cfg, p.name).on));
    to.forEach((name, i) => {
      parts.push(entryOf(ts, cfg, name).enabled);
      const above = to[i + 1];
      if (above !== undefined) {
        parts.push(bvult(entryOf(ts, cfg, name).pos, entryOf(ts, cfg, above).pos));
      }
    });
    return and(...parts);
  });
}

/**
 * The shortest way from the `from` stack to the `to` stack, or a proof that there is none.
 *
 * @example
 * const r = await upgrade({ catalog: cat, ruleSet: upstream, from: ['r1'], to: ['r2'] });
 * r.verdict // 'reachable'
 * r.path?.steps.map(formatOp) // ['insmod r2']
 */
export async function upgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const started = performance.now();
  const transitions = input.transitions ?? 'auto';
  const { catalog: cat, from, to } = input;
  const deadline = Date.now() + (input.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const base = {
    from,
    to,
    rules: input.ruleSet.name,
    transitions,
    error: null,
    path: null,
    reason: null,
    proof: null,
  };
  const fail = (error: UpgradeError): UpgradeResult => ({
    ...base,
    verdict: 'error',
    error,
    depth: 0,
    ms: performance.now() - started,
  });
  for (const [what, stack] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    for (const [i, name] of stack.entries()) {
      if (!cat.byName.has(name)) {
        return fail({
          kind: 'unknown-patch',
          patch: name,
          message: `${what} patch \`${name}\` is not in the catalog`,
        });
      }
      if (stack.indexOf(name) !== i) {
        return fail({
          kind: 'duplicate-patch',
          patch: name,
          message: `${what} names patch \`${name}\` twice; klp_patches holds each patch once`,
        });
      }
    }
  }
  const kernel = kernelRules(input.ruleSet);
  const stack = installStack(cat, kernel, from, transitions);
  if (stack.kind !== 'ok') return fail({ kind: 'stack', error: stack, message: stack.message });
  const symbolic = symbolicRules(input.ruleSet);
  const problem = { catalog: cat, transitions };
  const claim = (bad: (ts: TransitionSystem) => Term): Decidable => ({
    problem,
    symbolic,
    initial: stack.system,
    bad,
  });
  const everyPatch = new Set(cat.patches.map((p) => p.name));
  const engine = { deadline, ...(input.progress ? { progress: input.progress } : {}) };
  const d = await decide(
    claim((ts) => targetTerm(ts, to)),
    everyPatch,
    engine,
  );
  const ms = () => performance.now() - started;
  switch (d.kind) {
    case 'unknown':
      return {
        ...base,
        verdict: 'unknown',
        depth: d.stats.depth,
        ms: ms(),
      };
    case 'refuted': {
      const sim = { rules: kernel, catalog: cat, transitions } as const;
      const { outcomes, final } = run(stack.system, d.path, sim);
      for (const o of outcomes) {
        if (o.result !== 'ok') {
          throw new Error(
            `internal: the upgrade path does not replay on the simulator: \`${formatOp(o.op)}\` fails with ${o.result}`,
          );
        }
      }
      if (!isTarget(final, to)) {
        throw new Error(
          `internal: the upgrade path [${d.path.map(formatOp).join(', ')}] does not end in the target on the simulator`,
        );
      }
      return {
        ...base,
        verdict: 'reachable',
        path: { steps: d.path, outcomes },
        depth: d.path.length,
        ms: ms(),
      };
    }
    case 'proved': {
      // Each reason gets a slice of the time left: the verdict is already proved, and a reason
      // that cannot be proved quickly must not use up the whole time limit.
      const reason = await explain(input, stack.system, (bad) => {
        const slice = Math.max(2_000, (deadline - Date.now()) / 4);
        return decide(claim(bad), everyPatch, {
          deadline: Math.min(deadline, Date.now() + slice),
        });
      });
      return {
        ...base,
        verdict: 'unreachable',
        reason,
        proof: proofOf(d.proof),
        depth: d.stats.depth,
        ms: ms(),
      };
    }
    default:
      throw new Error('unreachable: every decision is handled');
  }
}

type Decider = (bad: (ts: TransitionSystem) => Term) => ReturnType<typeof decide>;

/**
 * A reason in the user's terms: a patch that must leave klp_patches and provably never does, or
 * one that must be enabled and provably never is; else the invariant itself.
 */
async function explain(
  input: UpgradeInput,
  initial: System,
  decideClaim: Decider,
): Promise<UnreachableReason> {
  const { from, to, catalog: cat } = input;
  const transitions = input.transitions ?? 'auto';
  for (const p of from.filter((n) => !to.includes(n))) {
    const leaves = await decideClaim((ts) => {
      return ts.template((cfg) => not(entryOf(ts, cfg, p).on));
    });
    if (leaves.kind !== 'proved') continue;
    const out = step(
      initial,
      { kind: 'disable', patch: p },
      {
        rules: kernelRules(input.ruleSet),
        catalog: cat,
        transitions,
      },
    );
    const rejected = out.result !== 'ok' && out.verdict !== null && !out.verdict.ok;
    const rules =
      rejected && out.verdict !== null && !out.verdict.ok
        ? [...new Set(out.verdict.violations.map((v) => `\`${v.rule}\``))].join(', ')
        : '';
    const why = rejected
      ? `\`disable ${p}\` is rejected (${out.result}, rule ${rules}) on the --from stack and in every configuration reachable from it, and no catalog patch that would replace it is ever enabled`
      : 'no sequence of operations disables it or replaces it';
    return {
      kind: 'stays',
      patch: p,
      disable: rejected ? out : null,
      message: `\`${p}\` of the --from stack can never leave klp_patches: ${why} (proved by an inductive invariant)`,
    };
  }
  for (const q of to.filter((n) => !from.includes(n))) {
    const enabled = await decideClaim((ts) =>
      // Left out by the engine: proved never loaded, so never enabled.
      ts.index.has(q) ? ts.template((cfg) => entryOf(ts, cfg, q).enabled) : FALSE,
    );
    if (enabled.kind !== 'proved') continue;
    return {
      kind: 'never-enabled',
      patch: q,
      message: `\`${q}\` of the --to stack can never be enabled from the --from stack (proved by an inductive invariant)`,
    };
  }
  return {
    kind: 'invariant',
    message: 'no sequence of operations reaches it (proved by an inductive invariant)',
  };
}

function proofOf(proof: Proof): NonNullable<UpgradeResult['proof']> {
  return {
    method: proof.method,
    invariant: proof.invariant,
    files: proof.queries.map((q) => ({
      name: `${q.name}.smt2`,
      text: `; klp-verify upgrade: ${q.description}\n${q.smtlib}`,
    })),
  };
}
