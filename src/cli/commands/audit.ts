/**
 * `klp-verify audit <subcommand>`: audits of what runs (host snapshots, kernel logs). Each
 * subcommand lives in its own file and is listed here.
 */

import { didYouMean } from '../../source/suggest.ts';
import { renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import { auditFleet } from './audit-fleet.ts';
import { auditLog } from './audit-log.ts';
import type { Command } from './common.ts';

interface Subcommand {
  readonly name: string;
  readonly summary: string;
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'fleet',
    summary: 'group host snapshots by configuration; what-if rollouts grouped by cause',
    run: auditFleet,
  },
  {
    name: 'log',
    summary: 'replay a kernel log (dmesg, journalctl) on the simulator, boot by boot',
    run: auditLog,
  },
];

function help(): string {
  const width = Math.max(...SUBCOMMANDS.map((s) => s.name.length)) + 2;
  return [
    renderHelp({
      usage: 'klp-verify audit <subcommand> [options]',
      summary: 'Audits of what runs: host snapshots of a fleet, kernel logs of a host.',
      options: [],
      examples: [
        {
          command: 'klp-verify audit fleet fleet.ndjson.gz --catalog C --rollout klp_r4',
          what: 'which hosts would refuse klp_r4, grouped by cause',
        },
        {
          command: 'klp-verify audit log /var/log/kern.log --catalog C',
          what: 'what happened to livepatches on this host, boot by boot',
        },
      ],
    }),
    '',
    'subcommands:',
    ...SUBCOMMANDS.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    '',
    'see `klp-verify audit <subcommand> --help`',
  ].join('\n');
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'audits of what runs: `audit fleet` (host snapshots), `audit log` (kernel logs)',
  help,
  run: async (args, io) => {
    const [name, ...rest] = args;
    if (name === undefined || name === '--help' || name === '-h') {
      io.out(help());
      return name === undefined ? EXIT.badInput : EXIT.ok;
    }
    const sub = SUBCOMMANDS.find((s) => s.name === name);
    if (sub === undefined) {
      throw new UsageError(
        `unknown audit subcommand \`${name}\``,
        didYouMean(
          name,
          SUBCOMMANDS.map((s) => s.name),
        ) ?? `subcommands: ${SUBCOMMANDS.map((s) => s.name).join(', ')}`,
      );
    }
    return sub.run(rest, io);
  },
};
