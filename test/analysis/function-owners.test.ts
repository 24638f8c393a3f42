/**
 * Per-step function owner changes (src/analysis/function-owners.ts) and how `simulate` and
 * `check` show them: classified changes on random plans (every kind must occur), the warning
 * for a cumulative patch that reverts a function, and the JSON of the bundled example.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type OwnerChange,
  ownerChanges,
  ownersOf,
  revertedByReplace,
} from '../../src/analysis/function-owners.ts';
import { runPlan } from '../../src/analysis/run-plan.ts';
import { bufferIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { loadPlanFile } from '../../src/ingest/index.ts';
import { step } from '../../src/kernel/index.ts';
import type { Op, OpKind } from '../../src/model/op.ts';
import { type KlpFunc, type Patch, patch } from '../../src/model/patch.ts';
import { EMPTY_SYSTEM, type TransitionMode } from '../../src/model/system.ts';
import { planJson } from '../../src/report/plan.ts';
import { complete, disable, insmod, options, setup } from '../kernel/helpers.ts';
import { rulesNamed } from '../support/rules.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const vmlinux = (name: string): KlpFunc => ({ object: 'vmlinux', name, sympos: 0 });
const kinds = (cs: readonly OwnerChange[]) =>
  cs.map((c) => [c.func.name, c.kind, c.before, c.after, c.cause?.kind ?? null]);

describe('owner changes of one step', () => {
  const patches = [
    patch('r1', { replace: true, functions: [vmlinux('f'), vmlinux('g')] }),
    patch('r2', { replace: true, functions: [vmlinux('f'), vmlinux('h')] }),
  ];

  it('a replace re-patches, patches and reverts; the warning names the release that patched last', () => {
    const opts = options(patches);
    const s1 = setup(opts, [insmod('r1')]);
    const out = step(s1, insmod('r2'), opts);
    const changes = ownerChanges(s1, out.system, out.log, opts);
    expect(kinds(changes)).toEqual([
      ['f', 'repatched', 'r1', 'r2', null],
      ['g', 'reverted', 'r1', null, 'replace'],
      ['h', 'patched', null, 'r2', null],
    ]);
    expect(revertedByReplace(changes)).toEqual([
      { patch: 'r2', func: vmlinux('g'), lastPatchedBy: 'r1' },
    ]);
    const off = step(out.system, disable('r2'), opts);
    const back = ownerChanges(out.system, off.system, off.log, opts);
    expect(kinds(back)).toEqual([
      ['f', 'reverted', 'r2', null, 'disable'],
      ['h', 'reverted', 'r2', null, 'disable'],
    ]);
    expect(revertedByReplace(back)).toEqual([]);
  });

  it('while the replace is pending its functions are mixed; completing it settles them', () => {
    const opts = options(patches, 'manual');
    const s1 = setup(opts, [insmod('r1'), complete]);
    const out = step(s1, insmod('r2'), opts);
    const changes = ownerChanges(s1, out.system, out.log, opts);
    expect(changes.map((c) => [c.func.name, c.kind, c.before, c.after, c.unswitched])).toEqual([
      ['f', 'mixed', 'r1', 'r2', 'r1'],
      ['g', 'mixed', 'r1', null, 'r1'],
      ['h', 'mixed', null, 'r2', null],
    ]);
    const done = step(out.system, complete, opts);
    expect(kinds(ownerChanges(out.system, done.system, done.log, opts))).toEqual([
      ['f', 'repatched', 'r1', 'r2', null],
      ['g', 'reverted', 'r1', null, 'replace'],
      ['h', 'patched', null, 'r2', null],
    ]);
    // Reversed instead: switched tasks are back on r1's code, unswitched ones still run r2's.
    const rev = step(out.system, disable('r2'), opts);
    expect(ownersOf(rev.system, opts).map((o) => [o.func.name, o.owner, o.unswitched])).toEqual([
      ['f', 'r1', 'r2'],
      ['g', 'r1', null],
      ['h', null, 'r2'],
    ]);
  });
});

const FUNCS = [vmlinux('f'), vmlinux('g'), { object: 'ext4', name: 'f', sympos: 0 }];
const NAMES = ['p0', 'p1', 'p2', 'p3'];
const arbPatch = (name: string): fc.Arbitrary<Patch> =>
  fc
    .record({ replace: fc.boolean(), functions: fc.subarray(FUNCS, { maxLength: 3 }) })
    .map((p) => patch(name, p));
const KINDS: ReadonlyArray<{ weight: number; arbitrary: fc.Arbitrary<OpKind> }> = [
  { weight: 5, arbitrary: fc.constant('insmod') },
  { weight: 1, arbitrary: fc.constant('rmmod') },
  { weight: 2, arbitrary: fc.constant('enable') },
  { weight: 3, arbitrary: fc.constant('disable') },
  { weight: 1, arbitrary: fc.constant('force') },
  { weight: 4, arbitrary: fc.constant('complete') },
];
const arbScenario = fc.tuple(...NAMES.map(arbPatch)).chain((patches) =>
  fc.record({
    patches: fc.constant(patches),
    mode: fc.constantFrom<TransitionMode>('auto', 'manual'),
    ops: fc.array(
      fc
        .tuple(fc.oneof(...KINDS), fc.constantFrom(...NAMES))
        .map(([kind, p]): Op => (kind === 'complete' ? { kind } : { kind, patch: p })),
      { minLength: 1, maxLength: 15 },
    ),
  }),
);

describe('owner changes on random plans', () => {
  it('are classified consistently, and every kind occurs', () => {
    const counts = new Map<string, number>();
    fc.assert(
      fc.property(arbScenario, ({ patches, mode, ops }) => {
        const opts = options(patches, mode);
        let sys = EMPTY_SYSTEM;
        for (const op of ops) {
          const out = step(sys, op, opts);
          const changes = ownerChanges(sys, out.system, out.log, opts);
          if (out.result !== 'ok') expect(changes).toEqual([]);
          for (const c of changes) {
            const key = c.cause === null ? c.kind : `${c.kind}:${c.cause.kind}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
            expect(c.kind === 'mixed').toBe(c.after !== c.unswitched);
            if (c.kind === 'reverted') expect(c.after).toBeNull();
            if (c.kind === 'mixed') expect(out.system.transition).not.toBeNull();
            // A replace reverts only functions the completing patch does not list.
            if (c.cause?.kind === 'replace') {
              expect(opts.catalog.byName.get(c.cause.patch)?.functions).not.toContainEqual(c.func);
            }
          }
          sys = out.system;
        }
      }),
      { numRuns: 300 },
    );
    const missing = [
      'patched',
      'repatched',
      'reverted:replace',
      'reverted:disable',
      'mixed',
    ].filter((k) => (counts.get(k) ?? 0) === 0);
    expect(missing).toEqual([]);
  });
});

describe('the warning and rules/policy/keep-functions.klp say the same', () => {
  it('every completed replace warns about exactly the bindings keep-functions would reject', () => {
    const keep = rulesNamed('keep-functions');
    let compared = 0;
    let nonEmpty = 0;
    fc.assert(
      fc.property(arbScenario, ({ patches, ops }) => {
        const opts = options(patches, 'auto');
        let sys = EMPTY_SYSTEM;
        for (const op of ops) {
          const out = step(sys, op, opts);
          const incoming = op.kind === 'insmod' ? opts.catalog.byName.get(op.patch) : undefined;
          if (incoming?.replace && out.result === 'ok') {
            const warned = revertedByReplace(ownerChanges(sys, out.system, out.log, opts)).map(
              (r) =>
                `cumulative \`${r.patch}\` reverts ${r.func.object}:${r.func.name} to the original code; \`${r.lastPatchedBy}\` patched it last`,
            );
            const verdict = keep.enable(sys, opts.catalog, incoming);
            const rejected = verdict.ok
              ? []
              : verdict.violations
                  .filter((v) => v.rule === 'cumulative-keeps-functions')
                  .map((v) => v.message);
            expect(warned.sort()).toEqual(rejected.sort());
            compared++;
            if (warned.length > 0) nonEmpty++;
          }
          sys = out.system;
        }
      }),
      { numRuns: 200 },
    );
    expect(compared).toBeGreaterThan(0);
    expect(nonEmpty).toBeGreaterThan(0);
    expect(nonEmpty).toBeLessThan(compared);
  });
});

describe('simulate and check', () => {
  const PLAN = 'examples/reverted-function/silent-revert.plan.yaml';

  it('check --format json: per-step changes, the warning, and every final owner', async () => {
    const r = await cli('check', PLAN, '--format', 'json');
    expect(r.status).toBe(0);
    const json: unknown = JSON.parse(r.out);
    expect(json).toMatchObject({
      steps: [
        {
          op: 'insmod',
          patch: 'klp_6_8_0_50_r2',
          functions: [
            {
              object: 'nf_tables',
              name: 'nft_chain_validate',
              sympos: 0,
              before: 'klp_6_8_0_50_r1',
              after: 'klp_6_8_0_50_r2',
              change: 'repatched',
            },
            {
              object: 'vmlinux',
              name: 'io_uring_setup',
              before: 'klp_6_8_0_50_r1',
              after: null,
              change: 'reverted',
              revertedBy: { kind: 'replace', patch: 'klp_6_8_0_50_r2' },
            },
            { name: 'tcp_ack', before: null, after: 'klp_6_8_0_50_r2', change: 'patched' },
          ],
          warnings: [
            {
              kind: 'reverted-function',
              patch: 'klp_6_8_0_50_r2',
              object: 'vmlinux',
              name: 'io_uring_setup',
              lastPatchedBy: 'klp_6_8_0_50_r1',
            },
          ],
        },
        { op: 'rmmod', functions: [], warnings: [] },
      ],
      final: {
        functions: [
          { name: 'nft_chain_validate', owner: 'klp_6_8_0_50_r2', mixed: false },
          { name: 'io_uring_setup', owner: null, mixed: false },
          { name: 'tcp_ack', owner: 'klp_6_8_0_50_r2', mixed: false },
        ],
      },
    });
  });

  it('check text warns and names the function and the release; simulate marks changes as comments', async () => {
    const c = await cli('check', PLAN);
    expect(c.out).toContain(
      'warning: cumulative `klp_6_8_0_50_r2` reverts vmlinux:io_uring_setup to the original',
    );
    const s = await cli('simulate', PLAN);
    expect(s.out).toContain(
      '# vmlinux:io_uring_setup: `klp_6_8_0_50_r1` -> original code (reverted: cumulative `klp_6_8_0_50_r2` does not patch it)',
    );
  });

  it('a plan whose initial stack fails still lists every catalog function in `final`', async () => {
    // On the command line such a plan is bad input (KV0003, at the refused `initial` entry).
    const file = 'test/fixtures/function-owners/initial-refused/plan.yaml';
    const r = await cli('simulate', file, '--format', 'json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ diagnostics: [{ code: 'KV0003' }] });
    // The run itself, as the library returns it, still says who owns every function.
    const loaded = loadPlanFile(file);
    if (loaded.kind !== 'ok') throw new Error('the fixture plan must load');
    const plan = loaded.value;
    const run = runPlan(
      {
        catalog: plan.catalog,
        transitions: plan.transitions,
        initial: plan.initial.map((i) => i.name),
        steps: plan.steps,
      },
      rulesNamed('upstream'),
    );
    expect(planJson({ file, rules: 'upstream', transitions: 'auto' }, run, null)).toMatchObject({
      ok: false,
      final: {
        stack: ['test_klp_state2'],
        functions: [
          {
            object: 'vmlinux',
            name: 'console_loglevel_notify',
            owner: 'test_klp_state2',
            mixed: false,
          },
        ],
      },
    });
  });

  it('the keep-functions policy makes the revert an error', async () => {
    const r = await cli('check', PLAN, '--rules', 'keep-functions', '--format', 'json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      steps: [{ result: 'EINVAL', reasons: [{ rule: 'cumulative-keeps-functions' }] }, {}],
    });
  });
});
