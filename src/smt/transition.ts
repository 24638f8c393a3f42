/**
 * The kernel's livepatch interface as a symbolic transition system over a catalog: the state
 * of every patch that operations may touch, and one operation per step (insmod, rmmod,
 * disable, enable, complete), as terms of our IR (src/smt/term.ts). The queries of
 * src/prove/ unroll it (bounded model checking), check invariants against it (induction) and
 * hand it to Spacer (src/smt/z3/fixedpoint.ts).
 *
 * It mirrors the simulator (src/kernel/, the reference) operation by operation; the comments
 * name the kernel function each case follows. test/smt/transition.test.ts checks, on random
 * catalogs and reachable systems, that every successor term evaluates to what `step()` does.
 *
 * The state of a patch `x` of the universe (the catalog patches operations may touch):
 * - `ld` its module is loaded; `on` it is on klp_patches;
 * - manual transitions only: `tp` / `tu` it is `klp_transition_patch`, towards patched /
 *   unpatched; plus one global `rev`: the pending patching transition was reached by reversing
 *   an unpatching one (only then can patches sit above the transition patch);
 * - `below(a, b)` for the pairs whose order matters: `a` was appended to klp_patches before
 *   `b` (meaningful while both are on the list). Positions never change otherwise: removal
 *   keeps the order of the rest.
 *
 * Two departures from the simulator's state, both sound and complete for every question a
 * rule set can ask (rules see klp_patches, its order and `enabled`, never `forced`):
 * - `force` is left out: it completes the transition exactly like `complete` and in addition
 *   marks modules forced, which only ever forbids a later `rmmod`. So every sequence with
 *   `force` has one of equal length with `complete` in its place reaching the same
 *   klp_patches, transition and loaded modules, and fewer forced ones. Modules forced in the
 *   initial system stay unremovable.
 * - an operation that fails leaves the state unchanged (as in the kernel), so a step may
 *   "stutter"; bounded model checking relies on it (a shortest sequence never stutters).
 *
 * Rules are compiled once, over a template configuration whose `on`, `enabled` and order are
 * variables, and instantiated per state by substitution (src/smt/transition-subst.ts), so that
 * concrete states fold to literals without a solver.
 */

import { type Catalog, patchNamed } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import type { Patch } from '../model/patch.ts';
import { isEnabled, type System, type TransitionMode } from '../model/system.ts';
import { anyViolation } from './compile.ts';
import { symPatch } from './compile-config.ts';
import { and, bool, boolVar, bv, bvVar, eq, FALSE, implies, not, or, TRUE } from './factory.ts';
import type { Assignment } from './interpret.ts';
import { POS_WIDTH, type SymbolicRules, type SymConfig } from './symbolic.ts';
import { freeVars, type Term } from './term.ts';
import { rewriteBottomUp, Substitution } from './transition-subst.ts';

export interface TransitionSystemOptions {
  readonly catalog: Catalog;
  readonly rules: SymbolicRules;
  readonly transitions: TransitionMode;
  /**
   * The patches whose operations are performed, the universe of the system. Every patch of the
   * initial system must be among them; any other catalog patch stays unloaded forever.
   */
  readonly operable: ReadonlySet<string>;
  /** The configuration every sequence starts from. */
  readonly initial: System;
}

/** The state of the system as terms: literals, variables, or functions of earlier steps. */
export interface StateTerms {
  /** The module of universe patch `x` is loaded. */
  ld(x: number): Term;
  /** Universe patch `x` is on klp_patches. */
  on(x: number): Term;
  /** `x` is the transition patch, being patched (manual transitions; else false). */
  tp(x: number): Term;
  /** `x` is the transition patch, being unpatched (manual transitions; else false). */
  tu(x: number): Term;
  /** The pending patching transition came from a reversal (manual transitions; else false). */
  rev(): Term;
  /** `a` is below `b` on klp_patches (meaningful while both are on it). */
  below(a: number, b: number): Term;
  /** `patch->enabled`: on klp_patches and not being unpatched. */
  enabled(x: number): Term;
  /** Some transition is pending. */
  busy(): Term;
  /** A template of {@link TransitionSystem.template} in this state. */
  inst(template: Term): Term;
  /** The rules reject `insmod x` here (its enable guard). */
  insmodRejected(x: number): Term;
  /** The rules reject `echo 0 > /sys/kernel/livepatch/x/enabled` here (its disable guard). */
  disableRejected(x: number): Term;
}

/** The state after a step, and whether the step did anything. */
export interface NextState extends StateTerms {
  /**
   * The chosen operation succeeds and changes the configuration (true exactly when the step
   * does not stutter). A shortest sequence to any configuration has only such steps.
   */
  moved(): Term;
}

/** Names of the template variables, over universe indices. */
const TPL = 'tpl.';

/** An order pair as a key, `a < b` (universe indices). */
function pairKey(a: number, b: number): number {
  return a * 65_536 + b;
}

/**
 * The transition system of {@link TransitionSystemOptions}.
 *
 * @example
 * const ts = new TransitionSystem({ catalog: cat, rules, transitions: 'auto', operable, initial: EMPTY_SYSTEM });
 * const s1 = ts.successor(ts.initialState(), ts.selector(0));
 * s1.on(0) // true exactly when sel.0 selects `insmod` of the first patch
 */
export class TransitionSystem {
  readonly options: TransitionSystemOptions;
  /** The universe, in catalog order. */
  readonly patches: readonly Patch[];
  readonly index: ReadonlyMap<string, number>;
  /** The operation each selector value stands for; values past the end stutter. */
  readonly ops: readonly Op[];
  readonly selectorWidth: number;
  /** Symbols usable in variable names: patch names when all are plain, else indices. */
  private readonly label: readonly string[];
  private readonly config: SymConfig;
  private readonly forcedInit: readonly boolean[];
  private readonly codes: {
    readonly insmod: number[];
    readonly rmmod: number[];
    readonly disable: number[];
    readonly enable: number[];
    complete: number;
  };
  private readonly rejectTpl: (Term | undefined)[] = [];
  private readonly disableTpl: (Term | undefined)[] = [];
  private readonly replaceCache = new Map<number, Term>();
  /** Per patch `x`: the patches whose completion replaces it (literally), and the others. */
  private readonly replacedBy: ({ always: number[]; maybe: number[] } | undefined)[] = [];
  /** Order pairs some term reads, `a < b`. */
  private readonly pairs = new Map<number, readonly [number, number]>();
  private readonly init: ConcreteState;

  constructor(options: TransitionSystemOptions) {
    this.options = options;
    const { catalog, initial, operable } = options;
    for (const name of [...initial.loaded, ...initial.klpPatches]) {
      if (!operable.has(name)) {
        throw new Error(`patch \`${name}\` of the initial system is not among the operable ones`);
      }
    }
    for (const name of operable) {
      if (!catalog.byName.has(name)) throw new Error(`patch \`${name}\` is not in the catalog`);
    }
    this.patches = catalog.patches.filter((p) => operable.has(p.name));
    this.index = new Map(this.patches.map((p, i) => [p.name, i]));
    const plain = this.patches.every((p) => /^[A-Za-z0-9_-]+$/.test(p.name));
    this.label = this.patches.map((p, i) => (plain ? p.name : `p${i}`));
    this.forcedInit = this.patches.map((p) => initial.forced.includes(p.name));
    this.config = {
      catalog,
      patches: this.patches.map((p, i) => ({
        patch: symPatch(p),
        on: boolVar(`${TPL}on.${i}`),
        pos: bvVar(`${TPL}pos.${i}`, POS_WIDTH),
        enabled: boolVar(`${TPL}en.${i}`),
      })),
    };
    const manual = options.transitions === 'manual';
    const ops: Op[] = [];
    const codes = {
      insmod: [] as number[],
      rmmod: [] as number[],
      disable: [] as number[],
      enable: [] as number[],
      complete: -1,
    };
    for (const p of this.patches) {
      codes.insmod.push(ops.push({ kind: 'insmod', patch: p.name }) - 1);
      codes.rmmod.push(ops.push({ kind: 'rmmod', patch: p.name }) - 1);
      codes.disable.push(ops.push({ kind: 'disable', patch: p.name }) - 1);
      // With auto transitions nothing is ever being unpatched between steps, so `echo 1`
      // always fails (ENOENT or EINVAL): left out.
      if (manual) codes.enable.push(ops.push({ kind: 'enable', patch: p.name }) - 1);
    }
    if (manual) codes.complete = ops.push({ kind: 'complete' }) - 1;
    this.codes = codes;
    this.ops = ops;
    this.selectorWidth = Math.max(1, Math.ceil(Math.log2(ops.length + 1)));
    this.init = new ConcreteState(this, initial);
  }

  get manual(): boolean {
    return this.options.transitions === 'manual';
  }

  /** Number of patches in the universe. */
  get size(): number {
    return this.patches.length;
  }

  /**
   * A term about a configuration, built once over the template configuration; instantiate it
   * in a state with {@link StateTerms.inst}. `below` comparisons become order literals.
   *
   * @example
   * const bad = ts.template((cfg) => anyViolation(rules.enableViolations(cfg, symPatch(p))));
   * ts.initialState().inst(bad) // a literal
   */
  template(build: (cfg: SymConfig) => Term): Term {
    return this.eliminatePositions(build(this.config));
  }

  /** The enable guard of universe patch `x`, as a template: true iff `insmod x` is rejected. */
  enableRejected(x: number): Term {
    let t = this.rejectTpl[x];
    if (t === undefined) {
      const p = this.patch(x);
      t = this.template((cfg) =>
        anyViolation(this.options.rules.enableViolations(cfg, symPatch(p))),
      );
      this.rejectTpl[x] = t;
    }
    return t;
  }

  /** The disable guard of `x`, as a template: true iff `echo 0 > enabled` is rejected. */
  disableRejected(x: number): Term {
    let t = this.disableTpl[x];
    if (t === undefined) {
      t = this.template((cfg) => {
        const entry = cfg.patches[x];
        if (entry === undefined) throw new Error(`no patch ${x} in the universe`);
        return anyViolation(this.options.rules.disableViolations(cfg, entry));
      });
      this.disableTpl[x] = t;
    }
    return t;
  }

  /** Template: `incoming`, completing its patching transition, replaces `old`. */
  replaces(incoming: number, old: number): Term {
    const k = pairKey(incoming, old);
    let t = this.replaceCache.get(k);
    if (t === undefined) {
      const a = symPatch(this.patch(incoming));
      const b = symPatch(this.patch(old));
      t = this.template((cfg) => this.options.rules.replaces(cfg, a, b));
      this.replaceCache.set(k, t);
    }
    return t;
  }

  /**
   * The patches whose completion may replace `x`: `always` where the rule set's answer is
   * literally true (possibly `x` itself, which the caller excludes), `maybe` where it depends
   * on the configuration.
   */
  replacers(x: number): { readonly always: readonly number[]; readonly maybe: readonly number[] } {
    let r = this.replacedBy[x];
    if (r === undefined) {
      r = { always: [], maybe: [] };
      for (let y = 0; y < this.size; y++) {
        const t = this.replaces(y, x);
        if (t === TRUE) r.always.push(y);
        else if (t !== FALSE && y !== x) r.maybe.push(y);
      }
      this.replacedBy[x] = r;
    }
    return r;
  }

  /** Whether `x` was forced in the initial system: its module can never be removed. */
  forcedInitially(x: number): boolean {
    return this.forcedInit[x] === true;
  }

  patch(x: number): Patch {
    const p = this.patches[x];
    if (p === undefined) throw new Error(`no patch ${x} in the universe`);
    return p;
  }

  /** Selector value of an operation. */
  code(kind: 'insmod' | 'rmmod' | 'disable' | 'enable', x: number): number;
  code(kind: 'complete'): number;
  code(kind: 'insmod' | 'rmmod' | 'disable' | 'enable' | 'complete', x = 0): number {
    const c = kind === 'complete' ? this.codes.complete : this.codes[kind][x];
    if (c === undefined || c < 0) throw new Error(`no ${kind} operation in this system`);
    return c;
  }

  /**
   * The selector of step `j` (or of the one step of an induction query when null), named
   * with its width: one name keeps one sort in a solver session.
   *
   * @example
   * ts.selector(0) // the bit-vector variable `sel4.0` when 4 bits number the operations
   */
  selector(j: number | null): Term {
    const w = this.selectorWidth;
    return bvVar(j === null ? `sel${w}` : `sel${w}.${j}`, w);
  }

  /** The operation selector value `value` stands for; null for a stutter. */
  opOf(value: bigint): Op | null {
    return value < BigInt(this.ops.length) ? (this.ops[Number(value)] ?? null) : null;
  }

  /** The configuration sequences start from, as literals. */
  initialState(): StateTerms {
    return this.init;
  }

  /** A concrete system over the catalog as literals (test and replay aid). */
  concrete(sys: System): StateTerms {
    return new ConcreteState(this, sys);
  }

  /**
   * The state as variables named `<prefix>on.<patch>` and so on; the patches of `absent` are
   * not loaded, not on klp_patches and in no transition (their components are `false`).
   */
  variables(prefix: string, absent?: ReadonlySet<number>): VariableState {
    return new VariableState(this, prefix, absent);
  }

  /** The state after one step chosen by `selector` (a bit-vector of {@link selectorWidth}). */
  successor(prev: StateTerms, selector: Term): NextState {
    return new Successor(this, prev, selector);
  }

  /** Order pairs read so far, `a < b`. */
  orderPairs(): readonly (readonly [number, number])[] {
    return [...this.pairs.values()];
  }

  /** Records that the order of `a` and `b` matters (as the pair `min, max`). */
  notePair(a: number, b: number): void {
    const [x, y] = a < b ? [a, b] : [b, a];
    const k = pairKey(x, y);
    if (!this.pairs.has(k)) this.pairs.set(k, [x, y]);
  }

  /**
   * Facts every reachable state has (the simulator's invariants, test/kernel/properties):
   * a patch on klp_patches is loaded; the transition patch is on it; at most one transition
   * (written pairwise up to `maxPairs` pairs, left out beyond); a reversed transition is
   * pending.
   */
  structural(s: StateTerms, maxPairs = 20_000): Term {
    const parts: Term[] = [];
    for (let x = 0; x < this.size; x++) parts.push(implies(s.on(x), s.ld(x)));
    if (this.manual) {
      const trans: Term[] = [];
      for (let x = 0; x < this.size; x++) {
        parts.push(implies(or(s.tp(x), s.tu(x)), s.on(x)));
        trans.push(s.tp(x), s.tu(x));
      }
      if ((trans.length * (trans.length - 1)) / 2 <= maxPairs) {
        for (let i = 0; i < trans.length; i++) {
          for (let j = i + 1; j < trans.length; j++) {
            parts.push(not(and(trans[i] ?? FALSE, trans[j] ?? FALSE)));
          }
        }
      }
      parts.push(implies(s.rev(), s.busy()));
    }
    return and(...parts);
  }

  /**
   * The components of a state in a fixed order: per patch `ld`, `on` (and `tp`, `tu` with
   * manual transitions), then `rev`, then the order pairs read so far.
   */
  components(s: StateTerms): Term[] {
    const out: Term[] = [];
    for (let x = 0; x < this.size; x++) {
      out.push(s.ld(x), s.on(x));
      if (this.manual) out.push(s.tp(x), s.tu(x));
    }
    if (this.manual) out.push(s.rev());
    for (const [a, b] of this.orderPairs()) out.push(s.below(a, b));
    return out;
  }

  /** The variables of `variables(prefix)`, in the order of {@link components}. */
  stateVariables(prefix: string): Term[] {
    return this.components(this.variables(prefix));
  }

  /** The conjunction pinning `variables(prefix)` to the initial configuration. */
  initialCube(prefix: string): Term {
    const vars = this.stateVariables(prefix);
    const values = this.components(this.initialState());
    return and(...vars.map((v, i) => eq(v, values[i] ?? FALSE)));
  }

  /** The variable name of a state component, e.g. `s.on.klp_a`. */
  varName(prefix: string, component: string, x: number, y?: number): string {
    const a = this.label[x] ?? `p${x}`;
    if (y === undefined) return `${prefix}${component}.${a}`;
    return `${prefix}${component}.${a}.${this.label[y] ?? `p${y}`}`;
  }

  /**
   * The system an assignment of `variables(prefix)` describes (for reading models; patches
   * whose order is not tracked are listed in catalog order).
   *
   * @example
   * ts.systemOf(model, 's.') // { klpPatches: [...], transition: null, loaded: [...], forced: [] }
   */
  systemOf(model: Assignment, prefix: string): System {
    const s = this.variables(prefix);
    const val = (t: Term): boolean =>
      t.kind === 'var' ? model.get(t.name) === true : t.kind === 'not' ? !val(t.arg) : t === TRUE;
    const on: number[] = [];
    const loaded: string[] = [];
    let transition: System['transition'] = null;
    for (let x = 0; x < this.size; x++) {
      const name = this.patch(x).name;
      if (val(s.ld(x))) loaded.push(name);
      if (val(s.on(x))) on.push(x);
      if (val(s.tp(x))) transition = { patch: name, target: 'patched' };
      if (val(s.tu(x))) transition = { patch: name, target: 'unpatched' };
    }
    const tracked = (a: number, b: number): boolean =>
      this.pairs.has(pairKey(Math.min(a, b), Math.max(a, b)));
    on.sort((a, b) => (tracked(a, b) ? (val(s.below(a, b)) ? -1 : 1) : a - b));
    return { klpPatches: on.map((x) => this.patch(x).name), transition, loaded, forced: [] };
  }

  /** `below` comparisons of positions become order literals; any other use is unsupported. */
  private eliminatePositions(t: Term): Term {
    const posOf = (u: Term): number | null => {
      if (u.kind !== 'var' || !u.name.startsWith(`${TPL}pos.`)) return null;
      return Number(u.name.slice(`${TPL}pos.`.length));
    };
    const out = rewriteBottomUp(t, (n) => {
      if (n.kind !== 'bvult' && n.kind !== 'bvule') return n;
      const a = posOf(n.lhs);
      const b = posOf(n.rhs);
      if (a === null || b === null) return n;
      if (a === b) return bool(n.kind === 'bvule');
      return this.belowVar(a, b);
    });
    for (const name of freeVars([out]).keys()) {
      if (name.startsWith(`${TPL}pos.`)) {
        throw new Error(
          `the rule set uses positions on klp_patches other than through \`below\` (${name})`,
        );
      }
    }
    return out;
  }

  /**
   * The template literal "`x` is on klp_patches", for claims built outside the rule compiler
   * (function ownership, src/prove/ownership.ts).
   */
  onVar(x: number): Term {
    return boolVar(`${TPL}on.${x}`);
  }

  /**
   * The template literal "`x` is the transition patch, towards `target`": what a function
   * ownership claim reads of the transition (`func->transition`, nops). False with auto
   * transitions, where nothing is pending between steps.
   */
  transitionVar(x: number, target: 'patched' | 'unpatched'): Term {
    if (!this.manual) return FALSE;
    return boolVar(`${TPL}${target === 'patched' ? 'tp' : 'tu'}.${x}`);
  }

  /** The template literal for `a` below `b`. */
  belowVar(a: number, b: number): Term {
    this.notePair(a, b);
    return a < b ? boolVar(`${TPL}bl.${a}.${b}`) : not(boolVar(`${TPL}bl.${b}.${a}`));
  }

  /** The meaning of template variable `name` in state `s`. */
  resolve(s: StateTerms, name: string): Term | undefined {
    if (!name.startsWith(TPL)) return undefined;
    const [kind, a, b] = name.slice(TPL.length).split('.');
    const x = Number(a);
    switch (kind) {
      case 'on':
        return s.on(x);
      case 'en':
        return s.enabled(x);
      case 'bl':
        return s.below(x, Number(b));
      case 'tp':
        return s.tp(x);
      case 'tu':
        return s.tu(x);
      default:
        return undefined;
    }
  }
}

/** What every state shares: derived terms and template instantiation. */
abstract class StateBase implements StateTerms {
  protected readonly ts: TransitionSystem;
  private readonly sub: Substitution;
  private busyTerm: Term | undefined;

  constructor(ts: TransitionSystem) {
    this.ts = ts;
    this.sub = new Substitution((name) => ts.resolve(this, name));
  }

  abstract ld(x: number): Term;
  abstract on(x: number): Term;
  abstract tp(x: number): Term;
  abstract tu(x: number): Term;
  abstract rev(): Term;
  abstract below(a: number, b: number): Term;

  enabled(x: number): Term {
    return and(this.on(x), not(this.tu(x)));
  }

  busy(): Term {
    if (this.busyTerm === undefined) {
      const parts: Term[] = [];
      if (this.ts.manual) for (let x = 0; x < this.ts.size; x++) parts.push(this.tp(x), this.tu(x));
      this.busyTerm = or(...parts);
    }
    return this.busyTerm;
  }

  inst(template: Term): Term {
    return this.sub.apply(template);
  }

  insmodRejected(x: number): Term {
    return this.inst(this.ts.enableRejected(x));
  }

  disableRejected(x: number): Term {
    return this.inst(this.ts.disableRejected(x));
  }
}

/** A concrete system as literals. */
class ConcreteState extends StateBase {
  private readonly sys: System;
  private readonly position: ReadonlyMap<string, number>;

  constructor(ts: TransitionSystem, sys: System) {
    super(ts);
    this.sys = sys;
    this.position = new Map(sys.klpPatches.map((n, i) => [n, i]));
  }

  private name(x: number): string {
    return this.ts.patch(x).name;
  }

  ld(x: number): Term {
    return bool(this.sys.loaded.includes(this.name(x)));
  }

  on(x: number): Term {
    return bool(this.position.has(this.name(x)));
  }

  tp(x: number): Term {
    const t = this.sys.transition;
    return bool(t !== null && t.target === 'patched' && t.patch === this.name(x));
  }

  tu(x: number): Term {
    const t = this.sys.transition;
    return bool(t !== null && t.target === 'unpatched' && t.patch === this.name(x));
  }

  rev(): Term {
    // Only a reversal leaves patches above the patch being patched; when none is above, the
    // order of klp_patches gives the same answer either way.
    const t = this.sys.transition;
    return bool(t !== null && t.target === 'patched' && this.sys.klpPatches.at(-1) !== t.patch);
  }

  below(a: number, b: number): Term {
    const i = this.position.get(this.name(a));
    const j = this.position.get(this.name(b));
    return bool(i !== undefined && j !== undefined && i < j);
  }

  // The guards of a concrete state are compiled on the state itself, not instantiated from
  // the templates: the compiler then visits only the patches on klp_patches and folds at once,
  // and no template over the whole catalog needs to be built.
  override insmodRejected(x: number): Term {
    const p = this.ts.patch(x);
    return anyViolation(this.ts.options.rules.enableViolations(this.config(), symPatch(p)));
  }

  override disableRejected(x: number): Term {
    const entry = this.config().patches.find((e) => e.patch.name === this.name(x));
    if (entry === undefined) return FALSE; // not on klp_patches: `disable` fails before the guard
    return anyViolation(this.ts.options.rules.disableViolations(this.config(), entry));
  }

  private cfg: SymConfig | undefined;

  /** klp_patches as a configuration with literal attributes. */
  private config(): SymConfig {
    this.cfg ??= {
      catalog: this.ts.options.catalog,
      patches: this.sys.klpPatches.map((name, i) => {
        const p = patchNamed(this.ts.options.catalog, name);
        return {
          patch: symPatch(p),
          on: TRUE,
          pos: bv(i, POS_WIDTH),
          enabled: bool(isEnabled(this.sys, name)),
        };
      }),
    };
    return this.cfg;
  }
}

/**
 * The state as free variables, named `<prefix><component>.<patch>`.
 *
 * @example
 * ts.variables('s.').on(0) // the Bool variable `s.on.<first patch of the universe>`
 */
export class VariableState extends StateBase {
  private readonly prefix: string;
  private readonly absent: ReadonlySet<number>;

  constructor(ts: TransitionSystem, prefix: string, absent: ReadonlySet<number> = new Set()) {
    super(ts);
    this.prefix = prefix;
    this.absent = absent;
  }

  private v(component: string, x: number, y?: number): Term {
    return boolVar(this.ts.varName(this.prefix, component, x, y));
  }

  ld(x: number): Term {
    return this.absent.has(x) ? FALSE : this.v('ld', x);
  }

  on(x: number): Term {
    return this.absent.has(x) ? FALSE : this.v('on', x);
  }

  tp(x: number): Term {
    return this.ts.manual && !this.absent.has(x) ? this.v('tp', x) : FALSE;
  }

  tu(x: number): Term {
    return this.ts.manual && !this.absent.has(x) ? this.v('tu', x) : FALSE;
  }

  rev(): Term {
    return this.ts.manual ? boolVar(`${this.prefix}rev`) : FALSE;
  }

  below(a: number, b: number): Term {
    // An order is meaningful only while both are on klp_patches.
    if (a === b || this.absent.has(a) || this.absent.has(b)) return FALSE;
    this.ts.notePair(a, b);
    return a < b ? this.v('bl', a, b) : not(this.v('bl', b, a));
  }
}

/**
 * The state after one step from `prev`, the operation chosen by `sel`. Each component is
 * built on first use and kept, so a query builds only what it reads.
 */
class Successor extends StateBase implements NextState {
  private readonly prev: StateTerms;
  private readonly sel: Term;
  private readonly memo = new Map<string, Term>();

  constructor(ts: TransitionSystem, prev: StateTerms, sel: Term) {
    super(ts);
    this.prev = prev;
    this.sel = sel;
  }

  private cached(key: string, make: () => Term): Term {
    let t = this.memo.get(key);
    if (t === undefined) {
      t = make();
      this.memo.set(key, t);
    }
    return t;
  }

  private is(code: number): Term {
    return eq(this.sel, bv(code, this.ts.selectorWidth));
  }

  /**
   * `insmod x` succeeds: module.ts `insmod()` (not loaded, else EEXIST), core.c
   * `klp_enable_patch()` (compatible, else the rules' errno; then no transition pending, else
   * EBUSY).
   */
  okIns(x: number): Term {
    return this.cached(`i${x}`, () => {
      const p = this.prev;
      const chosen = this.is(this.ts.code('insmod', x));
      if (chosen === FALSE || p.ld(x) === TRUE) return FALSE;
      const busy = p.busy();
      if (busy === TRUE) return FALSE;
      return and(chosen, not(p.ld(x)), not(busy), not(p.insmodRejected(x)));
    });
  }

  /** `rmmod x` succeeds: loaded, not on klp_patches, never forced (module.ts `rmmod()`). */
  private okRm(x: number): Term {
    return this.cached(`r${x}`, () => {
      const p = this.prev;
      if (this.ts.forcedInitially(x)) return FALSE;
      return and(this.is(this.ts.code('rmmod', x)), p.ld(x), not(p.on(x)));
    });
  }

  /**
   * `echo 0 > enabled` succeeds (core.c `enabled_store()`): on klp_patches, enabled (else
   * EINVAL, already in the requested state), the rules' disable guard, then either `x` is the
   * transition patch (reversal) or no transition is pending (else EBUSY).
   */
  private okDis(x: number): Term {
    return this.cached(`d${x}`, () => {
      const p = this.prev;
      if (p.on(x) === FALSE) return FALSE;
      const chosen = this.is(this.ts.code('disable', x));
      if (chosen === FALSE) return FALSE;
      const guard = not(p.disableRejected(x));
      if (!this.ts.manual) return and(chosen, p.on(x), guard);
      return and(chosen, p.on(x), not(p.tu(x)), guard, or(p.tp(x), not(p.busy())));
    });
  }

  /**
   * `echo 1 > enabled` succeeds: only for the patch being unpatched, whose transition is
   * reversed (an enabled patch gives EINVAL, one off klp_patches ENOENT).
   */
  private okEn(x: number): Term {
    return this.cached(`e${x}`, () => {
      if (!this.ts.manual) return FALSE;
      const p = this.prev;
      if (p.tu(x) === FALSE) return FALSE;
      return and(this.is(this.ts.code('enable', x)), p.on(x), p.tu(x));
    });
  }

  moved(): Term {
    return this.cached('moved', () => {
      const parts: Term[] = [and(this.cmp(), this.prev.busy())];
      for (let x = 0; x < this.ts.size; x++) {
        parts.push(this.okIns(x), this.okRm(x), this.okDis(x), this.okEn(x));
      }
      return or(...parts);
    });
  }

  private cmp(): Term {
    return this.ts.manual ? this.is(this.ts.code('complete')) : FALSE;
  }

  /** Some `insmod y` with `y` in `group` succeeds. */
  private anyOkIns(group: readonly number[]): Term {
    return this.cached(`I${group.join(',')}`, () => or(...group.map((y) => this.okIns(y))));
  }

  ld(x: number): Term {
    return this.cached(`ld${x}`, () => or(this.okIns(x), and(this.prev.ld(x), not(this.okRm(x)))));
  }

  on(x: number): Term {
    return this.cached(`on${x}`, () => {
      const p = this.prev;
      const stays = p.on(x) === FALSE ? FALSE : and(p.on(x), not(this.leaves(x)));
      return or(this.okIns(x), stays);
    });
  }

  /** `x`, on klp_patches, leaves it in this step. */
  private leaves(x: number): Term {
    const p = this.prev;
    const { always, maybe } = this.ts.replacers(x);
    if (!this.ts.manual) {
      // The step's own transition completes at once: `disable x` unpatches x; a successful
      // insmod of a patch that replaces x removes it (x is below the new, last patch).
      // transition.c klp_complete_transition(), core.c klp_free_replaced_patches_async().
      const replaced = [and(this.anyOkIns(always), not(this.is(this.ts.code('insmod', x))))];
      for (const y of maybe) {
        replaced.push(and(this.okIns(y), this.mid(y).inst(this.ts.replaces(y, x))));
      }
      return or(this.okDis(x), ...replaced);
    }
    // `complete` (or `force`, which completes the same way): the patch being unpatched leaves;
    // a patch being patched removes the patches BEFORE it that it replaces. `y = x` is
    // excluded by `not(tp x)`: at most one transition is pending.
    const appended: number[] = [];
    const removedBy: Term[] = [];
    for (const y of always) {
      const before = this.beforeAtCompletion(x, y);
      if (before === TRUE) appended.push(y);
      else removedBy.push(and(p.tp(y), before));
    }
    removedBy.push(this.anyTp(appended));
    for (const y of maybe) {
      removedBy.push(and(p.tp(y), p.inst(this.ts.replaces(y, x)), this.beforeAtCompletion(x, y)));
    }
    return and(this.cmp(), or(p.tu(x), and(not(p.tp(x)), or(...removedBy))));
  }

  /** Some patch of `group` is being patched. */
  private anyTp(group: readonly number[]): Term {
    return this.cached(`T${group.join(',')}`, () => or(...group.map((y) => this.prev.tp(y))));
  }

  /**
   * `x` is before the transition patch `y` when `y` completes. Unless the transition was
   * reversed, `y` was appended last. After a reversal, a patch above `y` was appended while
   * `y` was enabled and its own completion kept `y`, so if that patch replaces `y` literally it
   * cannot be above it.
   */
  private beforeAtCompletion(x: number, y: number): Term {
    if (x === y) return TRUE;
    const p = this.prev;
    const rev = p.rev();
    if (rev === FALSE) return TRUE;
    if (this.ts.replaces(x, y) === TRUE) return TRUE;
    return or(not(rev), p.below(x, y));
  }

  /** The configuration at the completion of `insmod y` in auto mode: `y` appended. */
  private mid(y: number): StateTerms {
    return new Appended(this.ts, this.prev, y);
  }

  tp(x: number): Term {
    return this.cached(`tp${x}`, () => {
      if (!this.ts.manual) return FALSE;
      const p = this.prev;
      const keeps = p.tp(x) === FALSE ? FALSE : and(p.tp(x), not(this.cmp()), not(this.okDis(x)));
      return or(this.okIns(x), this.okEn(x), keeps);
    });
  }

  tu(x: number): Term {
    return this.cached(`tu${x}`, () => {
      if (!this.ts.manual) return FALSE;
      const p = this.prev;
      const keeps = p.tu(x) === FALSE ? FALSE : and(p.tu(x), not(this.cmp()), not(this.okEn(x)));
      return or(this.okDis(x), keeps);
    });
  }

  rev(): Term {
    return this.cached('rev', () => {
      if (!this.ts.manual) return FALSE;
      const reversed = this.ts.patches.map((_, x) => this.okEn(x));
      const p = this.prev;
      return or(...reversed, p.rev() === FALSE ? FALSE : and(p.rev(), not(this.cmp())));
    });
  }

  below(a: number, b: number): Term {
    if (a === b) return FALSE;
    return this.cached(`b${a},${b}`, () =>
      or(this.okIns(b), and(not(this.okIns(a)), this.prev.below(a, b))),
    );
  }
}

/** `prev` with `y` just appended to klp_patches (the configuration a completion sees). */
class Appended extends StateBase {
  private readonly prev: StateTerms;
  private readonly y: number;

  constructor(ts: TransitionSystem, prev: StateTerms, y: number) {
    super(ts);
    this.prev = prev;
    this.y = y;
  }

  ld(x: number): Term {
    return x === this.y ? TRUE : this.prev.ld(x);
  }

  on(x: number): Term {
    return x === this.y ? TRUE : this.prev.on(x);
  }

  tp(x: number): Term {
    return this.prev.tp(x);
  }

  tu(x: number): Term {
    return this.prev.tu(x);
  }

  rev(): Term {
    return this.prev.rev();
  }

  below(a: number, b: number): Term {
    if (b === this.y) return bool(a !== b);
    if (a === this.y) return FALSE;
    return this.prev.below(a, b);
  }
}
