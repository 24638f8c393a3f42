/**
 * `klp-verify diff-rules R1 R2 --catalog FILE`: the shortest scenario one rule set admits and the
 * other rejects on a catalog, in both directions, or proofs that they agree
 * (src/query/diff-rules.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadCatalogFile } from '../../ingest/index.ts';
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { type DiffRulesResult, diffRules } from '../../query/diff-rules.ts';
import { diffRulesJson, diffRulesText } from '../../query/diff-rules-report.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import { type Command, FORMAT_OPTION, printDiagnostics } from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'catalog',
    short: 'c',
    kind: 'value',
    metavar: 'FILE',
    description: 'the catalog of patches (YAML or JSON), as `check` reads it',
  },
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
  {
    name: 'timeout',
    short: 't',
    kind: 'value',
    metavar: 'SECONDS',
    default: String(DEFAULT_TIMEOUT_MS / 1000),
    description: 'give up with `unknown` after this long, saying what was established',
  },
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write the SMT-LIB queries of each proof there (DIR/left-only/, DIR/right-only/), each expected unsat',
  },
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
    const catalogFile = parsed.values.get('catalog');
    if (catalogFile === undefined)
      throw new UsageError('missing `--catalog FILE`', `usage: ${HELP.usage}`);
    const timeout = Number(parsed.values.get('timeout') ?? DEFAULT_TIMEOUT_MS / 1000);
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new UsageError(
        `\`${parsed.values.get('timeout')}\` is not a valid value for \`--timeout\``,
        'give a positive number of seconds',
      );
    }
    const loaded = loadCatalogFile(catalogFile);
    printDiagnostics(io, loaded.diagnostics, format, catalogFile);
    if (loaded.kind === 'error') return EXIT.badInput;
    const left = resolveRules(r1, null);
    if (left.kind === 'error') {
      printDiagnostics(io, left.diagnostics, format, r1);
      return EXIT.badInput;
    }
    const right = resolveRules(r2, null);
    if (right.kind === 'error') {
      printDiagnostics(io, right.diagnostics, format, r2);
      return EXIT.badInput;
    }
    const initial = (parsed.values.get('initial') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const name of initial) {
      if (!loaded.value.byName.has(name))
        throw new UsageError(`--initial: patch \`${name}\` is not in the catalog`);
    }
    const result = await diffRules({
      catalog: loaded.value,
      left: left.ruleSet,
      right: right.ruleSet,
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      initial,
      timeoutMs: Math.round(timeout * 1000),
      progress: io.progress,
    });
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: ${result.summary}`);
      return EXIT.badInput;
    }
    const dir = parsed.values.get('certificate');
    if (dir !== undefined) writeCertificates(dir, result);
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
    mkdirSync(join(dir, sub), { recursive: true });
    for (const f of d.proof.files) writeFileSync(join(dir, sub, f.name), f.text);
  }
}
