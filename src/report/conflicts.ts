/**
 * `klp-verify conflicts` output: the conflicts with why every order fails, the load matrix, and
 * what was established when the enumeration stopped early; as text for people and as one JSON
 * object for scripts. Text wraps to the terminal; JSON carries every pair and every order.
 */
import type { Violation } from '../kernel/rules.ts';
import { assertNever } from '../model/op.ts';
import type { Conflict, ConflictReport, FailedOrder, Rejection } from '../query/conflicts.ts';
import type { PairResult } from '../query/conflicts-replay.ts';
import { violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { conflictsDocument } from './schema/conflicts.ts';
import { wrap } from './wrap.ts';

/** The overall answer: what the exit status reports. */
export type ConflictVerdict = 'conflicts' | 'no-conflicts' | 'unknown';

/**
 * `conflicts` when one was found (even if the enumeration stopped early), `no-conflicts` when
 * the enumeration completed without one, `unknown` otherwise.
 *
 * @example
 * conflictVerdict(report) // 'conflicts'
 */
export function conflictVerdict(r: ConflictReport): ConflictVerdict {
  if (r.conflicts.length > 0) return 'conflicts';
  return r.status.kind === 'complete' ? 'no-conflicts' : 'unknown';
}

/** Text grids get unreadable beyond this many patches; the pair list still follows. */
const GRID_MAX = 40;
/** Rejected pairs listed in text; JSON lists all. */
const PAIRS_MAX = 40;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

/** The violations of a rejection, one per line, grouped by rule as `check` prints them. */
function violationLines(vs: readonly Violation[], indent: string, width: number): string[] {
  if (vs.length === 0) return [`${indent}(no rule names a reason)`];
  const out: string[] = [];
  for (const v of vs) {
    out.push(...wrap(`${v.rule}: ${v.message}`, width, indent, `${indent}  `));
  }
  return out;
}

function rejectionHead(r: Rejection): string {
  const on = r.klpPatches.length === 0 ? 'an empty system' : `klp_patches [${list(r.klpPatches)}]`;
  return `insmod ${r.patch} is refused (${r.errno}) on ${on}`;
}

function failedOrderLines(
  f: FailedOrder,
  size: number,
  prefix: string,
  indent: string,
  width: number,
): string[] {
  const rest = f.prefix.length < size ? ', …' : '';
  return [
    ...wrap(
      `${prefix}${list(f.prefix)}${rest}: ${rejectionHead(f.rejection)}`,
      width,
      indent,
      `${indent}    `,
    ),
    ...violationLines(f.rejection.violations, `${indent}    `, width),
  ];
}

function conflictText(c: Conflict, n: number, total: number, width: number): string[] {
  const k = c.patches.length;
  const e = c.explained;
  const lines = wrap(
    `conflict ${n} of ${total}: ${list(c.patches)} (${plural(k, 'patch', 'patches')}, ${plural(e.orders, 'order')}, none loads)`,
    width,
    '',
    '  ',
  );
  switch (e.kind) {
    case 'every-order':
      if (k > 1) lines.push('  every order, up to the insmod that fails (… = any continuation):');
      for (const f of e.failing) lines.push(...failedOrderLines(f, k, '', '    ', width));
      break;
    case 'per-first-patch':
      lines.push(
        `  for each first patch, the order that gets furthest${e.exhaustive ? ' (every order was replayed)' : ''}:`,
      );
      for (const f of e.failing) {
        lines.push(...failedOrderLines(f, k, `from ${f.prefix[0] ?? ''}: `, '    ', width));
      }
      break;
    default:
      return assertNever(e, 'explanation');
  }
  if (k === 1) {
    lines.push('  it cannot be loaded even on an empty system');
  } else if (c.withoutOne.length > 0) {
    const parts = c.withoutOne.map((w) => `without ${w.without}: ${list(w.order)}`);
    lines.push(...wrap(`minimal: the others load, ${parts.join('; ')}`, width, '  ', '    '));
  }
  return lines;
}

function cellMark(c: PairResult | null): string {
  if (c === null) return '-';
  switch (c.kind) {
    case 'ok':
      return '.';
    case 'rejected':
      return 'x';
    case 'not-installable':
      return '!';
    default:
      return assertNever(c, 'pair result');
  }
}

function matrixText(r: ConflictReport, width: number): string[] {
  const m = r.matrix;
  const n = m.patches.length;
  const lines: string[] = [];
  const rejected: { installed: string; rejection: Rejection }[] = [];
  m.cells.forEach((row, i) => {
    for (const c of row) {
      if (c?.kind === 'rejected')
        rejected.push({ installed: m.patches[i] ?? '', rejection: c.rejection });
    }
  });
  lines.push(
    `load matrix: insmod of the column's patch where the row's patch is installed (${plural(rejected.length, 'pair')} refused${m.complete ? '' : `; partial: the time ran out after ${m.cells.length} of ${n} rows`})`,
  );
  if (n > 0 && n <= GRID_MAX && m.complete) {
    const num = (i: number) => String(i + 1);
    const numWidth = num(n - 1).length;
    const nameWidth = Math.max(...m.patches.map((p) => p.length));
    const head = ' '.repeat(2 + numWidth + 1 + nameWidth + 1);
    // Column numbers written vertically when they take two digits or more.
    for (let d = 0; d < numWidth; d++) {
      lines.push(
        `${head}${m.patches.map((_, j) => num(j).padStart(numWidth)[d] ?? ' ').join(' ')}`.trimEnd(),
      );
    }
    m.cells.forEach((row, i) => {
      const label = `  ${num(i).padStart(numWidth)} ${(m.patches[i] ?? '').padEnd(nameWidth)} `;
      lines.push(`${label}${row.map(cellMark).join(' ')}`);
    });
    lines.push(
      `  . loads   x refused   - same patch${m.alone.some((a) => a !== null) ? '   ! the row patch cannot be loaded alone' : ''}`,
    );
  }
  for (const p of rejected.slice(0, PAIRS_MAX)) {
    const v = p.rejection.violations;
    const first = v[0];
    const why = first === undefined ? p.rejection.errno : `${first.rule}: ${first.message}`;
    const more = v.length > 1 ? ` (and ${plural(v.length - 1, 'more violation')})` : '';
    lines.push(
      ...wrap(`${p.rejection.patch} on ${p.installed}: ${why}${more}`, width, '  ', '      '),
    );
  }
  if (rejected.length > PAIRS_MAX) {
    lines.push(
      `  … and ${rejected.length - PAIRS_MAX} more refused pairs (--format json lists every pair)`,
    );
  }
  return lines;
}

function summaryText(r: ConflictReport, width: number): string[] {
  const n = r.conflicts.length;
  const s = r.status;
  switch (s.kind) {
    case 'complete':
      return [
        n === 0
          ? `no conflicts: every set of the ${plural(r.patches.length, 'patch', 'patches')} loads in some order`
          : `${plural(n, 'conflict')}; every conflict of the catalog is listed`,
      ];
    case 'limit': {
      const shown = r.known > n ? `${r.known} established, the first ${n} shown` : `${n} listed`;
      return wrap(
        `stopped at the limit of ${plural(s.limit, 'conflict')} (${shown}); more may exist: raise --limit`,
        width,
        '',
        '  ',
      );
    }
    case 'unknown': {
      const why =
        s.reason === 'timeout'
          ? 'the time limit ran out (--timeout)'
          : `the solver gave up (${s.reason}: ${s.detail})`;
      const lines = wrap(
        `unknown: stopped before every conflict was found: ${why}; ${n === 0 ? 'no conflict established' : `the ${plural(n, 'conflict')} above ${n === 1 ? 'is' : 'are'} established`}`,
        width,
        '',
        '  ',
      );
      if (r.unminimized !== null) {
        lines.push(
          ...wrap(
            `no order of ${list(r.unminimized)} loads: a conflict lies within these patches`,
            width,
            '  ',
            '    ',
          ),
        );
      }
      for (const free of r.conflictFree.slice(0, 3)) {
        lines.push(
          ...wrap(
            `no conflict among ${list(free)} (each subset loads in some order)`,
            width,
            '  ',
            '    ',
          ),
        );
      }
      return lines;
    }
    default:
      return assertNever(s, 'status');
  }
}

/**
 * The report as text: each conflict with every failing order (or one per first patch), the
 * load matrix, and the summary.
 *
 * @example
 * conflictsText({ file: 'stream.catalog.yaml' }, report, 100)
 */
export function conflictsText(
  meta: { readonly file: string },
  r: ConflictReport,
  width = 100,
): string {
  const lines = wrap(
    `${meta.file} (rules ${r.rules}, ${plural(r.patches.length, 'patch', 'patches')}, loaded one after another from an empty system)`,
    width,
    '',
    '  ',
  );
  lines.push('');
  r.conflicts.forEach((c, i) => {
    lines.push(...conflictText(c, i + 1, r.conflicts.length, width), '');
  });
  lines.push(...matrixText(r, width), '');
  lines.push(...summaryText(r, width));
  return lines.join('\n');
}

type ConflictsJson = JsonOf<typeof conflictsDocument>;
type PairJson = ConflictsJson['matrix']['pairs'][number];

function rejectionJson(r: Rejection) {
  return {
    patch: r.patch,
    klpPatches: r.klpPatches,
    errno: r.errno,
    violations: r.violations.map(violationJson),
  };
}

function failedOrderJson(f: FailedOrder): ConflictsJson['conflicts'][number]['failing'][number] {
  return { order: f.prefix, ...rejectionJson(f.rejection) };
}

function pairJson(installed: string, loaded: string, c: PairResult): PairJson {
  switch (c.kind) {
    case 'ok':
      return { installed, loaded, result: 'ok', klpPatches: c.klpPatches };
    case 'rejected':
      return { installed, loaded, result: c.rejection.errno, ...rejectionJson(c.rejection) };
    case 'not-installable':
      return { installed, loaded, result: 'not-installable', ...rejectionJson(c.rejection) };
    default:
      return assertNever(c, 'pair result');
  }
}

/**
 * The report as one JSON document (docs/schema/conflicts.schema.json): `verdict`, `complete`,
 * `stop`, `conflicts` (each with every failing order and the orders that load without one
 * member), `matrix` (every ordered pair), what was established when stopped early, and the
 * work done.
 *
 * @example
 * conflictsJson({ file: 'stream.catalog.yaml' }, report).verdict // 'conflicts'
 */
export function conflictsJson(meta: { readonly file: string }, r: ConflictReport): ConflictsJson {
  const s = r.status;
  return {
    schemaVersion: SCHEMA_VERSION,
    catalog: meta.file,
    rules: r.rules,
    verdict: conflictVerdict(r),
    complete: s.kind === 'complete',
    stop:
      s.kind === 'complete'
        ? null
        : s.kind === 'limit'
          ? { kind: 'limit', limit: s.limit }
          : { kind: 'unknown', reason: s.reason, detail: s.detail },
    known: r.known,
    conflicts: r.conflicts.map((c) => ({
      patches: c.patches,
      orders: c.explained.orders,
      explained: c.explained.kind,
      exhaustive: c.explained.kind === 'every-order' ? true : c.explained.exhaustive,
      failing: c.explained.failing.map(failedOrderJson),
      withoutOne: c.withoutOne,
    })),
    conflictFree: r.conflictFree,
    unminimized: r.unminimized,
    matrix: {
      complete: r.matrix.complete,
      patches: r.matrix.patches,
      alone: r.matrix.patches.map((patch, i) => {
        const a = r.matrix.alone[i];
        if (a === null || a === undefined) return { patch, result: 'ok' };
        // `patch` first, as in the `ok` case (the rejection's patch is this same patch).
        const { patch: rejected, ...rest } = rejectionJson(a);
        return { patch: rejected, result: a.errno, ...rest };
      }),
      pairs: r.matrix.cells.flatMap((row, i) =>
        row.flatMap((c, j) =>
          c === null ? [] : [pairJson(r.matrix.patches[i] ?? '', r.matrix.patches[j] ?? '', c)],
        ),
      ),
    },
    stats: r.stats,
  };
}
