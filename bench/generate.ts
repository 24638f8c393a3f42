/**
 * Seeded generator of benchmark catalogs: livepatch release streams as vendors ship them, with
 * the traps real streams fall into planted on purpose.
 *
 * What a generated catalog looks like, in file (= release) order:
 * - `streams` release streams of cumulative patches (`replace: true`, `replace_set` = the stream
 *   number, 1-based), named `klp_s<stream>_r<release>`. Each release carries every state of the
 *   previous one, raises a version now and then (versions mostly rise along a stream), adds new
 *   states from the pool, and folds in the states of the hotfixes shipped since.
 * - non-cumulative hotfixes between releases (`replace: false`), named `klp_hotfix_<n>`, each in
 *   a `replace_set` of its own (above the streams'), with one or two states: a new one, or a
 *   state a stream already modifies at the same or the next version (rule 4 of
 *   Documentation/livepatch/system-state.rst).
 * - block_disable chains: runs of `chainLength` releases of one stream where release i adds a
 *   fresh state b_i with block_disable, keeps b_(i-1) without the flag and drops b_(i-2).
 *   Under the block-disable rules a patch with a block_disable state cannot be disabled, only
 *   replaced by a cumulative patch carrying that state id: release i+1 can replace release i,
 *   release i+2 cannot, so the only way from the chain's first release to its last goes
 *   through every release in between. (Under upstream rules the dropped b_(i-2) is a
 *   forgotten state, so there each step needs a disable first.) The release after the chain
 *   keeps b_L without the flag, which ends the chain.
 * - planted conflicts (`conflicts`, listed in the YAML header and in `planted`):
 *   `forgotten-state` (a release omits a state its predecessor carried), `version-rollback`
 *   (a release declares a state below its predecessor's version), `lowered-version` (a hotfix
 *   declares a stream's state below the stream's version), `foreign-function` (a hotfix
 *   patches a function of a stream: forbidden across replace sets).
 *
 * Every patch has 1 to `maxStatesPerPatch` (at most 5) states, ids are random 64-bit values
 * drawn from a pool of `statePool` ids (chain states excepted: each has an id of its own), and
 * the same options always give the same catalog.
 *
 * CLI: `tsx bench/generate.ts --patches 200 --seed 1 > catalog.yaml` prints YAML that
 * `loadCatalogFile` reads. Options: --patches N (required), --seed S (default 1),
 * --state-pool K, --streams K, --hotfix-ratio R, --max-states K, --block-chains K,
 * --chain-length K, --conflicts K, --function-pool K (defaults below).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Catalog, catalog } from '../src/model/catalog.ts';
import type { KlpFunc, KlpState, Patch } from '../src/model/patch.ts';

export interface GenerateOptions {
  /** Number of patches (>= 1). */
  readonly patches: number;
  /** PRNG seed (any 32-bit integer). */
  readonly seed: number;
  /** Distinct state ids to draw from (default max(4, ceil(patches / 3))). */
  readonly statePool?: number;
  /** Release streams (default 1). */
  readonly streams?: number;
  /** Share of hotfixes among the patches after the streams' first releases (default 0.3). */
  readonly hotfixRatio?: number;
  /** Most states per patch, 1..5 (default 5). */
  readonly maxStatesPerPatch?: number;
  /** block_disable chains (default floor(patches / 25)). */
  readonly blockChains?: number;
  /** Releases per chain, >= 2 (default 4). */
  readonly chainLength?: number;
  /** Planted conflicts (default max(1, floor(patches / 20))). */
  readonly conflicts?: number;
  /** Distinct function names (default 2 * patches + 4). */
  readonly functionPool?: number;
}

export type ConflictKind =
  | 'forgotten-state'
  | 'version-rollback'
  | 'lowered-version'
  | 'foreign-function';

export interface PlantedConflict {
  readonly kind: ConflictKind;
  readonly patch: string;
  /**
   * The release it conflicts with: under upstream rules `insmod patch` fails with EINVAL while
   * `against` is installed (except `foreign-function`, a conflict under replace-set rules only).
   */
  readonly against: string;
  /** What exactly was planted, in words. */
  readonly detail: string;
}

export interface GeneratedCatalog {
  readonly catalog: Catalog;
  readonly planted: readonly PlantedConflict[];
  /** Options with every default filled in. */
  readonly options: Required<GenerateOptions>;
}

/**
 * A catalog of `patches` livepatch modules, the same for the same options.
 *
 * @example
 * const cat = generateCatalog({ patches: 10, seed: 1 });
 * cat.patches.length // 10
 */
export function generateCatalog(opts: GenerateOptions): Catalog {
  return generateBench(opts).catalog;
}

/** Upper bound on `maxStatesPerPatch`: the task's 1 to 5 states per patch. */
const MAX_STATES_PER_PATCH = 5;

/** {@link generateCatalog} with the planted conflicts and the options actually used. */
export function generateBench(input: GenerateOptions): GeneratedCatalog {
  const o = withDefaults(input);
  const rng = mulberry32(o.seed);
  const pool = statePool(rng, o.statePool);
  const functions = functionPool(o.functionPool);
  const latest = new Map<bigint, number>(); // highest version declared so far, per id
  const streams: Stream[] = Array.from({ length: o.streams }, (_, i) => ({
    set: i + 1,
    releases: 0,
    states: new Map(),
    functions: [],
    pendingHotfixes: [],
    chain: null,
    last: null,
  }));
  const patches: Patch[] = [];
  const planted: PlantedConflict[] = [];
  const used = new Set<string>(); // functions patched by some stream
  let hotfixes = 0;
  let chainsLeft = o.blockChains;
  let conflictsLeft = o.conflicts;
  let freeState = 0;
  let freeFunction = 0;

  const newStateId = (avoid: ReadonlySet<bigint>): bigint => {
    // Fresh ids first, then reuse across streams and hotfixes (pools smaller than the demand).
    for (let tries = 0; tries < pool.length; tries++) {
      const id = pool[freeState % pool.length];
      freeState++;
      if (id !== undefined && !avoid.has(id)) return id;
    }
    throw new Error('state pool too small: raise --state-pool');
  };
  // Chain states get ids of their own, never drawn again, so no later patch carries one by
  // chance and opens a shortcut around the chain.
  const taken = new Set(pool);
  const chainStateId = (): bigint => {
    for (;;) {
      const [id] = statePool(rng, 1);
      if (id !== undefined && !taken.has(id)) {
        taken.add(id);
        return id;
      }
    }
  };
  const newFunction = (): KlpFunc => {
    const f = functions[freeFunction % functions.length];
    freeFunction++;
    if (f === undefined) throw new Error('empty function pool');
    return f;
  };

  // Where conflicts go: slots after every stream's first release, chosen up front.
  const slots = o.patches;
  const conflictAt = new Set<number>();
  const room = slots - o.streams;
  while (conflictAt.size < Math.min(conflictsLeft, Math.max(0, room))) {
    conflictAt.add(o.streams + Math.floor(rng() * room));
  }

  for (let slot = 0; slot < slots; slot++) {
    const first = slot < o.streams;
    const hotfix = !first && rng() < o.hotfixRatio;
    const conflict = conflictAt.has(slot) && conflictsLeft > 0;
    if (hotfix) {
      hotfixes++;
      const name = `klp_hotfix_${hotfixes}`;
      const stream = pick(rng, streams);
      const states = new Map<bigint, Entry>();
      // The states of the stream's latest release as shipped, which a hotfix loads on top of.
      const touched = [...(stream.last?.declared ?? [])].filter(([, e]) => !e.blockDisable);
      const lowerable = touched.filter(([, e]) => e.version >= 1);
      let kind: ConflictKind | null = null;
      if (conflict)
        kind = rng() < 0.5 && lowerable.length > 0 ? 'lowered-version' : 'foreign-function';
      if (kind === 'lowered-version' && stream.last !== null) {
        const [id, e] = pick(rng, lowerable);
        const version = e.version - 1;
        states.set(id, { version, blockDisable: false });
        planted.push({
          kind,
          patch: name,
          against: stream.last.name,
          detail: `declares state ${hex(id)} at version ${version}, below version ${e.version} in \`${stream.last.name}\``,
        });
      } else if (touched.length > 0 && rng() < 0.5) {
        const [id, e] = pick(rng, touched);
        states.set(id, { version: e.version + (rng() < 0.5 ? 1 : 0), blockDisable: false });
      }
      if (states.size === 0 || rng() < 0.3) {
        const id = newStateId(new Set([...states.keys(), ...stream.states.keys()]));
        states.set(id, { version: latest.get(id) ?? 1, blockDisable: false });
      }
      let fns = [newFunction()];
      if (rng() < 0.3) fns.push(newFunction());
      fns = fns.filter((f) => !used.has(funcName(f)));
      if (fns.length === 0) fns = [newFunction()];
      if (kind === 'foreign-function' && stream.last !== null) {
        const theirs = pick(rng, stream.last.functions);
        fns.push(theirs);
        planted.push({
          kind,
          patch: name,
          against: stream.last.name,
          detail: `patches ${theirs.object}:${theirs.name}, which \`${stream.last.name}\` (replace_set ${stream.set}) patches too`,
        });
      }
      const p = makePatch(name, false, streams.length + hotfixes, states, fns);
      note(latest, p);
      stream.pendingHotfixes.push(p);
      patches.push(p);
      if (kind !== null) conflictsLeft--;
      continue;
    }

    const stream = first ? streams[slot] : pick(rng, streams);
    if (stream === undefined) throw new Error('no stream');
    const previous = stream.last;
    stream.releases++;
    const name = `klp_s${stream.set}_r${stream.releases}`;
    const next = new Map(stream.states);
    for (const [id, e] of next) {
      // A block_disable state is carried on one more release without the flag: the release
      // that takes it over can be disabled (unless it starts a block state of its own).
      if (e.blockDisable) next.set(id, { ...e, blockDisable: false });
      else if (rng() < 0.25) next.set(id, { ...e, version: e.version + 1 });
    }
    // Fold in the hotfixes shipped since the last release, most of the time.
    for (const h of stream.pendingHotfixes) {
      if (rng() >= 0.7) continue;
      for (const s of h.states) {
        const have = next.get(s.id);
        if (have === undefined && next.size >= o.maxStatesPerPatch) continue;
        next.set(s.id, { version: Math.max(have?.version ?? 0, s.version), blockDisable: false });
      }
      for (const f of h.functions) addFunction(stream.functions, f);
    }
    stream.pendingHotfixes = [];
    // block_disable chains.
    if (stream.chain === null && chainsLeft > 0 && !first && rng() < 0.5) {
      chainsLeft--;
      stream.chain = { left: o.chainLength, prev: [] };
    }
    if (stream.chain !== null) {
      const { chain } = stream;
      const drop = chain.prev.length >= 2 ? chain.prev[chain.prev.length - 2] : undefined;
      if (drop !== undefined) next.delete(drop);
      // Make room for the new block state; non-block states go first.
      while (next.size >= o.maxStatesPerPatch) {
        const victim = [...next].find(([, e]) => !e.blockDisable)?.[0] ?? next.keys().next().value;
        if (victim === undefined) break;
        next.delete(victim);
      }
      const b = chainStateId();
      next.set(b, { version: 1, blockDisable: true });
      chain.prev.push(b);
      chain.left--;
      if (chain.left === 0) stream.chain = null;
    } else if (next.size === 0 || (next.size < o.maxStatesPerPatch && rng() < 0.35)) {
      const id = newStateId(new Set(next.keys()));
      next.set(id, { version: latest.get(id) ?? 1, blockDisable: false });
    }
    const nNew = stream.functions.length === 0 ? 1 + Math.floor(rng() * 2) : rng() < 0.4 ? 1 : 0;
    for (let i = 0; i < nNew; i++) {
      const f = newFunction();
      addFunction(stream.functions, f);
      used.add(funcName(f));
    }
    stream.states = next;

    // A planted conflict changes this release only: the stream goes on as planned.
    let declared = next;
    // Only states both the predecessor and this release carry: the trap is the omission.
    const plain = [...next].filter(([id, e]) => !e.blockDisable && previous?.declared.has(id));
    if (conflict && previous !== null && plain.length > 0) {
      const [id, e] = pick(rng, plain);
      const before = previous.declared.get(id)?.version ?? 0;
      declared = new Map(next);
      if (before > 1 && rng() < 0.5) {
        const version = before - 1 - Math.floor(rng() * (before - 1));
        declared.set(id, { ...e, version });
        planted.push({
          kind: 'version-rollback',
          patch: name,
          against: previous.name,
          detail: `declares state ${hex(id)} at version ${version}, below version ${before} in \`${previous.name}\``,
        });
      } else {
        declared.delete(id);
        if (declared.size === 0) {
          const extra = newStateId(new Set(next.keys()));
          declared.set(extra, { version: latest.get(extra) ?? 1, blockDisable: false });
        }
        planted.push({
          kind: 'forgotten-state',
          patch: name,
          against: previous.name,
          detail: `omits state ${hex(id)}, which \`${previous.name}\` declares at version ${before}`,
        });
      }
      conflictsLeft--;
    }
    const p = makePatch(name, true, stream.set, declared, stream.functions);
    stream.last = { name, declared, functions: p.functions };
    note(latest, p);
    patches.push(p);
  }
  return { catalog: catalog(patches), planted, options: o };
}

interface Entry {
  readonly version: number;
  readonly blockDisable: boolean;
}

interface Stream {
  readonly set: number;
  releases: number;
  /** The states the stream's releases carry from now on (planted conflicts left out). */
  states: Map<bigint, Entry>;
  /** The latest release as shipped (planted conflict included). */
  last: {
    readonly name: string;
    readonly declared: ReadonlyMap<bigint, Entry>;
    readonly functions: readonly KlpFunc[];
  } | null;
  readonly functions: KlpFunc[];
  pendingHotfixes: Patch[];
  chain: { left: number; readonly prev: bigint[] } | null;
}

function withDefaults(o: GenerateOptions): Required<GenerateOptions> {
  const patches = Math.floor(o.patches);
  if (!(patches >= 1)) throw new Error(`--patches must be at least 1, got ${o.patches}`);
  const streams = Math.max(1, Math.min(o.streams ?? 1, patches));
  const maxStatesPerPatch = Math.max(
    1,
    Math.min(MAX_STATES_PER_PATCH, o.maxStatesPerPatch ?? MAX_STATES_PER_PATCH),
  );
  return {
    patches,
    seed: o.seed | 0,
    statePool: Math.max(maxStatesPerPatch + 2, o.statePool ?? Math.max(4, Math.ceil(patches / 3))),
    streams,
    hotfixRatio: Math.max(0, Math.min(1, o.hotfixRatio ?? 0.3)),
    maxStatesPerPatch,
    // A chain release carries two block_disable states.
    blockChains: maxStatesPerPatch < 2 ? 0 : Math.max(0, o.blockChains ?? Math.floor(patches / 25)),
    chainLength: Math.max(2, o.chainLength ?? 4),
    conflicts: Math.max(0, o.conflicts ?? Math.max(1, Math.floor(patches / 20))),
    functionPool: Math.max(1, o.functionPool ?? 2 * patches + 4),
  };
}

function makePatch(
  name: string,
  replace: boolean,
  replaceSet: number,
  states: ReadonlyMap<bigint, Entry>,
  functions: readonly KlpFunc[],
): Patch {
  const list: KlpState[] = [...states].map(([id, e]) => ({ id, ...e }));
  return { name, replace, replaceSet, states: list, functions: [...functions] };
}

function note(latest: Map<bigint, number>, p: Patch): void {
  for (const s of p.states) latest.set(s.id, Math.max(latest.get(s.id) ?? 0, s.version));
}

function addFunction(list: KlpFunc[], f: KlpFunc): void {
  if (!list.some((g) => funcName(g) === funcName(f))) list.push(f);
}

function funcName(f: KlpFunc): string {
  return `${f.object}:${f.name}`;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; enough for reproducible benchmarks. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, list: readonly T[]): T {
  const x = list[Math.floor(rng() * list.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

/** Distinct random 64-bit ids with the top bit set, as real patches pick them (never 0). */
function statePool(rng: () => number, n: number): bigint[] {
  const ids = new Set<bigint>();
  while (ids.size < n) {
    const hi = BigInt(Math.floor(rng() * 0x1_0000_0000) | 0x8000_0000) & 0xffff_ffffn;
    const lo = BigInt(Math.floor(rng() * 0x1_0000_0000));
    ids.add((hi << 32n) | lo);
  }
  return [...ids];
}

const OBJECTS = ['vmlinux', 'vmlinux', 'vmlinux', 'nf_tables', 'ext4', 'kvm'];

function functionPool(n: number): KlpFunc[] {
  return Array.from({ length: n }, (_, i) => ({
    object: OBJECTS[i % OBJECTS.length] ?? 'vmlinux',
    name: `klp_fn_${i.toString().padStart(4, '0')}`,
    sympos: 0,
  }));
}

function hex(id: bigint): string {
  return `0x${id.toString(16)}`;
}

/**
 * The catalog as a YAML catalog file (top level `patches:`), with a header comment giving the
 * options and the planted conflicts.
 *
 * @example
 * catalogYaml(generateBench({ patches: 3, seed: 1 })).startsWith('# Generated') // true
 */
export function catalogYaml(g: GeneratedCatalog): string {
  const o = g.options;
  const lines: string[] = [
    `# Generated by bench/generate.ts: ${Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `# Planted conflicts:${g.planted.length === 0 ? ' none' : ''}`,
    ...g.planted.map((c) => `#   ${c.patch} (${c.kind}): ${c.detail}`),
    'patches:',
  ];
  for (const p of g.catalog.patches) {
    lines.push(`  - name: ${p.name}`);
    lines.push(`    replace: ${p.replace}`);
    lines.push(`    replace_set: ${p.replaceSet}`);
    lines.push('    states:');
    for (const s of p.states) {
      const bd = s.blockDisable ? ', block_disable: true' : '';
      lines.push(`      - { id: "${hex(s.id)}", version: ${s.version}${bd} }`);
    }
    if (p.functions.length > 0) {
      lines.push('    functions:');
      for (const f of p.functions) lines.push(`      - { object: ${f.object}, name: ${f.name} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Integer options of the command line and the option each one sets. */
const INT_OPTIONS = [
  ['patches', 'patches'],
  ['seed', 'seed'],
  ['state-pool', 'statePool'],
  ['streams', 'streams'],
  ['max-states', 'maxStatesPerPatch'],
  ['block-chains', 'blockChains'],
  ['chain-length', 'chainLength'],
  ['conflicts', 'conflicts'],
  ['function-pool', 'functionPool'],
] as const;

const USAGE =
  'usage: tsx bench/generate.ts --patches N [--seed S] [--state-pool K] [--streams K]\n' +
  '         [--hotfix-ratio R] [--max-states K] [--block-chains K] [--chain-length K]\n' +
  '         [--conflicts K] [--function-pool K] > catalog.yaml\n';

/** The command line: options as documented in the header; prints the YAML on stdout. */
export function main(argv: readonly string[]): number {
  const str = { type: 'string' } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        patches: str,
        seed: str,
        'state-pool': str,
        streams: str,
        'max-states': str,
        'block-chains': str,
        'chain-length': str,
        conflicts: str,
        'function-pool': str,
        'hotfix-ratio': str,
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`generate: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help === true || values.patches === undefined) {
    process.stderr.write(USAGE);
    return values.help === true ? 0 : 2;
  }
  const ints = new Map<string, number>();
  for (const [flag, key] of INT_OPTIONS) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const n = Number(raw);
    if (!Number.isInteger(n)) {
      process.stderr.write(`generate: \`--${flag}\` expects an integer, got \`${raw}\`\n`);
      return 2;
    }
    ints.set(key, n);
  }
  const ratio = values['hotfix-ratio'];
  const hotfixRatio = typeof ratio === 'string' ? Number(ratio) : undefined;
  if (hotfixRatio !== undefined && !Number.isFinite(hotfixRatio)) {
    process.stderr.write(`generate: \`--hotfix-ratio\` expects a number, got \`${ratio}\`\n`);
    return 2;
  }
  const opt = (key: string): { [k: string]: number } => {
    const v = ints.get(key);
    return v === undefined ? {} : { [key]: v };
  };
  const g = generateBench({
    ...opt('statePool'),
    ...opt('streams'),
    ...opt('maxStatesPerPatch'),
    ...opt('blockChains'),
    ...opt('chainLength'),
    ...opt('conflicts'),
    ...opt('functionPool'),
    ...(hotfixRatio === undefined ? {} : { hotfixRatio }),
    patches: ints.get('patches') ?? 1,
    seed: ints.get('seed') ?? 1,
  });
  process.stdout.write(catalogYaml(g));
  return 0;
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(realpathSync(invoked)).href) {
  process.exitCode = main(process.argv.slice(2));
}
