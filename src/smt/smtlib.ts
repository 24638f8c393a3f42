/**
 * Standalone SMT-LIB 2.6 scripts from named assertions, so that any answer klp-verify gives can
 * be replayed with a native solver (`z3 file.smt2`, `cvc5 file.smt2`) outside this tool.
 *
 * Guarantees: the script declares every free variable, names every assertion with `:named` (so
 * `(get-unsat-core)` reports our names), uses logic QF_BV, shares repeated subterms with `let`,
 * and is accepted by native z3 and cvc5 (test/smt/native-solvers.test.ts runs both).
 */
import {
  freeVars,
  type NamedAssertion,
  nameProblem,
  printSort,
  printSymbol,
  printTerm,
} from './term.ts';

export type Expected = 'sat' | 'unsat' | 'unknown';

export interface SmtlibOptions {
  /** The answer klp-verify expects, written as `; expected:` and `(set-info :status ...)`. */
  readonly expected?: Expected;
  /** What the question is, written as comment lines at the top. */
  readonly description?: string;
  /** Ask for the unsat core after `(check-sat)`; by default only when `unsat` is expected. */
  readonly getUnsatCore?: boolean;
}

/**
 * Throws when the names cannot label assertions together: a bad name, a repeated name, or a
 * name equal to a variable's (SMT-LIB `:named` declares the name as a Bool constant).
 *
 * @example
 * checkAssertionNames([{ name: 'x', term: boolVar('x') }], new Map([['x', BOOL]])) // throws
 */
export function checkAssertionNames(
  assertions: readonly NamedAssertion[],
  vars: ReadonlyMap<string, unknown>,
): void {
  const names = new Set<string>();
  for (const { name } of assertions) {
    const problem = nameProblem(name);
    if (problem !== null) throw new RangeError(problem);
    if (names.has(name)) throw new RangeError(`assertion name \`${name}\` is used twice`);
    if (vars.has(name)) throw new RangeError(`assertion name \`${name}\` is also a variable`);
    names.add(name);
  }
}

/**
 * The SMT-LIB 2.6 script asserting every assertion under its name, then `(check-sat)`.
 *
 * @example
 * toSmtlib([{ name: 'too-old', term: bvult(v, bv(2, 32)) }], { expected: 'sat' })
 * // ; expected: sat
 * // (set-option :produce-unsat-cores true)
 * // (set-logic QF_BV)
 * // ...
 * // (assert (! (bvult v (_ bv2 32)) :named too-old))
 * // (check-sat)
 */
export function toSmtlib(assertions: readonly NamedAssertion[], opts: SmtlibOptions = {}): string {
  const vars = freeVars(assertions.map((a) => a.term));
  checkAssertionNames(assertions, vars);
  const lines: string[] = [];
  for (const line of (opts.description ?? 'klp-verify query').split('\n')) {
    lines.push(`; ${line}`.trimEnd());
  }
  if (opts.expected !== undefined) lines.push(`; expected: ${opts.expected}`);
  lines.push('(set-info :smt-lib-version 2.6)');
  lines.push('(set-option :produce-unsat-cores true)');
  lines.push('(set-logic QF_BV)');
  if (opts.expected !== undefined) lines.push(`(set-info :status ${opts.expected})`);
  for (const [name, sort] of vars) {
    lines.push(`(declare-fun ${printSymbol(name)} () ${printSort(sort)})`);
  }
  for (const { name, term } of assertions) {
    lines.push(`(assert (! ${printTerm(term, { share: true })} :named ${printSymbol(name)}))`);
  }
  lines.push('(check-sat)');
  if (opts.getUnsatCore ?? opts.expected === 'unsat') lines.push('(get-unsat-core)');
  lines.push('(exit)');
  return `${lines.join('\n')}\n`;
}
