/**
 * `klp-verify synth P --catalog C`: the smallest state declaration of a new patch P that makes
 * `prove loadable P` hold, cumulative and not, and whether P must or must not be cumulative
 * (src/query/synth.ts). Options and exit statuses follow `prove`.
 */
import { DEFAULT_TIMEOUT_MS, synthesize } from '../../query/synth.ts';
import { synthJson, synthText } from '../../query/synth-report.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  type Command,
  FORMAT_OPTION,
  INITIAL_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
  MODE_OPTION,
  patchList,
  requirePatch,
  timeoutMs,
  timeoutOption,
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
  timeoutOption(
    DEFAULT_TIMEOUT_MS,
    'give up with `unknown` after this long, saying what was established',
  ),
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
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
  exitCodes: [
    { code: EXIT.ok, meaning: 'found: the smallest declaration is shown' },
    { code: EXIT.findings, meaning: 'none exists; the configurations that rule it out are shown' },
    { code: EXIT.badInput, meaning: 'bad input: catalog, rule set, patch names, or arguments' },
    { code: EXIT.unknown, meaning: 'unknown: the time limit ran out' },
  ],
};

/** Module names as kbuild makes them from file names (as the catalog reader accepts them). */
const MODULE_NAME = /^[A-Za-z0-9_-]+$/;

function moduleName(name: string): string {
  return name.replaceAll('-', '_');
}

export const synthCommand: Command = {
  name: 'synth',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [subject, ...extra] = parsed.positionals;
    if (subject === undefined) throw new UsageError('missing PATCH', `usage: ${HELP.usage}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
    if (!MODULE_NAME.test(subject)) {
      throw new UsageError(
        `\`${subject}\` is not a module name`,
        'module names are letters, digits, `_` and `-`',
      );
    }
    const format = parsed.values.get('format') ?? 'text';
    const ms = timeoutMs(parsed, DEFAULT_TIMEOUT_MS);
    const replaceText = parsed.values.get('replace');

    const cat = loadCatalogOption(parsed, io, format, HELP.usage);
    if (cat === null) return EXIT.badInput;
    const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
    if (ruleSet === null) return EXIT.badInput;
    const initial = patchList(parsed.values.get('initial'));
    for (const name of initial) requirePatch(cat, name, '--initial');
    const twin = cat.patches.find(
      (p) => p.name !== subject && moduleName(p.name) === moduleName(subject),
    );
    if (twin !== undefined) {
      throw new UsageError(
        `\`${subject}\` is the same module as catalog patch \`${twin.name}\``,
        "kbuild reads `-` as `_` in module names: use the catalog's spelling",
      );
    }

    const result = await synthesize({
      catalog: cat,
      ruleSet,
      patch: subject,
      ...(replaceText === undefined ? {} : { replace: replaceText === 'true' }),
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      initial,
      timeoutMs: ms,
      catalogName: parsed.values.get('catalog') ?? '',
      progress: io.progress,
    });
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: error: ${result.error ?? result.summary}`);
      return EXIT.badInput;
    }
    io.out(format === 'json' ? stringify(synthJson(result)) : synthText(result, io.columns));
    switch (result.verdict) {
      case 'found':
        return EXIT.ok;
      case 'none':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return EXIT.internal;
    }
  },
};
