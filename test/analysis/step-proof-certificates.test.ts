// The SMT-LIB certificates of step proofs (what `check --certificate DIR` writes) re-checked by
// the native `z3` and `cvc5` binaries when they are installed (CI installs both): every script
// gets the answer written in its header.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFiles, provePlan } from '../../src/analysis/step-proof.ts';
import { loadPlanFile } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/ingest/rule-file.ts';

const PLANS = [
  'examples/selftests/incompatible-cumulative.plan.yaml',
  'examples/vendor-stream/rollback.plan.yaml',
  'test/fixtures/step-proof/block-disable-refuses-disable/plan.yaml',
  'test/fixtures/step-proof/replace-set-foreign-function/plan.yaml',
];

const SOLVERS = [
  { name: 'z3', args: [] as string[] },
  { name: 'cvc5', args: ['--lang=smt2'] },
];

function installed(name: string): boolean {
  return spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0;
}

const dir = mkdtempSync(join(tmpdir(), 'klp-certificate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files: { path: string; expected: string; text: string }[] = [];

beforeAll(async () => {
  for (const [i, file] of PLANS.entries()) {
    const p = loadPlanFile(file);
    if (p.value === null) throw new Error(p.diagnostics.map((d) => d.message).join('; '));
    const rs = loadRuleSet(p.value.rules.value);
    if (rs.kind === 'error') throw new Error(rs.diagnostics.map((d) => d.message).join('; '));
    const proof = await provePlan(
      rs.value,
      {
        catalog: p.value.catalog,
        transitions: p.value.transitions,
        initial: p.value.initial.map((x) => x.name),
        steps: p.value.steps,
      },
      { timeoutMs: 20_000 },
    );
    for (const c of certificateFiles(proof.steps)) {
      const path = join(dir, `plan-${i + 1}-${c.file}`);
      writeFileSync(path, c.text);
      files.push({ path, expected: c.expected, text: c.text });
    }
  }
});

describe('certificate files', () => {
  it('hold proofs, explanations with their minimality witnesses, and ways out, each with its answer', () => {
    const names = files.map((f) => f.path.slice(dir.length + 1));
    expect(names).toContain('plan-1-step-2-proof.smt2');
    expect(names).toContain('plan-1-step-2-explanation.smt2');
    expect(names).toContain('plan-1-step-2-explanation-without-4.smt2');
    expect(names).toContain('plan-1-step-2-way-out-2.smt2');
    expect(files.filter((f) => f.expected === 'sat').length).toBeGreaterThan(5);
    for (const f of files) expect(f.text).toContain(`; expected: ${f.expected}\n`);
  });
});

for (const solver of SOLVERS) {
  const present = installed(solver.name);
  const reason = `\`${solver.name}\` is not on PATH; CI installs it`;
  // The default reporter hides skipped titles: say it where every run shows it.
  if (!present) console.warn(`step-proof certificates: skipped, ${reason}`);
  describe.skipIf(!present)(
    `native ${solver.name}${present ? '' : ` (skipped: ${reason})`}`,
    () => {
      it('answers every certificate as its header expects', () => {
        expect(files.length).toBeGreaterThan(20);
        for (const f of files) {
          const r = spawnSync(solver.name, [...solver.args, f.path], {
            encoding: 'utf8',
            timeout: 30_000,
          });
          const answer = r.stdout.trim().split('\n')[0]?.trim();
          expect(answer, `${f.path}\n${r.stderr}`).toBe(f.expected);
        }
      });
    },
  );
}
