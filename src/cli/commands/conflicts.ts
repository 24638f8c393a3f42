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
import { conflictsJson, conflictsText, conflictVerdict } from '../../report/conflicts.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogQuestion,
  remainingMs,
  STDIN_NAME,
  TEXT_JSON,
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
];

const HELP = {
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
  exits: {
    ok: 'no conflicts: every set of the catalog loads in some order',
    findings: 'conflicts found; every conflict of the catalog is listed',
    unknown:
      'stopped before every conflict was found (--limit or --timeout reached, or the solver gave up); the output says what was established',
  },
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

export const conflictsCommand: CommandSpec = {
  ...HELP,
  name: 'conflicts',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
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
    const limit = positiveNumber(
      parsed.values.get('limit') ?? String(DEFAULT_LIMIT),
      'limit',
      true,
    );
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const { catalog: cat, ruleSet } = q;

    const report = await findConflicts(cat, conflictRules(ruleSet), {
      limit,
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    });
    io.progress('');
    const meta = { file: catalogFile === '-' ? STDIN_NAME : catalogFile };
    const verdict = conflictVerdict(report);
    const status =
      report.status.kind !== 'complete'
        ? EXIT.unknown
        : verdict === 'conflicts'
          ? EXIT.findings
          : EXIT.ok;
    const n = report.conflicts.length;
    const line =
      status === EXIT.unknown
        ? `unknown: ${n} conflict${n === 1 ? '' : 's'} found in ${meta.file} before the search stopped`
        : n === 0
          ? `no conflicts in ${meta.file}: every set of patches loads in some order`
          : `${n} conflict${n === 1 ? '' : 's'} in ${meta.file}`;
    return result(
      status,
      line,
      () => conflictsText(meta, report, io.columns),
      () => conflictsJson(meta, report),
    );
  },
};
