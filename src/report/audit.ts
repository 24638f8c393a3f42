/**
 * `klp-verify audit catalog` as text and JSON: the verdict first, then the findings (the words
 * of each finding are made here, shared by the SARIF and HTML renderers), then the details: every
 * patch's verdict with its counterexample as a kernel transcript, the upgrade matrix, the
 * conflicts and the policies.
 */
import { assertNever, formatOp } from '../model/op.ts';
import { formatStateId, type KlpFunc } from '../model/patch.ts';
import type { AuditResult } from '../query/audit/audit.ts';
import type { AuditLocation, Finding } from '../query/audit/findings.ts';
import type { AuditCounterexample, StackVerdict } from '../query/audit/patches.ts';
import type { PolicyViolation } from '../query/audit/policies.ts';
import type { UpgradeCell } from '../query/audit/upgrades.ts';
import type { UnreachableReason } from '../query/upgrade.ts';
import { stateIdJson } from './json.ts';
import { opJson, violationJson } from './plan.ts';
import type { auditDocument, finding as findingSchema, unreachableReason } from './schema/audit.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import { wrap } from './wrap.ts';

/** JSON schema version of every audit document (docs/schema/audit-catalog.schema.json). */
export const AUDIT_SCHEMA_VERSION = SCHEMA_VERSION;

type AuditJson = JsonOf<typeof auditDocument>;

const q = (name: string) => `\`${name}\``;
const names = (xs: readonly string[]) => xs.map(q).join(', ');
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : w.endsWith('ch') ? 'es' : 's'}`;

/**
 * A stack in words: `nothing installed` or the names bottom to top.
 *
 * @example
 * stackWords([]) // 'nothing installed'
 */
export function stackWords(stack: readonly string[]): string {
  return stack.length === 0 ? 'nothing installed' : names(stack);
}

/**
 * One finding in one line, in the style of the diagnostics (lowercase, names in backticks).
 *
 * @example
 * findingMessage(f) // 'cumulative `r4` is refused (rule cumulative-handles-all, state 0x...0002) on any stack holding `r2`, `r3`'
 */
export function findingMessage(f: Finding): string {
  switch (f.kind) {
    case 'refusable-patch':
    case 'dead-patch': {
      const cause =
        f.rule === null
          ? ''
          : ` (rule ${f.rule}${f.state === null ? '' : `, state ${formatStateId(f.state)}`})`;
      const holders = f.holders.length === 0 ? '' : ` on any stack holding ${names(f.holders)}`;
      return f.kind === 'dead-patch'
        ? `${q(f.patch)} can never be loaded from the deployed stacks: \`insmod\` is refused${cause} in every reachable configuration`
        : `${q(f.patch)} can be refused${cause}${holders}; shortest counterexample: ${plural(f.steps, 'step')}`;
    }
    case 'policy-violation':
      return `policy ${f.policy} (${f.ruleSet}): ${f.detail}`;
    case 'reverted-functions': {
      const forbidden =
        f.policies.length === 0
          ? ''
          : `; forbidden by ${f.policies.map((p) => `${p.ruleSet} (${p.rules.join(', ')})`).join(', ')}`;
      return `cumulative ${q(f.patch)} reverts ${funcList(f.functions)} to the original code; ${q(f.replaced)} patched ${f.functions.length === 1 ? 'it' : 'them'} last (when loaded over ${stackWords(f.from)})${forbidden}`;
    }
    case 'unreachable-upgrade': {
      const cells = f.cells.map((c) => `[${c.from.join(',')}] -> [${c.to}]`);
      const shown = cells.slice(0, 4).join(', ') + (cells.length > 4 ? ', ...' : '');
      const why =
        f.reason === 'stays'
          ? `${q(f.blocker ?? '')} never leaves klp_patches`
          : f.reason === 'never-enabled'
            ? `${q(f.blocker ?? '')} can never be enabled`
            : 'no sequence of operations reaches the target';
      return `${plural(f.cells.length, 'upgrade path')} cut: ${why} (proved); ${shown}`;
    }
    case 'conflict':
      return `${names(f.patches)} cannot all be loaded, in any order; without any one of them the rest can`;
    case 'undecided':
      switch (f.what) {
        case 'patch':
          return `whether ${q(f.subject)} can be refused was not decided in time`;
        case 'upgrade':
          return `the upgrade ${f.subject} was not decided in time`;
        case 'conflicts':
          return 'the conflict enumeration did not finish: more conflicts may exist';
        case 'policies':
          return 'the policies were not evaluated in time: no policy violation is reported';
        case 'reverted-functions':
          if (f.subject === '')
            return 'the search for reverted functions did not finish: more reverts may exist';
          return `whether ${f.subject.split(' over ').map(q).join(' can revert functions of ')} in a reachable configuration was not decided (the stack of the second alone is not known to be reachable)`;
        default:
          return assertNever(f.what, 'undecided part');
      }
    default:
      return assertNever(f, 'finding');
  }
}

/**
 * Functions as users write them: `object:name`, with `,sympos` when it is not 0.
 *
 * @example
 * funcWords({ object: 'vmlinux', name: 'io_uring_setup', sympos: 0 }) // 'vmlinux:io_uring_setup'
 */
export function funcWords(f: KlpFunc): string {
  return `${f.object}:${f.name}${f.sympos === 0 ? '' : `,${f.sympos}`}`;
}

function funcList(fs: readonly KlpFunc[]): string {
  return fs.map((f) => q(funcWords(f))).join(', ');
}

/**
 * `file:line:col`, with the artifact origin when the catalog carries one; or the empty string.
 *
 * @example
 * locationWords({ file: 'c.yaml', line: 9, col: 11, endLine: 9, endCol: 26 }) // 'c.yaml:9:11'
 * locationWords({ file: 'c.yaml', line: 5, col: 13, endLine: 5, endCol: 37, origin: 'r3.c:34' })
 * // 'c.yaml:5:13 (r3.c:34)'
 */
export function locationWords(l: AuditLocation | null): string {
  if (l === null) return '';
  const at = `${l.file}:${l.line}:${l.col}`;
  return l.origin === undefined ? at : `${at} (${l.origin})`;
}

/** The verdict of the whole audit: what the exit status says. */
export type AuditVerdict = 'clean' | 'errors' | 'unknown';

/**
 * `errors` when any finding is an error; else `unknown` when a part was undecided; else `clean`.
 *
 * @example
 * auditVerdict(result) // 'errors'
 */
export function auditVerdict(r: AuditResult): AuditVerdict {
  if (r.findings.some((f) => f.severity === 'error')) return 'errors';
  if (!r.complete) return 'unknown';
  return 'clean';
}

function counterexampleJson(
  c: AuditCounterexample,
): NonNullable<AuditJson['patches'][number]['counterexample']> {
  return {
    from: c.from,
    steps: c.steps.map(opJson),
    patches: c.patches,
    shortest: c.shortest,
    undecided: c.undecided,
    violations: c.violations.map(violationJson),
    log: c.outcomes.flatMap((o) => o.log),
  };
}

/**
 * Why an upgrade is unreachable, in JSON: its kind, the patch it names and its message.
 *
 * @example
 * unreachableReasonJson(cell.reason) // { kind: 'stays', patch: 'klp_r2', message: '...' }
 */
export function unreachableReasonJson(r: UnreachableReason): JsonOf<typeof unreachableReason> {
  return r.kind === 'invariant'
    ? { kind: r.kind, message: r.message }
    : { kind: r.kind, patch: r.patch, message: r.message };
}

/**
 * A policy violation in JSON, its state ids as {@link stateIdJson} writes them.
 *
 * @example
 * policyViolationJson(v).states // ['0x696f75726e670002']
 */
export function policyViolationJson(
  v: PolicyViolation,
): AuditJson['policies'][number]['violations'][number] {
  return { message: v.message, patches: v.patches, states: v.states.map(stateIdJson) };
}

function stackJson(s: StackVerdict): AuditJson['patches'][number]['stacks'][number] {
  switch (s.kind) {
    case 'loadable':
      return { from: s.from, verdict: s.kind, decidedBy: s.how };
    case 'refuted':
      return { from: s.from, verdict: s.kind, dead: s.dead, decidedBy: s.how };
    case 'unknown':
      return { from: s.from, verdict: s.kind, depth: s.depth, reason: s.reason };
    case 'installed':
      return { from: s.from, verdict: s.kind };
    default:
      return assertNever(s, 'stack verdict');
  }
}

function cellJson(c: UpgradeCell): AuditJson['upgrades'][number] {
  return {
    from: c.from,
    to: c.to,
    verdict: c.verdict,
    ...(c.steps === null ? {} : { steps: c.steps.map(opJson) }),
    ...(c.reason === null ? {} : { reason: unreachableReasonJson(c.reason) }),
    ...(c.verdict === 'unknown' ? { depth: c.depth } : {}),
    decidedBy: c.how,
  };
}

/**
 * A finding as JSON: its data, its message and location.
 *
 * @example
 * findingJson(f).message === findingMessage(f) // true
 */
export function findingJson(f: Finding): JsonOf<typeof findingSchema> {
  const message = findingMessage(f);
  switch (f.kind) {
    case 'refusable-patch':
    case 'dead-patch':
      return { ...f, state: f.state === null ? null : stateIdJson(f.state), message };
    case 'policy-violation':
      return { ...f, states: f.states.map(stateIdJson), message };
    case 'reverted-functions':
    case 'unreachable-upgrade':
    case 'conflict':
    case 'undecided':
      return { ...f, message };
    default:
      return assertNever(f, 'finding');
  }
}

/**
 * The audit as one JSON document (`schemaVersion` 1).
 *
 * @example
 * stringify(auditJson(result)) // '{"schemaVersion":1,"command":"audit catalog","verdict":"errors",...}'
 */
export function auditJson(r: AuditResult): AuditJson {
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    command: 'audit catalog',
    verdict: auditVerdict(r),
    complete: r.complete,
    rules: r.rules,
    policyRuleSets: r.policyRuleSets,
    transitions: 'auto',
    deployed: r.deployed,
    findings: r.findings.map(findingJson),
    patches: r.patches.map((p) => ({
      name: p.name,
      verdict: p.verdict,
      ...(p.counterexample === null
        ? {}
        : { counterexample: counterexampleJson(p.counterexample) }),
      stacks: p.stacks.map(stackJson),
    })),
    upgrades: r.upgrades.map(cellJson),
    conflicts: r.conflicts.sets.map((patches) => ({ patches })),
    conflictsStatus: r.conflicts.status,
    policies: r.policies.map((p) => ({
      ruleSet: p.ruleSet,
      policy: p.policy,
      sentence: p.sentence,
      violations: p.violations.map(policyViolationJson),
    })),
    stats: r.stats,
  };
}

/**
 * The cell in a few characters: the number of operations, `x` unreachable, `?` unknown.
 *
 * @example
 * cellMark(cell) // '2'
 */
export function cellMark(c: UpgradeCell): string {
  switch (c.verdict) {
    case 'reachable':
      return String(c.steps?.length ?? 0);
    case 'unreachable':
      return 'x';
    case 'unknown':
      return '?';
    default:
      return assertNever(c.verdict, 'upgrade verdict');
  }
}

/**
 * The transcript of a counterexample: the deployed stack's setup, then the steps.
 *
 * @example
 * transcriptLines(cex).at(-1) // 'insmod: ERROR: could not insert module r4.ko: Invalid parameters'
 */
export function transcriptLines(c: AuditCounterexample): string[] {
  return [...c.setup.flatMap((o) => o.log), ...c.outcomes.flatMap((o) => o.log)];
}

/**
 * The audit as text: the verdict line, the findings with their catalog locations, then the
 * patches, the matrix, the conflicts and the policies.
 *
 * @example
 * auditText(result, 'stream.catalog.yaml', 100).split('\n')[0] // 'stream.catalog.yaml: 5 errors, 1 warning ...'
 */
export function auditText(r: AuditResult, file: string, width = 100): string {
  const out: string[] = [];
  const count = (s: Finding['severity']) => r.findings.filter((f) => f.severity === s).length;
  const v = auditVerdict(r);
  const head =
    v === 'clean'
      ? 'no error findings'
      : v === 'unknown'
        ? 'no error findings, but some parts undecided'
        : 'error findings';
  out.push(
    `${file}: ${head}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('note'), 'note')} (rules ${r.rules}; policies ${r.policyRuleSets.length === 0 ? 'none' : r.policyRuleSets.join(', ')}; from ${r.deployed.map((s) => (s.length === 0 ? 'nothing installed' : `[${s.join(',')}]`)).join(' ')})`,
  );
  if (r.findings.length > 0) out.push('', 'findings:');
  for (const f of r.findings) {
    const where = locationWords(f.location);
    out.push(...wrap(`${f.severity}[${f.kind}]: ${findingMessage(f)}`, width, '  ', '      '));
    if (where !== '') out.push(`      --> ${where}`);
  }
  out.push('', 'patches:');
  const w = Math.max(...r.patches.map((p) => p.name.length), 4);
  for (const p of r.patches) {
    const c = p.counterexample;
    const tail =
      c === null
        ? ''
        : `  from ${stackWords(c.from)}: ${c.steps.map(formatOp).join(', ')} (over ${c.patches.length === 0 ? 'no other patch' : names(c.patches)})`;
    out.push(`  ${p.name.padEnd(w)}  ${p.verdict}${tail}`);
    if (c !== null) {
      for (const line of c.outcomes.flatMap((o) => o.log)) out.push(`      ${line}`);
    }
  }
  if (r.rows.length > 0 && r.patches.length > 0) {
    out.push(
      '',
      'upgrade matrix (operations from the row stack to the column patch alone; x unreachable, ? unknown):',
    );
    const cols = r.patches.map((p) => p.name);
    const rowNames = r.rows.map((s) => (s.length === 0 ? '(nothing)' : s.join(',')));
    const rw = Math.max(...rowNames.map((n) => n.length));
    for (const [i, c] of cols.entries()) out.push(`  ${' '.repeat(rw)}  ${'|  '.repeat(i)}${c}`);
    r.rows.forEach((_, i) => {
      const cells = r.upgrades.slice(i * cols.length, (i + 1) * cols.length).map(cellMark);
      out.push(
        `  ${(rowNames[i] ?? '').padEnd(rw)}  ${cells.map((m) => m.padEnd(3)).join('')}`.trimEnd(),
      );
    });
    for (const c of r.upgrades) {
      if (c.verdict === 'unreachable' && c.reason !== null) {
        out.push(
          ...wrap(
            `[${c.from.join(',')}] -> [${c.to.join(',')}]: ${c.reason.message}`,
            width,
            '  ',
            '    ',
          ),
        );
      }
    }
  }
  out.push('', `conflicts (${r.conflicts.status}):`);
  if (r.conflicts.sets.length === 0) out.push('  none');
  for (const s of r.conflicts.sets) out.push(`  ${names(s)}`);
  if (r.policies.length > 0) {
    out.push('', 'policies:');
    for (const p of r.policies) {
      out.push(
        `  ${p.policy} (${p.ruleSet}): ${p.violations.length === 0 ? 'holds' : plural(p.violations.length, 'violation')}`,
      );
    }
  }
  out.push(
    '',
    `${plural(r.patches.length, 'patch')}, ${plural(r.upgrades.length, 'upgrade cell')}; ${r.stats.bySimulator} questions settled by exhaustive simulation, ${r.stats.byEngine} by the SMT engine (proofs under rule set ${r.rules}, transitions auto)`,
  );
  return out.join('\n');
}
