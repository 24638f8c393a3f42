/**
 * `klp-verify upgrade --from A,B --to C --catalog FILE`: the shortest operation sequence from one
 * installed stack to another, or a proof that none exists with the reason (src/query/upgrade.ts).
 */
import { DEFAULT_TIMEOUT_MS } from '../../prove/index.ts';
import { upgrade } from '../../query/upgrade.ts';
import { upgradeJson, upgradeSummary, upgradeText } from '../../report/upgrade.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, firstLine, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  certificateDir,
  certificateOption,
  KERNEL_RULES_OPTION,
  loadCatalogQuestion,
  MODE_OPTION,
  patchList,
  REPLACE_CERTIFICATE_OPTION,
  remainingMs,
  TEXT_JSON,
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
  MODE_OPTION,
  certificateOption('when unreachable, write the SMT-LIB queries of the proof there'),
  REPLACE_CERTIFICATE_OPTION,
];

const HELP = {
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
  exits: {
    ok: 'reachable (the path is shown)',
    findings: 'unreachable (proved, with the reason)',
    unknown: 'unknown: the time limit ran out',
  },
};

export const upgradeCommand: CommandSpec = {
  ...HELP,
  name: 'upgrade',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [extra] = parsed.positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
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
    // Checked before any work: a bad folder must not cost the whole run.
    const dir = certificateDir(parsed);
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const outcome = await upgrade({
      ...q,
      from: patchList(parsed.values.get('from'), '--from'),
      to: patchList(parsed.values.get('to'), '--to'),
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    });
    io.progress('');
    if (outcome.verdict === 'error') throw new UsageError(upgradeSummary(outcome));
    if (dir !== null && outcome.proof !== null) writeFiles(dir, outcome.proof.files);
    const r = outcome;
    const status =
      r.verdict === 'reachable'
        ? EXIT.ok
        : r.verdict === 'unreachable'
          ? EXIT.findings
          : EXIT.unknown;
    const text = () => upgradeText(r, io.columns);
    return result(status, firstLine(text()), text, () => upgradeJson(r));
  },
};
