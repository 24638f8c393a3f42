/**
 * Renderers of `audit fleet` results (src/query/fleet/audit.ts): text (groups largest first),
 * one JSON document (`schemaVersion` 1), and one NDJSON line per host. The wording of verdicts
 * and findings lives here and only here.
 */
import type { HostSnapshot } from '../ingest/snapshot.ts';
import { assertNever, formatOp } from '../model/op.ts';
import type {
  ConfigurationResult,
  FindingGroup,
  FleetResult,
  Group,
} from '../query/fleet/audit.ts';
import type { ConfigVerdict, Finding, Fix, Outcome } from '../query/fleet/decide.ts';
import { stringify } from './json.ts';
import { violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type {
  fleetDocument,
  fleetFinding,
  fleetFix,
  fleetHostLine as fleetHostLineSchema,
  fleetOutcome,
  fleetVerdict,
} from './schema/fleet.ts';
import { wrap } from './wrap.ts';

/**
 * The schema version of `--format json` (docs/schema/audit-fleet.schema.json); `--format
 * ndjson` lines follow docs/schema/audit-fleet-host.schema.json.
 */
export const FLEET_SCHEMA_VERSION = SCHEMA_VERSION;

type FleetJson = JsonOf<typeof fleetDocument>;

/** A finding in one line. */
export function findingText(f: Finding): string {
  switch (f.kind) {
    case 'not-in-catalog':
      return f.onStack
        ? `\`${f.patch}\` is on klp_patches but not in the catalog: the catalog does not match the modules that run`
        : `livepatch module \`${f.patch}\` is loaded but not in the catalog`;
    case 'replace-mismatch':
      return `sysfs says \`${f.patch}\` has replace=${f.sysfs ? 1 : 0}, the catalog says replace: ${f.catalog}: the catalog does not match the module that runs`;
    case 'transition-pending':
      return `\`${f.patch}\` is still being ${f.target === 'patched' ? 'patched' : 'unpatched'}: a transition is pending (a task may be stuck; \`force\` would make its module unremovable)`;
    case 'forced':
      return `\`${f.patch}\` was forced: its module can never be removed (reboot to unload it)`;
    case 'impossible-flags':
    case 'unreachable':
    case 'consistency-undecided':
      return f.message;
    default:
      return assertNever(f, 'finding');
  }
}

/** The fewest operations that would admit the rollout, in one line. */
export function fixText(fix: Fix): string {
  switch (fix.kind) {
    case 'found':
      return fix.ops.length === 0
        ? 'nothing to do first'
        : `fewest operations first: ${fix.ops.map(formatOp).join(', ')}`;
    case 'none':
      return 'no sequence of operations on the loaded modules and the rollout makes it admitted';
    case 'unknown':
      return `no way to admit it found among ${fix.states} configurations (search limit)`;
    default:
      return assertNever(fix, 'fix');
  }
}

/** The verdict of an outcome in one line, e.g. `refused EINVAL: insmod klp_r4`. */
export function outcomeHead(o: Outcome): string {
  if (o.kind === 'admitted') return `admitted: klp_patches becomes [${o.stack.join(', ')}]`;
  const where =
    o.loaded === 'on-stack'
      ? ` (\`${o.patch}\` is already on klp_patches)`
      : o.loaded === 'off-stack'
        ? ` (\`${o.patch}\` was replaced or disabled but its module is still loaded: rmmod it first)`
        : o.loaded === 'forced'
          ? ` (\`${o.patch}\` was forced off and its module can never be removed)`
          : '';
  return `refused ${o.errno}: insmod ${o.patch}${where}`;
}

function outcomeLines(o: Outcome, width: number, indent: string): string[] {
  const lines = wrap(outcomeHead(o), width, indent, `${indent}  `);
  if (o.kind === 'refused') {
    if (o.errno === 'EBUSY') {
      lines.push(
        ...wrap('another patch is in transition; retry when it completes', width, `${indent}  `),
      );
    }
    for (const v of o.reasons) {
      lines.push(...wrap(`rule ${v.rule}: ${v.message}`, width, `${indent}  `, `${indent}    `));
    }
    lines.push(...wrap(fixText(o.fix), width, `${indent}  `, `${indent}    `));
  }
  return lines;
}

function verdictLines(v: ConfigVerdict, blocking: readonly Finding[], width: number): string[] {
  const pad = '    ';
  switch (v.kind) {
    case 'admitted':
      if (v.stacks.length > 1) {
        return [
          `${pad}admitted in every order sysfs allows; klp_patches becomes one of:`,
          ...v.stacks.map((st) => `${pad}  [${st.join(', ')}]`),
        ];
      }
      return outcomeLines(v, width, pad);
    case 'refused':
      return outcomeLines(v, width, pad);
    case 'consistent':
      return [`${pad}consistent with the catalog under these rules`];
    case 'inconsistent':
      return [
        `${pad}inconsistent: the rules and the catalog could not have produced this configuration`,
        ...blocking.flatMap((f) => wrap(findingText(f), width, `${pad}  - `, `${pad}    `)),
      ];
    case 'unknown':
      if (v.why === 'too-many-orders') {
        return [
          `${pad}unknown: too many patches without \`stack_order\` to try every order (kernel before 6.14)`,
        ];
      }
      return [
        `${pad}unknown: the answer depends on the order of klp_patches, which sysfs does not show before 6.14`,
        ...v.answers.flatMap((a) => [
          `${pad}  if klp_patches is [${a.order.join(', ')}]:`,
          ...outcomeLines(a.outcome, width, `${pad}    `),
        ]),
      ];
    default:
      return assertNever(v, 'verdict');
  }
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The text report: a summary, the groups largest first, the findings largest first.
 *
 * @example
 * fleetText(result, 100).split('\n')[0] // 'fleet: 1,000 hosts in 12 configurations; ...'
 */
export function fleetText(r: FleetResult, width = 100): string {
  const what =
    r.rollout.length === 0
      ? 'consistency only (no --rollout)'
      : `rollout ${r.rollout.map((p) => `insmod ${p}`).join(', then ')}`;
  const out = [
    `fleet: ${plural(r.hosts, 'host')} in ${plural(r.configurations.length, 'configuration')}; ${what} (rules ${r.rules})`,
  ];
  const counts = Object.entries(r.byVerdict)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`);
  out.push(`  ${counts.join(', ') || 'no hosts'}`);
  if (r.groups.length > 0) out.push('', 'groups, largest first:');
  for (const [i, g] of r.groups.entries()) {
    const ordersNote =
      g.verdict.orders > 1 && g.verdict.kind !== 'unknown'
        ? `; same answer in each of ${g.verdict.orders} orders sysfs allows`
        : '';
    out.push(
      `  ${i + 1}. ${plural(g.hosts, 'host')} (${plural(g.configurations.length, 'configuration')}${ordersNote}), e.g. ${g.sampleHosts.join(', ')}`,
    );
    out.push(...verdictLines(g.verdict, g.blocking, width));
  }
  if (r.findings.length > 0) out.push('', 'findings, largest first:');
  for (const f of r.findings) {
    out.push(
      ...wrap(
        `${plural(f.hosts, 'host')}: ${findingText(f.finding)} (e.g. ${f.sampleHosts.join(', ')})`,
        width,
        '  - ',
        '    ',
      ),
    );
  }
  return out.join('\n');
}

function fixJson(fix: Fix): JsonOf<typeof fleetFix> {
  switch (fix.kind) {
    case 'found':
      return { kind: 'found', ops: fix.ops.map(formatOp) };
    case 'none':
      return { kind: 'none' };
    case 'unknown':
      return { kind: 'unknown', states: fix.states };
    default:
      return assertNever(fix, 'fix');
  }
}

function refusedJson(o: Outcome & { kind: 'refused' }) {
  return {
    verdict: 'refused' as const,
    errno: o.errno,
    patch: o.patch,
    loaded: o.loaded,
    reasons: o.reasons.map(violationJson),
    fix: fixJson(o.fix),
  };
}

function outcomeJson(o: Outcome): JsonOf<typeof fleetOutcome> {
  return o.kind === 'admitted' ? { verdict: 'admitted', stack: o.stack } : refusedJson(o);
}

function verdictJson(v: ConfigVerdict): JsonOf<typeof fleetVerdict> {
  switch (v.kind) {
    case 'admitted':
      return { verdict: 'admitted', stack: v.stack, stacks: v.stacks, orders: v.orders };
    case 'refused':
      return { ...refusedJson(v), orders: v.orders };
    case 'consistent':
      return { verdict: 'consistent', orders: v.orders };
    case 'inconsistent':
      return { verdict: 'inconsistent', orders: 0 };
    case 'unknown':
      return {
        verdict: 'unknown',
        why: v.why,
        orders: v.orders,
        answers: v.answers.map((a) => ({ order: a.order, ...outcomeJson(a.outcome) })),
      };
    default:
      return assertNever(v, 'verdict');
  }
}

function findingJson(f: Finding): JsonOf<typeof fleetFinding> {
  return { ...f, message: findingText(f) };
}

function configurationJson(
  c: ConfigurationResult,
  groupIds: ReadonlyMap<string, number>,
): FleetJson['configurations'][number] {
  return {
    id: c.id,
    kernel: c.configuration.kernel,
    livepatch: c.configuration.livepatch.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      transition: p.transition,
      replace: p.replace,
      stackOrder: p.stackOrder,
    })),
    modules: c.configuration.modules,
    forced: c.configuration.forced,
    count: c.hosts,
    hosts: c.sampleHosts,
    orderKnown: c.decision.orderKnown,
    ...verdictJson(c.decision.verdict),
    group: groupIds.get(c.group) ?? null,
    findings: c.decision.findings.map(findingJson),
  };
}

function groupJson(g: Group, id: number): FleetJson['groups'][number] {
  const shared = {
    id,
    count: g.hosts,
    hosts: g.sampleHosts,
    configurations: g.configurations,
  };
  // A refused group's reasons are the rules' (in its verdict); any other's, its findings.
  const v = verdictJson(g.verdict);
  if (v.verdict === 'refused') return { ...v, ...shared };
  return { ...v, reasons: g.blocking.map(findingJson), ...shared };
}

function findingGroupJson(f: FindingGroup): FleetJson['findings'][number] {
  return {
    ...findingJson(f.finding),
    count: f.hosts,
    hosts: f.sampleHosts,
    configurations: f.configurations,
  };
}

/** Group ids: 1 for the largest group. */
export function groupIds(r: FleetResult): Map<string, number> {
  return new Map(r.groups.map((g, i) => [g.key, i + 1]));
}

/** The JSON document of `--format json` (docs/schema/audit-fleet.schema.json). */
export function fleetJson(r: FleetResult, diagnostics: number): FleetJson {
  const ids = groupIds(r);
  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    command: 'audit fleet',
    rules: r.rules,
    rollout: r.rollout,
    hosts: r.hosts,
    byVerdict: r.byVerdict,
    malformedLines: diagnostics,
    configurations: r.configurations.map((c) => configurationJson(c, ids)),
    groups: r.groups.map((g, i) => groupJson(g, i + 1)),
    findings: r.findings.map(findingGroupJson),
  };
}

/**
 * One `--format ndjson` line for a snapshot line (docs/schema/audit-fleet-host.schema.json):
 * `{host, verdict, errno?, group, configuration, count?}`.
 */
export function fleetHostLine(
  s: HostSnapshot,
  c: ConfigurationResult,
  ids: ReadonlyMap<string, number>,
): string {
  const v = c.decision.verdict;
  const line: JsonOf<typeof fleetHostLineSchema> = {
    host: s.host,
    verdict: v.kind,
    ...(v.kind === 'refused' ? { errno: v.errno } : {}),
    group: ids.get(c.group) ?? null,
    configuration: c.id,
    ...(s.count === 1 ? {} : { count: s.count }),
  };
  return stringify(line);
}
