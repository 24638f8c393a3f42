/**
 * Results of `klp-verify diff-rules` as text and JSON, in the conventions of `prove`
 * (src/prove/report.ts): the verdict first, then for each direction the scenario as the
 * simulator's transcript under the rejecting rule set, why it rejects, and the last step under
 * the admitting one; or the proof that the direction is empty.
 */
import { assertNever } from '../model/op.ts';
import type { DiffRulesResult, DirectionResult } from '../query/diff-rules.ts';
import { printTerm } from '../smt/term.ts';
import { opJson, violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { diffRulesDocument } from './schema/diff-rules.ts';
import { wrap } from './wrap.ts';

type DiffRulesJson = JsonOf<typeof diffRulesDocument>;

function directionJson(d: DirectionResult | null): DiffRulesJson['leftOnly'] {
  if (d === null) return null;
  const s = d.scenario;
  const last = s?.rejected.at(-1);
  return {
    admits: d.admits,
    rejects: d.rejects,
    verdict: d.verdict,
    depth: d.depth,
    scenario:
      s === null
        ? null
        : {
            steps: s.steps.map(opJson),
            result: last?.result ?? null,
            reasons:
              last?.verdict !== null && last?.verdict !== undefined && !last.verdict.ok
                ? last.verdict.violations.map(violationJson)
                : [],
            logRejected: s.rejected.flatMap((o) => o.log),
            logAdmitted: s.admitted.flatMap((o) => o.log),
          },
    certificate:
      d.proof === null
        ? null
        : {
            invariant: printTerm(d.proof.invariant, { share: true }),
            files: d.proof.files.map((f) => f.name),
          },
  };
}

/**
 * The verdict in one line, with what was found or proved in each direction.
 *
 * @example
 * diffRulesSummary(r) // 'differ: 2 steps admitted by upstream, rejected by replace-set; nothing ...'
 */
export function diffRulesSummary(r: DiffRulesResult): string {
  if (r.verdict === 'error') return `error: ${r.error ?? ''}`;
  if (r.patches === 0) {
    return 'agree: the catalog has no patches, so there is no operation to tell them apart';
  }
  const words = (d: DirectionResult | null) =>
    d === null
      ? ''
      : d.verdict === 'found'
        ? `${plural(d.scenario?.steps.length ?? 0, 'step')} admitted by ${d.admits}, rejected by ${d.rejects}`
        : d.verdict === 'none'
          ? `nothing ${d.admits} admits is rejected by ${d.rejects}`
          : `no scenario ${d.admits} admits and ${d.rejects} rejects of at most ${plural(d.depth, 'operation')}; the time ran out`;
  return `${r.verdict}: ${words(r.leftOnly)}; ${words(r.rightOnly)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The result as one JSON document (docs/schema/diff-rules.schema.json): `schemaVersion`,
 * `left`, `right`, `verdict`, `summary`, `leftOnly` and `rightOnly` (each `admits`, `rejects`,
 * `verdict`, `scenario`, `certificate`), `stats`.
 *
 * @example
 * stringify(diffRulesJson(r)) // '{"schemaVersion":1,"left":"upstream","right":"replace-set",...}'
 */
export function diffRulesJson(r: DiffRulesResult): DiffRulesJson {
  return {
    schemaVersion: SCHEMA_VERSION,
    left: r.left,
    right: r.right,
    transitions: r.transitions,
    initial: r.initial,
    verdict: r.verdict,
    summary: diffRulesSummary(r),
    leftOnly: directionJson(r.leftOnly),
    rightOnly: directionJson(r.rightOnly),
    stats: { ms: Math.round(r.ms) },
    ...(r.error === null ? {} : { error: r.error }),
  };
}

/**
 * The result for people, wrapped to `width` columns.
 *
 * @example
 * diffRulesText(r).split('\n')[0] // 'differ: rule sets upstream and block-disable part ways on this catalog'
 */
export function diffRulesText(r: DiffRulesResult, width = 100): string {
  const out: string[] = [];
  const head = (text: string) => out.push(...wrap(text, width, '', '  '));
  const para = (text: string, indent = '  ') => out.push(...wrap(text, width, indent, indent));
  switch (r.verdict) {
    case 'error':
      head(diffRulesSummary(r));
      return out.join('\n');
    case 'differ':
      head(`differ: rule sets ${r.left} and ${r.right} part ways on this catalog`);
      break;
    case 'agree':
      head(
        `agree: rule sets ${r.left} and ${r.right} admit and reject the same operations on this catalog`,
      );
      break;
    case 'unknown':
      head(`unknown: ${diffRulesSummary(r).replace(/^unknown: /, '')}`);
      para('give it more time with --timeout SECONDS');
      return out.join('\n');
    default:
      return assertNever(r.verdict, 'verdict');
  }
  const from =
    r.initial.length === 0
      ? 'the empty system'
      : `the installed stack ${r.initial.map((p) => `\`${p}\``).join(', ')}`;
  para(
    `for every sequence of operations on the catalog from ${from}, run under both rule sets in lockstep (transitions ${r.transitions})`,
  );
  for (const d of [r.leftOnly, r.rightOnly]) {
    if (d === null) continue;
    out.push('');
    const title = `${d.admits} admits, ${d.rejects} rejects`;
    switch (d.verdict) {
      case 'none':
        head(
          d.proof === null
            ? `${title}: nothing (the catalog has no patches: no operation exists)`
            : `${title}: nothing (proved: an inductive invariant of both systems in lockstep, initiation, consecution and safety each unsat)`,
        );
        break;
      case 'unknown':
        head(`${title}: unknown (no scenario of at most ${d.depth} operations; the time ran out)`);
        break;
      case 'found': {
        const s = d.scenario;
        if (s === null) break;
        const n = s.steps.length;
        head(
          `${title}: ${n} step${n === 1 ? '' : 's'}, every one but the last ok under both (no shorter scenario exists)`,
        );
        out.push(`  under ${d.rejects} (replayed on the simulator):`);
        for (const line of s.rejected.flatMap((o) => o.log)) out.push(`    ${line}`);
        const last = s.rejected.at(-1);
        if (last?.verdict !== null && last?.verdict !== undefined && !last.verdict.ok) {
          out.push('  why:');
          for (const v of last.verdict.violations) {
            out.push(...wrap(`rule ${v.rule}: ${v.message}`, width, '    - ', '      '));
          }
        }
        out.push(`  under ${d.admits}, the last step:`);
        for (const line of s.admitted.at(-1)?.log ?? []) out.push(`    ${line}`);
        break;
      }
      default:
        assertNever(d.verdict, 'direction verdict');
    }
  }
  return out.join('\n');
}
