/**
 * Plan files: a catalog (by path or inline), the rule set to judge it by, the patches loaded
 * before the first step, and a list of operations with their expected results.
 *
 * Guarantees: a returned plan has exactly one catalog, every patch name in `initial` and in
 * the steps is in that catalog, each step holds exactly one operation, and every step keeps
 * its span. The rule set name is returned as written; the caller resolves it.
 */

import { dirname, isAbsolute, join } from 'node:path';
import { isScalar } from 'yaml';
import { ERRNOS, OP_KINDS, type Op, type OpResult } from '../model/op.ts';
import type { TransitionMode } from '../model/system.ts';
import { Source, type Span } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import {
  type CatalogRead,
  readCatalogDocument,
  readPatchList,
  type SourcedCatalog,
} from './catalog.ts';
import { decodeUtf8, isInside, readerLimits, readTextFile, readUtf8 } from './fs.ts';
import {
  type Field,
  quoted,
  readBool,
  readChoice,
  readFields,
  readList,
  readString,
  shortened,
} from './read.ts';
import { type Loaded, loaded, Reporter, reportReadFailure, unreadable } from './reporter.ts';
import { describe, parseYaml, type Value } from './yaml-tree.ts';

/** One operation of a plan with the result the user expects. */
export interface PlanStep {
  readonly op: Op;
  readonly expect: OpResult;
  readonly source: Source;
  readonly span: Span;
}

export interface Plan {
  readonly source: Source;
  /** The rule set name or path as written; `span` is null when defaulted to `upstream`. */
  readonly rules: { readonly value: string; readonly span: Span | null };
  readonly transitions: TransitionMode;
  readonly catalog: SourcedCatalog;
  /** The catalog file, or null when the patches are inline in the plan. */
  readonly catalogSource: Source | null;
  /** Patches loaded bottom to top before the first step. */
  readonly initial: readonly { readonly name: string; readonly span: Span }[];
  readonly steps: readonly PlanStep[];
}

const PLAN_KEYS = ['rules', 'catalog', 'patches', 'transitions', 'initial', 'steps'];
const STEP_KEYS: readonly string[] = [...OP_KINDS, 'expect'];
const RESULTS: readonly OpResult[] = ['ok', ...ERRNOS];
const TRANSITIONS: readonly Plan['transitions'][] = ['auto', 'manual'];
const DEFAULT_RULES: Plan['rules'] = { value: 'upstream', span: null };
const EMPTY_HELP = 'a plan needs `catalog:` (or inline `patches:`) and `steps:`';

/**
 * Reads a plan; a `catalog:` path is read with `readFile`, relative to the plan's directory,
 * and problems inside it are reported against the catalog file itself.
 *
 * @example
 * const { value } = parsePlan(new Source('plan.yaml', 'patches: []\nsteps: []\n'));
 * value?.rules.value // 'upstream'
 */
export function parsePlan(
  source: Source,
  readFile: (path: string) => string = readUtf8,
): Loaded<Plan> {
  const r = new Reporter(source);
  const reporters = [r];
  const plan = readPlan(r, (written, at) => {
    const folder = dirname(source.file);
    const path = isAbsolute(written) ? written : join(folder, written);
    if (!readerLimits().allowOutside && !isInside(folder, path)) {
      reportOutside(r, at, 'catalog', written);
      return null;
    }
    const text = readTextFile(path, readFile);
    if (typeof text !== 'string') {
      reportReadFailure(
        r,
        at,
        `catalog \`${written}\``,
        text,
        path === written ? undefined : `looked for \`${path}\` (relative to the plan file)`,
      );
      return null;
    }
    const cr = new Reporter(new Source(path, text));
    reporters.push(cr);
    return { source: cr.source, read: readCatalogDocument(cr) };
  });
  return loaded(
    plan,
    reporters.flatMap((x) => x.diagnostics),
  );
}

/**
 * Reads a plan file and the catalog file it names.
 *
 * @example
 * const { value, diagnostics } = loadPlanFile('examples/test-state.yaml');
 */
export function loadPlanFile(path: string): Loaded<Plan> {
  const text = readTextFile(path);
  if (typeof text === 'string') return parsePlan(new Source(path, text));
  return unreadable<Plan>(path, text);
}

/**
 * Reads a plan from bytes (standard input), named `name` in diagnostics; a `catalog:` path is
 * relative to the working directory.
 *
 * @example
 * parsePlanBytes(bytes, '<stdin>').value?.steps.length
 */
export function parsePlanBytes(bytes: Uint8Array, name: string): Loaded<Plan> {
  const text = decodeUtf8(bytes);
  if (typeof text === 'string') return parsePlan(new Source(name, text));
  return unreadable<Plan>(name, text);
}

/** The part of `span` on its first line: where a whole-document problem is pointed at. */
function firstLineOf(text: string, span: Span): Span {
  const nl = text.indexOf('\n', span.start);
  return { start: span.start, end: nl < 0 || nl > span.end ? span.end : nl };
}

/**
 * Reads the catalog file a plan names (`path` as written, `at` its span in the plan); null
 * when it cannot be read (reported).
 */
type CatalogFileReader = (
  path: string,
  at: Span,
) => { readonly source: Source; readonly read: CatalogRead } | null;

function readPlan(r: Reporter, readCatalogFile: CatalogFileReader): Plan | null {
  const top = parseYaml(r, EMPTY_HELP, { what: 'a plan', keys: PLAN_KEYS });
  if (top === null) return null;
  const f = readFields(r, top, 'the plan', PLAN_KEYS);
  if (f === null) return null;
  const field = (key: string): Field | undefined => f.byKey.get(key);

  const rulesField = field('rules');
  const rules = rulesField === undefined ? DEFAULT_RULES : readRules(r, rulesField.value);
  const transitionsField = field('transitions');
  const transitions =
    transitionsField === undefined
      ? 'auto'
      : readChoice(r, transitionsField.value, '`transitions`', TRANSITIONS);

  const { catalog, catalogSource, names } = resolveCatalog(r, f.span, field, readCatalogFile);
  const known = names === null ? null : new Set(names);
  const initialField = field('initial');
  const initial = initialField === undefined ? [] : readInitial(r, initialField.value, known);
  const stepsField = field('steps');
  const steps = stepsField === undefined ? [] : readSteps(r, stepsField.value, known);
  if (steps !== null && steps.length === 0) {
    const looksLikeCatalog = stepsField === undefined && field('patches') !== undefined;
    r.error(
      'KV0150',
      stepsField?.keySpan ?? firstLineOf(r.source.text, f.span),
      'the plan has no steps',
      {
        help: looksLikeCatalog
          ? 'this looks like a catalog, not a plan: a plan lists operations under `steps:`; ask about a catalog with `klp-verify prove`, `conflicts` or `upgrade --catalog FILE`'
          : 'list the operations to run under `steps:`, e.g. `- insmod: <patch>`',
      },
    );
    return null;
  }

  if (
    rules === null ||
    transitions === null ||
    catalog === null ||
    initial === null ||
    steps === null
  ) {
    return null;
  }
  return { source: r.source, rules, transitions, catalog, catalogSource, initial, steps };
}

/** The plan's catalog: a `catalog:` file or inline `patches:`, exactly one of them. */
function resolveCatalog(
  r: Reporter,
  planSpan: Span,
  field: (key: string) => Field | undefined,
  readCatalogFile: CatalogFileReader,
): {
  catalog: SourcedCatalog | null;
  catalogSource: Source | null;
  names: readonly string[] | null;
} {
  const none = { catalog: null, catalogSource: null, names: null };
  const file = field('catalog');
  const inline = field('patches');
  if (file !== undefined && inline !== undefined) {
    const [first, second] =
      file.keySpan.start < inline.keySpan.start ? [file, inline] : [inline, file];
    r.error('KV0120', second.keySpan, 'plan has both `catalog` and `patches`', {
      related: [r.related(first.keySpan, `\`${first.key}\` given here`)],
      help: 'name a catalog file with `catalog:` or list the patches inline, not both',
    });
    return none;
  }
  if (inline !== undefined) {
    return { ...readPatchList(r, inline.value), catalogSource: null };
  }
  if (file === undefined) {
    r.error('KV0121', planSpan, 'plan has no catalog', {
      help: 'add `catalog: <file>` or an inline `patches:` list',
    });
    return none;
  }
  const path = readString(r, file.value, '`catalog`');
  if (path === null) return none;
  const got = readCatalogFile(path, file.value.span);
  if (got === null) return none;
  return { ...got.read, catalogSource: got.source };
}

function readInitial(
  r: Reporter,
  v: Value,
  known: ReadonlySet<string> | null,
): { name: string; span: Span }[] | null {
  const items = readList(r, v, '`initial`');
  if (items === null) return null;
  const out: { name: string; span: Span }[] = [];
  let ok = true;
  for (const item of items) {
    const name = readPatchRef(r, item, known, '`initial`');
    if (name === null) {
      ok = false;
      continue;
    }
    const first = out.find((x) => x.name === name);
    if (first !== undefined) {
      r.error('KV0125', item.span, `patch \`${shortened(name)}\` is listed twice in \`initial\``, {
        related: [r.related(first.span, 'first listed here')],
        help: 'a module can be loaded only once',
      });
      ok = false;
      continue;
    }
    out.push({ name, span: item.span });
  }
  return ok ? out : null;
}

function readSteps(r: Reporter, v: Value, known: ReadonlySet<string> | null): PlanStep[] | null {
  const items = readList(r, v, '`steps`');
  if (items === null) return null;
  const steps = items.map((item) => readStep(r, item, known));
  const ok: PlanStep[] = [];
  for (const s of steps) if (s !== null) ok.push(s);
  return ok.length === steps.length ? ok : null;
}

function readStep(r: Reporter, v: Value, known: ReadonlySet<string> | null): PlanStep | null {
  const before = r.errorCount;
  const hint = opStringHint(v);
  if (hint !== undefined) {
    r.error('KV0103', v.span, `expected a mapping for a step, found ${describe(r, v)}`, {
      help: hint,
    });
    return null;
  }
  const f = readFields(r, v, 'a step', STEP_KEYS);
  if (f === null) return null;
  const ops = [...f.byKey.values()].filter((x) => OP_KINDS.some((k) => k === x.key));
  const [first, second] = ops;
  if (second !== undefined && first !== undefined) {
    r.error(
      'KV0124',
      second.keySpan,
      `step has more than one operation: \`${first.key}\` and \`${second.key}\``,
      {
        related: [r.related(first.keySpan, 'first operation here')],
        help: 'put each operation in a step of its own',
      },
    );
    return null;
  }
  if (first === undefined) {
    // An unknown key already said what is wrong (`insmd`, with its did-you-mean).
    if (f.unknown === 0) {
      r.error('KV0123', v.span, 'step has no operation', {
        help: `a step needs one of ${quoted(OP_KINDS)}`,
      });
    }
    return null;
  }
  const op = readOp(r, first, known);
  const expectField = f.byKey.get('expect');
  const expect =
    expectField === undefined ? 'ok' : readChoice(r, expectField.value, '`expect`', RESULTS);
  if (op === null || expect === null || r.errorCount > before) return null;
  return { op, expect, source: r.source, span: v.span };
}

function readOp(r: Reporter, f: Field, known: ReadonlySet<string> | null): Op | null {
  const kind = OP_KINDS.find((k) => k === f.key);
  if (kind === undefined) return null;
  if (kind === 'complete') {
    const value = readBool(r, f.value, '`complete`');
    if (value === false) {
      r.error('KV0107', f.value.span, 'invalid value `false` for `complete`', {
        help: '`complete` takes only `true`; leave the step out instead',
      });
    }
    return value === true ? { kind } : null;
  }
  const patch = readPatchRef(r, f.value, known, `\`${kind}\``);
  return patch === null ? null : { kind, patch };
}

/** A patch name that must be in the catalog (not checked when the catalog is unusable). */
function readPatchRef(
  r: Reporter,
  v: Value,
  known: ReadonlySet<string> | null,
  label: string,
): string | null {
  const name = readString(r, v, label);
  if (name === null || known === null || known.has(name)) return name;
  r.error('KV0122', v.span, `unknown patch \`${shortened(name)}\`: not in the catalog`, {
    help:
      didYouMean(name, known) ??
      (known.size === 0
        ? 'the catalog declares no patches'
        : `the catalog declares ${quoted([...known])}`),
  });
  return null;
}

/** For a step written as `insmod foo` instead of `insmod: foo`: the fix. */
function opStringHint(v: Value): string | undefined {
  const node = v.node;
  if (!isScalar(node) || typeof node.value !== 'string') return undefined;
  const [kind = '', ...rest] = node.value.trim().split(/\s+/);
  const isOp = OP_KINDS.some((k) => k === kind);
  return isOp && rest.length > 0 ? `write \`${kind}: ${rest.join(' ')}\`` : undefined;
}

function readRules(r: Reporter, v: Value): Plan['rules'] | null {
  const value = readString(r, v, '`rules`');
  return value === null ? null : { value, span: v.span };
}

/**
 * A file named by a plan outside the plan's folder: refused unless `--allow-outside`, so that
 * a plan from elsewhere cannot make the tool read (and quote) `/etc/passwd` or a secret.
 */
export function reportOutside(r: Reporter, at: Span, what: string, written: string): void {
  r.error('KV0128', at, `${what} \`${shortened(written)}\` is outside the plan's folder`, {
    help: 'plans name files next to them or below; pass `--allow-outside` to read it anyway',
  });
}
