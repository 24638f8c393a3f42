/**
 * `klp-verify diff-rules R1 R2 --catalog FILE`: the shortest scenario one rule set admits and the
 * other rejects on a catalog, in both directions, or proofs that they agree
 * (src/query/diff-rules.ts).
 */
import { join } from 'node:path';
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { type DiffRulesResult, diffRules } from '../../query/diff-rules.ts';
import { diffRulesJson, diffRulesSummary, diffRulesText } from '../../report/diff-rules.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, firstLine, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  certificateDir,
  certificateOption,
  initialOption,
  loadCatalogOption,
  loadRulesOption,
  MODE_OPTION,
  REPLACE_CERTIFICATE_OPTION,
  remainingMs,
  TEXT_JSON,
  transitionsOption,
  writeFiles,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  {
    name: 'initial',
    kind: 'value',
    metavar: 'A,B,...',
    description: 'the installed stack both start from, bottom to top (default: nothing installed)',
  },
  MODE_OPTION,
  certificateOption(
    'write the SMT-LIB queries of each proof there (DIR/left-only/, DIR/right-only/), each expected unsat',
  ),
  REPLACE_CERTIFICATE_OPTION,
];

const HELP = {
  usage: 'klp-verify diff-rules R1 R2 --catalog FILE [options]',
  summary:
    'The shortest scenario one rule set admits and the other rejects on a catalog, or a proof that they agree.',
  description: [
    'R1 and R2 are rule sets by name (`klp-verify rules list`) or rule file paths. A scenario is one',
    'operation sequence run under both in lockstep: every step ok under both but the last, which one',
    'admits and the other rejects. Both directions are asked: R1 admits and R2 rejects, and the',
    'reverse. Each scenario has the fewest operations and is replayed on the simulator under both;',
    'each "nothing" is proved by an inductive invariant of both systems in lockstep.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify diff-rules upstream replace-set --catalog examples/vendor-stream/stream.catalog.yaml',
      what: "what in a vendor's stream breaks if the replace-set proposal lands?",
    },
  ],
  exits: {
    ok: 'agree: proved in both directions',
    findings: 'differ: a scenario is shown',
    unknown: 'unknown: the time limit ran out',
  },
};

export const diffRulesCommand: CommandSpec = {
  ...HELP,
  name: 'diff-rules',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [r1, r2, extra] = parsed.positionals;
    if (r1 === undefined || r2 === undefined)
      throw new UsageError('missing rule sets R1 R2', `usage: ${HELP.usage}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    // Checked before any work: a bad folder must not cost the whole run.
    const dir = certificateDir(parsed);
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const cat = await loadCatalogOption(ctx, HELP.usage);
    if (cat === null) return badInput;
    const left = loadRulesOption(r1, ctx);
    if (left === null) return badInput;
    const right = loadRulesOption(r2, ctx);
    if (right === null) return badInput;
    const initial = initialOption(ctx, cat);
    const outcome = await diffRules({
      catalog: cat,
      left,
      right,
      transitions: transitionsOption(ctx),
      initial,
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    });
    io.progress('');
    if (outcome.verdict === 'error') throw new UsageError(diffRulesSummary(outcome));
    if (dir !== null) writeCertificates(dir, outcome);
    const r = outcome;
    const status =
      r.verdict === 'agree' ? EXIT.ok : r.verdict === 'differ' ? EXIT.findings : EXIT.unknown;
    const text = () => diffRulesText(r, io.columns);
    return result(status, firstLine(text()), text, () => diffRulesJson(r));
  },
};

function writeCertificates(dir: string, r: DiffRulesResult): void {
  for (const [sub, d] of [
    ['left-only', r.leftOnly],
    ['right-only', r.rightOnly],
  ] as const) {
    if (d?.proof === null || d?.proof === undefined) continue;
    writeFiles(join(dir, sub), d.proof.files);
  }
}
