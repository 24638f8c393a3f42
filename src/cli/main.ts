/**
 * The `klp-verify` command line: dispatch to subcommands, map outcomes to exit statuses.
 * The only place that touches the process (argv, stdout, exit status).
 */
import { readFileSync } from 'node:fs';
import { didYouMean } from '../source/suggest.ts';
import type { Command } from './commands/common.ts';
import { conflictsCommand } from './commands/conflicts.ts';
import { diffRulesCommand } from './commands/diff-rules.ts';
import { kernelCommand } from './commands/kernel.ts';
import { checkCommand, simulateCommand } from './commands/plan-commands.ts';
import { proveCommand } from './commands/prove.ts';
import { rulesCommand } from './commands/rules.ts';
import { synthCommand } from './commands/synth.ts';
import { upgradeCommand } from './commands/upgrade.ts';
import { EXIT, UsageError } from './exit.ts';
import { type Io, processIo } from './io.ts';

const COMMANDS: readonly Command[] = [
  simulateCommand,
  checkCommand,
  rulesCommand,
  proveCommand,
  conflictsCommand,
  synthCommand,
  upgradeCommand,
  diffRulesCommand,
  kernelCommand,
];

export function version(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  return typeof pkg === 'object' &&
    pkg !== null &&
    'version' in pkg &&
    typeof pkg.version === 'string'
    ? pkg.version
    : 'unknown';
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: klp-verify <command> [options]',
    '',
    'Formal verification of Linux kernel livepatch stacks: which livepatch modules the kernel',
    'admits, in which order, under which rules (struct klp_state compatibility, Linux 5.5+).',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'options:',
    "  -h, --help     show this help, or a command's help: klp-verify <command> --help",
    '  -V, --version  print the version',
    '',
    'exit status: 0 ok, 1 findings, 2 bad input, 3 unknown (solver limits), 4 internal error',
  ]
    .join('\n')
    .trimEnd();
}

/**
 * Runs the CLI; resolves to the exit status.
 *
 * @example
 * process.exitCode = await main(['check', 'plan.yaml']);
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(target === undefined ? topHelp() : target.help());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === '-V' || name === '--version') {
    io.out(`klp-verify ${version()}`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (command === undefined) {
      throw new UsageError(
        `unknown command \`${name}\``,
        didYouMean(
          name,
          COMMANDS.map((c) => c.name),
        ) ?? `commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`klp-verify: error: ${e.message}`);
      if (e.help !== undefined) io.err(`  = help: ${e.help}`);
      io.err(`  = see: klp-verify ${command?.name ?? ''} --help`.replace('  --', ' --'));
      return EXIT.badInput;
    }
    io.err(
      `klp-verify: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    io.err('this is a bug in klp-verify; please report it with the command and its input files');
    return EXIT.internal;
  }
}
