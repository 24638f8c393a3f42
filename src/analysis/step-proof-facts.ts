/**
 * The configuration before one rule question (an `insmod` reaching `klp_enable_patch()`'s
 * compatibility check, or a disable reaching the rule set's disable guard), as named Boolean
 * facts over symbolic patches: one fact per installed patch on klp_patches, per state entry,
 * flag and function of each patch involved, each pinning the variables behind it to the
 * concrete value. The rule set's compiled violations (src/smt/compile.ts) are terms over those
 * variables, so a solver can say which facts force a verdict and which facts, changed, undo it.
 *
 * Mirrors `kernelRules` (src/eval/kernel-rules.ts): the configuration is the system's
 * klp_patches with `enabled` false for a patch being unpatched, the catalog as given, the
 * subject patch bound to the block's binder.
 *
 * Guarantees: with every fact asserted, every variable the violation terms read is determined
 * except versions and flags of state ids the subject does not declare, which no checked rule
 * can observe; `values` is that assignment (unobservable variables at 0 and false).
 */
import { kernelRules } from '../eval/kernel-rules.ts';
import type { Expr } from '../lang/ast.ts';
import type { CheckedGuard, CheckedRuleSet } from '../lang/checker.ts';
import { forEachExpr } from '../lang/walk.ts';
import { type Catalog, patchNamed } from '../model/catalog.ts';
import { assertNever, type Op } from '../model/op.ts';
import { formatStateId, type KlpFunc, type Patch } from '../model/patch.ts';
import { isEnabled, type System } from '../model/system.ts';
import { compileRules } from '../smt/compile.ts';
import { type VariablePatch, variablePatch } from '../smt/compile-config.ts';
import { and, bool, boolVar, bv, eq, FALSE, not } from '../smt/factory.ts';
import {
  POS_WIDTH,
  type SymConfig,
  type SymInstalled,
  type SymViolation,
} from '../smt/symbolic.ts';
import type { Term, Value } from '../smt/term.ts';

/** The rule question an operation asks, if any. */
export type Question =
  /** `insmod P` reaches `klp_enable_patch()`: may `P` be enabled? */
  | { readonly kind: 'enable'; readonly patch: string }
  /** `echo 0 > .../P/enabled` on an enabled patch: may it be disabled? */
  | { readonly kind: 'disable'; readonly patch: string };

/** Who a fact is about: a patch on klp_patches, or the patch being enabled. */
export type Holder = 'installed' | 'new';

/** One fact of the configuration before a step. */
export type Fact =
  /** The patch is on klp_patches, at `position` (0 is the bottom). */
  | { readonly kind: 'installed'; readonly patch: string; readonly position: number }
  /** Entry `index` of the patch's `states`. */
  | {
      readonly kind: 'state';
      readonly holder: Holder;
      readonly patch: string;
      readonly index: number;
      readonly id: bigint;
      readonly version: number;
      readonly blockDisable: boolean;
    }
  /** The patch being enabled declares no state with this id. */
  | { readonly kind: 'no-state'; readonly patch: string; readonly id: bigint }
  | {
      readonly kind: 'replace';
      readonly holder: Holder;
      readonly patch: string;
      readonly value: boolean;
    }
  | {
      readonly kind: 'replace-set';
      readonly holder: Holder;
      readonly patch: string;
      readonly value: number;
    }
  | {
      readonly kind: 'function';
      readonly holder: Holder;
      readonly patch: string;
      readonly func: KlpFunc;
      readonly patches: boolean;
    };

/** A fact with its assertion. */
export interface TrackedFact {
  readonly fact: Fact;
  /** The assertion name: the fact in words, without markup. */
  readonly name: string;
  readonly term: Term;
  /**
   * A way out may give it up: the new patch's declarations, and the presence of installed
   * patches the rule set lets the user disable (not the one being disabled). Installed
   * patches' contents are not.
   */
  readonly changeable: boolean;
}

/** The tracked model of one rule question. */
export interface StepModel {
  readonly question: Question;
  readonly facts: readonly TrackedFact[];
  /** Each `rule` of the block, in file order. */
  readonly violations: readonly SymViolation[];
  /** The concrete values of every variable the facts pin (and of the unobservable ones). */
  readonly values: ReadonlyMap<string, Value>;
  /** The patch the question is about, with its variables. */
  readonly subject: VariablePatch;
  /** `on` variable of each installed patch, by name. */
  readonly on: ReadonlyMap<string, Term>;
}

/**
 * The rule question `op` asks on `sys`, or null when the kernel decides before any rule is
 * asked (already loaded, not on klp_patches, already in the requested state) or never asks one.
 *
 * @example
 * ruleQuestion(EMPTY_SYSTEM, { kind: 'insmod', patch: 'p' }) // { kind: 'enable', patch: 'p' }
 */
export function ruleQuestion(sys: System, op: Op): Question | null {
  switch (op.kind) {
    case 'insmod':
      // add_unformed_module(): EEXIST comes before klp_enable_patch().
      return sys.loaded.includes(op.patch) ? null : { kind: 'enable', patch: op.patch };
    case 'disable':
      // enabled_store(): ENOENT, then "already in requested state", then the rules' guard.
      return isEnabled(sys, op.patch) ? { kind: 'disable', patch: op.patch } : null;
    case 'enable':
    case 'rmmod':
    case 'force':
    case 'complete':
      return null;
    default:
      return assertNever(op, 'operation');
  }
}

/**
 * The fact in the user's words.
 *
 * @example
 * formatFact({ kind: 'no-state', patch: 'klp_r4', id: 2n }) // '`klp_r4` does not declare state 2'
 */
export function formatFact(f: Fact): string {
  switch (f.kind) {
    case 'installed':
      return `\`${f.patch}\` is installed`;
    case 'state':
      return `\`${f.patch}\` ${f.holder === 'installed' ? 'holds' : 'declares'} state ${formatStateId(f.id)} at version ${f.version}${f.blockDisable ? ' with block_disable' : ''}`;
    case 'no-state':
      return `\`${f.patch}\` does not declare state ${formatStateId(f.id)}`;
    case 'replace':
      return f.value
        ? `\`${f.patch}\` is cumulative (replace: true)`
        : `\`${f.patch}\` is not cumulative (replace: false)`;
    case 'replace-set':
      return `\`${f.patch}\` is in replace set ${f.value}`;
    case 'function':
      return `\`${f.patch}\` ${f.patches ? 'patches' : 'does not patch'} ${formatFunc(f.func)}`;
    default:
      return assertNever(f, 'fact');
  }
}

/**
 * A function as messages print it.
 *
 * @example
 * formatFunc({ object: 'vmlinux', name: 'cmdline_proc_show', sympos: 1 }) // 'vmlinux:cmdline_proc_show,1'
 */
export function formatFunc(f: KlpFunc): string {
  return f.sympos === 0 ? `${f.object}:${f.name}` : `${f.object}:${f.name},${f.sympos}`;
}

/** A fact's assertion name: its words without backticks, unique within the step. */
function assertionName(f: Fact, taken: Set<string>): string {
  const base = formatFact(f).replaceAll('`', '');
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base} (${k})`;
  taken.add(name);
  return name;
}

/** u64 literals in a block: state ids a rule may ask about although no patch declares them. */
function literalIds(rs: CheckedRuleSet, guard: CheckedGuard | null): bigint[] {
  const out: bigint[] = [];
  const walk = (e: Expr | null): void => {
    if (e === null) return;
    forEachExpr(e, (x) => {
      if (x.kind === 'number' && rs.types.get(x) === 'u64' && x.value !== 0n) out.push(x.value);
    });
  };
  for (const r of guard?.rules ?? []) {
    walk(r.when);
    walk(r.require);
  }
  return out;
}

/** The facts about one patch's contents (not its presence). */
function contentFacts(
  vp: VariablePatch,
  p: Patch,
  holder: Holder,
  changeable: boolean,
  taken: Set<string>,
): TrackedFact[] {
  const out: TrackedFact[] = [];
  const push = (fact: Fact, term: Term) =>
    out.push({ fact, name: assertionName(fact, taken), term, changeable });
  for (const s of vp.states) {
    const st = s.state;
    if (s.index === null) {
      push({ kind: 'no-state', patch: p.name, id: st.id }, not(st.has));
      continue;
    }
    const decl = p.states[s.index];
    if (decl === undefined) throw new Error('unreachable: an entry index is in range');
    push(
      {
        kind: 'state',
        holder,
        patch: p.name,
        index: s.index,
        id: decl.id,
        version: decl.version,
        blockDisable: decl.blockDisable,
      },
      and(
        st.has,
        eq(st.version, bv(decl.version, 32)),
        eq(st.blockDisable, bool(decl.blockDisable)),
      ),
    );
  }
  push(
    { kind: 'replace', holder, patch: p.name, value: p.replace },
    eq(vp.replace, bool(p.replace)),
  );
  push(
    { kind: 'replace-set', holder, patch: p.name, value: p.replaceSet },
    eq(vp.replaceSet, bv(p.replaceSet, 32)),
  );
  for (const f of vp.functions) {
    push(
      { kind: 'function', holder, patch: p.name, func: f.func, patches: f.declared },
      f.declared ? f.has : not(f.has),
    );
  }
  return out;
}

/**
 * The tracked model of `question` on `sys`: facts, compiled violations, concrete values.
 *
 * @example
 * const m = stepModel(upstream, system(['test_klp_state2']), cat, { kind: 'enable', patch: 'test_klp_state' });
 * m.facts.map((f) => f.name) // ['test_klp_state2 is installed', 'test_klp_state2 holds state 1 at version 2', ...]
 */
export function stepModel(
  rs: CheckedRuleSet,
  sys: System,
  cat: Catalog,
  question: Question,
): StepModel {
  const taken = new Set<string>();
  const facts: TrackedFact[] = [];
  const values = new Map<string, Value>();
  const on = new Map<string, Term>();
  const kernel = kernelRules(rs);
  const entries: SymInstalled[] = [];
  const installed = new Map<string, VariablePatch>();
  sys.klpPatches.forEach((name, position) => {
    const p = patchNamed(cat, name);
    const vp = variablePatch(p, `i.${name}`);
    installed.set(name, vp);
    const onVar = boolVar(`i.${name}.on`);
    on.set(name, onVar);
    values.set(`i.${name}.on`, true);
    for (const [k, v] of vp.values) values.set(k, v);
    const fact: Fact = { kind: 'installed', patch: name, position };
    // "Disable it first" is no way out for the patch being disabled, nor for one the rule
    // set's disable guard refuses to disable (block-disable: a block_disable state).
    const movable =
      !(question.kind === 'disable' && question.patch === name) && kernel.disable(sys, cat, p).ok;
    facts.push({ fact, name: assertionName(fact, taken), term: onVar, changeable: movable });
    facts.push(...contentFacts(vp, p, 'installed', false, taken));
    const unpatching = sys.transition?.patch === name && sys.transition.target === 'unpatched';
    entries.push({
      patch: vp.sym,
      on: onVar,
      pos: bv(position, POS_WIDTH),
      enabled: unpatching ? FALSE : onVar,
    });
  });
  const cfg: SymConfig = { catalog: cat, patches: entries };
  const rules = compileRules(rs);
  let subject: VariablePatch;
  let violations: readonly SymViolation[];
  if (question.kind === 'enable') {
    const p = patchNamed(cat, question.patch);
    const others = [...installed.keys()].map((n) => patchNamed(cat, n));
    subject = variablePatch(p, `new.${p.name}`, {
      extraIds: [...others.flatMap((o) => o.states.map((s) => s.id)), ...literalIds(rs, rs.enable)],
      extraFunctions: others.flatMap((o) => o.functions),
    });
    for (const [k, v] of subject.values) values.set(k, v);
    facts.push(...contentFacts(subject, p, 'new', true, taken));
    violations = rules.enableViolations(cfg, subject.sym);
  } else {
    const target = installed.get(question.patch);
    const entry = entries.find((e) => e.patch.name === question.patch);
    if (target === undefined || entry === undefined)
      throw new Error(`\`${question.patch}\` is not on klp_patches`);
    subject = target;
    violations = rules.disableViolations(cfg, entry);
  }
  return { question, facts, violations, values, subject, on };
}
