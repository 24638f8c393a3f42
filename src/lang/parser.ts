/**
 * Hand-written recursive-descent parser of rule files, with recovery.
 *
 * Never throws to its caller: every problem is a diagnostic. After an error inside a rule it
 * skips to the next rule or item keyword (`rule`, `allow`, `on`, `invariant`, `policy`) and
 * goes on, so one run reports the errors of every rule. The AST it returns holds what parsed;
 * it is meaningful only when no error was reported (the checker still runs on it, to report
 * more errors at once).
 *
 * Grammar (lowest precedence first; docs/rules.md has the full reference):
 *   expr    := or ('implies' expr)?                      right associative
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | compare
 *   compare := postfix (cmp-op postfix)?                  cmp-op: == != < <= > >= below before
 *   postfix := primary ('.' IDENT ('(' expr ')')?)*
 *   primary := NUMBER | 'true' | 'false' | IDENT | '(' expr ')'
 *            | ('some' | 'all') IDENT 'in' domain ':' expr
 */
import { assertNever } from '../model/op.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import { cover, Source, type Span } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import type {
  Binder,
  CompareOp,
  Domain,
  Expr,
  Item,
  Name,
  OnBlock,
  OnComplete,
  OrderOp,
  Reject,
  Rule,
  RuleSetAst,
  Template,
  TemplatePart,
  Text,
} from './ast.ts';
import { type LangCode, langDiagnostic } from './codes.ts';
import { describeToken, type Keyword, lex, type Token } from './lexer.ts';

export interface Parsed<T> {
  /** Null only when nothing usable parsed. */
  readonly ast: T | null;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses a whole rule file.
 *
 * @example
 * const { ast, diagnostics } = parseRuleSet(new Source('upstream.klp', text));
 */
export function parseRuleSet(source: Source): Parsed<RuleSetAst> {
  const lexed = lex(source);
  const first = lexed.tokens[0];
  // Nothing but bad characters (a binary file) is not a rule file either.
  const onlyJunk = first?.kind === 'eof' && lexed.diagnostics.length > 0;
  if (first !== undefined && (!startsRuleFile(first) || onlyJunk)) {
    // Not a rule file at all (`/etc/passwd`): one diagnostic that shows none of its text.
    const empty: RuleSetAst = {
      kind: 'ruleset',
      name: { text: '', span: { start: 0, end: 0 } },
      sentence: null,
      items: [],
      span: { start: 0, end: 0 },
    };
    const hidden = new Source(source.file, '');
    return {
      ast: empty,
      diagnostics: [
        langDiagnostic(
          'KV2305',
          hidden,
          { start: 0, end: 0 },
          `\`${source.file}\` is not a rule file`,
          'a rule file starts with `ruleset NAME "what it describes"` (after comments)',
        ),
      ],
    };
  }
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  const p = new Parser(source, lexed.tokens, diagnostics, 'end of file');
  const ast = p.parseFile();
  return { ast, diagnostics };
}

/**
 * Parses a lone expression (tests, tools that take an expression on the command line).
 *
 * @example
 * parseExpression(new Source('<expr>', 'new.has(1) and new.version(1) >= 2')).ast?.kind // 'and'
 */
export function parseExpression(source: Source): Parsed<Expr> {
  const lexed = lex(source);
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  const p = new Parser(source, lexed.tokens, diagnostics, 'end of input');
  return { ast: p.parseWhole(), diagnostics };
}

/** Whether a file's first token can start a rule file (a header, or an item missing one). */
function startsRuleFile(t: Token): boolean {
  return (
    t.kind === 'eof' ||
    (t.kind === 'keyword' && (t.text === 'ruleset' || RULE_START.includes(t.text)))
  );
}

/** Thrown after a diagnostic was recorded, caught at the next recovery point in this file. */
class Bail {}
const BAIL = new Bail();

/** Keywords that start a rule or an item: where recovery resumes. */
const RULE_START: readonly Keyword[] = ['rule', 'allow', 'on', 'invariant', 'policy'];
const ITEM_START: readonly Keyword[] = ['on', 'invariant', 'policy'];
type Clause = 'for' | 'when' | 'require' | 'message' | 'reject';
const CLAUSES: readonly Clause[] = ['for', 'when', 'require', 'message', 'reject'];

/**
 * The deepest expression a rule may hold, counting parentheses, operators and attribute
 * chains (`a and b and c` is 3 deep). The checker, the evaluator and the SMT compiler recurse
 * once per level; real rules are less than 15 deep.
 */
export const MAX_EXPR_DEPTH = 200;

const COMPARE_OPS: readonly CompareOp[] = ['==', '!=', '<', '<=', '>', '>='];
const EVENTS = ['enable', 'disable', 'complete'];

class Parser {
  readonly source: Source;
  readonly tokens: readonly Token[];
  readonly diagnostics: Diagnostic[];
  /** How the end of the token stream reads in messages. */
  readonly endName: string;
  pos = 0;
  /** End offset of the last consumed token, for node spans. */
  lastEnd = 0;
  /** How many `parseExpr`/`not` calls are open: bounds the parser's own recursion. */
  nesting = 0;
  /** The height of every expression node built (a leaf is 1): bounds the back ends' recursion. */
  readonly heights = new WeakMap<Expr, number>();

  constructor(
    source: Source,
    tokens: readonly Token[],
    diagnostics: Diagnostic[],
    endName: string,
  ) {
    this.source = source;
    this.tokens = tokens;
    this.diagnostics = diagnostics;
    this.endName = endName;
  }

  // ---- token helpers -------------------------------------------------------------------

  peek(): Token {
    // INVARIANT: the lexer always ends the stream with `eof`, and `next` never passes it.
    const t = this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1];
    if (t === undefined) throw new Error('internal: empty token stream');
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    this.lastEnd = t.span.end;
    return t;
  }

  atKeyword(...kws: readonly Keyword[]): boolean {
    const t = this.peek();
    return t.kind === 'keyword' && kws.includes(t.text);
  }

  atPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  describe(t: Token): string {
    return t.kind === 'eof' ? this.endName : describeToken(t);
  }

  report(code: LangCode, span: Span, message: string, help?: string): void {
    this.diagnostics.push(langDiagnostic(code, this.source, span, message, help));
  }

  fail(code: LangCode, span: Span, message: string, help?: string): never {
    this.report(code, span, message, help);
    throw BAIL;
  }

  /** Records the height of a new node over its children; too high is an error (KV2304). */
  node<E extends Expr>(e: E, ...children: readonly Expr[]): E {
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 1);
    if (h + 1 > MAX_EXPR_DEPTH) this.tooDeep(e.span);
    this.heights.set(e, h + 1);
    return e;
  }

  /** Runs a recursive step of the parser, refusing to go deeper than `MAX_EXPR_DEPTH`. */
  nested<T>(f: () => T): T {
    if (this.nesting >= MAX_EXPR_DEPTH) this.tooDeep(this.peek().span);
    this.nesting++;
    try {
      return f();
    } finally {
      this.nesting--;
    }
  }

  tooDeep(span: Span): never {
    return this.fail(
      'KV2304',
      span,
      `expression nested more than ${MAX_EXPR_DEPTH} levels deep`,
      'split it into several rules, or name parts with `for` binders',
    );
  }

  /** `expected X, found Y` at the current token. */
  expected(what: string, help?: string): never {
    const t = this.peek();
    return this.fail('KV2101', t.span, `expected ${what}, found ${this.describe(t)}`, help);
  }

  expectKeyword(kw: Keyword): Token {
    if (!this.atKeyword(kw)) this.expected(`\`${kw}\``);
    return this.next();
  }

  expectPunct(p: string): Token {
    if (!this.atPunct(p)) this.expected(`\`${p}\``);
    return this.next();
  }

  expectName(what: string): Name {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return { text: t.text, span: t.span };
    }
    const help = t.kind === 'keyword' ? `\`${t.text}\` is a reserved word` : undefined;
    return this.expected(what, help);
  }

  /** Skips to the next token that starts one of `kws` (or the end). */
  skipTo(kws: readonly Keyword[]): void {
    while (this.peek().kind !== 'eof' && !this.atKeyword(...kws)) this.next();
  }

  // ---- file and items --------------------------------------------------------------------

  parseFile(): RuleSetAst {
    const first = this.peek();
    let name: Name = { text: '', span: { start: first.span.start, end: first.span.start } };
    let sentence: Text | null = null;
    try {
      if (!this.atKeyword('ruleset')) {
        this.expected('`ruleset`', 'a rule file starts with `ruleset NAME "what it describes"`');
      }
      this.next();
      name = this.expectName('a rule set name');
      if (this.peek().kind === 'string') sentence = this.parseText();
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      this.skipTo(RULE_START);
    }
    const items: Item[] = [];
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      try {
        if (t.kind === 'keyword' && t.text === 'on') {
          items.push(this.parseOn());
        } else if (t.kind === 'keyword' && (t.text === 'invariant' || t.text === 'policy')) {
          items.push(this.parseRule(t.text));
        } else if (t.kind === 'keyword' && (t.text === 'rule' || t.text === 'allow')) {
          // The checker reports a rule outside an `on` block; parse it to report its own errors.
          items.push(this.parseRule(t.text));
        } else {
          this.next();
          this.fail(
            'KV2101',
            t.span,
            `expected \`on\`, \`invariant\` or \`policy\`, found ${this.describe(t)}`,
          );
        }
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.skipTo(t.kind === 'keyword' && t.text === 'on' ? ITEM_START : RULE_START);
      }
    }
    return {
      kind: 'ruleset',
      name,
      sentence,
      items,
      span: { start: first.span.start, end: this.lastEnd },
    };
  }

  parseOn(): OnBlock | OnComplete {
    const on = this.next();
    const ev = this.peek();
    if (ev.kind !== 'ident' || !EVENTS.includes(ev.text)) {
      const word = ev.kind === 'ident' ? ev.text : '';
      this.fail(
        'KV2102',
        ev.span,
        ev.kind === 'ident'
          ? `unknown event \`${word}\` after \`on\``
          : `expected \`enable\`, \`disable\` or \`complete\` after \`on\`, found ${this.describe(ev)}`,
        didYouMean(word, EVENTS) ??
          'blocks are `on enable NEW`, `on disable P` and `on complete NEW replaces OLD`',
      );
    }
    this.next();
    if (ev.text === 'complete') {
      const incoming = this.expectName('a name for the completing patch');
      const rep = this.peek();
      if (rep.kind !== 'ident' || rep.text !== 'replaces') this.expected('`replaces`');
      this.next();
      const old = this.expectName('a name for the installed patch');
      this.expectKeyword('when');
      const when = this.parseExpr();
      return {
        kind: 'on-complete',
        incoming,
        old,
        when,
        span: { start: on.span.start, end: this.lastEnd },
      };
    }
    const event = ev.text === 'enable' ? 'enable' : 'disable';
    const patch = this.expectName(`a name for the patch being ${event}d`);
    let reject: Reject | null = null;
    if (this.atKeyword('reject')) {
      try {
        reject = this.parseReject();
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.skipTo(RULE_START);
      }
    }
    const rules: Rule[] = [];
    while (this.atKeyword('rule', 'allow')) {
      const t = this.peek();
      try {
        rules.push(this.parseRule(t.kind === 'keyword' && t.text === 'allow' ? 'allow' : 'rule'));
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        this.skipTo(RULE_START);
      }
    }
    if (!this.atKeyword(...ITEM_START) && this.peek().kind !== 'eof') {
      this.expected('`rule`, `allow` or the next block');
    }
    return {
      kind: 'on',
      event,
      patch,
      reject,
      rules,
      span: { start: on.span.start, end: this.lastEnd },
    };
  }

  parseReject(): Reject {
    const kw = this.next();
    const errno = this.expectName('an errno such as `EINVAL`');
    let log: Template | null = null;
    if (this.atKeyword('log')) {
      this.next();
      log = this.parseTemplate('a log line');
    }
    return { errno, log, span: { start: kw.span.start, end: this.lastEnd } };
  }

  parseRule(mode: Rule['mode']): Rule {
    const kw = this.next();
    const name = this.expectName(`a ${mode} name`);
    if (this.peek().kind !== 'string') {
      this.expected(
        'a sentence',
        `every ${mode} states the sentence it enforces: \`${mode} ${name.text} "..."\``,
      );
    }
    const sentence = this.parseText();
    const seen = new Map<Clause, Span>();
    let lastClause: Clause | null = null;
    let binders: Binder[] = [];
    let when: Expr | null = null;
    let require: Expr | null = null;
    let message: Template | null = null;
    let reject: Reject | null = null;
    for (;;) {
      const t = this.peek();
      const clause = t.kind === 'keyword' ? CLAUSES.find((c) => c === t.text) : undefined;
      if (clause === undefined) break;
      lastClause = clause;
      const first = seen.get(clause);
      if (first !== undefined) {
        this.report(
          'KV2103',
          t.span,
          `duplicate \`${clause}\` clause in ${mode} \`${name.text}\``,
          clause === 'for'
            ? 'bind several names in one clause: `for a in installed, s in a.states`'
            : `combine the two with \`and\` in one \`${clause}\` clause`,
        );
      } else {
        seen.set(clause, t.span);
      }
      const keep = first === undefined;
      switch (clause) {
        case 'for': {
          this.next();
          const bs = [this.parseBinder()];
          while (this.atPunct(',')) {
            this.next();
            bs.push(this.parseBinder());
          }
          if (keep) binders = bs;
          break;
        }
        case 'when': {
          this.next();
          const e = this.parseExpr();
          if (keep) when = e;
          break;
        }
        case 'require': {
          this.next();
          const e = this.parseExpr();
          if (keep) require = e;
          break;
        }
        case 'message': {
          this.next();
          const m = this.parseTemplate('a message');
          if (keep) message = m;
          break;
        }
        case 'reject': {
          const r = this.parseReject();
          if (keep) reject = r;
          break;
        }
        default:
          assertNever(clause, 'clause');
      }
    }
    if (!this.atKeyword(...RULE_START) && this.peek().kind !== 'eof') {
      const afterBinder = lastClause === 'for' && this.peek().kind === 'ident';
      this.expected(
        '`for`, `when`, `require`, `message`, `reject` or the next rule',
        afterBinder ? 'separate binders with `,`: `for a in installed, s in a.states`' : undefined,
      );
    }
    return {
      kind: 'rule',
      mode,
      name,
      sentence,
      binders,
      when,
      require,
      message,
      reject,
      span: { start: kw.span.start, end: this.lastEnd },
    };
  }

  parseBinder(): Binder {
    const name = this.expectName('a binder name');
    this.expectKeyword('in');
    const domain = this.parseDomain();
    return { name, domain, span: cover(name.span, domain.span) };
  }

  parseDomain(): Domain {
    const t = this.peek();
    if (t.kind === 'keyword' && (t.text === 'installed' || t.text === 'catalog')) {
      this.next();
      return { kind: t.text, span: t.span };
    }
    if (
      t.kind === 'eof' ||
      (t.kind === 'keyword' && !['some', 'all', 'true', 'false'].includes(t.text))
    ) {
      this.expected('`installed`, `catalog`, `p.states` or `p.functions`');
    }
    const e = this.parsePostfix();
    if (e.kind === 'attr' && (e.attr === 'states' || e.attr === 'functions')) {
      return { kind: e.attr, of: e.object, span: e.span };
    }
    const text = this.source.text.slice(e.span.start, e.span.end);
    const help =
      (e.kind === 'attr' ? didYouMean(e.attr, ['states', 'functions']) : undefined) ??
      'binders range over `installed`, `catalog`, `p.states` or `p.functions`';
    return this.fail('KV2104', e.span, `\`${text}\` is not a collection`, help);
  }

  // ---- expressions -----------------------------------------------------------------------

  /** An expression that must use up the whole token stream (a lone expression or a hole). */
  parseWhole(): Expr | null {
    try {
      const e = this.parseExpr();
      if (this.peek().kind !== 'eof') this.expected(`the ${this.endName}`);
      return e;
    } catch (err) {
      if (!(err instanceof Bail)) throw err;
      return null;
    }
  }

  parseExpr(): Expr {
    return this.nested(() => {
      const left = this.parseOr();
      if (!this.atKeyword('implies')) return left;
      this.next();
      const right = this.parseExpr();
      return this.node(
        { kind: 'implies', left, right, span: cover(left.span, right.span) },
        left,
        right,
      );
    });
  }

  parseOr(): Expr {
    let left = this.parseAnd();
    while (this.atKeyword('or')) {
      this.next();
      const right = this.parseAnd();
      left = this.node(
        { kind: 'or', left, right, span: cover(left.span, right.span) },
        left,
        right,
      );
    }
    return left;
  }

  parseAnd(): Expr {
    let left = this.parseNot();
    while (this.atKeyword('and')) {
      this.next();
      const right = this.parseNot();
      left = this.node(
        { kind: 'and', left, right, span: cover(left.span, right.span) },
        left,
        right,
      );
    }
    return left;
  }

  parseNot(): Expr {
    if (!this.atKeyword('not')) return this.parseCompare();
    return this.nested(() => {
      const kw = this.next();
      const operand = this.parseNot();
      return this.node({ kind: 'not', operand, span: cover(kw.span, operand.span) }, operand);
    });
  }

  /** The comparison operator at the current token, if any. */
  compareOp():
    | { readonly kind: 'compare'; readonly op: CompareOp }
    | { readonly kind: 'order'; readonly op: OrderOp }
    | null {
    const t = this.peek();
    if (t.kind === 'keyword' && (t.text === 'below' || t.text === 'before')) {
      return { kind: 'order', op: t.text };
    }
    if (t.kind === 'punct') {
      const op = COMPARE_OPS.find((o) => o === t.text);
      if (op !== undefined) return { kind: 'compare', op };
    }
    return null;
  }

  parseCompare(): Expr {
    const left = this.parsePostfix();
    const op = this.compareOp();
    if (op === null) return left;
    this.next();
    const right = this.parsePostfix();
    const span = cover(left.span, right.span);
    if (this.compareOp() !== null) {
      const t = this.peek();
      this.fail(
        'KV2106',
        cover(span, t.span),
        'comparisons do not chain',
        'add parentheses, e.g. `(a == b) == c`, or join two comparisons with `and`',
      );
    }
    return op.kind === 'compare'
      ? this.node({ kind: 'compare', op: op.op, left, right, span }, left, right)
      : this.node({ kind: 'order', op: op.op, left, right, span }, left, right);
  }

  parsePostfix(): Expr {
    let e = this.parsePrimary();
    while (this.atPunct('.')) {
      this.next();
      const t = this.peek();
      if (t.kind !== 'ident') this.expected('an attribute name');
      this.next();
      if (!this.atPunct('(')) {
        e = this.node(
          {
            kind: 'attr',
            object: e,
            attr: t.text,
            attrSpan: t.span,
            span: cover(e.span, t.span),
          },
          e,
        );
        continue;
      }
      const open = this.next();
      if (this.atPunct(')')) {
        const close = this.next();
        this.fail(
          'KV2107',
          cover(open.span, close.span),
          `\`${t.text}\` takes exactly one argument`,
        );
      }
      const arg = this.parseExpr();
      if (this.atPunct(',')) {
        const comma = this.peek();
        this.fail(
          'KV2107',
          cover(comma.span, comma.span),
          `\`${t.text}\` takes exactly one argument`,
        );
      }
      this.expectPunct(')');
      e = this.node(
        {
          kind: 'call',
          object: e,
          method: t.text,
          methodSpan: t.span,
          arg,
          span: { start: e.span.start, end: this.lastEnd },
        },
        e,
        arg,
      );
    }
    return e;
  }

  parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'number', value: t.value, radix: t.radix, span: t.span };
      case 'ident':
        this.next();
        return { kind: 'var', name: t.text, span: t.span };
      case 'punct':
        if (t.text === '(') {
          this.next();
          const e = this.parseExpr();
          const close = this.expectPunct(')');
          // Parentheses make no node; the span grows so that diagnostics underline them too.
          const inParens = { ...e, span: cover(t.span, close.span) };
          this.heights.set(inParens, this.heights.get(e) ?? 1);
          return inParens;
        }
        return this.expected('an expression');
      case 'keyword':
        switch (t.text) {
          case 'true':
          case 'false':
            this.next();
            return { kind: 'bool', value: t.text === 'true', span: t.span };
          case 'some':
          case 'all': {
            this.next();
            const binder = this.parseBinder();
            this.expectPunct(':');
            const body = this.parseExpr();
            const of = 'of' in binder.domain ? [binder.domain.of] : [];
            return this.node(
              {
                kind: 'quantifier',
                quantifier: t.text,
                binder,
                body,
                span: cover(t.span, body.span),
              },
              body,
              ...of,
            );
          }
          case 'installed':
          case 'catalog':
            return this.fail(
              'KV2105',
              t.span,
              `\`${t.text}\` is a collection, not a value`,
              `quantify over it: \`some p in ${t.text}: ...\``,
            );
          default:
            return this.expected('an expression');
        }
      case 'string':
        return this.expected(
          'an expression',
          'strings appear only as sentences, messages and log lines, never inside expressions',
        );
      case 'eof':
        return this.expected('an expression');
      default:
        return assertNever(t, 'token');
    }
  }

  // ---- strings ---------------------------------------------------------------------------

  /** The inside of the current string token: `[from, to)`. */
  stringBody(): { readonly from: number; readonly to: number; readonly span: Span } {
    const t = this.next();
    if (t.kind !== 'string') throw new Error('internal: stringBody at a non-string');
    return { from: t.span.start + 1, to: t.closed ? t.span.end - 1 : t.span.end, span: t.span };
  }

  /** Decodes `\"` and `\\`; reports any other escape. Returns the character and its width. */
  escape(at: number): string {
    const c = this.source.text[at + 1] ?? '';
    if (c === '"' || c === '\\') return c;
    this.report(
      'KV2013',
      { start: at, end: at + 2 },
      `unknown escape \`\\${c}\` in string`,
      'the only escapes are `\\"` and `\\\\`; in messages, write `{{` and `}}` for braces',
    );
    return c;
  }

  /** A plain string: a sentence. Braces are literal. */
  parseText(): Text {
    const { from, to, span } = this.stringBody();
    let value = '';
    for (let i = from; i < to; i++) {
      const c = this.source.text[i] ?? '';
      if (c === '\\') {
        value += this.escape(i);
        i++;
      } else {
        value += c;
      }
    }
    return { value, span };
  }

  /** A message or log line: text with `{expr}` holes; `{{` and `}}` are literal braces. */
  parseTemplate(what: string): Template {
    if (this.peek().kind !== 'string') this.expected(`${what} in double quotes`);
    const { from, to, span } = this.stringBody();
    const text = this.source.text;
    const parts: TemplatePart[] = [];
    let buf = '';
    let bufStart = from;
    const flush = (end: number): void => {
      if (buf !== '') parts.push({ kind: 'text', value: buf, span: { start: bufStart, end } });
      buf = '';
    };
    let i = from;
    while (i < to) {
      const c = text[i] ?? '';
      const d = i + 1 < to ? (text[i + 1] ?? '') : '';
      if (c === '\\') {
        buf += this.escape(i);
        i += 2;
      } else if (c === '{' && d === '{') {
        buf += '{';
        i += 2;
      } else if (c === '}' && d === '}') {
        buf += '}';
        i += 2;
      } else if (c === '}') {
        this.report(
          'KV2016',
          { start: i, end: i + 1 },
          'unmatched `}` in a message',
          'write `}}` for a literal brace',
        );
        i++;
      } else if (c === '{') {
        const close = text.indexOf('}', i + 1);
        if (close === -1 || close >= to) {
          this.report(
            'KV2015',
            { start: i, end: to },
            'unclosed `{` in a message',
            'close the hole with `}`, or write `{{` for a literal brace',
          );
          i = to;
          break;
        }
        flush(i);
        const hole = { start: i, end: close + 1 };
        if (text.slice(i + 1, close).trim() === '') {
          this.report(
            'KV2017',
            hole,
            'empty `{}` in a message',
            'put an expression inside, e.g. `{s.id}`, or write `{{}}` for literal braces',
          );
        } else {
          const lexed = lex(this.source, i + 1, close);
          this.diagnostics.push(...lexed.diagnostics);
          const sub = new Parser(this.source, lexed.tokens, this.diagnostics, 'end of the hole');
          const expr = sub.parseWhole();
          if (expr !== null) parts.push({ kind: 'hole', expr, span: hole });
        }
        i = close + 1;
        bufStart = i;
      } else {
        buf += c;
        i++;
      }
    }
    flush(i);
    return { parts, span };
  }
}
