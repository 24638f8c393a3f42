/**
 * Runs plans on a real kernel: generates one livepatch module per catalog patch (and the
 * helper), builds them against the headers (cached by content), packs them with the guest
 * script into an initramfs, boots the kernel under QEMU as often as needed (many plans share
 * one boot; a plan that leaves a module that cannot be removed, e.g. a forced one, ends the
 * boot and the rest run in the next), and reads each plan's results back.
 *
 * Returns typed data only; the CLI renders it.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../model/catalog.ts';
import type { Op } from '../model/op.ts';
import type { TransitionMode } from '../model/system.ts';
import { buildModules, type ModuleSource } from './build.ts';
import { type GuestPlan, guestScript } from './guest-script.ts';
import { buildInitramfs, DEFAULT_TOOLS, type HostTools } from './initramfs.ts';
import { type KernelPlanRun, kernelPlanRun } from './kernel-run.ts';
import {
  type FunctionMapping,
  functionMappings,
  functionSlots,
  HELPER_MODULE,
  helperSource,
  livepatchSource,
} from './module-source.ts';
import { kernelLogText, parseGuestOutput } from './parse.ts';
import { boot } from './qemu.ts';

/** A plan reduced to what the kernel runs. */
export interface VmPlan {
  readonly catalog: Catalog;
  readonly transitions: TransitionMode;
  readonly initial: readonly string[];
  readonly ops: readonly Op[];
  /**
   * The plan is expected to leave a module that cannot be removed (a forced one). Such plans
   * run last among the plans of their catalog, so that fewer plans after them need a new boot.
   */
  readonly leavesStuck?: boolean;
}

export interface VmConfig {
  /** The kernel image to boot (an uncompressed vmlinux or a bzImage). */
  readonly kernel: string;
  /** A configured kernel tree or headers package (`make -C DIR M=... modules` works). */
  readonly headers: string;
  /** Where built modules and initramfs images are kept. */
  readonly cacheDir: string;
  readonly tools?: HostTools;
  readonly qemu?: string;
  /** Plans per boot at most. */
  readonly batch?: number;
  /** Keep each boot's whole kernel log (`VmRun.kernelLogs`), as `dmesg -r` prints it. */
  readonly captureLog?: boolean;
  readonly onProgress?: (text: string) => void;
}

export type VmRun =
  | {
      readonly kind: 'ran';
      readonly release: string | null;
      readonly boots: number;
      readonly seconds: number;
      readonly compiled: number;
      readonly mappings: readonly FunctionMapping[];
      /** With `captureLog`: each boot's kernel log in `dmesg -r` text, in boot order. */
      readonly kernelLogs: readonly string[];
      /** One per input plan, in order. */
      readonly plans: readonly KernelPlanRun[];
    }
  | { readonly kind: 'build-failed'; readonly module: string; readonly output: string }
  | {
      readonly kind: 'boot-failed';
      readonly reason: 'timeout' | 'no-progress';
      /** The tail of the console output, to show what the guest last did. */
      readonly output: string;
    };

/**
 * The operations the guest runs: the initial loads (each followed by `complete` when manual),
 * then the steps.
 *
 * @example
 * guestOps({ catalog, transitions: 'auto', initial: ['a'], ops: [] }).setupCount // 1
 */
export function guestOps(plan: VmPlan): { ops: Op[]; setupCount: number } {
  const setup: Op[] = plan.initial.flatMap((name): Op[] =>
    plan.transitions === 'auto'
      ? [{ kind: 'insmod', patch: name }]
      : [{ kind: 'insmod', patch: name }, { kind: 'complete' }],
  );
  return { ops: [...setup, ...plan.ops], setupCount: setup.length };
}

function catalogKey(sources: readonly ModuleSource[]): string {
  const h = createHash('sha256');
  for (const s of sources) h.update(s.name).update('\0').update(s.source).update('\0');
  return h.digest('hex').slice(0, 12);
}

/**
 * @example
 * const r = await runOnKernel([{ catalog, transitions: 'auto', initial: [], ops }], config);
 * if (r.kind === 'ran') r.plans[0]?.final.klpPatches
 */
export async function runOnKernel(plans: readonly VmPlan[], config: VmConfig): Promise<VmRun> {
  const started = Date.now();
  const progress = config.onProgress ?? (() => {});
  // One module directory per distinct catalog.
  const dirs = new Map<Catalog, { key: string; sources: ModuleSource[] }>();
  for (const p of plans) {
    if (dirs.has(p.catalog)) continue;
    const slots = functionSlots(p.catalog);
    const sources = p.catalog.patches.map((x) => ({
      name: x.name,
      source: livepatchSource(x, slots),
    }));
    dirs.set(p.catalog, { key: catalogKey(sources), sources });
  }
  const unique = new Map<string, ModuleSource[]>();
  for (const d of dirs.values()) unique.set(d.key, d.sources);
  const moduleCache = join(config.cacheDir, 'modules');
  progress(`building modules for ${unique.size} catalog(s)`);
  const files: { path: string; from: string }[] = [];
  let compiled = 0;
  const helper = buildModules(
    [{ name: HELPER_MODULE, source: helperSource() }],
    config.headers,
    moduleCache,
  );
  if (helper.kind === 'failed')
    return { kind: 'build-failed', module: helper.module, output: helper.output };
  compiled += helper.compiled;
  files.push({ path: `/m/${HELPER_MODULE}.ko`, from: helper.modules.get(HELPER_MODULE) ?? '' });
  for (const [key, sources] of unique) {
    const built = buildModules(sources, config.headers, moduleCache);
    if (built.kind === 'failed')
      return { kind: 'build-failed', module: built.module, output: built.output };
    compiled += built.compiled;
    for (const [name, path] of built.modules)
      files.push({ path: `/m/${key}/${name}.ko`, from: path });
  }
  const guest = plans.map(
    (p, id): GuestPlan & { setupCount: number; key: string; stuck: boolean } => {
      const { ops, setupCount } = guestOps(p);
      return {
        key: dirs.get(p.catalog)?.key ?? '',
        stuck: p.leavesStuck === true,
        id,
        dir: `/m/${dirs.get(p.catalog)?.key ?? ''}`,
        hold: p.transitions === 'manual',
        probes: functionSlots(p.catalog).mapped.map((m) => m.slot.path),
        ops,
        setupCount,
      };
    },
  );
  const results: (KernelPlanRun | undefined)[] = plans.map(() => undefined);
  let release: string | null = null;
  let boots = 0;
  const kernelLogs: string[] = [];
  const runDir = join(config.cacheDir, 'run');
  mkdirSync(runDir, { recursive: true });
  const batch = config.batch ?? 100;
  // By catalog, plans that leave a stuck module last in theirs: a stuck module matters only to
  // a later plan that names it, and the next catalog's modules have other names.
  let todo = [...guest].sort(
    (a, b) => a.key.localeCompare(b.key) || Number(a.stuck) - Number(b.stuck) || a.id - b.id,
  );
  while (todo.length > 0) {
    const now = todo.slice(0, batch);
    const initrd = join(runDir, `initrd-${runName()}.cpio.gz`);
    buildInitramfs(
      initrd,
      guestScript(now, { captureLog: config.captureLog === true }),
      files,
      config.tools ?? DEFAULT_TOOLS,
    );
    boots++;
    let seen = 0;
    const r = await boot(config.kernel, initrd, {
      qemu: config.qemu,
      timeoutMs: 60_000 + 20_000 * now.length,
      onLine: (l) => {
        if (l.startsWith('@@end'))
          progress(
            `boot ${boots}: ${++seen}/${now.length} plans (${plans.length - todo.length + seen}/${plans.length} in all)`,
          );
      },
    });
    rmSync(initrd, { force: true });
    const out = parseGuestOutput(r.output);
    const byId = new Map(now.map((g) => [g.id, g]));
    // The last boot's console, for whoever needs to see what the guest did.
    writeFileSync(join(runDir, 'last-console.txt'), r.output);
    if (out.dirty !== null) progress(`boot ${boots}: module ${out.dirty} could not be removed`);
    release = out.release ?? release;
    if (config.captureLog === true) kernelLogs.push(kernelLogText(out.kmsgRecords));
    let progressed = 0;
    for (const g of out.plans) {
      const plan = byId.get(g.id);
      if (!g.complete || plan === undefined) continue;
      results[g.id] = kernelPlanRun(plan.ops, plan.setupCount, g);
      progressed++;
    }
    if (r.kind === 'timeout' && !out.done && out.dirty === null)
      return { kind: 'boot-failed', reason: 'timeout', output: tail(r.output) };
    if (progressed === 0)
      return { kind: 'boot-failed', reason: 'no-progress', output: tail(r.output) };
    todo = todo.filter((g) => results[g.id] === undefined);
  }
  const done = results.filter((x): x is KernelPlanRun => x !== undefined);
  return {
    kind: 'ran',
    release,
    boots,
    seconds: (Date.now() - started) / 1000,
    compiled,
    mappings: [...dirs.keys()].flatMap(functionMappings),
    kernelLogs,
    plans: done,
  };
}

let counter = 0;
/** A name unique within this run for the initramfs file. */
function runName(): string {
  counter += 1;
  return `${Date.now().toString(36)}-${counter}`;
}

function tail(output: string): string {
  return output.split('\n').slice(-30).join('\n');
}
