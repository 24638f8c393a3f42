/**
 * The findings of an audit: the verdicts, matrix, conflicts and policies summarised as a small
 * set of findings grouped by cause, each with a severity, the patches involved and the catalog
 * location to fix. Typed data only; the words are the renderers' (src/report/audit.ts).
 *
 * Grouping: a refused patch gives one finding per (rule, state) that rejects it, with every
 * installed patch that holds that cause (from the counterexample and the load matrix); an
 * unreachable upgrade cell joins the cells with the same proved reason; a conflict, a policy
 * violation and an undecided question are one finding each; functions a cumulative patch
 * reverts are one finding per (cumulative patch, replaced patch) (src/query/audit/reverted.ts).
 *
 * Locations: the catalog entry (file:line:col of its YAML); when the catalog was built from
 * artifacts, also the `origin` the entry carries (a C source line or a module's section offset).
 */
import type { PatchDecl, SourcedCatalog } from '../../ingest/catalog.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { KlpFunc } from '../../model/patch.ts';
import type { LoadMatrix } from '../conflicts-replay.ts';
import type { UnreachableReason } from '../upgrade.ts';
import type { PatchAudit } from './patches.ts';
import type { PolicyResult } from './policies.ts';
import type { RevertedResult, RevertPolicy } from './reverted.ts';
import type { UpgradeCell } from './upgrades.ts';

export type Severity = 'error' | 'warning' | 'note';

/** Where to look in the catalog file (1-based line and column). */
export interface AuditLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  /**
   * Where the entry's fact comes from, for catalogs built from artifacts: the `origin` of the
   * state (or of the patch), e.g. `klp_stream_r3.c:34` or `klp_stream_r2.ko: .data+0xf8`.
   */
  readonly origin?: string;
}

export type Finding =
  /** `insmod patch` is rejected (EINVAL) from some reachable configuration. */
  | {
      readonly kind: 'refusable-patch';
      readonly severity: 'error';
      readonly patch: string;
      readonly rule: string | null;
      readonly state: bigint | null;
      /** Installed patches that hold the cause (e.g. declare the state), catalog order. */
      readonly holders: readonly string[];
      /** Steps of the shortest counterexample. */
      readonly steps: number;
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  /** `insmod patch` is rejected in every reachable configuration. */
  | {
      readonly kind: 'dead-patch';
      readonly severity: 'error';
      readonly patch: string;
      readonly rule: string | null;
      readonly state: bigint | null;
      readonly holders: readonly string[];
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  | {
      readonly kind: 'policy-violation';
      readonly severity: 'error';
      readonly ruleSet: string;
      readonly policy: string;
      /** The policy's own rendered message. */
      readonly detail: string;
      readonly states: readonly bigint[];
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  /**
   * `insmod patch` (cumulative) is admitted in some reachable configuration where `replaced`
   * patched `functions` last, and its atomic replace reverts them to the original code.
   */
  | {
      readonly kind: 'reverted-functions';
      /** `error` when a policy file refuses that `insmod` (e.g. keep-functions). */
      readonly severity: 'error' | 'warning';
      readonly patch: string;
      readonly replaced: string;
      readonly functions: readonly KlpFunc[];
      /** klp_patches of a reachable configuration where it happens, bottom to top. */
      readonly from: readonly string[];
      readonly policies: readonly RevertPolicy[];
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  | {
      readonly kind: 'unreachable-upgrade';
      readonly severity: 'warning';
      readonly reason: UnreachableReason['kind'];
      /** The patch the reason names (stays, never-enabled), if any. */
      readonly blocker: string | null;
      readonly cells: readonly { readonly from: readonly string[]; readonly to: string }[];
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  | {
      readonly kind: 'conflict';
      readonly severity: 'warning';
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    }
  | {
      readonly kind: 'undecided';
      readonly severity: 'note';
      readonly what: 'patch' | 'upgrade' | 'conflicts' | 'reverted-functions' | 'policies';
      /**
       * Patch name, or `from -> to`, or empty for the conflict enumeration, or `cumulative over
       * replaced` for a revert seen only from a stack not known to be reachable.
       */
      readonly subject: string;
      readonly patches: readonly string[];
      readonly location: AuditLocation | null;
    };

export type FindingKind = Finding['kind'];

/** Every finding kind, in the order reports list them. */
export const FINDING_KINDS: readonly FindingKind[] = [
  'dead-patch',
  'refusable-patch',
  'policy-violation',
  'reverted-functions',
  'unreachable-upgrade',
  'conflict',
  'undecided',
];

export interface FindingInput {
  readonly catalog: Catalog | SourcedCatalog;
  readonly patches: readonly PatchAudit[];
  readonly upgrades: readonly UpgradeCell[];
  readonly conflicts: readonly (readonly string[])[];
  readonly conflictsComplete: boolean;
  /** False when the deadline passed while the policies were evaluated (none is reported). */
  readonly policiesComplete?: boolean;
  readonly matrix: LoadMatrix | null;
  readonly policies: readonly PolicyResult[];
  /** Functions cumulative patches revert; null: not computed. */
  readonly reverted?: RevertedResult | null;
}

/**
 * The findings, errors first, each group in catalog order.
 *
 * @example
 * findings(input).filter((f) => f.severity === 'error').map((f) => f.kind) // ['refusable-patch']
 */
export function findings(input: FindingInput): Finding[] {
  const cat = input.catalog;
  const order = new Map(cat.patches.map((p, i) => [p.name, i]));
  const byOrder = (names: Iterable<string>) =>
    [...new Set(names)].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const decls: ReadonlyMap<string, PatchDecl> | null = 'decls' in cat ? cat.decls : null;
  const at = (patch: string | null, state: bigint | null = null): AuditLocation | null => {
    const d = patch === null ? undefined : decls?.get(patch);
    if (d === undefined || patch === null) return null;
    const s = state === null ? undefined : d.states.find((x) => x.id === state);
    const span = s?.span ?? d.nameSpan;
    const a = d.source.position(span.start);
    const b = d.source.position(span.end);
    const p = cat.byName.get(patch);
    const origin =
      (state === null ? undefined : p?.states.find((x) => x.id === state)?.origin) ?? p?.origin;
    return {
      file: d.source.file,
      line: a.line,
      col: a.col,
      endLine: b.line,
      endCol: b.col,
      ...(origin === undefined ? {} : { origin }),
    };
  };
  const out: Finding[] = [];

  for (const p of input.patches) {
    const cex = p.counterexample;
    if ((p.verdict !== 'refuted' && p.verdict !== 'dead') || cex === null) continue;
    // Causes: the final rejection's violations, joined with the load matrix's rejections of
    // the same patch by the same rule and state.
    const causes = new Map<
      string,
      { rule: string | null; state: bigint | null; holders: string[] }
    >();
    const add = (rule: string | null, state: bigint | null, holder: string | null) => {
      const key = `${rule ?? ''}|${state ?? ''}`;
      let c = causes.get(key);
      if (c === undefined) {
        c = { rule, state, holders: [] };
        causes.set(key, c);
      }
      if (holder !== null) c.holders.push(holder);
    };
    for (const v of cex.violations) add(v.rule, v.state, v.installedBy);
    if (cex.violations.length === 0) add(null, null, null);
    const m = input.matrix;
    const j = m?.patches.indexOf(p.name) ?? -1;
    if (m !== null && j >= 0) {
      m.cells.forEach((row, i) => {
        const cell = row[j];
        if (cell?.kind !== 'rejected') return;
        for (const v of cell.rejection.violations) {
          if (causes.has(`${v.rule}|${v.state ?? ''}`)) add(v.rule, v.state, m.patches[i] ?? null);
        }
      });
    }
    for (const c of causes.values()) {
      const holders = byOrder(c.holders);
      const patches = byOrder([p.name, ...holders, ...cex.patches]);
      const location = at(p.name, c.state);
      out.push(
        p.verdict === 'dead'
          ? {
              kind: 'dead-patch',
              severity: 'error',
              patch: p.name,
              rule: c.rule,
              state: c.state,
              holders,
              patches,
              location,
            }
          : {
              kind: 'refusable-patch',
              severity: 'error',
              patch: p.name,
              rule: c.rule,
              state: c.state,
              holders,
              steps: cex.steps.length,
              patches,
              location,
            },
      );
    }
  }

  for (const pol of input.policies) {
    for (const v of pol.violations) {
      const last = v.patches.at(-1) ?? null;
      const lastDecl = last === null ? undefined : cat.byName.get(last);
      const state = v.states.find((s) => lastDecl?.states.some((x) => x.id === s)) ?? null;
      out.push({
        kind: 'policy-violation',
        severity: 'error',
        ruleSet: pol.ruleSet,
        policy: pol.policy,
        detail: v.message,
        states: v.states,
        patches: v.patches,
        location: at(last, state),
      });
    }
  }

  for (const r of input.reverted?.pairs ?? []) {
    out.push({
      kind: 'reverted-functions',
      severity: r.policies.length > 0 ? 'error' : 'warning',
      patch: r.cumulative,
      replaced: r.replaced,
      functions: r.functions,
      from: r.from,
      policies: r.policies,
      patches: byOrder([r.replaced, r.cumulative]),
      location: at(r.cumulative),
    });
  }

  const groups = new Map<string, { reason: UnreachableReason; cells: UpgradeCell[] }>();
  for (const c of input.upgrades) {
    if (c.verdict !== 'unreachable' || c.reason === null) continue;
    const blocker = c.reason.kind === 'invariant' ? null : c.reason.patch;
    const key = `${c.reason.kind}|${blocker ?? c.to.join(',')}`;
    const g = groups.get(key) ?? { reason: c.reason, cells: [] };
    g.cells.push(c);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const blocker = g.reason.kind === 'invariant' ? null : g.reason.patch;
    const cells = g.cells.map((c) => ({ from: c.from, to: c.to[0] ?? '' }));
    out.push({
      kind: 'unreachable-upgrade',
      severity: 'warning',
      reason: g.reason.kind,
      blocker,
      cells,
      patches: byOrder([...(blocker === null ? [] : [blocker]), ...cells.map((c) => c.to)]),
      location: at(blocker ?? cells[0]?.to ?? null),
    });
  }

  for (const set of input.conflicts) {
    out.push({
      kind: 'conflict',
      severity: 'warning',
      patches: set,
      location: at(set.at(-1) ?? null),
    });
  }

  for (const p of input.patches) {
    if (p.verdict !== 'unknown') continue;
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'patch',
      subject: p.name,
      patches: [p.name],
      location: at(p.name),
    });
  }
  for (const c of input.upgrades) {
    if (c.verdict !== 'unknown') continue;
    const to = c.to[0] ?? '';
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'upgrade',
      subject: `${c.from.join(',')} -> ${to}`,
      patches: byOrder([...c.from, to]),
      location: at(to),
    });
  }
  for (const u of input.reverted?.undecided ?? []) {
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'reverted-functions',
      subject: `${u.cumulative} over ${u.replaced}`,
      patches: byOrder([u.replaced, u.cumulative]),
      location: at(u.cumulative),
    });
  }
  if (input.reverted !== null && input.reverted !== undefined && !input.reverted.complete) {
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'reverted-functions',
      subject: '',
      patches: [],
      location: null,
    });
  }
  if (input.policiesComplete === false) {
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'policies',
      subject: '',
      patches: [],
      location: null,
    });
  }
  if (!input.conflictsComplete) {
    out.push({
      kind: 'undecided',
      severity: 'note',
      what: 'conflicts',
      subject: '',
      patches: [],
      location: null,
    });
  }
  const rank = new Map(FINDING_KINDS.map((k, i) => [k, i]));
  return out
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (rank.get(a.f.kind) ?? 0) - (rank.get(b.f.kind) ?? 0) || a.i - b.i)
    .map(({ f }) => f);
}
