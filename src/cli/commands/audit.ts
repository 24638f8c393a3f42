/**
 * `klp-verify audit <subcommand>`: offline audits. This file only dispatches; each subcommand
 * lives in its own file (audit-catalog.ts, audit-diff.ts, ...) and is listed in SUBCOMMANDS.
 */
import { didYouMean } from '../../source/suggest.ts';
import { EXIT, UsageError } from '../exit.ts';
import { auditCatalogCommand } from './audit-catalog.ts';
import { auditDiffCommand } from './audit-diff.ts';
import type { Command } from './common.ts';

/** The audit subcommands, in the order `klp-verify audit --help` lists them. */
const SUBCOMMANDS: readonly Command[] = [auditCatalogCommand, auditDiffCommand];

function help(): string {
  const width = Math.max(...SUBCOMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: klp-verify audit <subcommand> [options]',
    '',
    'Offline audits of livepatch catalogs, stacks and logs.',
    '',
    'subcommands:',
    ...SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'examples:',
    '  klp-verify audit catalog examples/vendor-stream/stream.catalog.yaml',
    '  klp-verify audit diff released.catalog.yaml candidate.catalog.yaml',
    '  klp-verify audit catalog --help',
  ].join('\n');
}

/**
 * The `audit` command: `klp-verify audit catalog C`, ...
 *
 * @example
 * await auditCommand.run(['catalog', 'stream.catalog.yaml'], io) // 1 when a patch can be refused
 */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'Offline audits: a whole catalog, two versions of a catalog, ...',
  help,
  run: async (args, io) => {
    const [name, ...rest] = args;
    if (name === undefined || name === '-h' || name === '--help') {
      io.out(help());
      return name === undefined ? EXIT.badInput : EXIT.ok;
    }
    const sub = SUBCOMMANDS.find((c) => c.name === name);
    if (sub === undefined) {
      throw new UsageError(
        `unknown audit subcommand \`${name}\``,
        didYouMean(
          name,
          SUBCOMMANDS.map((c) => c.name),
        ) ?? `subcommands: ${SUBCOMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    return sub.run(rest, io);
  },
};
