/**
 * `audit fleet`: streams host snapshots, groups them by distinct configuration, decides each
 * configuration once (src/query/fleet/decide.ts), then groups hosts by cause: the verdict, the
 * errno, the rollout patch refused, the rules and states and holders that refuse it.
 *
 * Memory grows with the number of distinct configurations, never with the number of hosts: a
 * configuration keeps its host count and a few sample host names. Results are typed data; the
 * words are in src/report/fleet.ts.
 */
import { type HostSnapshot, own } from '../../ingest/snapshot.ts';
import type { KernelRules } from '../../kernel/index.ts';
import type { Catalog } from '../../model/catalog.ts';
import { assertNever } from '../../model/op.ts';
import { type Configuration, configurationOf } from './configuration.ts';
import {
  type ConfigVerdict,
  type DecideOptions,
  type Decision,
  type Finding,
  FleetDecider,
  isBlocking,
  outcomeKey,
} from './decide.ts';

/** Host names kept per configuration, group and finding. */
export const SAMPLE_HOSTS = 5;

export interface FleetOptions {
  readonly catalog: Catalog;
  readonly rules: KernelRules;
  /** Patches to insmod in turn on every host; empty: consistency only. */
  readonly rollout: readonly string[];
  readonly maxStates?: number;
  readonly maxFixStates?: number;
  /** See {@link DecideOptions.monotone}. */
  readonly monotone?: boolean;
}

/** One distinct configuration with its hosts and its decision. */
export interface ConfigurationResult {
  /** 1-based, in order of first appearance. */
  readonly id: number;
  readonly configuration: Configuration;
  readonly hosts: number;
  readonly sampleHosts: readonly string[];
  readonly decision: Decision;
  /** The key of the group its hosts belong to. */
  readonly group: string;
}

export type VerdictKind = ConfigVerdict['kind'];

/** Hosts that share a verdict and its cause. */
export interface Group {
  readonly key: string;
  readonly verdict: ConfigVerdict;
  /** Findings that make the configurations inconsistent (`inconsistent` groups). */
  readonly blocking: readonly Finding[];
  readonly hosts: number;
  readonly sampleHosts: readonly string[];
  /** Ids of the configurations in the group. */
  readonly configurations: readonly number[];
}

/** One finding with the hosts it affects. */
export interface FindingGroup {
  readonly finding: Finding;
  readonly hosts: number;
  readonly sampleHosts: readonly string[];
  readonly configurations: readonly number[];
}

export interface FleetResult {
  readonly rules: string;
  readonly rollout: readonly string[];
  readonly hosts: number;
  readonly configurations: readonly ConfigurationResult[];
  /** Largest first. */
  readonly groups: readonly Group[];
  /** Largest first. */
  readonly findings: readonly FindingGroup[];
  /** Hosts per verdict kind. */
  readonly byVerdict: Readonly<Record<VerdictKind, number>>;
}

interface Pending {
  readonly id: number;
  readonly configuration: Configuration;
  hosts: number;
  readonly sampleHosts: string[];
}

/**
 * The streaming fleet audit.
 *
 * @example
 * const audit = new FleetAudit({ catalog: cat, rules: upstream, rollout: ['klp_r4'] });
 * await readSnapshots(files, { host: (s) => audit.add(s), diagnostic: report });
 * const result = audit.finish();
 * result.groups[0] // the largest group of hosts, with its verdict and cause
 */
export class FleetAudit {
  readonly opts: FleetOptions;
  readonly #decider: FleetDecider;
  readonly #configs = new Map<string, Pending>();
  readonly #byShape = new WeakMap<
    object,
    {
      modules: HostSnapshot['modules'];
      forced: HostSnapshot['forced'];
      kernel: string | null;
      configuration: Configuration;
    }
  >();
  #hosts = 0;
  #decided: Map<string, ConfigurationResult> | null = null;

  constructor(opts: FleetOptions) {
    this.opts = opts;
    this.#decider = new FleetDecider(opts);
  }

  get hosts(): number {
    return this.#hosts;
  }

  get configurationCount(): number {
    return this.#configs.size;
  }

  /**
   * The configuration of a snapshot; snapshots the reader made from one line shape share their
   * lists, so the configuration is computed once per shape.
   */
  #configurationOf(s: HostSnapshot): Configuration {
    const memo = this.#byShape.get(s.livepatch);
    if (
      memo !== undefined &&
      memo.modules === s.modules &&
      memo.forced === s.forced &&
      memo.kernel === s.kernel
    ) {
      return memo.configuration;
    }
    const configuration = configurationOf(s, this.opts.catalog);
    this.#byShape.set(s.livepatch, {
      modules: s.modules,
      forced: s.forced,
      kernel: s.kernel,
      configuration,
    });
    return configuration;
  }

  /** Counts a snapshot's hosts under its configuration. */
  add(s: HostSnapshot): void {
    const cfg = this.#configurationOf(s);
    let entry = this.#configs.get(cfg.key);
    if (entry === undefined) {
      entry = { id: this.#configs.size + 1, configuration: cfg, hosts: 0, sampleHosts: [] };
      this.#configs.set(cfg.key, entry);
    }
    entry.hosts += s.count;
    this.#hosts += s.count;
    for (const h of s.sampleHosts) {
      if (entry.sampleHosts.length >= SAMPLE_HOSTS) break;
      // A copy: the reader's host name is a slice of a whole chunk of the file.
      if (!entry.sampleHosts.includes(h)) entry.sampleHosts.push(own(h));
    }
  }

  /** Decides every configuration and groups the hosts. */
  finish(progress?: (done: number, total: number) => void): FleetResult {
    const results: ConfigurationResult[] = [];
    const decided = new Map<string, ConfigurationResult>();
    let done = 0;
    for (const [key, c] of this.#configs) {
      const decision = this.#decider.decide(c.configuration);
      const r = { ...c, decision, group: groupKey(decision) };
      results.push(r);
      decided.set(key, r);
      progress?.(++done, this.#configs.size);
    }
    this.#decided = decided;
    const groups = new Map<
      string,
      { -readonly [K in keyof Group]: Group[K] } & {
        sampleHosts: string[];
        configurations: number[];
      }
    >();
    const findings = new Map<
      string,
      FindingGroup & { sampleHosts: string[]; configurations: number[]; hosts: number }
    >();
    const byVerdict: Record<VerdictKind, number> = {
      admitted: 0,
      refused: 0,
      consistent: 0,
      inconsistent: 0,
      unknown: 0,
    };
    for (const r of results) {
      byVerdict[r.decision.verdict.kind] += r.hosts;
      let g = groups.get(r.group);
      if (g === undefined) {
        g = {
          key: r.group,
          verdict: r.decision.verdict,
          blocking: r.decision.findings.filter(isBlocking),
          hosts: 0,
          sampleHosts: [],
          configurations: [],
        };
        groups.set(r.group, g);
      }
      g.hosts += r.hosts;
      g.configurations.push(r.id);
      addSamples(g.sampleHosts, r.sampleHosts);
      for (const f of r.decision.findings) {
        const fk = findingKey(f);
        let fg = findings.get(fk);
        if (fg === undefined) {
          fg = { finding: f, hosts: 0, sampleHosts: [], configurations: [] };
          findings.set(fk, fg);
        }
        fg.hosts += r.hosts;
        fg.configurations.push(r.id);
        addSamples(fg.sampleHosts, r.sampleHosts);
      }
    }
    const largest = <T extends { hosts: number }>(xs: Iterable<T>): T[] =>
      [...xs].sort((a, b) => b.hosts - a.hosts);
    return {
      rules: this.opts.rules.name,
      rollout: this.opts.rollout,
      hosts: this.#hosts,
      configurations: results,
      groups: largest(groups.values()),
      findings: largest(findings.values()),
      byVerdict,
    };
  }

  /** The decided configuration of a snapshot (after {@link finish}), for per-host output. */
  resultOf(s: HostSnapshot): ConfigurationResult {
    const r = this.#decided?.get(this.#configurationOf(s).key);
    if (r === undefined) throw new Error('resultOf: the snapshot was not added before finish()');
    return r;
  }
}

function addSamples(into: string[], from: readonly string[]): void {
  for (const h of from) {
    if (into.length >= SAMPLE_HOSTS) return;
    if (!into.includes(h)) into.push(h);
  }
}

/** The cause a group shares: the verdict, and what decides it. */
export function groupKey(d: Decision): string {
  const v = d.verdict;
  switch (v.kind) {
    case 'admitted':
      return `admitted|${v.stacks
        .map((st) => st.join(','))
        .sort()
        .join(';')}`;
    case 'refused':
      return outcomeKey(v);
    case 'consistent':
      return 'consistent';
    case 'inconsistent':
      return `inconsistent|${d.findings.filter(isBlocking).map(findingKey).join(';')}`;
    case 'unknown':
      return `unknown|${v.why}|${v.answers
        .map((a) => outcomeKey(a.outcome))
        .sort()
        .join(';')}`;
    default:
      return assertNever(v, 'verdict');
  }
}

/** Identity of a finding across configurations. */
export function findingKey(f: Finding): string {
  switch (f.kind) {
    case 'not-in-catalog':
      return `${f.kind}|${f.patch}|${f.onStack}`;
    case 'replace-mismatch':
      return `${f.kind}|${f.patch}|${f.sysfs}`;
    case 'transition-pending':
      return `${f.kind}|${f.patch}|${f.target}`;
    case 'forced':
      return `${f.kind}|${f.patch}`;
    case 'impossible-flags':
    case 'unreachable':
    case 'consistency-undecided':
      return `${f.kind}|${f.message}`;
    default:
      return assertNever(f, 'finding');
  }
}
