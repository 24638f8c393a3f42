/**
 * The functions a cumulative patch reverts, for `klp-verify audit catalog`: pairs (replaced
 * patch, cumulative patch) such that, in some configuration reachable from the deployed stacks,
 * `insmod` of the cumulative patch is admitted and its atomic replace gives a function that the
 * replaced patch patched last a `nop` (core.c `klp_add_nops()`), so that after the transition
 * the function runs the original code. The same event `check` warns about
 * (src/analysis/function-owners.ts `revertedByReplace`), asked of every pair at once.
 *
 * How (exact and cheap): every shipped kernel rule set decides `insmod C` as a conjunction over
 * the installed patches (state.c `klp_is_patch_compatible()` walks each installed patch on its
 * own; stacking checks nothing) and decides `C replaces P` from C and P alone. Then C reverts f
 * last patched by L in some reachable configuration S exactly when it does so from the stack of
 * L alone: from S, C is admitted over every installed patch, L among them, and replaces L; from
 * [L], the same verdicts hold and L is the only patcher of f. So one simulator step per pair
 * (L, C), from [L], decides every pair whose stack [L] is reachable: from the empty system when
 * L loads there (no deployed stacks), else when the upgrade matrix reached [L] from a deployed
 * stack (the modules left loaded can be removed: audits never force). Pairs whose [L] is
 * unreachable or undecided are also asked from the deployed stacks themselves; what stays open
 * is returned as undecided, never dropped silently. Only pairs where L lists a function C does
 * not are stepped at all, so a stream whose releases keep their functions costs nothing; the
 * conflict enumeration's load matrix, when it ran, already holds those steps. The stack after
 * the step is read directly (settled: a function reverts when no patch left lists it), and
 * only a pair that reverts something is read again through the func_stacks, as `check` does.
 *
 * Guarantees: every pair comes with the configuration it was seen in and was stepped on the
 * simulator (admitted, f's owner L before and the original code after); severity is the
 * caller's, from the policies: a policy file whose `on enable` rules refuse that very step (such
 * as rules/policy/keep-functions.klp) makes the pair an error.
 */
import { ownerChanges, revertedByReplace } from '../../analysis/function-owners.ts';
import { kernelRules } from '../../eval/kernel-rules.ts';
import { restrictCatalog } from '../../explore/index.ts';
import { step } from '../../kernel/index.ts';
import type { CheckedRuleSet } from '../../lang/checker.ts';
import type { Op } from '../../model/op.ts';
import { funcKey, type KlpFunc } from '../../model/patch.ts';
import { EMPTY_SYSTEM, type System } from '../../model/system.ts';
import type { LoadMatrix } from '../conflicts-replay.ts';
import type { AuditContext, Deployed } from './patches.ts';
import type { UpgradeCell } from './upgrades.ts';

/** What the audit already knows of `insmod C` from a stack. */
type Known =
  | { readonly kind: 'ok'; readonly klpPatches: readonly string[] }
  | { readonly kind: 'no' };

/** A policy file whose `on enable` rules refuse the reverting `insmod`. */
export interface RevertPolicy {
  readonly ruleSet: string;
  /** The rules that refuse it, in the order the rule set reports them. */
  readonly rules: readonly string[];
}

/** A cumulative patch that reverts functions another patch patched last. */
export interface RevertedPair {
  /** The cumulative patch whose `insmod` reverts them. */
  readonly cumulative: string;
  /** The patch that patched each of them last, replaced by `cumulative`. */
  readonly replaced: string;
  /** Catalog order of `replaced`'s functions. */
  readonly functions: readonly KlpFunc[];
  /** `klp_patches` of a reachable configuration in which `insmod cumulative` reverts them. */
  readonly from: readonly string[];
  /** Policy files that refuse that `insmod` (empty: a warning). */
  readonly policies: readonly RevertPolicy[];
}

export interface RevertedResult {
  /** Catalog order of `cumulative`, then of `replaced`. */
  readonly pairs: readonly RevertedPair[];
  /**
   * Pairs that revert from the stack of `replaced` alone, where it is not known whether that
   * stack is reachable from the deployed stacks (the upgrade matrix left it undecided, or it
   * is unreachable and no deployed stack showed the revert).
   */
  readonly undecided: readonly { readonly cumulative: string; readonly replaced: string }[];
  /** False when the deadline passed before every replaced patch's stack was looked at. */
  readonly complete: boolean;
}

export interface RevertedInput {
  /** The deployed stacks as installed; null: none given (the empty system). */
  readonly deployed: readonly Deployed[] | null;
  /**
   * The upgrade matrix: with deployed stacks, which stacks of one patch are reachable; without,
   * its rows are those stacks and its one-operation cells the `insmod`s that replace.
   */
  readonly upgrades: readonly UpgradeCell[];
  /** Rule files given as policies; those with `on enable` rules can forbid a revert. */
  readonly policies: readonly CheckedRuleSet[];
  /** The conflict enumeration's load matrix, when it ran: its steps are not taken again. */
  readonly matrix?: LoadMatrix | null;
  /** `Date.now()` after which no further replaced patch is looked at (the audit's deadline). */
  readonly deadline?: number;
}

/**
 * The reverting pairs over every configuration reachable from the deployed stacks.
 *
 * @example
 * revertedFunctions(ctx, { deployed: null, upgrades: [], policies: [] }).pairs
 * // [{ cumulative: 'klp_6_8_0_50_r2', replaced: 'klp_6_8_0_50_r1', functions: [io_uring_setup], from: ['klp_6_8_0_50_r1'], policies: [] }]
 */
export function revertedFunctions(
  ctx: Pick<AuditContext, 'catalog' | 'kernel'>,
  input: RevertedInput,
): RevertedResult {
  const cat = ctx.catalog;
  const opts = { rules: ctx.kernel, catalog: cat, transitions: 'auto' } as const;
  const funcs = new Map(cat.patches.map((p) => [p.name, new Set(p.functions.map(funcKey))]));
  const guards = input.policies
    .filter((rs) => rs.enable !== null)
    .map((rs) => ({ name: rs.name, rules: kernelRules(rs) }));
  const order = new Map(cat.patches.map((p, i) => [p.name, i]));
  const insmod = (patch: string): Op => ({ kind: 'insmod', patch });

  const none = new Set<string>();
  /**
   * Every pair `insmod c` reverts from `sys`, for every catalog patch c; `known` gives the
   * outcome of `insmod c` from `sys` when the audit already has it (`no`: refused, or c
   * replaces nothing that lists the functions).
   */
  const pairsFrom = (
    sys: System,
    known: (c: string) => Known | undefined = () => undefined,
  ): RevertedPair[] => {
    const listed = [...new Set(sys.klpPatches.flatMap((n) => [...(funcs.get(n) ?? none)]))];
    if (listed.length === 0) return [];
    const out: RevertedPair[] = [];
    for (const c of cat.patches) {
      if (sys.loaded.includes(c.name)) continue; // EEXIST before any rule
      const cell = known(c.name);
      if (cell?.kind === 'no') continue;
      // Only a patch that leaves klp_patches can take a function away; most pairs stop here.
      if (cell !== undefined && sys.klpPatches.every((n) => cell.klpPatches.includes(n))) continue;
      const own = funcs.get(c.name) ?? none;
      // Only a function some installed patch lists and c does not can revert.
      const lacking = listed.filter((f) => !own.has(f));
      if (lacking.length === 0) continue;
      let next = cell === undefined ? step(sys, insmod(c.name), opts) : null;
      const after =
        next !== null
          ? next.result === 'ok'
            ? next.system.klpPatches
            : null
          : (cell?.klpPatches ?? null);
      if (after === null) continue;
      // Settled systems (transitions complete at once): a function runs the original code
      // exactly when no patch left on klp_patches lists it. Cheap; most pairs stop here.
      const gone = lacking.filter((f) => !after.some((n) => funcs.get(n)?.has(f)));
      if (gone.length === 0) continue;
      // The reading `check` warns with: the func_stacks before and after the step, over the
      // patches involved (the functions no other patch is on a stack for cannot change owner).
      next ??= step(sys, insmod(c.name), opts);
      const involved = restrictCatalog(cat, new Set([...sys.loaded, c.name]));
      const reverted = revertedByReplace(
        ownerChanges(sys, next.system, next.log, { ...opts, catalog: involved }),
      );
      // INVARIANT: on settled systems the func_stack reading agrees with the direct one.
      if (reverted.length !== gone.length) {
        throw new Error(`reverted functions of \`insmod ${c.name}\` disagree with func_stack`);
      }
      const policies = guards.flatMap((g): RevertPolicy[] => {
        const v = g.rules.enable(sys, cat, c);
        return v.ok
          ? []
          : [{ ruleSet: g.name, rules: [...new Set(v.violations.map((x) => x.rule))] }];
      });
      const byReplaced = new Map<string, KlpFunc[]>();
      for (const r of reverted) {
        const fs = byReplaced.get(r.lastPatchedBy) ?? [];
        fs.push(r.func);
        byReplaced.set(r.lastPatchedBy, fs);
      }
      for (const [replaced, functions] of byReplaced) {
        out.push({ cumulative: c.name, replaced, functions, from: sys.klpPatches, policies });
      }
    }
    return out;
  };

  // (cumulative, replaced) -> the pair; the first witness is kept, its functions completed by
  // later ones (another configuration can show more of the replaced patch's functions).
  const found = new Map<string, RevertedPair>();
  const key = (c: string, l: string) => `${c}\u0000${l}`;
  const record = (pairs: readonly RevertedPair[]): void => {
    for (const p of pairs) {
      const k = key(p.cumulative, p.replaced);
      const had = found.get(k);
      if (had === undefined) {
        found.set(k, p);
        continue;
      }
      const all = new Set([...had.functions, ...p.functions].map(funcKey));
      if (all.size === had.functions.length) continue;
      const functions = (cat.byName.get(p.replaced)?.functions ?? []).filter((f) =>
        all.has(funcKey(f)),
      );
      found.set(k, { ...had, functions });
    }
  };

  const m = input.matrix ?? null;
  const index = new Map((m?.patches ?? []).map((name, i) => [name, i]));
  const col = (name: string) => index.get(name) ?? -1;
  const matrixRow = (name: string) => m?.cells[col(name)];
  // Upgrade cells from a stack of one patch, by `from|to`.
  const fromAlone = new Map<string, UpgradeCell>();
  for (const cell of input.upgrades) {
    const from = cell.from.length === 1 ? cell.from[0] : undefined;
    const to = cell.to.length === 1 ? cell.to[0] : undefined;
    if (from !== undefined && to !== undefined) fromAlone.set(`${from}|${to}`, cell);
  }

  // Whether the stack of each patch alone is reachable from the deployed stacks.
  const reach = new Map<string, 'reachable' | 'unreachable' | 'unknown'>();
  if (input.deployed !== null) {
    for (const cell of input.upgrades) {
      const to = cell.to.length === 1 ? cell.to[0] : undefined;
      if (to === undefined) continue;
      const was = reach.get(to) ?? 'unreachable';
      reach.set(
        to,
        was === 'reachable' || cell.verdict === 'reachable'
          ? 'reachable'
          : was === 'unknown' || cell.verdict === 'unknown'
            ? 'unknown'
            : 'unreachable',
      );
    }
  }
  const pending: RevertedPair[] = [];
  const deadline = input.deadline ?? Number.POSITIVE_INFINITY;
  let complete = true;
  for (const l of cat.patches) {
    if (l.functions.length === 0) continue;
    // One replaced patch's row costs a step per catalog patch: n² in all, so it stops here.
    if (Date.now() >= deadline) {
      complete = false;
      break;
    }
    const alone = step(EMPTY_SYSTEM, { kind: 'insmod', patch: l.name }, opts);
    // INVARIANT: from the empty system `insmod L` leaves exactly [L] or fails.
    if (alone.result !== 'ok' || alone.system.klpPatches.length !== 1) continue;
    // Without deployed stacks the load matrix's row of L is `insmod L; insmod C` from the
    // empty system, for every C: exactly these steps.
    // Else the upgrade matrix's row of [L] (the audit's rows without deployed stacks): the
    // fewest operations from [L] to [C] are `insmod C` exactly when that `insmod` is admitted
    // and replaces L; otherwise it is refused, or L stays on klp_patches and keeps f.
    const row = input.deployed === null ? matrixRow(l.name) : undefined;
    const pairs = pairsFrom(alone.system, (c) => {
      const cell = row?.[col(c)];
      if (cell !== undefined && cell !== null) {
        return cell.kind === 'ok' ? { kind: 'ok', klpPatches: cell.klpPatches } : { kind: 'no' };
      }
      const up = input.deployed === null ? fromAlone.get(`${l.name}|${c}`) : undefined;
      if (up === undefined || up.verdict === 'unknown') return undefined;
      const only = up.steps?.length === 1 ? up.steps[0] : undefined;
      return up.verdict === 'reachable' && only?.kind === 'insmod' && only.patch === c
        ? { kind: 'ok', klpPatches: [c] }
        : { kind: 'no' };
    });
    // Without deployed stacks, [L] is one `insmod` from the empty system.
    if (input.deployed === null || reach.get(l.name) === 'reachable') record(pairs);
    else pending.push(...pairs);
  }
  for (const d of input.deployed ?? []) {
    if (Date.now() >= deadline) {
      complete = false;
      break;
    }
    record(pairsFrom(d.system));
  }
  const undecided = pending
    .filter((p) => !found.has(key(p.cumulative, p.replaced)))
    .map((p) => ({ cumulative: p.cumulative, replaced: p.replaced }));
  const rank = (n: string) => order.get(n) ?? 0;
  const pairs = [...found.values()].sort(
    (a, b) => rank(a.cumulative) - rank(b.cumulative) || rank(a.replaced) - rank(b.replaced),
  );
  return { pairs, undecided, complete };
}
