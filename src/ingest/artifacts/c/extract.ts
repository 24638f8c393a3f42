/**
 * C sources of livepatch modules to `struct klp_patch` facts: the designated (or positional)
 * initializers of `struct klp_patch`, `struct klp_state[]`, `struct klp_object[]` and
 * `struct klp_func[]` (include/linux/livepatch.h), single `struct klp_state` variables in the
 * section `.kpatch.system_states` (vpsAdminOS), and assignments to `patch.replace`,
 * `patch.states` or `patch.objs` in code, which make those facts unknowable statically.
 *
 * A hand-written reader, not a C grammar (tree-sitter-c was the alternative): a livepatch's
 * facts sit in a handful of file-scope initializers, and what matters is the preprocessor
 * (which tree-sitter does not run) and exact spans for every fact. This reader needs no WASM
 * or native code, and it reports what it does not understand instead of guessing.
 *
 * Mirrors the kernel's walks: states until the first id 0 (`klp_for_each_state`), objects
 * until name and funcs are NULL, functions until old_name, new_func and old_sympos are all
 * zero; a NULL object name is vmlinux.
 *
 * Guarantees: total over any text; every value it cannot evaluate is an "unresolved"
 * diagnostic (KV0412) at the file:line:col that uses it, naming what is unknown.
 */
import type { Diagnostic } from '../../../source/diagnostic.ts';
import { Source } from '../../../source/source.ts';
import { readTextFile } from '../../fs.ts';
import type { Origin } from '../origin.ts';
import {
  type ArtifactFunc,
  type ArtifactPatch,
  type ArtifactRead,
  type ArtifactState,
  kbuildName,
  type Unresolved,
} from '../types.ts';
import { type CInt, evaluate } from './expr.ts';
import { stringValue, type Token } from './lexer.ts';
import {
  expand,
  type Macro,
  type PreprocessOptions,
  preprocess,
  tokenDiagnostic,
} from './preprocess.ts';

type StructKind = 'klp_patch' | 'klp_state' | 'klp_object' | 'klp_func';
const STRUCTS: readonly StructKind[] = ['klp_patch', 'klp_state', 'klp_object', 'klp_func'];

/** Field order for positional initializers (Linux 5.5+). */
const FIELDS: Readonly<Record<StructKind, readonly string[]>> = {
  klp_patch: ['mod', 'objs', 'states', 'replace'],
  klp_state: ['id', 'version', 'data'],
  klp_object: ['name', 'funcs', 'callbacks'],
  klp_func: ['old_name', 'new_func', 'old_sympos'],
};

/** An initializer: a brace list or an expression. */
type Init =
  | { readonly kind: 'list'; readonly open: Token; readonly items: readonly InitItem[] }
  | { readonly kind: 'expr'; readonly tokens: readonly Token[] };

interface InitItem {
  /** The field name of a `.field =` designator; null when positional. */
  readonly field: Token | null;
  readonly value: Init;
  /** First token of the item (the `.` of a designator, or the value). */
  readonly start: Token;
}

interface Declaration {
  readonly struct: StructKind;
  readonly name: Token;
  readonly array: boolean;
  readonly init: Init | null;
  /** Declared in the section `.kpatch.system_states`. */
  readonly systemStates: boolean;
}

/** Values of names the kernel's headers define that initializers use. */
const BUILTINS: ReadonlyMap<string, CInt> = new Map([
  ['true', { value: 1n, bits: 32, unsigned: false }],
  ['false', { value: 0n, bits: 32, unsigned: false }],
  ['NULL', { value: 0n, bits: 64, unsigned: false }],
]);

/**
 * Reads a C source file.
 *
 * @example
 * readSourceFile('test_klp_state3.c', {}).patch?.states // from test_klp_state2.c, included
 */
export function readSourceFile(file: string, options: PreprocessOptions = {}): ArtifactRead {
  const text = readTextFile(file);
  if (typeof text !== 'string') {
    const source = new Source(file, '');
    return {
      patch: null,
      diagnostics: [
        {
          code: 'KV0415',
          severity: 'error',
          message: `cannot read \`${file}\`: ${text.reason}`,
          source,
          span: { start: 0, end: 0 },
        },
      ],
    };
  }
  return readSource(new Source(file, text), options);
}

/**
 * Reads a C source from its text.
 *
 * @example
 * readSource(new Source('x.c', text)).patch?.replace
 */
export function readSource(source: Source, options: PreprocessOptions = {}): ArtifactRead {
  const pp = preprocess(source, options);
  const diagnostics: Diagnostic[] = [...pp.diagnostics];
  const reader = new SourceReader(source, pp.tokens, pp.macros, diagnostics);
  const patch = reader.read();
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { patch: failed ? null : patch, diagnostics };
}

class SourceReader {
  readonly #source: Source;
  readonly #tokens: readonly Token[];
  readonly #macros: ReadonlyMap<string, Macro>;
  readonly #diagnostics: Diagnostic[];
  readonly #decls = new Map<string, Declaration>();

  constructor(
    source: Source,
    tokens: readonly Token[],
    macros: ReadonlyMap<string, Macro>,
    diagnostics: Diagnostic[],
  ) {
    this.#source = source;
    this.#tokens = tokens;
    this.#macros = macros;
    this.#diagnostics = diagnostics;
  }

  #error(
    code: 'KV0404' | 'KV0409' | 'KV0412' | 'KV0413',
    token: Token,
    message: string,
    help?: string,
  ) {
    this.#diagnostics.push(tokenDiagnostic(code, 'error', token, message, help));
  }

  #origin(token: Token): Origin {
    const at = token.site ?? token;
    const p = at.source.position(at.span.start);
    return { kind: 'source', file: at.source.file, line: p.line, col: p.col };
  }

  read(): ArtifactPatch | null {
    const declarations = this.#declarations();
    for (const d of declarations) {
      // A later definition of the same name wins over a tentative one (`static struct klp_patch patch;`).
      if (d.init !== null || !this.#decls.has(d.name.text)) this.#decls.set(d.name.text, d);
    }
    const patches = declarations.filter((d) => d.struct === 'klp_patch' && d.init !== null);
    const systemStates = declarations.filter((d) => d.systemStates && d.struct === 'klp_state');
    const name = kbuildName(this.#source.file);
    const first = patches[0];
    if (first === undefined && systemStates.length === 0) {
      const head = this.#tokens[0];
      this.#diagnostics.push({
        code: 'KV0404',
        severity: 'error',
        message: 'not a livepatch source: no initialized `struct klp_patch`',
        source: this.#source,
        span: head === undefined ? { start: 0, end: 0 } : head.span,
        help: 'a livepatch declares `static struct klp_patch patch = { .mod = THIS_MODULE, ... }`',
      });
      return null;
    }
    const second = patches[1];
    if (second !== undefined) {
      this.#error(
        'KV0409',
        second.name,
        `a second \`struct klp_patch\` \`${second.name.text}\`: one patch per module`,
      );
      return null;
    }
    const states: ArtifactState[] = [];
    let declared: ArtifactPatch['states'] = states;
    let replace: ArtifactPatch['replace'];
    let functions: ArtifactFunc[] = [];
    let origin: Origin;
    let statesOrigin: Origin | null = null;
    if (first === undefined || first.init === null) {
      const at = systemStates[0]?.name ?? this.#tokens[0];
      origin =
        at === undefined
          ? { kind: 'source', file: this.#source.file, line: 1, col: 1 }
          : this.#origin(at);
      replace = this.#unresolved(
        at,
        `\`replace\` of \`${name}\` is unknown: the source declares states but no \`struct klp_patch\``,
        `pass \`--replace ${name}=true\` (kpatch-build's default) or \`--replace ${name}=false\``,
      );
    } else {
      origin = this.#origin(first.name);
      const fields = this.#fields('klp_patch', first.init);
      const runtime = this.#runtimeAssignments(first.name.text);
      const replaceInit = fields.get('replace');
      const assigned = runtime.get('replace');
      if (assigned !== undefined) {
        replace = this.#unresolved(assigned.at, assigned.message, assigned.help(name));
      } else if (replaceInit === undefined) {
        replace = { value: false, origin: this.#origin(first.name) };
      } else {
        const v = this.#integer(replaceInit.value, '`replace`');
        replace =
          v === null
            ? { value: false, origin }
            : { value: v !== 0n, origin: this.#origin(replaceInit.start) };
      }
      const statesAssigned = runtime.get('states');
      if (statesAssigned !== undefined) {
        declared = this.#unresolved(
          statesAssigned.at,
          statesAssigned.message,
          'write the states of this patch in a catalog by hand',
        );
      } else {
        const ref = fields.get('states');
        const arr = ref === undefined ? null : this.#reference(ref.value, 'klp_state', '`states`');
        if (arr !== null) {
          statesOrigin = this.#origin(arr.name);
          this.#readStates(arr, states);
        }
      }
      const objs = fields.get('objs');
      const objArr =
        objs === undefined ? null : this.#reference(objs.value, 'klp_object', '`objs`');
      if (objArr !== null) functions = this.#readObjects(objArr);
    }
    const firstSystemState = systemStates[0];
    if (statesOrigin === null && firstSystemState !== undefined) {
      statesOrigin = this.#origin(firstSystemState.name);
    }
    for (const d of systemStates) {
      if (d.init !== null && d.init.kind === 'list') this.#readState(d.init, d.name, states);
    }
    return {
      name,
      file: this.#source.file,
      origin,
      replace,
      states: declared,
      statesOrigin: statesOrigin ?? origin,
      functions,
    };
  }

  #unresolved(at: Token | undefined, message: string, help: string): Unresolved {
    const token = at ?? this.#tokens[0];
    const diagnostic: Diagnostic =
      token === undefined
        ? {
            code: 'KV0407',
            severity: 'error',
            message,
            source: this.#source,
            span: { start: 0, end: 0 },
            help,
          }
        : tokenDiagnostic('KV0407', 'error', token, message, help);
    return { kind: 'unresolved', diagnostic };
  }

  /** Every `struct klp_X name[] attrs = init` (and tentative `;`) in the token stream. */
  #declarations(): Declaration[] {
    const out: Declaration[] = [];
    const t = this.#tokens;
    for (let k = 0; k + 2 < t.length; k++) {
      if (t[k]?.text !== 'struct') continue;
      const struct = STRUCTS.find((s) => s === t[k + 1]?.text);
      const name = t[k + 2];
      if (struct === undefined || name === undefined || name.kind !== 'ident') continue;
      let j = k + 3;
      let array = false;
      if (t[j]?.text === '[') {
        array = true;
        while (j < t.length && t[j]?.text !== ']') j++;
        j++;
      }
      // Attributes: `__section(".x")`, `__used`, `__aligned(...)`, `__initdata`, `__attribute__((...))`.
      let systemStates = false;
      while (j < t.length && t[j]?.kind === 'ident') {
        const attr = t[j]?.text ?? '';
        j++;
        if (t[j]?.text !== '(') continue;
        let depth = 0;
        for (; j < t.length; j++) {
          const x = t[j];
          if (x?.text === '(') depth++;
          if (x?.text === ')') depth--;
          if (
            /section/.test(attr) &&
            x?.kind === 'string' &&
            stringValue(x.text) === '.kpatch.system_states'
          ) {
            systemStates = true;
          }
          if (depth === 0) break;
        }
        j++;
      }
      const next = t[j]?.text;
      if (next === ';' || next === ',') {
        out.push({ struct, name, array, init: null, systemStates });
        continue;
      }
      if (next !== '=' || t[j + 1]?.text !== '{') continue;
      const end = matchingBrace(t, j + 1);
      if (end === null) {
        this.#error('KV0413', name, `initializer of \`${name.text}\` is not closed`);
        continue;
      }
      const expanded = expand(t.slice(j + 1, end + 1), this.#macros);
      if (expanded.kind === 'error') {
        this.#error('KV0412', expanded.token, expanded.message);
        continue;
      }
      const init = parseInit(expanded.tokens, 0, expanded.tokens.length);
      out.push({ struct, name, array, init, systemStates });
      k = end;
    }
    return out;
  }

  /** Initializer items by field name (designated, or by position in `FIELDS`). */
  #fields(struct: StructKind, init: Init): Map<string, InitItem> {
    const out = new Map<string, InitItem>();
    if (init.kind !== 'list') return out;
    let position = 0;
    for (const item of init.items) {
      const field = item.field?.text ?? FIELDS[struct][position];
      if (field === undefined) {
        this.#error(
          'KV0413',
          item.start,
          `too many values in an initializer of \`struct ${struct}\``,
        );
        continue;
      }
      position = FIELDS[struct].indexOf(field) + 1;
      out.set(field, item);
    }
    return out;
  }

  /** `patch.replace = ...;` and the like in code: field -> where and why. */
  #runtimeAssignments(
    patchName: string,
  ): Map<string, { at: Token; message: string; help: (module: string) => string }> {
    const out = new Map<string, { at: Token; message: string; help: (module: string) => string }>();
    const t = this.#tokens;
    for (let k = 0; k + 3 < t.length; k++) {
      const a = t[k];
      const field = t[k + 2];
      if (a?.text !== patchName || t[k + 1]?.text !== '.' || field === undefined) continue;
      if (t[k + 3]?.text !== '=' || out.has(field.text)) continue;
      if (!['replace', 'states', 'objs'].includes(field.text)) continue;
      const rhs: Token[] = [];
      for (let j = k + 4; j < t.length && t[j]?.text !== ';'; j++) {
        const x = t[j];
        if (x !== undefined) rhs.push(x);
      }
      const where = `${this.#origin(a).kind === 'source' ? location(a) : ''}`;
      const rhsText = rhs.map((x) => x.text).join(' ');
      const param =
        rhs.length === 1 && rhs[0]?.kind === 'ident' ? this.#moduleParam(rhs[0].text) : null;
      const from =
        param === null
          ? `from \`${rhsText}\``
          : `from module parameter \`${param.name}\`, default ${param.default}`;
      const last = rhs[rhs.length - 1] ?? field;
      // The whole assignment `patch.replace = replace` is what the diagnostic underlines.
      const whole: Token = { ...a, span: { start: a.span.start, end: last.span.end } };
      out.set(field.text, {
        at: last.source === a.source && last.site === undefined ? whole : a,
        message: `\`${field.text}\` is assigned at run time in ${where} ${from}`,
        help: (module) => {
          if (field.text !== 'replace') return 'write these facts in a catalog by hand';
          if (param === null)
            return `pass \`--replace ${module}=true\` or \`--replace ${module}=false\``;
          const plain = param.default === '0' ? 'false' : 'true';
          const other = plain === 'false' ? 'true' : 'false';
          return `pass \`--replace ${module}=${plain}\` for a plain \`insmod\`, or \`--replace ${module}=${other}\` for \`insmod ${module}.ko ${param.name}=${other === 'true' ? 1 : 0}\``;
        },
      });
    }
    return out;
  }

  /** `module_param(name, ...)` with the variable's initial value (0 when not initialized). */
  #moduleParam(name: string): { name: string; default: string } | null {
    const t = this.#tokens;
    const declared = t.some(
      (x, k) => x.text === 'module_param' && t[k + 1]?.text === '(' && t[k + 2]?.text === name,
    );
    if (!declared) return null;
    let depth = 0;
    for (let k = 0; k < t.length; k++) {
      const x = t[k];
      if (x?.text === '{') depth++;
      if (x?.text === '}') depth--;
      if (depth !== 0 || x?.text !== name || t[k - 1]?.kind !== 'ident') continue;
      if (t[k + 1]?.text === ';') return { name, default: '0' };
      if (t[k + 1]?.text === '=') {
        const value: string[] = [];
        for (let j = k + 2; j < t.length && t[j]?.text !== ';'; j++) value.push(t[j]?.text ?? '');
        return { name, default: value.join(' ') };
      }
    }
    return { name, default: 'unknown' };
  }

  /** The array an initializer names (`states`, `&states[0]`), or null (NULL, reported). */
  #reference(init: Init, struct: StructKind, what: string): Declaration | null {
    if (init.kind !== 'expr') {
      const at = init.open;
      this.#error('KV0413', at, `expected the name of a \`struct ${struct}\` array for ${what}`);
      return null;
    }
    const words = init.tokens.filter((x) => x.kind === 'ident');
    const first = init.tokens[0];
    if (first === undefined) return null;
    if (words.length === 1 && words[0]?.text === 'NULL') return null;
    if (init.tokens.length === 1 && first.text === '0') return null;
    const ident = words[0];
    const decl = ident === undefined ? undefined : this.#decls.get(ident.text);
    if (ident === undefined || decl === undefined || decl.struct !== struct) {
      this.#error(
        'KV0412',
        ident ?? first,
        `${what} is \`${init.tokens.map((x) => x.text).join('')}\`, not a \`struct ${struct}\` array of this source`,
        'the arrays of a livepatch are static data of the module; read the compiled module instead',
      );
      return null;
    }
    if (decl.init === null) {
      this.#error(
        'KV0412',
        ident,
        `\`${ident.text}\` is declared but not initialized in this source`,
      );
      return null;
    }
    return decl;
  }

  #readStates(decl: Declaration, out: ArtifactState[]): void {
    const init = decl.init;
    if (init === null || init.kind !== 'list') return;
    for (const item of init.items) {
      if (item.value.kind !== 'list') {
        this.#error('KV0413', item.start, 'expected `{ .id = ..., .version = ... }` for a state');
        return;
      }
      if (!this.#readState(item.value, item.start, out)) return;
    }
  }

  /** One `struct klp_state` initializer; false at the terminating entry (id 0). */
  #readState(init: Init, at: Token, out: ArtifactState[]): boolean {
    const f = this.#fields('klp_state', init);
    const idItem = f.get('id');
    const versionItem = f.get('version');
    const id = idItem === undefined ? 0n : this.#integer(idItem.value, '`id`', 64);
    if (id === null) return true;
    if (id === 0n) return false;
    const version =
      versionItem === undefined ? 0n : this.#integer(versionItem.value, '`version`', 32);
    if (version === null) return true;
    out.push({
      id,
      version: Number(version),
      origin: this.#origin(versionItem?.start ?? idItem?.start ?? at),
    });
    return true;
  }

  #readObjects(decl: Declaration): ArtifactFunc[] {
    const out: ArtifactFunc[] = [];
    if (decl.init === null || decl.init.kind !== 'list') return out;
    for (const item of decl.init.items) {
      const f = this.#fields('klp_object', item.value);
      const nameItem = f.get('name');
      const funcsItem = f.get('funcs');
      const name = nameItem === undefined ? null : this.#string(nameItem.value, '`name`');
      const funcs =
        funcsItem === undefined ? null : this.#reference(funcsItem.value, 'klp_func', '`funcs`');
      if (name === null && funcs === null) {
        if (nameItem === undefined && funcsItem === undefined) return out;
        continue;
      }
      if (funcs !== null) out.push(...this.#readFuncs(name ?? 'vmlinux', funcs));
    }
    return out;
  }

  #readFuncs(object: string, decl: Declaration): ArtifactFunc[] {
    const out: ArtifactFunc[] = [];
    if (decl.init === null || decl.init.kind !== 'list') return out;
    for (const item of decl.init.items) {
      const f = this.#fields('klp_func', item.value);
      const nameItem = f.get('old_name');
      const posItem = f.get('old_sympos');
      if (nameItem === undefined) {
        if (f.size === 0) return out;
        this.#error(
          'KV0413',
          item.start,
          'a `struct klp_func` without `.old_name`',
          'the kernel refuses a function without `old_name`',
        );
        continue;
      }
      const name = this.#string(nameItem.value, '`old_name`');
      const sympos = posItem === undefined ? 0n : this.#integer(posItem.value, '`old_sympos`', 32);
      if (name === null || sympos === null) continue;
      out.push({ object, name, sympos: Number(sympos), origin: this.#origin(nameItem.start) });
    }
    return out;
  }

  /** A string initializer (adjacent literals concatenated); null for NULL or a problem. */
  #string(init: Init, what: string): string | null {
    if (
      init.kind === 'expr' &&
      init.tokens.length > 0 &&
      init.tokens.every((x) => x.kind === 'string')
    ) {
      const parts = init.tokens.map((x) => stringValue(x.text));
      if (parts.every((x) => x !== null)) return parts.join('');
    }
    if (
      init.kind === 'expr' &&
      init.tokens.length === 1 &&
      ['NULL', '0'].includes(init.tokens[0]?.text ?? '')
    ) {
      return null;
    }
    const at = init.kind === 'list' ? init.open : init.tokens[0];
    if (at !== undefined) {
      this.#error(
        'KV0412',
        at,
        `${what} is not a string literal: \`${initText(init)}\``,
        'define the macros it uses with `-D NAME=VALUE`',
      );
    }
    return null;
  }

  /** An integer initializer, truncated to `bits` as the compiler does (with a warning). */
  #integer(init: Init, what: string, bits: 32 | 64 = 32): bigint | null {
    if (init.kind !== 'expr' || init.tokens.length === 0) {
      const at = init.kind === 'list' ? init.open : null;
      if (at !== null)
        this.#error('KV0413', at, `expected a number for ${what}, found a brace list`);
      return null;
    }
    const r = evaluate(init.tokens, (n) => BUILTINS.get(n) ?? null);
    const first = init.tokens[0];
    if (r.kind === 'error') {
      const at = r.token ?? first;
      if (at !== undefined) {
        this.#error(
          'KV0412',
          at,
          r.unknown === undefined
            ? `${what} is not a constant: ${r.message}`
            : `${what} is unresolved: \`${r.unknown}\` is not defined in this source or its local includes`,
          r.unknown === undefined
            ? undefined
            : `define it with \`-D ${r.unknown}=VALUE\`, or add its header's folder with \`-I DIR\``,
        );
      }
      return null;
    }
    const v = BigInt.asUintN(bits, r.value.value);
    if (v !== r.value.value && first !== undefined) {
      this.#diagnostics.push(
        tokenDiagnostic(
          'KV0416',
          'warning',
          first,
          `${what} \`${initText(init)}\` is ${r.value.value}, stored as ${v} in ${bits} bits`,
          `${what} is an unsigned ${bits}-bit field`,
        ),
      );
    }
    return v;
  }
}

function location(t: Token): string {
  const at = t.site ?? t;
  const p = at.source.position(at.span.start);
  return `${at.source.file.split(/[\\/]/).pop() ?? at.source.file}:${p.line}`;
}

function initText(init: Init): string {
  return init.kind === 'list' ? '{...}' : init.tokens.map((x) => x.text).join(' ');
}

/** Index of the `}` closing the `{` at `open`, or null. */
function matchingBrace(t: readonly Token[], open: number): number | null {
  let depth = 0;
  for (let k = open; k < t.length; k++) {
    const x = t[k]?.text;
    if (x === '{') depth++;
    if (x === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return null;
}

/** Parses `t[from, to)` as one initializer. */
function parseInit(t: readonly Token[], from: number, to: number): Init {
  const open = t[from];
  if (open === undefined || open.text !== '{') return { kind: 'expr', tokens: t.slice(from, to) };
  const close = matchingBrace(t, from);
  const end = close === null || close >= to ? to : close;
  const items: InitItem[] = [];
  let k = from + 1;
  while (k < end) {
    // One item: up to the next comma at depth 0.
    let j = k;
    let depth = 0;
    for (; j < end; j++) {
      const x = t[j]?.text;
      if (x === '{' || x === '(' || x === '[') depth++;
      if (x === '}' || x === ')' || x === ']') depth--;
      if (x === ',' && depth === 0) break;
    }
    const start = t[k];
    if (start !== undefined && j > k) {
      let valueFrom = k;
      let field: Token | null = null;
      if (start.text === '.' && t[k + 1]?.kind === 'ident' && t[k + 2]?.text === '=') {
        field = t[k + 1] ?? null;
        valueFrom = k + 3;
      } else if (start.text === '[') {
        // An array designator `[2] = ...`: the position is not needed to read the entries.
        let m = k;
        while (m < j && t[m]?.text !== '=') m++;
        valueFrom = m + 1;
      }
      items.push({ field, value: parseInit(t, valueFrom, j), start });
    }
    k = j + 1;
  }
  return { kind: 'list', open, items };
}
