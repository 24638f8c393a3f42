/**
 * `klp-verify diff-rules R1 R2 --catalog FILE`: the shortest scenario one rule set admits and the
 * other rejects on a catalog, in both directions, or proofs that they agree
 * (src/query/diff-rules.ts).
 */
import { join } from 'node:path';
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { type DiffRulesResult, diffRules } from '../../query/diff-rules.ts';
import { diffRulesJson, diffRulesText } from '../../query/diff-rules-report.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  type Command,
  certificateDir,
  FORMAT_OPTION,
  loadCatalogOption,
  loadRulesOption,
  patchList,
  REPLACE_CERTIFICATE_OPTION,
  requirePatch,
  timeoutMs,
  timeoutOption,
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
  {
    name: 'transitions',
    kind: 'value',
    metavar: 'MODE',
    choices: ['auto', 'manual'],
    default: 'auto',
    description:
      'auto: every transition completes at once; manual: `complete` and `force` are operations',
  },
  timeoutOption(
    DEFAULT_TIMEOUT_MS,
    'give up with `unknown` after this long, saying what was established',
  ),
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write the SMT-LIB queries of each proof there (DIR/left-only/, DIR/right-only/), each expected unsat',
  },
  REPLACE_CERTIFICATE_OPTION,
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
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
  exitCodes: [
    { code: EXIT.ok, meaning: 'agree: proved in both directions' },
    { code: EXIT.findings, meaning: 'differ: a scenario is shown' },
    { code: EXIT.badInput, meaning: 'bad input: catalog, rule sets, stack, or arguments' },
    { code: EXIT.unknown, meaning: 'unknown: the time limit ran out' },
  ],
};

export const diffRulesCommand: Command = {
  name: 'diff-rules',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [r1, r2, extra] = parsed.positionals;
    if (r1 === undefined || r2 === undefined)
      throw new UsageError('missing rule sets R1 R2', `usage: ${HELP.usage}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const format = parsed.values.get('format') ?? 'text';
    const dir = certificateDir(parsed);
    const ms = timeoutMs(parsed, DEFAULT_TIMEOUT_MS);
    const cat = loadCatalogOption(parsed, io, format, HELP.usage);
    if (cat === null) return EXIT.badInput;
    const left = loadRulesOption(r1, io, format);
    if (left === null) return EXIT.badInput;
    const right = loadRulesOption(r2, io, format);
    if (right === null) return EXIT.badInput;
    const initial = patchList(parsed.values.get('initial'));
    for (const name of initial) requirePatch(cat, name, '--initial');
    const result = await diffRules({
      catalog: cat,
      left,
      right,
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      initial,
      timeoutMs: ms,
      progress: io.progress,
    });
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: ${result.summary}`);
      return EXIT.badInput;
    }
    if (dir !== null) writeCertificates(dir, result);
    io.out(
      format === 'json' ? stringify(diffRulesJson(result)) : diffRulesText(result, io.columns),
    );
    switch (result.verdict) {
      case 'agree':
        return EXIT.ok;
      case 'differ':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return EXIT.internal;
    }
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
