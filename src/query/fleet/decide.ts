/**
 * Deciding one host configuration: is it consistent with the catalog and the rules (could the
 * kernel have produced it), in which orders can its patches sit on klp_patches, and what does
 * a rollout (`insmod P`, then `insmod Q`, each waited for) do there, on the simulator.
 *
 * What sysfs does not show is not guessed: without `stack_order` (kernels before 6.14) every
 * order the facts allow is decided, and the answer is `unknown` when the order changes it.
 * Consistency is reachability: a configuration is consistent when some sequence of operations
 * on the empty system produces it (first over the host's own patches, then over the whole
 * catalog), found by the brute-force explorer (src/explore). A search that hits its limit says
 * `undecided`, never `inconsistent`.
 *
 * Guarantees: every `admitted` and `refused` verdict is `run(system, rollout)` on the simulator
 * from a configuration the explorer reached (or, when undecided, built from the facts); every
 * fix path replays on the simulator to a configuration where the whole rollout is admitted.
 */
import { explore, restrictCatalog, shortestPath } from '../../explore/index.ts';
import { type KernelRules, run, type Violation } from '../../kernel/index.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { Errno, Op } from '../../model/op.ts';
import { EMPTY_SYSTEM, type System, type Transition } from '../../model/system.ts';
import type { Configuration } from './configuration.ts';

/** Something the audit noticed about a configuration; `blocking` ones make it inconsistent. */
export type Finding =
  /** A module on sysfs or loaded that the catalog does not have. */
  | { readonly kind: 'not-in-catalog'; readonly patch: string; readonly onStack: boolean }
  /** sysfs `replace` differs from the catalog's `replace`. */
  | {
      readonly kind: 'replace-mismatch';
      readonly patch: string;
      readonly sysfs: boolean;
      readonly catalog: boolean;
    }
  /** A transition is pending. */
  | {
      readonly kind: 'transition-pending';
      readonly patch: string;
      readonly target: Transition['target'];
    }
  /** A forced module: it can never be removed. */
  | { readonly kind: 'forced'; readonly patch: string }
  /** The sysfs flags cannot all be true at once (two transitions, a bad `stack_order`, ...). */
  | { readonly kind: 'impossible-flags'; readonly message: string }
  /** No sequence of operations under the rules produces the configuration. */
  | { readonly kind: 'unreachable'; readonly message: string }
  /** The search for a sequence that produces it hit its limit. */
  | { readonly kind: 'consistency-undecided'; readonly message: string };

export type FindingKind = Finding['kind'];

/** Whether a finding makes the configuration one the kernel could not have produced. */
export function isBlocking(f: Finding): boolean {
  return (
    (f.kind === 'not-in-catalog' && f.onStack) ||
    f.kind === 'replace-mismatch' ||
    f.kind === 'impossible-flags' ||
    f.kind === 'unreachable'
  );
}

/** Where P's module is when `insmod P` fails with EEXIST. */
export type LoadedWhere = 'on-stack' | 'off-stack' | 'forced';

/** The fewest operations after which the whole rollout is admitted. */
export type Fix =
  | { readonly kind: 'found'; readonly ops: readonly Op[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly states: number };

/** The outcome of a rollout on one configuration in one order. */
export type Outcome =
  | { readonly kind: 'admitted'; readonly stack: readonly string[] }
  | {
      readonly kind: 'refused';
      /** The rollout patch whose insmod failed. */
      readonly patch: string;
      readonly errno: Errno;
      /** Every violation the rules report (empty for EEXIST, EBUSY). */
      readonly reasons: readonly Violation[];
      /** For EEXIST: where the module already is. */
      readonly loaded: LoadedWhere | null;
      readonly fix: Fix;
    };

export type ConfigVerdict =
  /**
   * The same outcome in each of the `orders` allowed orders. For `admitted`, `stacks` holds
   * every distinct klp_patches the rollout leaves (one when the order is known).
   */
  | (Outcome & { readonly orders: number; readonly stacks: readonly (readonly string[])[] })
  /** No rollout asked: the configuration is consistent (or undecided: see the findings). */
  | { readonly kind: 'consistent'; readonly orders: number }
  | { readonly kind: 'inconsistent'; readonly orders: 0 }
  | {
      readonly kind: 'unknown';
      readonly why: 'order' | 'too-many-orders';
      /** For `order`: each allowed order with its outcome. */
      readonly answers: readonly { readonly order: readonly string[]; readonly outcome: Outcome }[];
      readonly orders: number;
    };

export interface Decision {
  readonly verdict: ConfigVerdict;
  readonly findings: readonly Finding[];
  /** Whether `stack_order` gave the order. */
  readonly orderKnown: boolean;
  /** The orders of klp_patches the facts and the rules allow (bottom to top). */
  readonly orders: readonly (readonly string[])[];
}

export interface DecideOptions {
  readonly catalog: Catalog;
  readonly rules: KernelRules;
  /** Patches to insmod in turn; empty: consistency only. */
  readonly rollout: readonly string[];
  /** Most configurations one consistency search keeps (default 200,000). */
  readonly maxStates?: number;
  /** Most configurations one fix search keeps (default 20,000). */
  readonly maxFixStates?: number;
  /** Most configurations the search over the whole catalog keeps (default 20,000). */
  readonly maxCatalogStates?: number;
  /**
   * The rules are monotone (another installed patch never makes an insmod admissible, and
   * whether a completing patch replaces another does not depend on the rest of klp_patches),
   * as every shipped kernel rule set is: then an order is refuted at once when a patch sits
   * above one its rules refuse it over, or a completed replace patch above one it replaces.
   * Off: every order goes to the search.
   */
  readonly monotone?: boolean;
}

/** Most patches whose order is enumerated when sysfs does not give it (7! = 5040 orders). */
export const MAX_UNORDERED = 7;

/** The facts of a configuration as a `System` key, forced modules left out or not. */
function factKey(sys: System, withForced: boolean): string {
  const t = sys.transition === null ? '-' : `${sys.transition.patch}>${sys.transition.target}`;
  const f = withForced ? `|${[...sys.forced].sort().join(',')}` : '';
  return `${sys.klpPatches.join(',')}|${t}|${[...sys.loaded].sort().join(',')}${f}`;
}

interface Reached {
  readonly complete: boolean;
  readonly states: number;
  /** First (fewest operations) system reached for each fact key, with and without forced. */
  readonly byFacts: ReadonlyMap<string, System>;
}

/**
 * Decides configurations against one catalog and rule set, remembering every search it made
 * (hosts share patch sets far more often than configurations).
 *
 * @example
 * const d = new FleetDecider({ catalog: cat, rules: upstream, rollout: ['r4'] });
 * d.decide(configurationOf(snapshot, cat)).verdict.kind // 'admitted'
 */
export class FleetDecider {
  readonly opts: DecideOptions;
  readonly #reached = new Map<string, Reached>();

  constructor(opts: DecideOptions) {
    this.opts = opts;
  }

  #explore(names: readonly string[] | null, maxStates = this.opts.maxStates ?? 200_000): Reached {
    const key = names === null ? '*' : names.join(',');
    const cached = this.#reached.get(key);
    if (cached !== undefined) return cached;
    const cat =
      names === null ? this.opts.catalog : restrictCatalog(this.opts.catalog, new Set(names));
    const x = explore(cat, this.opts.rules, {
      initial: EMPTY_SYSTEM,
      transitions: 'manual',
      maxStates,
    });
    const byFacts = new Map<string, System>();
    for (const { system } of x.states) {
      for (const k of [factKey(system, false), factKey(system, true)]) {
        if (!byFacts.has(k)) byFacts.set(k, system);
      }
    }
    const r = { complete: x.status.kind === 'complete', states: x.states.length, byFacts };
    this.#reached.set(key, r);
    return r;
  }

  /**
   * The ways a host usually gets to a configuration, tried before any search: the modules off
   * klp_patches loaded first (then disabled, or left for a replace patch to remove) or last
   * (loaded, then disabled), the stack loaded bottom to top, each transition completed but the
   * pending one. A sequence that reaches the facts proves them reachable; none proves nothing.
   */
  #construct(facts: System, key: string, forcedKnown: boolean): System | null {
    if (facts.forced.length > 0) return null;
    const { catalog, rules } = this.opts;
    const t = facts.transition;
    const off = facts.loaded.filter((m) => !facts.klpPatches.includes(m));
    const stack: Op[] = [];
    for (const [i, p] of facts.klpPatches.entries()) {
      stack.push({ kind: 'insmod', patch: p });
      const last = i === facts.klpPatches.length - 1;
      if (!(last && t?.patch === p && t.target === 'patched')) stack.push({ kind: 'complete' });
    }
    if (t?.target === 'unpatched') stack.push({ kind: 'disable', patch: t.patch });
    const loadOff = (disable: boolean): Op[] =>
      off.flatMap((o): Op[] => [
        { kind: 'insmod', patch: o },
        { kind: 'complete' },
        ...(disable
          ? [{ kind: 'disable', patch: o } satisfies Op, { kind: 'complete' } satisfies Op]
          : []),
      ]);
    const attempts: Op[][] = [
      [...loadOff(true), ...stack],
      [...loadOff(false), ...stack],
      ...(t === null ? [[...stack, ...loadOff(true)]] : []),
    ];
    for (const ops of attempts) {
      const r = run(EMPTY_SYSTEM, ops, { rules, catalog, transitions: 'manual' });
      if (r.outcomes.some((o) => o.result !== 'ok')) continue;
      if (factKey(r.final, forcedKnown) === key) return r.final;
    }
    return null;
  }

  /** A system the kernel can reach with these facts, or why not. */
  #reach(
    facts: System,
    forcedKnown: boolean,
  ): { kind: 'yes'; system: System } | { kind: 'no' } | { kind: 'undecided'; states: number } {
    const names = [...new Set([...facts.loaded])].sort();
    const key = factKey(facts, forcedKnown);
    const built = this.#construct(facts, key, forcedKnown);
    if (built !== null) return { kind: 'yes', system: built };
    const own = this.#explore(names);
    const hit = own.byFacts.get(key);
    if (hit !== undefined) return { kind: 'yes', system: hit };
    // Reachable only through modules the host no longer has loaded (possible when a removed
    // cumulative patch replaced one that cannot be disabled): search the whole catalog, within
    // a smaller limit, once for all configurations.
    const all = this.#explore(null, this.opts.maxCatalogStates ?? 20_000);
    const hit2 = all.byFacts.get(key);
    if (hit2 !== undefined) return { kind: 'yes', system: hit2 };
    if (own.complete && all.complete) return { kind: 'no' };
    return { kind: 'undecided', states: all.states };
  }

  /**
   * Decides one configuration.
   */
  decide(cfg: Configuration): Decision {
    const { catalog: cat, rules } = this.opts;
    const findings: Finding[] = [];
    for (const m of cfg.modules) {
      if (!cat.byName.has(m)) {
        findings.push({
          kind: 'not-in-catalog',
          patch: m,
          onStack: cfg.livepatch.some((p) => p.name === m),
        });
      }
    }
    for (const p of cfg.livepatch) {
      const c = cat.byName.get(p.name);
      if (c !== undefined && p.replace !== null && p.replace !== c.replace) {
        findings.push({
          kind: 'replace-mismatch',
          patch: p.name,
          sysfs: p.replace,
          catalog: c.replace,
        });
      }
    }
    for (const f of cfg.forced ?? []) findings.push({ kind: 'forced', patch: f });
    // The transition, from the flags.
    const moving = cfg.livepatch.filter(
      (p) => p.transition === true || (p.enabled === false && p.transition === null),
    );
    let transition: Transition | null = null;
    const first = moving[0];
    if (moving.length > 1) {
      findings.push({
        kind: 'impossible-flags',
        message: `${moving.map((p) => `\`${p.name}\``).join(' and ')} are all in transition; the kernel runs one transition at a time`,
      });
    } else if (first !== undefined) {
      transition = { patch: first.name, target: first.enabled === false ? 'unpatched' : 'patched' };
      findings.push({ kind: 'transition-pending', patch: first.name, target: transition.target });
    }
    for (const p of cfg.livepatch) {
      if (p.enabled === false && p.transition === false) {
        findings.push({
          kind: 'impossible-flags',
          message: `\`${p.name}\` is disabled and not in transition, yet still in sysfs; a disabled patch leaves klp_patches`,
        });
      }
    }
    const orders = candidateOrders(cfg);
    if (orders.kind === 'bad') findings.push({ kind: 'impossible-flags', message: orders.message });
    const orderKnown = orders.kind === 'ok' && orders.known;
    if (findings.some(isBlocking) || orders.kind === 'bad') {
      return { verdict: { kind: 'inconsistent', orders: 0 }, findings, orderKnown, orders: [] };
    }
    const loaded = cfg.modules.filter((m) => cat.byName.has(m));
    if (orders.kind === 'too-many') {
      return {
        verdict: { kind: 'unknown', why: 'too-many-orders', answers: [], orders: 0 },
        findings,
        orderKnown: false,
        orders: [],
      };
    }
    const reached: { order: readonly string[]; system: System }[] = [];
    const open: { order: readonly string[]; system: System }[] = [];
    let undecided = 0;
    let why: string | null = null;
    for (const order of orders.orders) {
      const facts: System = {
        klpPatches: order,
        transition,
        loaded,
        forced: cfg.forced ?? [],
      };
      if (this.opts.monotone === true) {
        const refuted = refuteOrder(facts, cat, rules);
        if (refuted !== null) {
          why ??= refuted;
          continue;
        }
      }
      const r = this.#reach(facts, cfg.forced !== null);
      if (r.kind === 'yes') reached.push({ order, system: r.system });
      else if (r.kind === 'undecided') {
        undecided = r.states;
        open.push({ order, system: facts });
      } else why ??= unreachableHint(facts, cat, rules);
    }
    // Orders proved reachable when there are any; orders no search could settle otherwise.
    const allowed = reached.length > 0 ? reached : open;
    if (reached.length === 0 && undecided > 0) {
      findings.push({
        kind: 'consistency-undecided',
        message: `no sequence of operations producing it was found among ${undecided} configurations of the catalog; the search stopped at its limit`,
      });
    }
    if (allowed.length === 0) {
      findings.push({
        kind: 'unreachable',
        message:
          why ??
          `no sequence of operations under rules \`${rules.name}\` produces klp_patches ${orderText(orders.orders)} with modules ${cfg.modules.map((m) => `\`${m}\``).join(', ')} loaded`,
      });
      return { verdict: { kind: 'inconsistent', orders: 0 }, findings, orderKnown, orders: [] };
    }
    const allowedOrders = allowed.map((a) => a.order);
    if (this.opts.rollout.length === 0) {
      return {
        verdict: { kind: 'consistent', orders: allowed.length },
        findings,
        orderKnown,
        orders: allowedOrders,
      };
    }
    const answers = allowed.map((a) => ({ order: a.order, outcome: this.#rollout(a.system) }));
    const firstAnswer = answers[0];
    if (firstAnswer === undefined) throw new Error('unreachable: an allowed order exists');
    // The order of klp_patches decides the order of the stack a rollout leaves, which is no
    // change of answer; a different verdict, errno or reason is.
    const same = answers.every(
      (a) => outcomeKey(a.outcome, false) === outcomeKey(firstAnswer.outcome, false),
    );
    const stacks = new Map<string, readonly string[]>();
    for (const a of answers) {
      if (a.outcome.kind === 'admitted') stacks.set(a.outcome.stack.join(','), a.outcome.stack);
    }
    const verdict: ConfigVerdict = same
      ? { ...firstAnswer.outcome, orders: allowed.length, stacks: [...stacks.values()] }
      : { kind: 'unknown', why: 'order', answers, orders: allowed.length };
    return { verdict, findings, orderKnown, orders: allowedOrders };
  }

  /** The rollout from `sys`, on the simulator, each transition waited for. */
  #rollout(sys: System): Outcome {
    const { catalog: cat, rules, rollout } = this.opts;
    const ops: Op[] = rollout.map((patch) => ({ kind: 'insmod', patch }));
    const { outcomes, final } = run(sys, ops, { rules, catalog: cat, transitions: 'auto' });
    const failed = outcomes.find((o) => o.result !== 'ok');
    if (failed === undefined) return { kind: 'admitted', stack: final.klpPatches };
    if (failed.result === 'ok' || failed.op.kind !== 'insmod') {
      throw new Error('unreachable: a rollout is only insmod operations');
    }
    const before = outcomes[outcomes.indexOf(failed) - 1]?.system ?? sys;
    const patch = failed.op.patch;
    const loaded: LoadedWhere | null =
      failed.result !== 'EEXIST'
        ? null
        : before.klpPatches.includes(patch)
          ? 'on-stack'
          : before.forced.includes(patch)
            ? 'forced'
            : 'off-stack';
    const reasons = failed.verdict !== null && !failed.verdict.ok ? failed.verdict.violations : [];
    return {
      kind: 'refused',
      patch,
      errno: failed.result,
      reasons,
      loaded,
      fix: this.#fix(sys, ops),
    };
  }

  /** The fewest operations from `sys` after which the whole rollout is admitted. */
  #fix(sys: System, ops: readonly Op[]): Fix {
    const { catalog: cat, rules, rollout } = this.opts;
    const names = new Set([...sys.loaded, ...rollout]);
    const sub = restrictCatalog(cat, names);
    const opts = { rules, catalog: sub, transitions: 'auto' } as const;
    const goal = (s: System): boolean => run(s, ops, opts).outcomes.every((o) => o.result === 'ok');
    const r = shortestPath(sub, rules, sys, goal, {
      transitions: 'auto',
      maxStates: this.opts.maxFixStates ?? 20_000,
    });
    switch (r.kind) {
      case 'found':
        return { kind: 'found', ops: r.path };
      case 'unreachable':
        return { kind: 'none' };
      case 'unknown':
        return { kind: 'unknown', states: r.states };
      default:
        throw new Error('unreachable: every path result is handled');
    }
  }
}

/**
 * Identity of an outcome for comparing orders and grouping hosts (the fix left out; the stack
 * an admitted rollout leaves only when `withStack`).
 */
export function outcomeKey(o: Outcome, withStack = true): string {
  if (o.kind === 'admitted') return withStack ? `admitted|${o.stack.join(',')}` : 'admitted';
  // Violations come in klp_patches order; the order of a list of reasons is no answer.
  const reasons = o.reasons
    .map((v) => `${v.rule}:${v.state ?? '-'}:${v.installedBy ?? '-'}`)
    .sort()
    .join(';');
  return `refused|${o.patch}|${o.errno}|${o.loaded ?? '-'}|${reasons}`;
}

function orderText(orders: readonly (readonly string[])[]): string {
  const first = orders[0] ?? [];
  return `[${first.join(', ')}]${orders.length > 1 ? ` (or any of ${orders.length} orders)` : ''}`;
}

type Orders =
  | {
      readonly kind: 'ok';
      readonly orders: readonly (readonly string[])[];
      readonly known: boolean;
    }
  | { readonly kind: 'bad'; readonly message: string }
  | { readonly kind: 'too-many' };

/** The orders of the sysfs patches that `stack_order` allows (every order when absent). */
function candidateOrders(cfg: Configuration): Orders {
  const lp = cfg.livepatch;
  const n = lp.length;
  const fixed = new Map<number, string>();
  for (const p of lp) {
    if (p.stackOrder === null) continue;
    if (p.stackOrder > n || fixed.has(p.stackOrder)) {
      return {
        kind: 'bad',
        message: `\`stack_order\` ${p.stackOrder} of \`${p.name}\` is not a free position among ${n} patches`,
      };
    }
    fixed.set(p.stackOrder, p.name);
  }
  if (fixed.size === n) {
    return { kind: 'ok', orders: [lp.map((p) => p.name)], known: true };
  }
  const free = lp.filter((p) => p.stackOrder === null).map((p) => p.name);
  if (free.length > MAX_UNORDERED) return { kind: 'too-many' };
  const orders: string[][] = [];
  for (const perm of permutations(free)) {
    const order: string[] = [];
    let k = 0;
    for (let pos = 1; pos <= n; pos++) order.push(fixed.get(pos) ?? perm[k++] ?? '');
    orders.push(order);
  }
  return { kind: 'ok', orders, known: false };
}

function permutations(xs: readonly string[]): string[][] {
  if (xs.length <= 1) return [[...xs]];
  const out: string[][] = [];
  for (const [i, x] of xs.entries()) {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)]))
      out.push([x, ...rest]);
  }
  return out;
}

/**
 * Why an order of klp_patches cannot be produced under monotone rules, or null. klp_patches
 * only grows at the top (`list_add_tail`), so a patch below another was on the list when the
 * other was enabled, and when it completed: the rules must admit the upper one over the lower
 * ones, and a completed replace patch must not replace a patch below it.
 */
function refuteOrder(facts: System, cat: Catalog, rules: KernelRules): string | null {
  const hint = unreachableHint(facts, cat, rules);
  if (hint !== null) return hint;
  for (const [i, name] of facts.klpPatches.entries()) {
    const p = cat.byName.get(name);
    if (p === undefined || i === 0) continue;
    const below = facts.klpPatches.slice(0, i);
    const v = rules.enable(
      { klpPatches: below, transition: null, loaded: below, forced: [] },
      cat,
      p,
    );
    if (!v.ok) {
      const holder = v.violations[0]?.installedBy;
      return `\`${name}\` sits above ${holder === null || holder === undefined ? below.map((b) => `\`${b}\``).join(', ') : `\`${holder}\``} on klp_patches, but rules \`${rules.name}\` refuse to enable it over ${holder === null || holder === undefined ? 'them' : 'it'} (rule ${v.violations[0]?.rule ?? 'unknown'})`;
    }
  }
  return null;
}

/**
 * A specific reason an order cannot be produced, when a simple one applies: a completed
 * replace patch still has a patch it replaces below it on klp_patches.
 */
function unreachableHint(facts: System, cat: Catalog, rules: KernelRules): string | null {
  for (const [i, name] of facts.klpPatches.entries()) {
    if (facts.transition?.patch === name) continue;
    const p = cat.byName.get(name);
    if (p === undefined) continue;
    for (const below of facts.klpPatches.slice(0, i)) {
      const old = cat.byName.get(below);
      if (old !== undefined && rules.replaces(facts, cat, p, old)) {
        return `\`${name}\` replaces \`${below}\` (rules \`${rules.name}\`) and has completed patching, yet \`${below}\` is still on klp_patches below it`;
      }
    }
  }
  return null;
}
