/**
 * `klp-verify upgrade --from A,B --to C --catalog FILE`: the shortest operation sequence from one
 * installed stack to another, or a proof that none exists with the reason (src/query/upgrade.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRules } from '../../analysis/rulesets.ts';
import { loadCatalogFile } from '../../ingest/index.ts';
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { upgrade } from '../../query/upgrade.ts';
import { upgradeJson, upgradeText } from '../../query/upgrade-report.ts';
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
  {
    name: 'rules',
    short: 'r',
    kind: 'value',
    metavar: 'NAME|FILE',
    default: 'upstream',
    description: 'the kernel rule set every operation is decided by (`klp-verify rules list`)',
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
    description: 'when unreachable, write the SMT-LIB queries of the proof there',
  },
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

function stack(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

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
    const catalogFile = parsed.values.get('catalog');
    if (catalogFile === undefined)
      throw new UsageError('missing `--catalog FILE`', `usage: ${HELP.usage}`);
    for (const name of ['from', 'to']) {
      if (!parsed.values.has(name)) {
        throw new UsageError(
          `missing \`--${name} A,B,...\``,
          `give the installed stack bottom to top; \`--${name} ""\` for nothing installed`,
        );
      }
    }
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
    const rulesName = parsed.values.get('rules') ?? 'upstream';
    const rules = resolveRules(rulesName, null);
    if (rules.kind === 'error') {
      printDiagnostics(io, rules.diagnostics, format, rulesName);
      return EXIT.badInput;
    }
    const result = await upgrade({
      catalog: loaded.value,
      ruleSet: rules.ruleSet,
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      from: stack(parsed.values.get('from')),
      to: stack(parsed.values.get('to')),
      timeoutMs: Math.round(timeout * 1000),
      progress: io.progress,
    });
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: ${result.summary}`);
      return EXIT.badInput;
    }
    const dir = parsed.values.get('certificate');
    if (dir !== undefined && result.proof !== null) {
      mkdirSync(dir, { recursive: true });
      for (const f of result.proof.files) writeFileSync(join(dir, f.name), f.text);
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
