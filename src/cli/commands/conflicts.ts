/**
 * `klp-verify conflicts --catalog C [--rules R]`: every minimal set of catalog patches that
 * cannot be rolled out in any order, each replayed on the simulator with why every order
 * fails, and the load matrix of every ordered pair (src/query/conflicts.ts).
 */
import {
  conflictRules,
  DEFAULT_LIMIT,
  DEFAULT_TIMEOUT_MS,
  EVERY_ORDER_MAX,
  findConflicts,
} from '../../query/conflicts.ts';
import { conflictsJson, conflictsText, conflictVerdict } from '../../query/conflicts-report.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  type Command,
  FORMAT_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
  timeoutMs,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  {
    name: 'limit',
    short: 'n',
    kind: 'value',
    metavar: 'N',
    default: String(DEFAULT_LIMIT),
    description: 'stop after N conflicts',
  },
  {
    name: 'timeout',
    short: 't',
    kind: 'value',
    metavar: 'SECONDS',
    default: String(DEFAULT_TIMEOUT_MS / 1000),
    description: 'stop after this long with `unknown`, saying what was established',
  },
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
  usage:
    'klp-verify conflicts --catalog FILE [--rules NAME|FILE] [--limit N] [--timeout SECONDS] [--format text|json]',
  summary:
    'Find every minimal set of catalog patches that cannot be loaded in any order, and why each order fails.',
  description: [
    'A set of patches conflicts when, in every order, loading its patches one after another on an',
    'empty system (insmod each, transitions completing at once, replacements as the rules say) has',
    'an insmod refused, while every smaller set loads in some order. Sets are enumerated with Z3',
    '(MARCO over one selector per patch); every conflict is replayed on the kernel simulator.',
    `For conflicts of up to ${EVERY_ORDER_MAX} patches every order is shown up to the insmod that fails, with the`,
    'rule, the state and the installed patch in the way; for larger ones, the order that gets',
    'furthest from each first patch. A conflict of two patches is a pair refused both ways round;',
    'larger ones arise when each pair loads in one order only and the orders form a cycle.',
    'The load matrix answers, for each ordered pair (a, b): does insmod b succeed once a is loaded?',
    'With --format json, prints one object: {verdict, complete, stop, conflicts, matrix, ...}.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command: 'klp-verify conflicts --catalog examples/vendor-stream/stream.catalog.yaml',
      what: 'which releases of the stream can never be on one system, in any order',
    },
    {
      command:
        'klp-verify conflicts -c catalog.yaml --rules replace-set --format json | jq .matrix.pairs',
      what: 'every ordered pair under the replace-set proposal, for scripts',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'no conflicts: every set of the catalog loads in some order' },
    { code: EXIT.findings, meaning: 'conflicts found; every conflict of the catalog is listed' },
    { code: EXIT.badInput, meaning: 'bad input: catalog, rule set or arguments' },
    {
      code: EXIT.unknown,
      meaning:
        'stopped before every conflict was found (--limit or --timeout reached, or the solver gave up); the output says what was established',
    },
  ],
};

/** The most `--limit` accepts. */
const MAX_LIMIT = 1_000_000;

function positiveNumber(text: string, option: string, integer: boolean): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0 && n <= MAX_LIMIT) || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `\`${text}\` is not a valid value for \`--${option}\``,
      integer ? `give a whole number from 1 to ${MAX_LIMIT}` : 'give a positive number of seconds',
    );
  }
  return n;
}

export const conflictsCommand: Command = {
  name: 'conflicts',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [extra] = parsed.positionals;
    const catalogFile = parsed.values.get('catalog');
    if (extra !== undefined) {
      throw new UsageError(
        `unexpected argument \`${extra}\``,
        catalogFile === undefined
          ? `name the catalog with \`--catalog ${extra}\``
          : `usage: ${HELP.usage}`,
      );
    }
    if (catalogFile === undefined)
      throw new UsageError('missing `--catalog FILE`', `usage: ${HELP.usage}`);
    const format = parsed.values.get('format') ?? 'text';
    const limit = positiveNumber(
      parsed.values.get('limit') ?? String(DEFAULT_LIMIT),
      'limit',
      true,
    );
    const ms = timeoutMs(parsed, DEFAULT_TIMEOUT_MS);
    const cat = loadCatalogOption(parsed, io, format, HELP.usage);
    if (cat === null) return EXIT.badInput;
    const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
    if (ruleSet === null) return EXIT.badInput;

    const report = await findConflicts(cat, conflictRules(ruleSet), {
      limit,
      timeoutMs: ms,
      progress: io.progress,
    });
    io.progress('');
    const meta = { file: catalogFile };
    io.out(
      format === 'json'
        ? stringify(conflictsJson(meta, report))
        : conflictsText(meta, report, io.columns),
    );
    if (report.status.kind !== 'complete') return EXIT.unknown;
    return conflictVerdict(report) === 'conflicts' ? EXIT.findings : EXIT.ok;
  },
};
