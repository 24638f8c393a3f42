/**
 * `audit log` round trips: random operation sequences over random catalogs, under every rule
 * set and both transition modes, run on the simulator; the kernel lines of their transcripts
 * rendered as a log (dmesg with timestamps, `<6>` levels and `[T123]` caller ids, journalctl
 * short-monotonic with boot separators, journalctl json with `_BOOT_ID`), with or without the
 * pr_debug lines, among unrelated kernel lines, several boots; read back and replayed, every
 * boot must end in the simulator's klp_patches and pending transition with every line
 * explained. Logs with an `enabling patch` line cut out must have an unexplained line.
 * Outcome counters fail the test when a kind never occurred.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readKernelLog } from '../../../src/ingest/kernel-log.ts';
import { run } from '../../../src/kernel/index.ts';
import { type Catalog, catalog } from '../../../src/model/catalog.ts';
import type { Op, OpKind } from '../../../src/model/op.ts';
import { patch } from '../../../src/model/patch.ts';
import { EMPTY_SYSTEM } from '../../../src/model/system.ts';
import { LogAudit } from '../../../src/query/log/replay.ts';
import { rulesNamed } from '../../support/rules.ts';

const RULE_SETS = ['upstream', 'replace', 'block-disable', 'replace-set'] as const;
const NAMES = ['klp_a', 'klp_b', 'klp_c'];
const DEBUG =
  /: '[^']+': (?:initializing|completing) \S+ transition$|: '[^']+': reversing transition/;

const catalogArb: fc.Arbitrary<Catalog> = fc
  .tuple(
    ...NAMES.map((name) =>
      fc
        .record({
          replace: fc.boolean(),
          replaceSet: fc.integer({ min: 0, max: 1 }),
          states: fc.array(
            fc.record({
              id: fc.constantFrom(1, 2),
              version: fc.integer({ min: 0, max: 2 }),
              blockDisable: fc.boolean(),
            }),
            { maxLength: 2 },
          ),
        })
        .map((o) => patch(name, o)),
    ),
  )
  .map((ps) => catalog(ps));

const KINDS: ReadonlyArray<{ weight: number; arbitrary: fc.Arbitrary<OpKind> }> = [
  { weight: 6, arbitrary: fc.constant('insmod') },
  { weight: 3, arbitrary: fc.constant('rmmod') },
  { weight: 2, arbitrary: fc.constant('enable') },
  { weight: 3, arbitrary: fc.constant('disable') },
  { weight: 1, arbitrary: fc.constant('force') },
  { weight: 5, arbitrary: fc.constant('complete') },
];

const opsArb: fc.Arbitrary<Op[]> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...NAMES),
      fc.array(fc.oneof(...KINDS), { minLength: 1, maxLength: 4 }),
    ),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .map((bursts) =>
    bursts.flatMap(([p, kinds]) =>
      kinds.map((kind): Op => (kind === 'complete' ? { kind } : { kind, patch: p })),
    ),
  );

type Format = 'dmesg' | 'dmesg-versionless' | 'short-monotonic' | 'json';

const scenarioArb = fc.record({
  rules: fc.constantFrom(...RULE_SETS),
  mode: fc.constantFrom('auto' as const, 'manual' as const),
  cat: catalogArb,
  boots: fc.array(opsArb, { minLength: 1, maxLength: 3 }),
  format: fc.constantFrom<Format>('dmesg', 'dmesg-versionless', 'short-monotonic', 'json'),
  debug: fc.boolean(),
  levels: fc.boolean(),
  callers: fc.boolean(),
  noise: fc.integer({ min: 0, max: 3 }),
  cut: fc.option(fc.nat(), { nil: null }),
});

const BOOT_IDS = [
  '5f1e0c0e4a9b4d0f8a0e6c1d2b3a4f01',
  '5f1e0c0e4a9b4d0f8a0e6c1d2b3a4f02',
  '5f1e0c0e4a9b4d0f8a0e6c1d2b3a4f03',
];

function render(
  format: Format,
  boots: readonly (readonly string[])[],
  sc: { levels: boolean; callers: boolean; noise: number },
): string {
  const out: string[] = [];
  for (const [b, lines] of boots.entries()) {
    const bootId = BOOT_IDS[b] ?? '';
    const entry = (t: number, msg: string, level: number, caller: string): string => {
      const ts = t.toFixed(6).padStart(12);
      switch (format) {
        case 'dmesg':
        case 'dmesg-versionless':
          return `${sc.levels ? `<${level}>` : ''}[${ts}] ${sc.callers ? `[${caller.padStart(6)}] ` : ''}${msg}`;
        case 'short-monotonic':
          return `[${ts}] web1 kernel: ${msg}`;
        case 'json':
          return JSON.stringify({
            __MONOTONIC_TIMESTAMP: String(Math.round(t * 1e6)),
            _BOOT_ID: bootId,
            PRIORITY: String(level),
            SYSLOG_IDENTIFIER: 'kernel',
            MESSAGE: msg,
          });
        default:
          throw new Error(format);
      }
    };
    if (format === 'short-monotonic' && b > 0) out.push(`-- Boot ${bootId} --`);
    if (format !== 'dmesg-versionless') {
      out.push(entry(0, 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP', 5, 'T0'));
    }
    let t = 1;
    for (const line of lines) {
      for (let i = 0; i < sc.noise; i++) {
        out.push(entry(t, `e1000e: eth0 NIC Link is Up ${i}`, 6, 'T9'));
        t += 0.25;
      }
      out.push(entry(t, line, line.includes('not compatible') ? 3 : 6, `T${100 + b}`));
      t += 1;
    }
  }
  return `${out.join('\n')}\n`;
}

describe('audit log round trips', () => {
  it('replays simulator transcripts rendered as kernel logs back to the same stacks', async () => {
    const counts = new Map<string, number>();
    const bump = (k: string, n = 1) => counts.set(k, (counts.get(k) ?? 0) + n);
    const dir = mkdtempSync(join(tmpdir(), 'klp-log-'));
    let file = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const rules = rulesNamed(sc.rules);
        const truth = sc.boots.map((ops) => {
          const r = run(EMPTY_SYSTEM, ops, { rules, catalog: sc.cat, transitions: sc.mode });
          for (const o of r.outcomes) bump(`${o.op.kind}:${o.result}`);
          const lines = r.outcomes
            .flatMap((o) => o.log)
            .filter((l) => l.startsWith('livepatch: '))
            .filter((l) => sc.debug || !DEBUG.test(l));
          return { final: r.final, lines };
        });
        // Without a `Linux version` line a boot is found by its timestamps going backwards,
        // which needs a line in each boot.
        const format: Format =
          sc.format === 'dmesg-versionless' && truth.some((b) => b.lines.length < 2)
            ? 'dmesg'
            : sc.format;
        const lines = truth.map((b) => b.lines);
        let cutBoot = -1;
        if (sc.cut !== null) {
          const enabling = lines.flatMap((ls, b) =>
            ls.flatMap((l, i) => (l.includes(': enabling patch ') ? [[b, i] as const] : [])),
          );
          const pick = enabling[sc.cut % Math.max(1, enabling.length)];
          if (pick !== undefined) {
            const [b, i] = pick;
            lines[b] = (lines[b] ?? []).filter((_, j) => j !== i);
            cutBoot = b;
          }
        }
        const path = join(dir, `log-${file++}.txt`);
        writeFileSync(path, render(format, lines, sc));
        const audit = new LogAudit({ catalog: sc.cat, rules });
        audit.setFile(path);
        const diags: unknown[] = [];
        await readKernelLog(path, {
          record: (r) => audit.add(r),
          diagnostic: (d) => diags.push(d),
        });
        const boots = audit.finish();
        expect(diags).toEqual([]);
        const expected = truth;
        expect(boots).toHaveLength(expected.length);
        for (const [i, b] of boots.entries()) {
          const want = expected[i];
          if (want === undefined) continue;
          if (i === cutBoot) {
            expect(b.unexplained.length).toBeGreaterThan(0);
            bump('cut-unexplained');
            continue;
          }
          expect(b.unexplained).toEqual([]);
          expect({ stack: b.final.klpPatches, transition: b.final.transition }).toEqual({
            stack: want.final.klpPatches,
            transition: want.final.transition,
          });
          if (format === 'json') expect(b.bootId).toBe(BOOT_IDS[i]);
          bump(`format:${format}`);
          bump('boot-replayed');
          for (const e of b.events) bump(`event:${e.op}:${e.result}${e.implied ? ':implied' : ''}`);
          if (b.events.some((e) => e.replaced.length > 0)) bump('replaced');
        }
      }),
      { numRuns: 300 },
    );
    if (process.env.KLP_COUNTS !== undefined) console.log([...counts].sort());
    for (const k of [
      'cut-unexplained',
      'format:dmesg',
      'format:dmesg-versionless',
      'format:short-monotonic',
      'format:json',
      'event:insmod:ok',
      'event:insmod:EINVAL',
      'event:rmmod:ok:implied',
      'event:disable:ok',
      'event:disable:EINVAL',
      'event:enable:ok',
      'event:force:ok',
      'event:complete:ok',
      'replaced',
    ]) {
      expect(
        counts.get(k) ?? 0,
        `${k} never occurred: ${JSON.stringify([...counts].sort())}`,
      ).toBeGreaterThan(0);
    }
  });
});
