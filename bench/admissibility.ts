/**
 * Micro-benchmark of the concrete admissibility question, "is `insmod P` admitted on this
 * configuration?", under the upstream rules (`npm run bench -- --only admissibility`):
 *
 * - `loop`: a hand-written `klp_is_patch_compatible()` (kernel/livepatch/state.c), the
 *   kernel's own loop over the states of the patches on `klp_patches`, the baseline;
 * - `compiled`: the rule set's compiled question (src/eval/admission.ts `compileAdmission`);
 * - `kernelRules`: what the simulator asks (src/eval/kernel-rules.ts): the compiled question,
 *   and for a rejection the reference evaluator's violations;
 * - `reference`: the reference evaluator alone (`referenceKernelRules`): every verdict with its
 *   violations and messages (what the simulator asked before the compiled question).
 *
 * In process (a micro-benchmark: nanoseconds per question); the four run interleaved, each
 * repetition timing every one over the same questions, so the machine's load cancels out of
 * the ratios. Every path must give the same answer to every question, and both answers occur.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileAdmission } from '../src/eval/admission.ts';
import { kernelRules, referenceKernelRules } from '../src/eval/kernel-rules.ts';
import { loadRuleSet } from '../src/ingest/rule-file.ts';
import type { Catalog } from '../src/model/catalog.ts';
import { getState, type Patch } from '../src/model/patch.ts';
import type { System } from '../src/model/system.ts';
import { generateBench } from './generate.ts';

/** state.c `klp_is_patch_compatible()` with `klp_is_state_compatible()` inlined. */
function klpIsPatchCompatible(sys: System, cat: Catalog, patch: Patch): boolean {
  for (const name of sys.klpPatches) {
    const old = cat.byName.get(name);
    if (old === undefined) throw new Error(`\`${name}\` is not in the catalog`);
    for (const oldState of old.states) {
      const state = getState(patch, oldState.id);
      // A cumulative livepatch must handle all already modified states.
      if (state === undefined) {
        if (patch.replace) return false;
        continue;
      }
      if (state.version < oldState.version) return false;
    }
  }
  return true;
}

/** A small deterministic generator (the configurations must not change between runs). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

type Question = readonly [System, Patch];

function questions(cat: Catalog, stack: number, count: number, seed: number): Question[] {
  const rnd = lcg(seed);
  const pick = () => cat.patches[Math.floor(rnd() * cat.patches.length)] ?? cat.patches[0];
  const out: Question[] = [];
  for (let i = 0; i < count; i++) {
    const names = new Set<string>();
    while (names.size < Math.min(stack, cat.patches.length)) names.add(pick()?.name ?? '');
    const klpPatches = [...names];
    const sys: System = { klpPatches, transition: null, loaded: klpPatches, forced: [] };
    const p = pick();
    if (p === undefined) throw new Error('empty catalog');
    out.push([sys, p]);
  }
  return out;
}

type Path = (sys: System, cat: Catalog, p: Patch) => boolean;

const collect = collector();

/** A full collection before each timing, so one path's garbage is not collected in another's. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return () => {
    if (typeof gc === 'function') gc();
  };
}

/** Nanoseconds per question: the questions asked in a loop for at least `minMs`. */
function time(path: Path, cat: Catalog, qs: readonly Question[], minMs: number): number {
  collect();
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const [sys, p] of qs) if (path(sys, cat, p)) sink++;
    n += qs.length;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  if (sink < 0) console.log(sink);
  return (elapsed * 1e6) / n;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export function admissibility(sizes: readonly number[], stacks: readonly number[], repeat: number) {
  const loaded = loadRuleSet('upstream');
  if (loaded.value === null) throw new Error('the upstream rules do not load');
  const rs = loaded.value;
  const compiled = compileAdmission(rs);
  const kernel = kernelRules(rs);
  const reference = referenceKernelRules(rs);
  const paths: readonly (readonly [string, Path])[] = [
    ['loop', klpIsPatchCompatible],
    ['compiled', compiled.enable],
    ['kernelRules', (s, c, p) => kernel.enable(s, c, p).ok],
    ['reference', (s, c, p) => reference.enable(s, c, p).ok],
  ];
  console.log(
    '## Admissibility question: compiled rule set vs a hand-written `klp_is_patch_compatible()`\n',
  );
  console.log(
    '| patches | installed | questions | admitted | loop ns | compiled ns | compiled / loop | kernelRules ns | kernelRules / loop | reference ns | reference / loop | runs |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const patches of sizes) {
    const { catalog: cat } = generateBench({ patches, seed: 1 });
    for (const stack of stacks) {
      const qs = questions(cat, stack, 2000, patches * 31 + stack);
      let admitted = 0;
      for (const [sys, p] of qs) {
        const answers = paths.map(([, f]) => f(sys, cat, p));
        if (answers.some((a) => a !== answers[0]))
          throw new Error(`the paths disagree on insmod ${p.name} over [${sys.klpPatches}]`);
        if (answers[0]) admitted++;
      }
      if (admitted === 0 || admitted === qs.length)
        throw new Error(`${patches}/${stack}: every question has the same answer`);
      const ns = paths.map(() => [] as number[]);
      const ratios = paths.map(() => [] as number[]);
      for (let r = 0; r < repeat; r++) {
        const round = paths.map(([, f]) => time(f, cat, qs, 150));
        round.forEach((t, i) => {
          ns[i]?.push(t);
          ratios[i]?.push(t / (round[0] ?? Number.NaN));
        });
      }
      const cell = (i: number) =>
        `${median(ns[i] ?? []).toFixed(0)} | ${median(ratios[i] ?? []).toFixed(2)}x`;
      console.log(
        `| ${patches} | ${stack} | ${qs.length} | ${admitted} | ${median(ns[0] ?? []).toFixed(0)} | ${cell(1)} | ${cell(2)} | ${cell(3)} | ${repeat} |`,
      );
    }
  }
  console.log('');
}
