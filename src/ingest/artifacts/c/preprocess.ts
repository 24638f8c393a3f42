/**
 * The part of the C preprocessor that livepatch sources need: `#define` (object-like and
 * function-like), `#undef`, local `#include "…"` (next to the including file, then `-I`
 * folders), `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` with `defined`, and `-D NAME=VALUE`.
 * System headers (`#include <linux/livepatch.h>`) are not read: a livepatch's facts are in
 * its own files, and a name they would define stays unknown rather than guessed.
 *
 * Mirrors C11 6.10: remaining identifiers in `#if` are 0, a macro is not expanded inside its
 * own expansion, function-like macros need a `(` to be called. Stringizing `#` and pasting
 * `##` are not implemented: an expansion that uses them is an error, so no fact depends on
 * them silently.
 *
 * Guarantees: total over any text; include cycles, runaway expansions and malformed
 * directives are diagnostics (KV0410, KV0411), never throws or hangs.
 */
import { dirname, join } from 'node:path';
import type { Diagnostic, Severity } from '../../../source/diagnostic.ts';
import { Source } from '../../../source/source.ts';
import { readTextFile } from '../../fs.ts';
import type { ArtifactCode } from '../codes.ts';
import { type CInt, evaluate } from './expr.ts';
import { lex, type Token } from './lexer.ts';

export interface Macro {
  readonly name: string;
  /** Null for an object-like macro. */
  readonly params: readonly string[] | null;
  readonly body: readonly Token[];
}

export interface PreprocessOptions {
  /** `-D NAME=VALUE` (VALUE `1` when given as `-D NAME`). */
  readonly defines?: ReadonlyMap<string, string>;
  /** `-I DIR`, searched after the including file's folder. */
  readonly includeDirs?: readonly string[];
}

export interface Preprocessed {
  /** The tokens of active code, includes spliced in, no directives, nothing expanded. */
  readonly tokens: readonly Token[];
  /** The macros defined at the end of the file. */
  readonly macros: ReadonlyMap<string, Macro>;
  readonly diagnostics: readonly Diagnostic[];
}

/** A token that cannot be expanded, and why. */
export interface ExpandError {
  readonly kind: 'error';
  readonly token: Token;
  readonly message: string;
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_EXPANSION_DEPTH = 128;
const MAX_EXPANDED_TOKENS = 200_000;

/**
 * Makes a diagnostic at a token (at the file and line that used a macro, for expanded tokens).
 *
 * @example
 * tokenDiagnostic('KV0412', 'error', token, '`FOO` is not a known constant')
 */
export function tokenDiagnostic(
  code: ArtifactCode,
  severity: Severity,
  token: Token,
  message: string,
  help?: string,
): Diagnostic {
  const at = token.site ?? token;
  return {
    code,
    severity,
    message,
    source: at.source,
    span: at.span,
    ...(help === undefined ? {} : { help }),
  };
}

/**
 * Preprocesses a C source.
 *
 * @example
 * const pp = preprocess(new Source('test_klp_state3.c', text), { includeDirs: [] });
 * pp.macros.get('CONSOLE_LOGLEVEL_STATE_VERSION') // from test_klp_state2.c
 */
export function preprocess(source: Source, options: PreprocessOptions = {}): Preprocessed {
  const p = new Preprocessor(options);
  for (const [name, value] of options.defines ?? []) {
    const line = new Source(`<command line -D ${name}>`, value);
    p.macros.set(name, { name, params: null, body: lex(line) });
  }
  p.file(source, []);
  return { tokens: p.out, macros: p.macros, diagnostics: p.diagnostics };
}

interface Conditional {
  readonly at: Token;
  /** This branch's code is kept. */
  active: boolean;
  /** Some branch of this `#if` was taken already. */
  taken: boolean;
  readonly parentActive: boolean;
  elseSeen: boolean;
}

class Preprocessor {
  readonly macros = new Map<string, Macro>();
  readonly out: Token[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly #options: PreprocessOptions;

  constructor(options: PreprocessOptions) {
    this.#options = options;
  }

  #report(code: ArtifactCode, severity: Severity, token: Token, message: string, help?: string) {
    this.diagnostics.push(tokenDiagnostic(code, severity, token, message, help));
  }

  file(source: Source, stack: readonly string[]): void {
    const tokens = lex(source);
    const conds: Conditional[] = [];
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i];
      if (t === undefined) break;
      const active = conds.length === 0 || (conds[conds.length - 1]?.active ?? true);
      if (t.text === '#' && t.lineStart) {
        let j = i + 1;
        while (j < tokens.length && !(tokens[j]?.lineStart ?? true)) j++;
        this.#directive(t, tokens.slice(i + 1, j), conds, active, source, stack);
        i = j;
        continue;
      }
      if (active) this.out.push(t);
      i++;
    }
    for (const c of conds) {
      this.#report(
        'KV0410',
        'error',
        c.at,
        `\`#${c.at.text === '#' ? 'if' : c.at.text}\` without \`#endif\``,
        'close it with `#endif`',
      );
    }
  }

  #directive(
    hash: Token,
    line: readonly Token[],
    conds: Conditional[],
    active: boolean,
    source: Source,
    stack: readonly string[],
  ): void {
    const name = line[0];
    const rest = line.slice(1);
    if (name === undefined) return; // the null directive
    const top = conds[conds.length - 1];
    switch (name.text) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const value = active ? this.#condition(name, rest) : false;
        conds.push({
          at: name,
          active: active && value,
          taken: value,
          parentActive: active,
          elseSeen: false,
        });
        return;
      }
      case 'elif':
      case 'else': {
        if (top === undefined || top.elseSeen) {
          this.#report('KV0410', 'error', name, `\`#${name.text}\` without \`#if\``);
          return;
        }
        if (name.text === 'else') top.elseSeen = true;
        const value =
          top.parentActive && !top.taken && (name.text === 'else' || this.#condition(name, rest));
        top.active = value;
        top.taken ||= value;
        return;
      }
      case 'endif':
        if (conds.pop() === undefined)
          this.#report('KV0410', 'error', name, '`#endif` without `#if`');
        return;
      default:
        break;
    }
    if (!active) return;
    switch (name.text) {
      case 'define':
        this.#define(name, rest);
        return;
      case 'undef':
        if (rest[0]?.kind === 'ident') this.macros.delete(rest[0].text);
        else this.#report('KV0410', 'error', name, '`#undef` without a macro name');
        return;
      case 'include':
        this.#include(name, rest, source, stack);
        return;
      case 'error':
        this.#report(
          'KV0410',
          'error',
          name,
          `\`#error\` in active code: ${rest.map((t) => t.text).join(' ')}`,
          'set the macros it tests with `-D NAME=VALUE`',
        );
        return;
      default:
        // #pragma, #line, #warning and the like do not change the facts read here.
        void hash;
        return;
    }
  }

  #define(at: Token, rest: readonly Token[]): void {
    const name = rest[0];
    if (name === undefined || name.kind !== 'ident') {
      this.#report('KV0410', 'error', name ?? at, '`#define` without a macro name');
      return;
    }
    const open = rest[1];
    if (open !== undefined && open.text === '(' && open.span.start === name.span.end) {
      const params: string[] = [];
      let k = 2;
      for (; k < rest.length; k++) {
        const t = rest[k];
        if (t === undefined || t.text === ')') break;
        if (t.text === ',') continue;
        params.push(t.text);
      }
      if (rest[k]?.text !== ')') {
        this.#report(
          'KV0410',
          'error',
          name,
          `parameter list of macro \`${name.text}\` is not closed`,
        );
        return;
      }
      this.macros.set(name.text, { name: name.text, params, body: rest.slice(k + 1) });
      return;
    }
    this.macros.set(name.text, { name: name.text, params: null, body: rest.slice(1) });
  }

  #include(at: Token, rest: readonly Token[], source: Source, stack: readonly string[]): void {
    const target = rest[0];
    if (target === undefined) {
      this.#report('KV0410', 'error', at, '`#include` without a file name');
      return;
    }
    if (target.text === '<') return; // a system header: not read (see the header comment)
    if (target.kind !== 'string') {
      this.#report(
        'KV0410',
        'error',
        target,
        `unsupported \`#include ${target.text}\``,
        'write `#include "file.h"`',
      );
      return;
    }
    const name = target.text.slice(1, -1);
    const dirs = [dirname(source.file), ...(this.#options.includeDirs ?? [])];
    let lastReason = 'no such file';
    for (const dir of dirs) {
      const path = join(dir, name);
      const text = readTextFile(path);
      if (typeof text !== 'string') {
        lastReason = text.reason;
        continue;
      }
      if (stack.length >= MAX_INCLUDE_DEPTH || [...stack, source.file].includes(path)) {
        this.#report(
          'KV0411',
          'error',
          target,
          `\`#include "${name}"\` includes itself (an include cycle)`,
        );
        return;
      }
      this.file(new Source(path, text), [...stack, source.file]);
      return;
    }
    this.#report(
      'KV0411',
      'error',
      target,
      `cannot read \`#include "${name}"\`: ${lastReason}`,
      `searched ${dirs.map((d) => `\`${d}\``).join(', ')}; add a folder with \`-I DIR\``,
    );
  }

  /** The value of an `#if`-style condition; a malformed one is reported and false. */
  #condition(at: Token, rest: readonly Token[]): boolean {
    if (at.text === 'ifdef' || at.text === 'ifndef') {
      const name = rest[0];
      if (name === undefined || name.kind !== 'ident') {
        this.#report('KV0410', 'error', at, `\`#${at.text}\` without a macro name`);
        return false;
      }
      return this.macros.has(name.text) === (at.text === 'ifdef');
    }
    const resolved: Token[] = [];
    for (let k = 0; k < rest.length; k++) {
      const t = rest[k];
      if (t === undefined) break;
      if (t.text !== 'defined') {
        resolved.push(t);
        continue;
      }
      const paren = rest[k + 1]?.text === '(';
      const name = rest[k + (paren ? 2 : 1)];
      if (name === undefined || name.kind !== 'ident' || (paren && rest[k + 3]?.text !== ')')) {
        this.#report('KV0410', 'error', t, '`defined` without a macro name');
        return false;
      }
      resolved.push({ ...t, kind: 'number', text: this.macros.has(name.text) ? '1' : '0' });
      k += paren ? 3 : 1;
    }
    if (resolved.length === 0) {
      this.#report('KV0410', 'error', at, `\`#${at.text}\` without a condition`);
      return false;
    }
    const expanded = expand(resolved, this.macros);
    if (expanded.kind === 'error') {
      this.#report('KV0410', 'error', expanded.token, expanded.message);
      return false;
    }
    const zero: CInt = { value: 0n, bits: 32, unsigned: false };
    const v = evaluate(expanded.tokens, () => zero);
    if (v.kind === 'error') {
      this.#report('KV0410', 'error', v.token ?? at, `bad \`#${at.text}\` condition: ${v.message}`);
      return false;
    }
    return v.value.value !== 0n;
  }
}

/**
 * Expands every macro in `tokens`; expanded tokens remember the token they came from (`site`).
 *
 * @example
 * expand(tokens, macros) // { kind: 'ok', tokens: [...] } or an ExpandError
 */
export function expand(
  tokens: readonly Token[],
  macros: ReadonlyMap<string, Macro>,
): { readonly kind: 'ok'; readonly tokens: Token[] } | ExpandError {
  const budget = { left: MAX_EXPANDED_TOKENS };
  return expandIn(tokens, macros, new Set(), 0, budget);
}

function expandIn(
  tokens: readonly Token[],
  macros: ReadonlyMap<string, Macro>,
  active: ReadonlySet<string>,
  depth: number,
  budget: { left: number },
): { readonly kind: 'ok'; readonly tokens: Token[] } | ExpandError {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    const macro = t.kind === 'ident' && !active.has(t.text) ? macros.get(t.text) : undefined;
    if (macro === undefined || (macro.params !== null && tokens[i + 1]?.text !== '(')) {
      out.push(t);
      continue;
    }
    if (depth >= MAX_EXPANSION_DEPTH) {
      return { kind: 'error', token: t, message: `expansion of \`${t.text}\` nests too deeply` };
    }
    const site = t.site ?? t;
    let body: readonly Token[] = macro.body;
    if (macro.params !== null) {
      const args = collectArgs(tokens, i + 1);
      if (args === null) {
        return { kind: 'error', token: t, message: `call of macro \`${t.text}\` is not closed` };
      }
      i = args.end;
      const substituted: Token[] = [];
      for (const b of macro.body) {
        if (b.text === '#' || b.text === '##') {
          return {
            kind: 'error',
            token: t,
            message: `macro \`${t.text}\` uses \`${b.text}\`, which is not supported`,
          };
        }
        const index = b.kind === 'ident' ? macro.params.indexOf(b.text) : -1;
        const arg = index < 0 ? undefined : args.args[index];
        if (arg === undefined) {
          substituted.push(b);
          continue;
        }
        const e = expandIn(arg, macros, active, depth + 1, budget);
        if (e.kind === 'error') return e;
        substituted.push(...e.tokens);
      }
      body = substituted;
    } else if (body.some((b) => b.text === '##')) {
      return {
        kind: 'error',
        token: t,
        message: `macro \`${t.text}\` uses \`##\`, which is not supported`,
      };
    }
    budget.left -= body.length;
    if (budget.left < 0) {
      return { kind: 'error', token: t, message: `expansion of \`${t.text}\` is too large` };
    }
    const marked = body.map((b) => ({ ...b, site }));
    const inner = expandIn(marked, macros, new Set([...active, macro.name]), depth + 1, budget);
    if (inner.kind === 'error') return inner;
    out.push(...inner.tokens);
  }
  return { kind: 'ok', tokens: out };
}

/** The arguments of a macro call whose `(` is at `open`, and the index of its `)`. */
function collectArgs(
  tokens: readonly Token[],
  open: number,
): { readonly args: Token[][]; readonly end: number } | null {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === undefined) break;
    if (t.text === '(') depth++;
    if (t.text === ')') {
      if (depth === 0)
        return { args: args.length === 1 && args[0]?.length === 0 ? [] : args, end: k };
      depth--;
    }
    if (t.text === ',' && depth === 0) {
      args.push([]);
      continue;
    }
    args[args.length - 1]?.push(t);
  }
  return null;
}
