/**
 * `--help` texts, rendered from the command registry and wrapped to the terminal width, and the
 * one table of exit statuses every command shares.
 */
import { wrap } from '../report/wrap.ts';
import { HELP_OPTION, type OptionSpec, READER_OPTIONS } from './args.ts';
import { type CommandGroup, type CommandSpec, type Entry, isGroup } from './command.ts';
import { EXIT } from './exit.ts';

/** The options main adds to every command. */
export function commonOptions(spec: CommandSpec): OptionSpec[] {
  const options: OptionSpec[] = [];
  if (spec.timeoutSeconds !== undefined) {
    options.push({
      name: 'timeout',
      short: 't',
      kind: 'value',
      metavar: 'SECONDS',
      default: String(spec.timeoutSeconds),
      description: `limit for the whole run, from 0.001 to ${MAX_TIMEOUT_SECONDS} seconds; when it runs out the answer is unknown (exit 3) with what was established`,
    });
  }
  options.push(
    {
      name: 'format',
      short: 'f',
      kind: 'value',
      metavar: 'FORMAT',
      choices: spec.formats,
      default: spec.formats[0],
      description:
        spec.formats.length > 2
          ? 'output format: text for people, json (one document, schema in docs/schema/) for scripts, or another listed format'
          : 'output format: text for people, json for scripts (one document; schema in docs/schema/)',
    },
    {
      name: 'quiet',
      short: 'q',
      kind: 'flag',
      description: 'print only the verdict line (errors still go to stderr)',
    },
  );
  return options;
}

/** The longest `--timeout`: Node's timers hold at most 2^31-1 ms. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Every command's exit statuses: its own meanings of 0, 1, 3 and the shared 2 and 4. */
export function exitLines(spec: CommandSpec): { code: number; meaning: string }[] {
  const lines: { code: number; meaning: string }[] = [{ code: EXIT.ok, meaning: spec.exits.ok }];
  if (spec.exits.findings !== undefined)
    lines.push({ code: EXIT.findings, meaning: spec.exits.findings });
  lines.push({
    code: EXIT.badInput,
    meaning: 'bad input: a file or argument is invalid (every problem is reported)',
  });
  if (spec.exits.unknown !== undefined)
    lines.push({ code: EXIT.unknown, meaning: spec.exits.unknown });
  lines.push({ code: EXIT.internal, meaning: 'internal error: a bug in klp-verify' });
  return lines;
}

/**
 * `text` wrapped to `width`, indented by `indent`. Lines of a paragraph are joined first (help
 * texts are written with line breaks of their own); a blank line, an indented line or a line
 * starting with `- ` begins a new one.
 */
function paragraph(text: string, width: number, indent = ''): string[] {
  const blocks: string[] = [];
  for (const line of text.split('\n')) {
    const last = blocks.length - 1;
    const startsNew = last < 0 || line === '' || blocks[last] === '' || /^(\s|- )/.test(line);
    if (startsNew) blocks.push(line);
    else blocks[last] = `${blocks[last]} ${line}`;
  }
  return blocks.flatMap((block) => {
    if (block === '') return [''];
    const lead = /^\s*/.exec(block)?.[0] ?? '';
    const hang = block.trimStart().startsWith('- ') ? '  ' : '';
    return wrap(block.trimStart(), width, indent + lead, indent + lead + hang);
  });
}

/** A two-column table (`left  right`), the right column wrapped under itself. */
function table(rows: readonly (readonly [string, string])[], width: number): string[] {
  const left = Math.min(Math.max(0, ...rows.map(([l]) => l.length)) + 2, Math.floor(width / 2));
  return rows.flatMap(([l, r]) => {
    if (l.length + 2 > left) {
      return [l, ...wrap(r, width, ' '.repeat(left), ' '.repeat(left))];
    }
    return wrap(r, width, l.padEnd(left), ' '.repeat(left));
  });
}

function optionRows(options: readonly OptionSpec[]): [string, string][] {
  return options.map((o) => {
    const short = o.short === undefined ? '    ' : `-${o.short}, `;
    const value = o.kind === 'value' ? ` ${o.metavar ?? 'VALUE'}` : '';
    const extra: string[] = [];
    if (o.choices !== undefined) extra.push(`one of: ${o.choices.join(', ')}`);
    if (o.default !== undefined) extra.push(`default: ${o.default}`);
    const tail = extra.length > 0 ? ` (${extra.join('; ')})` : '';
    return [`  ${short}--${o.name}${value}`, `${o.description}${tail}`];
  });
}

/**
 * The `--help` text of a command, wrapped to `width` columns.
 *
 * @example
 * renderCommandHelp(checkSpec, 80).split('\n')[0] // 'usage: klp-verify check PLAN... [options]'
 */
export function renderCommandHelp(spec: CommandSpec, width: number): string {
  const usage = spec.usage
    .split('\n')
    .flatMap((u, i) =>
      wrap(i === 0 ? `usage: ${u}` : u.trim(), width, i === 0 ? '' : '       ', '         '),
    );
  const lines = [...usage, '', ...paragraph(spec.summary, width)];
  if (spec.description !== undefined) lines.push('', ...paragraph(spec.description, width));
  lines.push('', 'options:');
  lines.push(
    ...table(
      optionRows([...spec.options, ...commonOptions(spec), ...READER_OPTIONS, HELP_OPTION]),
      width,
    ),
  );
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('', 'examples:');
    for (const e of spec.examples) {
      lines.push(...paragraph(e.command, width, '  '), ...paragraph(e.what, width, '      '));
    }
  }
  lines.push('', 'exit status:');
  lines.push(
    ...table(
      exitLines(spec).map((e) => [`  ${e.code}`, e.meaning] as const),
      width,
    ),
  );
  return lines.join('\n');
}

/** The `--help` text of a group of subcommands. */
export function renderGroupHelp(group: CommandGroup, width: number): string {
  const names = group.commands.map((c) => c.name.slice(group.name.length + 1));
  return [
    `usage: klp-verify ${group.name} <${names.join('|')}> ...`,
    '',
    ...paragraph(group.description, width),
    '',
    'subcommands:',
    ...table(
      group.commands.map((c, i) => [`  ${names[i] ?? c.name}`, c.summary] as const),
      width,
    ),
    '',
    ...paragraph(`klp-verify ${group.name} <subcommand> --help shows each one's options.`, width),
  ].join('\n');
}

/** The top-level `--help`: the commands and the exit statuses they share. */
export function renderTopHelp(entries: readonly Entry[], width: number): string {
  return [
    'usage: klp-verify <command> [options]',
    '',
    ...paragraph(
      'Formal verification of Linux kernel livepatch stacks: which livepatch modules the kernel admits, in which order, under which rules (struct klp_state compatibility, Linux 5.5+).',
      width,
    ),
    '',
    'commands:',
    ...table(
      entries.map((e) => [`  ${e.name}`, e.summary] as const),
      width,
    ),
    '',
    'options:',
    ...table(
      [
        ['  -h, --help', "show this help, or a command's help: klp-verify <command> --help"],
        ['  -V, --version', 'print the version'],
      ],
      width,
    ),
    '',
    'every command:',
    ...table(
      [
        [
          '  -f, --format',
          'text (default) or json: one JSON document on stdout, also for bad input',
        ],
        ['  -q, --quiet', 'only the verdict line'],
        ['  -', 'in place of a file: read it from standard input'],
      ],
      width,
    ),
    '',
    'exit status (every command):',
    ...table(
      [
        ['  0', 'holds: the plan met its expectations, the claim is proved, nothing found'],
        ['  1', 'does not hold: a finding, a refuted claim, a conflict'],
        ['  2', 'bad input: an invalid file or argument'],
        ['  3', 'unknown: the time limit ran out or the solver gave up'],
        ['  4', 'internal error: a bug in klp-verify'],
      ],
      width,
    ),
    '',
    'NO_COLOR turns colours off, FORCE_COLOR on; output wraps to the terminal (80 columns when not one).',
  ].join('\n');
}

/** Lists every entry's summary as `name: summary`, for did-you-mean help. */
export function commandNames(entries: readonly Entry[]): string[] {
  return entries.flatMap((e) =>
    isGroup(e) ? [e.name, ...e.commands.map((c) => c.name)] : [e.name],
  );
}
