/**
 * `klp-verify rules list [NAME|FILE...]` and `klp-verify rules check FILE...`: the rule sets
 * and what they say, and the diagnostics of rule files being written.
 */
import type { CheckedRule, CheckedRuleSet } from '../../lang/checker.ts';
import { loadRuleSet, ruleSetNames } from '../../lang/load.ts';
import { printBinder, printExpr } from '../../lang/printer.ts';
import { stringify } from '../../report/json.ts';
import { wrap } from '../../report/wrap.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { type HelpSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import { type Command, FORMAT_OPTION, printDiagnostics } from './common.ts';

const LIST_HELP: HelpSpec = {
  usage: 'klp-verify rules list [NAME|FILE...] [--format text|json]',
  summary: 'Show the rule sets and their rules: what each admits, rejects and replaces.',
  description: [
    'Without arguments, every shipped rule set (rules/kernel/ for the kernel and the proposals,',
    "rules/policy/ for audits). With names or .klp paths, only those, with each rule's condition.",
    'The language is described in docs/rules.md.',
  ].join('\n'),
  options: [FORMAT_OPTION],
  examples: [
    { command: 'klp-verify rules list', what: 'every shipped rule set, one line per rule' },
    {
      command: 'klp-verify rules list upstream',
      what: 'the rules of Linux 5.5+ with their conditions',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'listed' },
    { code: EXIT.badInput, meaning: 'a rule set could not be found or has errors' },
  ],
};

const CHECK_HELP: HelpSpec = {
  usage: 'klp-verify rules check FILE... [--format text|json]',
  summary: 'Parse and check rule files; print every diagnostic with its location and advice.',
  description: [
    'Checks names, types and guards (a `version` lookup must be guarded by `has`), and warns',
    'about unused binders and constant conditions. Every code is explained in docs/diagnostics.md.',
  ].join('\n'),
  options: [FORMAT_OPTION],
  examples: [
    { command: 'klp-verify rules check rules/kernel/*.klp', what: 'check the shipped rule sets' },
    {
      command: 'klp-verify rules check my-proposal.klp --format json',
      what: 'diagnostics as data',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'no errors (warnings may be printed)' },
    { code: EXIT.findings, meaning: 'some file has errors' },
    { code: EXIT.badInput, meaning: 'bad arguments, or a file that cannot be read' },
  ],
};

const HELP = [
  'usage: klp-verify rules <list|check> ...',
  '',
  'The rule sets that decide what the kernel admits are data: files under rules/ in the rule',
  'language of docs/rules.md.',
  '',
  'subcommands:',
  `  list   ${LIST_HELP.summary}`,
  `  check  ${CHECK_HELP.summary}`,
].join('\n');

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'List the rule sets, or check rule files.',
  help: () => HELP,
  run: async (args, io) => {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(HELP);
      return sub === undefined ? EXIT.badInput : EXIT.ok;
    }
    if (sub === 'list') return list(rest, io);
    if (sub === 'check') return check(rest, io);
    throw new UsageError(
      `unknown subcommand \`rules ${sub}\``,
      'use `rules list` or `rules check`',
    );
  },
};

function list(args: readonly string[], io: Io): number {
  const parsed = parseArgs(args, [FORMAT_OPTION]);
  if (parsed.flags.has('help')) {
    io.out(renderHelp(LIST_HELP));
    return EXIT.ok;
  }
  const format = parsed.values.get('format') ?? 'text';
  const detailed = parsed.positionals.length > 0;
  const names = detailed ? parsed.positionals : ruleSetNames();
  const sets: CheckedRuleSet[] = [];
  const diags: Diagnostic[] = [];
  for (const name of names) {
    const r = loadRuleSet(name);
    diags.push(...r.diagnostics);
    if (r.kind === 'ok') sets.push(r.value);
  }
  printDiagnostics(io, diags, format, names.join(' '));
  if (hasErrors(diags)) return EXIT.badInput;
  if (format === 'json') io.out(stringify(sets.map(ruleSetJson)));
  else io.out(sets.map((rs) => ruleSetText(rs, detailed, io.columns)).join('\n\n'));
  return EXIT.ok;
}

function check(args: readonly string[], io: Io): number {
  const parsed = parseArgs(args, [FORMAT_OPTION]);
  if (parsed.flags.has('help')) {
    io.out(renderHelp(CHECK_HELP));
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0)
    throw new UsageError('missing FILE', `usage: ${CHECK_HELP.usage}`);
  const format = parsed.values.get('format') ?? 'text';
  let status: number = EXIT.ok;
  const results: unknown[] = [];
  for (const file of parsed.positionals) {
    // A bare name would be looked up among the shipped rule sets; check means this file.
    const r = loadRuleSet(file.includes('/') || file.endsWith('.klp') ? file : `./${file}`);
    // A file that cannot be read at all is bad input, not a rule file with errors.
    const unreadable = r.diagnostics.some((d) => d.code === 'KV2002');
    if (unreadable) status = Math.max(status, EXIT.badInput);
    else if (hasErrors(r.diagnostics)) status = Math.max(status, EXIT.findings);
    if (format === 'json') {
      results.push({ file, ok: r.kind === 'ok', ruleSet: r.kind === 'ok' ? r.value.name : null });
      printDiagnostics(io, r.diagnostics, format, file);
    } else {
      printDiagnostics(io, r.diagnostics, format, file);
      if (r.kind === 'ok') {
        const rules = allRules(r.value).length;
        io.out(
          `${file}: rule set \`${r.value.name}\`, ${rules} rule${rules === 1 ? '' : 's'}, ok${r.diagnostics.length > 0 ? ` (${r.diagnostics.length} warning${r.diagnostics.length === 1 ? '' : 's'})` : ''}`,
        );
      }
    }
  }
  if (format === 'json') io.out(stringify(results));
  return status;
}

function allRules(rs: CheckedRuleSet): CheckedRule[] {
  return [
    ...(rs.enable?.rules ?? []),
    ...(rs.disable?.rules ?? []),
    ...rs.invariants,
    ...rs.policies,
  ];
}

function ruleJson(r: CheckedRule): Record<string, unknown> {
  return {
    name: r.name,
    mode: r.mode,
    sentence: r.sentence,
    for: r.binders.map(printBinder),
    when: r.when === null ? null : printExpr(r.when),
    require: r.require === null ? null : printExpr(r.require),
    errno: r.reject?.errno ?? null,
  };
}

function ruleSetJson(rs: CheckedRuleSet): Record<string, unknown> {
  return {
    name: rs.name,
    file: rs.source.file,
    sentence: rs.sentence,
    enable:
      rs.enable === null ? null : { patch: rs.enable.patch, rules: rs.enable.rules.map(ruleJson) },
    disable:
      rs.disable === null
        ? null
        : { patch: rs.disable.patch, rules: rs.disable.rules.map(ruleJson) },
    replaces:
      rs.complete === null
        ? null
        : {
            incoming: rs.complete.incoming,
            old: rs.complete.old,
            when: printExpr(rs.complete.when),
          },
    invariants: rs.invariants.map(ruleJson),
    policies: rs.policies.map(ruleJson),
  };
}

function ruleSetText(rs: CheckedRuleSet, detailed: boolean, width: number): string {
  const lines = [`${rs.name}  (${rs.source.file})`];
  if (rs.sentence !== null) lines.push(...wrap(rs.sentence, width, '  '));
  const nameWidth = Math.max(0, ...allRules(rs).map((r) => r.name.length));
  const ruleLines = (r: CheckedRule, indent: string) => {
    const head = `${indent}${r.mode.padEnd(9)} ${r.name.padEnd(nameWidth)}  `;
    const out = wrap(r.sentence, width, head, ' '.repeat(head.length));
    if (detailed) {
      const pad = ' '.repeat(indent.length + 10);
      if (r.binders.length > 0) out.push(`${pad}for ${r.binders.map(printBinder).join(', ')}`);
      if (r.when !== null) out.push(...wrap(`when ${printExpr(r.when)}`, width, pad, `${pad}  `));
      if (r.require !== null)
        out.push(...wrap(`require ${printExpr(r.require)}`, width, pad, `${pad}  `));
    }
    return out;
  };
  for (const g of [rs.enable, rs.disable]) {
    if (g === null) continue;
    const reject = g.reject === null ? '' : ` (rejects with ${g.reject.errno})`;
    lines.push(`  on ${g.event} ${g.patch}${reject}`);
    for (const r of g.rules) lines.push(...ruleLines(r, '    '));
  }
  if (rs.complete !== null) {
    lines.push(
      ...wrap(
        `on complete ${rs.complete.incoming} replaces ${rs.complete.old} when ${printExpr(rs.complete.when)}`,
        width,
        '  ',
        '    ',
      ),
    );
  }
  for (const r of [...rs.invariants, ...rs.policies]) lines.push(...ruleLines(r, '  '));
  return lines.join('\n');
}
