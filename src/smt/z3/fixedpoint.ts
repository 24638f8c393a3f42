/**
 * Safety of a transition system with Z3's fixedpoint engine (Spacer, constrained Horn
 * clauses): is a bad state reachable from the initial ones, and if not, an inductive invariant
 * that shows it, decoded back into our terms.
 *
 * The system is given over Bool state variables: `init(s)`, `next(s, in)` (one term per state
 * variable, over the state and free inputs such as the operation selector) and `bad(s)`; it is
 * sent as the Horn clauses `init(s) -> Inv(s)`, `Inv(s) -> Inv(next(s, in))`,
 * `Inv(s) & bad(s) -> Err`, and `Err` is queried.
 *
 * Guarantees: every call has a time limit (Spacer's `timeout` plus a watchdog that interrupts
 * Z3); `unknown` is its own answer; a `safe` answer carries the invariant Spacer found, which
 * callers must re-check with an independent query (initiation, consecution, safety) before
 * trusting it: this module only decodes, it does not vouch.
 */
import { assertNever } from '../../model/op.ts';
import { and, boolVar, distinct, eq, FALSE, implies, ite, not, or, TRUE } from '../factory.ts';
import { freeVars, printSort, printSymbol, printTerm, type Term } from '../term.ts';
import { exclusive, guarded, guardedAsync, init, onShutdown, watchdogGrace } from './session.ts';

/** A transition system over Bool state variables. */
export interface HornProblem {
  /** The state variables, in order: the arguments of the invariant. */
  readonly state: readonly Term[];
  /** The initial states, over `state`. */
  readonly init: Term;
  /** The value of each state variable after one step, over `state` and free inputs. */
  readonly next: readonly Term[];
  /** The states to avoid, over `state`. */
  readonly bad: Term;
}

export type HornResult =
  /** No bad state is reachable; `invariant` (over `state`) holds in every reachable state. */
  | { readonly kind: 'safe'; readonly invariant: Term }
  /** Some bad state is reachable. */
  | { readonly kind: 'unsafe' }
  | {
      readonly kind: 'unknown';
      readonly reason: 'timeout' | 'incomplete' | 'undecodable';
      readonly detail: string;
    };

/**
 * The Horn clauses of `p` as fixedpoint SMT-LIB text (`declare-rel`, `rule`, `query`).
 *
 * @example
 * hornText({ state: [x], init: not(x), next: [x], bad: x }) // '(declare-rel Inv (Bool))\n...'
 */
export function hornText(p: HornProblem): string {
  if (p.next.length !== p.state.length) throw new Error('one next term per state variable');
  const names = p.state.map((v) => {
    if (v.kind !== 'var' || v.sort.kind !== 'bool') throw new Error('state variables are Bool');
    return v.name;
  });
  const stateNames = new Set(names);
  for (const name of freeVars([p.init, p.bad]).keys()) {
    if (!stateNames.has(name))
      throw new Error(`init or bad reads \`${name}\`, not a state variable`);
  }
  const lines = [
    `(declare-rel Inv (${p.state.map((v) => printSort(v.sort)).join(' ')}))`,
    '(declare-rel Err ())',
  ];
  const all = freeVars([p.init, p.bad, ...p.next]);
  for (const [name, sort] of all) {
    lines.push(`(declare-var ${printSymbol(name)} ${printSort(sort)})`);
  }
  for (const name of names) {
    if (!all.has(name)) lines.push(`(declare-var ${printSymbol(name)} Bool)`);
  }
  // The successor state: fresh variables equal to the next terms, so shared subterms of all
  // next terms are bound once.
  const successor = p.next.map((_, i) => boolVar(`next!${i}`));
  for (const v of successor) lines.push(`(declare-var ${printSymbol(nameOf(v))} Bool)`);
  const args = names.map(printSymbol).join(' ');
  const nextArgs = successor.map((v) => printSymbol(nameOf(v))).join(' ');
  const step = and(...p.next.map((t, i) => eq(successor[i] ?? TRUE, t)));
  lines.push(`(rule (=> ${printTerm(p.init, { share: true })} (Inv ${args})))`);
  lines.push(
    `(rule (=> (and (Inv ${args}) ${printTerm(step, { share: true })}) (Inv ${nextArgs})))`,
  );
  lines.push(`(rule (=> (and (Inv ${args}) ${printTerm(p.bad, { share: true })}) Err))`);
  lines.push('(query Err)');
  return `${lines.join('\n')}\n`;
}

function nameOf(v: Term): string {
  return v.kind === 'var' ? v.name : '';
}

/**
 * Asks Spacer whether a bad state is reachable.
 *
 * @example
 * const r = await solveHorn({ state: [x], init: not(x), next: [x], bad: x }, { timeoutMs: 5_000 });
 * // r = { kind: 'safe', invariant: not(x) }
 */
export async function solveHorn(
  p: HornProblem,
  opts: { readonly timeoutMs: number },
): Promise<HornResult> {
  if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 1) {
    throw new RangeError(`timeoutMs must be a positive integer, got ${opts.timeoutMs}`);
  }
  const text = hornText(p);
  const session = await init();
  return exclusive(async () => {
    const { ctx } = session;
    const fp = guarded(session, () => new ctx.Fixedpoint());
    const forget = onShutdown(() => fp.release());
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      ctx.interrupt();
    }, opts.timeoutMs + watchdogGrace(opts.timeoutMs));
    timer.unref();
    try {
      guarded(session, () => {
        fp.set('engine', 'spacer');
        fp.set('timeout', opts.timeoutMs);
      });
      const queries = guarded(session, () => fp.fromString(text));
      const query = guarded(session, () => queries.get(0));
      const answer = await guardedAsync(session, () => fp.query(query));
      switch (answer) {
        case 'sat':
          return { kind: 'unsafe' };
        case 'unknown': {
          const detail = guarded(session, () => fp.getReasonUnknown());
          const timeout = fired || /timeout|cancel|interrupt/i.test(detail);
          return { kind: 'unknown', reason: timeout ? 'timeout' : 'incomplete', detail };
        }
        case 'unsat': {
          const bool = ctx.Bool.sort();
          const signature = [...p.state.map(() => bool), bool] as [typeof bool, typeof bool];
          const decl = guarded(session, () => ctx.Function.declare('Inv', ...signature));
          const cover = guarded(session, () => fp.getCoverDelta(-1, decl));
          if (cover === null) {
            return { kind: 'unknown', reason: 'undecodable', detail: 'spacer gave no invariant' };
          }
          const text = guarded(session, () => cover.sexpr());
          try {
            return { kind: 'safe', invariant: parseInvariant(text, p.state) };
          } catch (e) {
            const detail = e instanceof Error ? e.message : String(e);
            return { kind: 'unknown', reason: 'undecodable', detail };
          }
        }
        default:
          return assertNever(answer, 'fixedpoint answer');
      }
    } finally {
      clearTimeout(timer);
      forget();
      fp.release();
    }
  });
}

type Sexp = string | readonly Sexp[];

function tokenize(text: string): string[] {
  return text.match(/\(|\)|\|[^|]*\||[^\s()]+/g) ?? [];
}

function readSexp(tokens: readonly string[]): Sexp {
  let at = 0;
  const read = (): Sexp => {
    const t = tokens[at++];
    if (t === undefined) throw new Error('unexpected end of the invariant');
    if (t === ')') throw new Error('unexpected `)` in the invariant');
    if (t !== '(') return t;
    const list: Sexp[] = [];
    while (tokens[at] !== ')') {
      if (at >= tokens.length) throw new Error('unbalanced `(` in the invariant');
      list.push(read());
    }
    at++;
    return list;
  };
  const out = read();
  if (at !== tokens.length) throw new Error('trailing text after the invariant');
  return out;
}

/**
 * Spacer's invariant (a cover over `(:var i)`, the i-th argument) as our term over `state`.
 * Only the Boolean connectives can occur over Bool arguments; anything else throws.
 *
 * @example
 * parseInvariant('(and (not (:var 1)) (:var 0))', [x, y]) // and(not(y), x)
 */
export function parseInvariant(text: string, state: readonly Term[]): Term {
  const toTerm = (e: Sexp, scope: ReadonlyMap<string, Term>): Term => {
    if (typeof e === 'string') {
      if (e === 'true') return TRUE;
      if (e === 'false') return FALSE;
      const bound = scope.get(e);
      if (bound !== undefined) return bound;
      throw new Error(`unknown symbol \`${e}\` in the invariant`);
    }
    const [head, ...rest] = e;
    if (head === ':var') {
      const i = Number(rest[0]);
      const v = state[i];
      if (v === undefined || typeof rest[0] !== 'string')
        throw new Error(`bad variable ${String(rest[0])}`);
      return v;
    }
    if (head === 'let') {
      const [bindings, body] = rest;
      if (!Array.isArray(bindings) || body === undefined) throw new Error('malformed `let`');
      const inner = new Map(scope);
      for (const b of bindings as readonly Sexp[]) {
        if (!Array.isArray(b) || typeof b[0] !== 'string' || b[1] === undefined) {
          throw new Error('malformed `let` binding');
        }
        inner.set(b[0], toTerm(b[1], scope));
      }
      return toTerm(body, inner);
    }
    const args = rest.map((a) => toTerm(a, scope));
    const [a, b, c] = args;
    switch (head) {
      case 'not':
        if (a === undefined) break;
        return not(a);
      case 'and':
        return and(...args);
      case 'or':
        return or(...args);
      case '=>':
        if (a === undefined || b === undefined) break;
        return implies(a, b);
      case '=':
        if (a === undefined || b === undefined) break;
        return and(...args.slice(1).map((x) => eq(a, x)));
      case 'distinct':
        return distinct(...args);
      case 'xor':
        if (a === undefined || b === undefined) break;
        return not(eq(a, b));
      case 'ite':
        if (a === undefined || b === undefined || c === undefined) break;
        return ite(a, b, c);
      default:
        break;
    }
    throw new Error(`unsupported operation \`${String(head)}\` in the invariant`);
  };
  return toTerm(readSexp(tokenize(text)), new Map());
}
