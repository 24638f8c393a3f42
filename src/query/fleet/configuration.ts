/**
 * A host's livepatch configuration as the audit groups it: the kernel release, the sysfs patch
 * directories (klp_patches, with their flags and `stack_order` when the kernel has it), the
 * loaded livepatch modules and, when the snapshot says, the forced ones. Hosts with equal
 * configurations get one decision.
 *
 * Guarantees: two snapshots have the same key exactly when every fact the audit reads from
 * them is the same (module lists compared as sets, sysfs entries in a canonical order).
 */
import type { HostSnapshot, SysfsPatch } from '../../ingest/snapshot.ts';
import type { Catalog } from '../../model/catalog.ts';

export interface Configuration {
  /** Canonical text of the facts below; the grouping key. */
  readonly key: string;
  readonly kernel: string | null;
  /** Sorted by `stackOrder` (unknown last), then name. */
  readonly livepatch: readonly SysfsPatch[];
  /** Loaded livepatch modules, sorted; sysfs patches included. */
  readonly modules: readonly string[];
  /** Forced modules, sorted; null when the snapshots do not say. */
  readonly forced: readonly string[] | null;
}

/**
 * The configuration of a snapshot. Modules of a raw `lsmod` capture (which cannot tell a
 * livepatch module from any other) count when the catalog or sysfs knows them.
 *
 * @example
 * configurationOf(snapshot, cat).key // '6.1.0|a:1,0,-,1|a|-'
 */
export function configurationOf(s: HostSnapshot, cat: Catalog): Configuration {
  const onSysfs = new Set(s.livepatch.map((p) => p.name));
  const keep = (m: string): boolean => !s.modulesUnfiltered || cat.byName.has(m) || onSysfs.has(m);
  const modules = [...new Set([...s.modules.filter(keep), ...onSysfs])].sort();
  const forced = s.forced === null ? null : s.forced.filter(keep).sort();
  const livepatch = [...s.livepatch].sort(
    (a, b) =>
      (a.stackOrder ?? Number.MAX_SAFE_INTEGER) - (b.stackOrder ?? Number.MAX_SAFE_INTEGER) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const bit = (b: boolean | null): string => (b === null ? '-' : b ? '1' : '0');
  const lp = livepatch
    .map(
      (p) =>
        `${p.name}:${bit(p.enabled)},${bit(p.transition)},${bit(p.replace)},${p.stackOrder ?? '-'}`,
    )
    .join(';');
  const key = `${s.kernel ?? '-'}|${lp}|${modules.join(',')}|${forced === null ? '-' : forced.join(',')}`;
  return { key, kernel: s.kernel, livepatch, modules, forced };
}
