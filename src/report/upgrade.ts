/**
 * Results of `klp-verify upgrade` as text and JSON, in the conventions of `prove`
 * (src/prove/report.ts): the verdict first, then the path as the simulator's transcript of its
 * replay, or why no path exists and how that was proved.
 */

import { assertNever } from '../model/op.ts';
import type { UnreachableReason, UpgradeResult } from '../query/upgrade.ts';
import { printTerm, termSize } from '../smt/term.ts';
import { opJson, violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { upgradeDocument } from './schema/upgrade.ts';
import { wrap } from './wrap.ts';

/** Invariants longer than this many characters are summarized, not printed. */
const MAX_INVARIANT_CHARS = 400;

function stackWords(stack: readonly string[]): string {
  return stack.length === 0 ? 'nothing installed' : stack.map((p) => `\`${p}\``).join(', ');
}

function modeWords(r: UpgradeResult): string {
  return r.transitions === 'auto'
    ? 'transitions auto: steady configurations'
    : 'transitions manual: a pending patching transition to the target counts as reached';
}

type UpgradeJson = JsonOf<typeof upgradeDocument>;

/**
 * The verdict in one line, as the JSON document's `summary` and the text's first line say it.
 *
 * @example
 * upgradeSummary(r) // 'reachable: 2 operations'
 */
export function upgradeSummary(r: UpgradeResult): string {
  switch (r.verdict) {
    case 'error':
      return `error: ${r.error?.message ?? ''}`;
    case 'unknown':
      return `unknown: no sequence of at most ${plural(r.depth, 'operation')} reaches the target; the time ran out`;
    case 'reachable':
      return `reachable: ${plural(r.path?.steps.length ?? 0, 'operation')}`;
    case 'unreachable':
      return `unreachable: ${r.reason?.message ?? ''}`;
    default:
      return assertNever(r.verdict, 'verdict');
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The result as one JSON document (docs/schema/upgrade.schema.json): `schemaVersion`, `from`,
 * `to`, `rules`, `transitions`, `verdict`, `summary`, `path` (`steps`, `log`), `reason`,
 * `certificate`, `stats`.
 *
 * @example
 * stringify(upgradeJson(r)) // '{"schemaVersion":1,"from":["a"],"to":["b"],"rules":"upstream",...}'
 */
export function upgradeJson(r: UpgradeResult): UpgradeJson {
  return {
    schemaVersion: SCHEMA_VERSION,
    from: r.from,
    to: r.to,
    rules: r.rules,
    transitions: r.transitions,
    verdict: r.verdict,
    summary: upgradeSummary(r),
    path:
      r.path === null
        ? null
        : { steps: r.path.steps.map(opJson), log: r.path.outcomes.flatMap((o) => o.log) },
    reason: r.reason === null ? null : reasonJson(r.reason),
    certificate:
      r.proof === null
        ? null
        : {
            method: r.proof.method,
            invariant: printTerm(r.proof.invariant, { share: true }),
            files: r.proof.files.map((f) => f.name),
          },
    stats: { ms: Math.round(r.ms), depth: r.depth },
    ...(r.error === null ? {} : { error: r.error.message }),
  };
}

function reasonJson(reason: UnreachableReason): NonNullable<UpgradeJson['reason']> {
  switch (reason.kind) {
    case 'stays': {
      const d = reason.disable;
      return {
        kind: 'stays',
        patch: reason.patch,
        message: reason.message,
        ...(d === null
          ? {}
          : {
              disable: {
                result: d.result,
                log: d.log,
                reasons:
                  d.verdict !== null && !d.verdict.ok
                    ? d.verdict.violations.map(violationJson)
                    : [],
              },
            }),
      };
    }
    case 'never-enabled':
      return { kind: 'never-enabled', patch: reason.patch, message: reason.message };
    case 'invariant':
      return { kind: 'invariant', message: reason.message };
    default:
      return assertNever(reason, 'reason');
  }
}

/**
 * The result for people, wrapped to `width` columns.
 *
 * @example
 * upgradeText(r).split('\n')[0] // 'reachable: 1 operation takes klp_patches from `a` to `b` under rule set upstream'
 */
export function upgradeText(r: UpgradeResult, width = 100): string {
  const out: string[] = [];
  const para = (text: string, indent = '  ') => out.push(...wrap(text, width, indent, indent));
  const head = (text: string) => out.push(...wrap(text, width, '', '  '));
  const fromTo = `from ${stackWords(r.from)} to ${stackWords(r.to)}`;
  switch (r.verdict) {
    case 'error':
      head(upgradeSummary(r));
      return out.join('\n');
    case 'unknown':
      head(`${upgradeSummary(r)} (${fromTo}, rule set ${r.rules})`);
      para('give it more time with --timeout SECONDS');
      return out.join('\n');
    case 'reachable': {
      const n = r.path?.steps.length ?? 0;
      head(
        `reachable: ${n} operation${n === 1 ? '' : 's'} take${n === 1 ? 's' : ''} klp_patches ${fromTo} under rule set ${r.rules}`,
      );
      para(`no sequence of fewer operations does (${modeWords(r)})`);
      out.push('', 'trace (replayed on the simulator):');
      const log = r.path?.outcomes.flatMap((o) => o.log) ?? [];
      if (log.length === 0) out.push('  (no operation: klp_patches is already the target)');
      for (const line of log) out.push(`  ${line}`);
      return out.join('\n');
    }
    case 'unreachable': {
      head(
        `unreachable: no sequence of operations takes klp_patches ${fromTo} under rule set ${r.rules}`,
      );
      para(`(${modeWords(r)})`);
      const reason = r.reason;
      if (reason !== null) {
        out.push('', 'why:');
        para(reason.message);
        if (reason.kind === 'stays' && reason.disable !== null) {
          for (const line of reason.disable.log) out.push(`    ${line}`);
          const v = reason.disable.verdict;
          for (const x of v !== null && !v.ok ? v.violations : []) {
            out.push(...wrap(`rule ${x.rule}: ${x.message}`, width, '    - ', '      '));
          }
        }
      }
      if (r.proof !== null) {
        const text = printTerm(r.proof.invariant, { share: true });
        out.push('', `how: ${r.proof.method} proof of "the target is never reached"`);
        if (text.length <= MAX_INVARIANT_CHARS) para(`inductive invariant: ${text}`);
        else
          para(
            `inductive invariant: ${termSize(r.proof.invariant)} term nodes (see --certificate)`,
          );
        para(
          'checked: initiation, consecution and safety are each unsat; write them with --certificate DIR and re-check with any SMT solver',
        );
      }
      return out.join('\n');
    }
    default:
      return assertNever(r.verdict, 'verdict');
  }
}
