/**
 * `klp-verify synth P --catalog C`: the smallest state declaration of a new patch P that makes
 * `prove loadable P` hold, cumulative and not, and whether P must or must not be cumulative
 * (src/query/synth.ts). Options and exit statuses follow `prove`.
 */
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadCatalogFile } from '../../ingest/index.ts';
import type { Catalog } from '../../model/catalog.ts';
import { DEFAULT_TIMEOUT_MS, synthesize } from '../../query/synth.ts';
import { synthJson, synthText } from '../../query/synth-report.ts';
import { stringify } from '../../report/json.ts';
import { didYouMean } from '../../source/suggest.ts';
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
    name: 'rules',
    short: 'r',
    kind: 'value',
    metavar: 'NAME|FILE',
    default: 'upstream',
    description: 'the kernel rule set every operation is decided by (`klp-verify rules list`)',
  },
  {
    name: 'replace',
    kind: 'value',
    metavar: 'BOOL',
    choices: ['true', 'false'],
    description:
      'fix the choice: only cumulative (true) or only non-cumulative (false) declarations (default: both)',
  },
  {
    name: 'initial',
    kind: 'value',
    metavar: 'A,B,...',
    description: 'the installed stack to start from, bottom to top (default: nothing installed)',
  },
  {
    name: 'transitions',
    kind: 'value',
    metavar: 'MODE',
    choices: ['auto', 'manual'],
    default: 'auto',
    description:
      'auto: only steady configurations count; manual: configurations with a pending transition count too',
  },
  {
    name: 'timeout',
    short: 't',
    kind: 'value',
    metavar: 'SECONDS',
    default: String(DEFAULT_TIMEOUT_MS / 1000),
    description: 'give up with `unknown` after this long, saying what was established',
  },
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

function checkPatch(cat: Catalog, name: string, what: string): void {
  if (cat.byName.has(name)) return;
  throw new UsageError(
    `${what}: patch \`${name}\` is not in the catalog`,
    didYouMean(
      name,
      cat.patches.map((p) => p.name),
    ) ?? `the catalog has ${cat.patches.length} patches`,
  );
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
    const replaceText = parsed.values.get('replace');

    const loaded = loadCatalogFile(catalogFile);
    printDiagnostics(io, loaded.diagnostics, format, catalogFile);
    if (loaded.kind === 'error') return EXIT.badInput;
    const cat = loaded.value;
    const rulesName = parsed.values.get('rules') ?? 'upstream';
    const rules = resolveRules(rulesName, null);
    printDiagnostics(io, rules.diagnostics, format, rulesName);
    if (rules.kind === 'error') return EXIT.badInput;
    const initial = (parsed.values.get('initial') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const name of initial) checkPatch(cat, name, '--initial');
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
      ruleSet: rules.ruleSet,
      patch: subject,
      ...(replaceText === undefined ? {} : { replace: replaceText === 'true' }),
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      initial,
      timeoutMs: Math.round(timeout * 1000),
      catalogName: catalogFile,
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
