/**
 * Results of `klp-verify prove` as text and JSON. Text reads like a good compiler's: the
 * verdict first, then the counterexample as the kernel log and the shell show it (the
 * simulator's transcript of the replay), then why the last step fails, then the ways out;
 * for a proof, what exactly was proved and how it can be re-checked.
 */
import { formatBinding } from '../eval/rules.ts';
import type { Violation } from '../kernel/index.ts';
import { assertNever } from '../model/op.ts';
import { type Explanation, methodWords, ownershipWords, type ProveResult } from '../prove/prove.ts';
import { printTerm, termSize } from '../smt/term.ts';
import { opJson, violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type {
  proveInvariantDocument,
  proveLoadableDocument,
  proveOwnershipDocument,
} from './schema/prove.ts';
import { wrap } from './wrap.ts';

/**
 * The verdict in one line.
 *
 * @example
 * proveSummary(r) // 'refuted: 2 steps over 1 other patch'
 */
export function proveSummary(r: ProveResult): string {
  switch (r.verdict) {
    case 'error':
      return `error: ${r.error?.message ?? ''}`;
    case 'proved':
      return `proved (${r.certificate === null ? '' : methodWords(r.certificate.method)})`;
    case 'unknown': {
      const ops = r.stats.depth;
      const tail = r.query === 'loadable' ? ` before \`insmod ${r.subject}\`` : '';
      return `unknown: no counterexample of at most ${ops} operation${ops === 1 ? '' : 's'}${tail}`;
    }
    case 'refuted': {
      const n = r.counterexample?.steps.length ?? 0;
      const count = r.counterexample?.patches.length ?? 0;
      return `refuted: ${n} step${n === 1 ? '' : 's'} over ${count} other patch${count === 1 ? '' : 'es'}`;
    }
    default:
      return assertNever(r.verdict, 'verdict');
  }
}

/** Invariants longer than this many characters are summarized, not printed. */
const MAX_INVARIANT_CHARS = 400;

type ProveJson =
  | JsonOf<typeof proveLoadableDocument>
  | JsonOf<typeof proveInvariantDocument>
  | JsonOf<typeof proveOwnershipDocument>;

/**
 * The result as one JSON document (docs/schema/prove.schema.json): `schemaVersion`, `query`,
 * `patch` (or `invariant`), `rules`, `verdict`, `counterexample` (`steps`, `patches`, `log`,
 * `shortest`), `explanation`, `certificate`, `stats`.
 *
 * @example
 * stringify(proveJson(result)) // '{"schemaVersion":1,"query":"loadable","patch":"P","rules":"upstream",...}'
 */
export function proveJson(r: ProveResult): ProveJson {
  const body = proveBody(r);
  if (r.query === 'loadable') {
    return { schemaVersion: SCHEMA_VERSION, query: 'loadable', patch: r.subject, ...body };
  }
  if (r.query === 'invariant') {
    return { schemaVersion: SCHEMA_VERSION, query: 'invariant', invariant: r.subject, ...body };
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    query: 'ownership',
    claim: r.ownership?.kind ?? 'newest',
    function: r.subject,
    ...(r.ownership?.kind === 'original' ? { patch: r.ownership.patch } : {}),
    ...body,
  };
}

/** Everything after the claim's subject, in document order. */
function proveBody(r: ProveResult): Omit<ProveJson, 'schemaVersion' | 'query' | 'diagnostics'> {
  const cex = r.counterexample;
  return {
    rules: r.rules,
    transitions: r.transitions,
    initial: r.initial,
    verdict: r.verdict,
    statement: r.statement,
    counterexample:
      cex === null
        ? null
        : {
            steps: cex.steps.map(opJson),
            patches: cex.patches,
            shortest: cex.shortest,
            log: cex.outcomes.flatMap((o) => o.log),
            minimality: cex.drops.map((d) => ({ patch: d.patch, withoutIt: d.outcome })),
          },
    explanation: r.explanation === null ? null : explanationJson(r.explanation),
    certificate:
      r.certificate === null
        ? null
        : {
            method: r.certificate.method,
            invariant: printTerm(r.certificate.invariant, { share: true }),
            variables: r.certificate.variables,
            files: r.certificate.files.map((f) => f.name),
          },
    stats: {
      ms: Math.round(r.stats.ms),
      depth: r.stats.depth,
      solverChecks: r.stats.solverChecks,
      patches: r.stats.universe,
      ignoredPatches: r.stats.ignored.length,
      stateVariables: r.stats.stateVariables,
      minimizeMs: Math.round(r.stats.minimizeMs),
    },
    ...(r.error === null ? {} : { error: r.error.message }),
  };
}

function explanationJson(e: Explanation): NonNullable<ProveJson['explanation']> {
  switch (e.kind) {
    case 'rejection':
      return {
        errno: e.errno,
        reasons: e.violations.map(violationJson),
        waysOut: e.waysOut,
      };
    case 'invariant':
      return {
        violations: e.violations.map((v) => ({
          invariant: v.rule,
          sentence: v.sentence,
          message: v.message,
          binding: formatBinding(v.binding),
        })),
      };
    case 'ownership':
      return {
        owner: e.owner,
        unswitched: e.unswitched,
        mixed: e.owner !== e.unswitched,
        newer: e.newer,
      };
    default:
      return assertNever(e, 'explanation');
  }
}

/**
 * The result for people, wrapped to `width` columns.
 *
 * @example
 * proveText(result, 100).split('\n')[0] // 'refuted: `insmod klp_6_8_0_45_r4` can be rejected (EINVAL) ...'
 */
export function proveText(r: ProveResult, width = 100): string {
  const out: string[] = [];
  const para = (text: string, indent = '  ') => out.push(...wrap(text, width, indent, indent));
  const head = (text: string) => out.push(...wrap(text, width, '', '  '));
  const what =
    r.query === 'loadable'
      ? `\`insmod ${r.subject}\``
      : r.query === 'invariant'
        ? `invariant \`${r.subject}\``
        : r.ownership === null
          ? r.subject
          : ownershipWords(r.ownership);
  switch (r.verdict) {
    case 'error':
      head(`error: ${r.statement}`);
      return out.join('\n');
    case 'proved':
      head(
        r.query === 'loadable'
          ? `proved: ${what} is never rejected by rule set ${r.rules}`
          : r.query === 'invariant'
            ? `proved: ${what} holds under rule set ${r.rules}`
            : `proved: ${what} (rule set ${r.rules})`,
      );
      para(
        `for every sequence of operations on ${r.scope.patches} from ${r.scope.from} (${r.scope.transitions})`,
      );
      if (r.certificate !== null) {
        const inv = r.certificate.invariant;
        const text = printTerm(inv, { share: true });
        out.push('');
        head(`how: ${howWords(r)}`);
        if (text.length <= MAX_INVARIANT_CHARS) para(`inductive invariant: ${text}`);
        else
          para(
            `inductive invariant: ${termSize(inv)} term nodes over ${r.certificate.variables.length} state variables (see --certificate or --format json)`,
          );
        para(
          'checked: initiation, consecution and safety are each unsat (a fresh z3 solver read them from SMT-LIB); write them with --certificate DIR and re-check with any SMT solver',
        );
        const n = r.certificate.ignored.length;
        if (n > 0) {
          para(
            `${n} patch${n === 1 ? '' : 'es'} cannot influence the claim (no rule it depends on reads them, and they replace nothing it depends on); their operations are left out`,
          );
        }
      }
      return out.join('\n');
    case 'unknown':
      head(`unknown: ${r.statement}`);
      para('give it more time with --timeout SECONDS');
      return out.join('\n');
    case 'refuted':
      return refutedText(r, width, what).join('\n');
    default:
      return assertNever(r.verdict, 'verdict');
  }
}

function howWords(r: ProveResult): string {
  const method = r.certificate?.method;
  switch (method) {
    case 'static':
      return r.query === 'loadable'
        ? `rule set ${r.rules} rejects \`insmod ${r.subject}\` on no set of installed patches of this catalog, so the claim holds in every configuration`
        : `no set of installed patches of this catalog violates \`${r.subject}\``;
    case 'induction':
      return 'the claim, with the structural invariants of the kernel (a patch on klp_patches is loaded, at most one transition), is preserved by every operation (1-induction)';
    case 'strengthened':
      return 'the claim, with the structural invariants and the facts that some patches stay installed (the rules reject their disable and nothing that can be loaded replaces them) and others can never be loaded, is preserved by every operation';
    case 'spacer':
      return "an inductive invariant found by z3's Spacer engine, decoded and re-checked";
    case undefined:
      return '';
    default:
      return assertNever(method, 'proof method');
  }
}

function refutedText(r: ProveResult, width: number, what: string): string[] {
  const out: string[] = [];
  const para = (text: string, indent = '  ') => out.push(...wrap(text, width, indent, indent));
  const cex = r.counterexample;
  out.push(
    ...wrap(
      r.query === 'loadable'
        ? `refuted: ${what} can be rejected (EINVAL) under rule set ${r.rules}`
        : r.query === 'invariant'
          ? `refuted: ${what} can be violated under rule set ${r.rules}`
          : `refuted: not always so that ${what} (rule set ${r.rules})`,
      width,
      '',
      '  ',
    ),
  );
  if (cex === null) return out;
  const n = cex.steps.length;
  const m = cex.patches.length;
  para(
    `${n} step${n === 1 ? '' : 's'} from ${r.scope.from}, using ${m} of ${r.scope.patches} (${r.scope.transitions})`,
  );
  if (cex.shortest < cex.steps.length) {
    para(
      `(a counterexample of ${cex.shortest} steps exists with more patches; this one uses a set of patches none of which can be left out)`,
    );
  }
  out.push('', 'trace (replayed on the simulator):');
  const log = cex.outcomes.flatMap((o) => o.log);
  if (log.length === 0) out.push('  (no operation: the initial configuration already violates it)');
  for (const line of log) out.push(`  ${line}`);
  const e = r.explanation;
  if (e !== null) {
    out.push('', 'why:');
    out.push(...explanationLines(e, width));
    if (e.kind === 'rejection' && e.waysOut.length > 0) {
      out.push('', 'ways out:');
      for (const w of e.waysOut) out.push(...wrap(w, width, '  - ', '    '));
    }
  }
  if (cex.patches.length > 0) {
    out.push('', 'patches needed:');
    for (const d of cex.drops) {
      if (!cex.patches.includes(d.patch)) continue;
      const how =
        d.outcome === 'proved'
          ? 'without it the claim is proved'
          : 'whether it can be left out is unknown (time ran out)';
      out.push(...wrap(`\`${d.patch}\`: ${how}`, width, '  - ', '    '));
    }
    const decided = new Set(cex.drops.map((d) => d.patch));
    for (const p of cex.patches) {
      if (!decided.has(p)) out.push(`  - \`${p}\``);
    }
  }
  return out;
}

function explanationLines(e: Explanation, width: number): string[] {
  const out: string[] = [];
  switch (e.kind) {
    case 'rejection': {
      const byRule = new Map<string, Violation[]>();
      for (const v of e.violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
      for (const [rule, vs] of byRule) {
        out.push(...wrap(`rule ${rule}: ${vs[0]?.sentence ?? ''}`, width, '  ', '    '));
        for (const v of vs) out.push(...wrap(v.message, width, '    - ', '      '));
      }
      return out;
    }
    case 'invariant': {
      const first = e.violations[0];
      if (first !== undefined) {
        out.push(...wrap(`invariant ${first.rule}: ${first.sentence}`, width, '  ', '    '));
      }
      for (const v of e.violations) out.push(...wrap(v.message, width, '    - ', '      '));
      return out;
    }
    case 'ownership': {
      const who = (o: string | null) => (o === null ? 'the original code' : `\`${o}\`'s code`);
      const text =
        e.owner === e.unswitched
          ? `at the end every task runs ${who(e.owner)}`
          : `at the end tasks that have switched run ${who(e.owner)}, tasks that have not run ${who(e.unswitched)}`;
      const newer =
        e.newer.length === 0
          ? ''
          : `, though the newer ${e.newer.map((n) => `\`${n}\``).join(', ')} ${e.newer.length === 1 ? 'patches' : 'patch'} it too and ${e.newer.length === 1 ? 'is' : 'are'} installed`;
      out.push(...wrap(`${text}${newer}`, width, '  ', '    '));
      return out;
    }
    default:
      return assertNever(e, 'explanation');
  }
}
