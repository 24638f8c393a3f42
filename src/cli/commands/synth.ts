/**
 * `klp-verify synth P --catalog C`: the smallest state declaration of a new patch P that makes
 * `prove loadable P` hold, cumulative and not, and whether P must or must not be cumulative
 * (src/query/synth.ts). Options and exit statuses follow `prove`.
 */
import { DEFAULT_TIMEOUT_MS, synthesize } from '../../query/synth.ts';
import { synthJson, synthSummary, synthText } from '../../report/synth.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, firstLine, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  INITIAL_OPTION,
  initialOption,
  KERNEL_RULES_OPTION,
  loadCatalogQuestion,
  MODE_OPTION,
  remainingMs,
  TEXT_JSON,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  {
    name: 'replace',
    kind: 'value',
    metavar: 'BOOL',
    choices: ['true', 'false'],
    description:
      'fix the choice: only cumulative (true) or only non-cumulative (false) declarations (default: both)',
  },
  INITIAL_OPTION,
  MODE_OPTION,
];

const HELP = {
  usage: 'klp-verify synth PATCH --catalog FILE [options]',
  summary:
    'Find the smallest state declaration that makes a new patch loadable, and whether it must be cumulative.',
  description: [
    'For a patch PATCH whose states and versions are still open, the smallest declaration (fewest',
    'states, then lowest versions) with which `prove loadable PATCH` holds: from every configuration',
    'reachable by any operations on the other catalog patches, `insmod PATCH` is not rejected.',
    'Both a cumulative (replace = true) and a non-cumulative PATCH are tried unless --replace fixes',
    'the choice; when only one exists, PATCH must (or must not) be cumulative, and the configurations',
    'that rule the other out are shown. When PATCH is in the catalog, its functions and replace set',
    'are kept and its states are replaced; otherwise it is a new patch appended to the catalog.',
    '',
    'Found by Z3 (Optimize over the configurations collected so far, then `prove loadable` on the',
    'candidate; each counterexample adds the configuration it reaches). Each declaration comes with',
    'why no state can go and no version can be lower, the proof, and a catalog YAML entry and C to',
    'paste. When none exists: the configurations no declaration is admitted on, and why.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify synth test_klp_state4 --catalog examples/selftests/test_modules.catalog.yaml',
      what: 'which states must a fourth selftest module declare to load after any of the others?',
    },
    {
      command:
        'klp-verify synth klp_6_8_0_45_r5 -c examples/vendor-stream/stream.catalog.yaml --replace true',
      what: 'the next cumulative release of a vendor stream',
    },
  ],
  exits: {
    ok: 'found: the smallest declaration is shown',
    findings: 'none exists; the configurations that rule it out are shown',
    unknown: 'unknown: the time limit ran out',
  },
};

/** Module names as kbuild makes them from file names (as the catalog reader accepts them). */
const MODULE_NAME = /^[A-Za-z0-9_-]+$/;

function moduleName(name: string): string {
  return name.replaceAll('-', '_');
}

export const synthCommand: CommandSpec = {
  ...HELP,
  name: 'synth',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [subject, ...extra] = parsed.positionals;
    if (subject === undefined) throw new UsageError('missing PATCH', `usage: ${HELP.usage}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
    if (!MODULE_NAME.test(subject)) {
      throw new UsageError(
        `\`${subject}\` is not a module name`,
        'module names are letters, digits, `_` and `-`',
      );
    }
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const replaceText = parsed.values.get('replace');

    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const cat = q.catalog;
    const initial = initialOption(ctx, cat);
    const twin = cat.patches.find(
      (p) => p.name !== subject && moduleName(p.name) === moduleName(subject),
    );
    if (twin !== undefined) {
      throw new UsageError(
        `\`${subject}\` is the same module as catalog patch \`${twin.name}\``,
        "kbuild reads `-` as `_` in module names: use the catalog's spelling",
      );
    }

    const outcome = await synthesize({
      ...q,
      patch: subject,
      ...(replaceText === undefined ? {} : { replace: replaceText === 'true' }),
      initial,
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    });
    io.progress('');
    if (outcome.verdict === 'error') throw new UsageError(outcome.error ?? synthSummary(outcome));
    const r = outcome;
    const status =
      r.verdict === 'found' ? EXIT.ok : r.verdict === 'none' ? EXIT.findings : EXIT.unknown;
    const text = () => synthText(r, io.columns);
    return result(status, firstLine(text()), text, () => synthJson(r));
  },
};
