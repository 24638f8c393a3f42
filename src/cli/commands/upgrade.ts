/**
 * `klp-verify upgrade --from A,B --to C --catalog FILE`: the shortest operation sequence from one
 * installed stack to another, or a proof that none exists with the reason (src/query/upgrade.ts).
 */
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { upgrade } from '../../query/upgrade.ts';
import { upgradeJson, upgradeText } from '../../query/upgrade-report.ts';
import { stringify } from '../../report/json.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  type Command,
  certificateDir,
  FORMAT_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
  patchList,
  REPLACE_CERTIFICATE_OPTION,
  timeoutMs,
  timeoutOption,
  writeFiles,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  {
    name: 'from',
    kind: 'value',
    metavar: 'A,B,...',
    description: 'the installed stack to start from, bottom to top (empty: nothing installed)',
  },
  {
    name: 'to',
    kind: 'value',
    metavar: 'A,B,...',
    description: 'the installed stack to reach, bottom to top (empty: nothing installed)',
  },
  KERNEL_RULES_OPTION,
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
    description: 'when unreachable, write the SMT-LIB queries of the proof there',
  },
  REPLACE_CERTIFICATE_OPTION,
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
  usage: 'klp-verify upgrade --from A,B --to C --catalog FILE [options]',
  summary:
    'The shortest operation sequence from one installed stack to another, or a proof that none exists.',
  description: [
    'The target is reached when klp_patches is exactly the --to stack, bottom to top, and no patch',
    'on it is being unpatched. Modules that stay loaded but are not on klp_patches do not count.',
    'reachable: a sequence of fewest operations (insmod, disable, enable, force, complete, rmmod),',
    'replayed on the simulator. unreachable: no sequence of any length exists; the proof is an',
    'inductive invariant re-checked by an SMT solver, with the reason when one is found (a patch',
    'of --from that never leaves klp_patches, or one of --to that is never enabled).',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify upgrade --from klp_6_8_0_45_r1 --to klp_6_8_0_45_r4 --catalog examples/vendor-stream/stream.catalog.yaml',
      what: 'how does a machine running r1 get to r4, in the fewest operations?',
    },
    {
      command: 'klp-verify upgrade --from a --to "" --catalog C --rules block-disable',
      what: 'can `a` ever be removed under the block-disable proposal?',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'reachable (the path is shown)' },
    { code: EXIT.findings, meaning: 'unreachable (proved, with the reason)' },
    { code: EXIT.badInput, meaning: 'bad input: catalog, rule set, stacks, or arguments' },
    { code: EXIT.unknown, meaning: 'unknown: the time limit ran out' },
  ],
};

export const upgradeCommand: Command = {
  name: 'upgrade',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [extra] = parsed.positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
    const format = parsed.values.get('format') ?? 'text';
    const dir = certificateDir(parsed);
    if (!parsed.values.has('catalog')) {
      throw new UsageError('missing `--catalog FILE`', `usage: ${HELP.usage}`);
    }
    for (const name of ['from', 'to']) {
      if (!parsed.values.has(name)) {
        throw new UsageError(
          `missing \`--${name} A,B,...\``,
          `give the installed stack bottom to top; \`--${name} ""\` for nothing installed`,
        );
      }
    }
    const ms = timeoutMs(parsed, DEFAULT_TIMEOUT_MS);
    const cat = loadCatalogOption(parsed, io, format, HELP.usage);
    if (cat === null) return EXIT.badInput;
    const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
    if (ruleSet === null) return EXIT.badInput;
    const result = await upgrade({
      catalog: cat,
      ruleSet,
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      from: patchList(parsed.values.get('from'), '--from'),
      to: patchList(parsed.values.get('to'), '--to'),
      timeoutMs: ms,
      progress: io.progress,
    });
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: ${result.summary}`);
      return EXIT.badInput;
    }
    if (dir !== null && result.proof !== null) {
      writeFiles(dir, result.proof.files);
    }
    io.out(format === 'json' ? stringify(upgradeJson(result)) : upgradeText(result, io.columns));
    switch (result.verdict) {
      case 'reachable':
        return EXIT.ok;
      case 'unreachable':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return EXIT.internal;
    }
  },
};
