/**
 * Builds livepatch modules against a kernel's headers with kbuild (`make -C HEADERS M=DIR
 * modules`), stripped of debug information, in a content-addressed cache: a module is built
 * once per (headers, C source) and reused by every later run.
 *
 * Guarantees: a returned path is a built `.ko` whose source and headers hash to its name; a
 * failed build is a value carrying the compiler's output, never a throw.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

export interface ModuleSource {
  /** The module name: the `.ko` is `<name>.ko`. */
  readonly name: string;
  readonly source: string;
}

export type BuildResult =
  | {
      readonly kind: 'built';
      /** Module name -> path of the cached `.ko`. */
      readonly modules: ReadonlyMap<string, string>;
      /** How many had to be compiled (the rest came from the cache). */
      readonly compiled: number;
    }
  | { readonly kind: 'failed'; readonly module: string; readonly output: string };

/**
 * What identifies a headers tree: its symbol versions, release string and configuration.
 *
 * @example
 * headersKey('/usr/src/linux-headers-6.1.0-57-amd64') // 16 hex digits
 */
export function headersKey(headers: string): string {
  const h = createHash('sha256');
  for (const f of [
    'Module.symvers',
    'include/generated/utsrelease.h',
    'include/config/auto.conf',
  ]) {
    const path = join(headers, f);
    if (existsSync(path)) h.update(readFileSync(path));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds every module not yet in `cacheDir`, all in one kbuild run.
 *
 * @example
 * const r = buildModules([{ name: 'p', source: livepatchSource(p) }], headers, '.cache/modules');
 * if (r.kind === 'built') r.modules.get('p') // '.cache/modules/<hash>/p.ko'
 */
export function buildModules(
  mods: readonly ModuleSource[],
  headers: string,
  cacheDir: string,
  opts: { readonly cc?: string; readonly timeoutMs?: number } = {},
): BuildResult {
  const hk = headersKey(headers);
  const out = new Map<string, string>();
  const todo: { mod: ModuleSource; dir: string }[] = [];
  for (const mod of mods) {
    const key = createHash('sha256').update(hk).update('\0').update(mod.source).digest('hex');
    const dir = join(cacheDir, key.slice(0, 24));
    const ko = join(dir, `${mod.name}.ko`);
    out.set(mod.name, ko);
    if (!existsSync(ko)) todo.push({ mod, dir });
  }
  if (todo.length === 0) return { kind: 'built', modules: out, compiled: 0 };
  mkdirSync(cacheDir, { recursive: true });
  const work = resolve(mkdtempSync(join(cacheDir, 'build-')));
  try {
    for (const { mod } of todo) writeFileSync(join(work, `${mod.name}.c`), mod.source);
    writeFileSync(
      join(work, 'Kbuild'),
      `obj-m := ${todo.map((t) => `${t.mod.name}.o`).join(' ')}\n`,
    );
    const make = spawnSync(
      'make',
      ['-s', '-C', headers, `M=${work}`, `CC=${opts.cc ?? 'gcc-12'}`, 'modules'],
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 600_000, maxBuffer: 1 << 24 },
    );
    for (const { mod, dir } of todo) {
      const built = join(work, `${mod.name}.ko`);
      if (!existsSync(built)) {
        const output = `${make.stdout ?? ''}${make.stderr ?? ''}${make.error === undefined ? '' : String(make.error)}`;
        return { kind: 'failed', module: mod.name, output: output.trim() };
      }
      spawnSync('strip', ['--strip-debug', built]);
      mkdirSync(dir, { recursive: true });
      copyFileSync(built, join(dir, `${mod.name}.ko`));
      writeFileSync(join(dir, `${mod.name}.c`), mod.source);
    }
    return { kind: 'built', modules: out, compiled: todo.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
