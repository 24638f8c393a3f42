/**
 * `klp-verify rules list [NAME|FILE...]` and `klp-verify rules check FILE...`: the rule sets
 * and what they say, and the diagnostics of rule files being written.
 */

import { loadRuleSet, ruleSetNames } from '../../ingest/rule-file.ts';
import type { CheckedRule, CheckedRuleSet } from '../../lang/checker.ts';
import { printBinder, printExpr } from '../../lang/printer.ts';
import { rulesCheckJson, rulesListJson } from '../../report/rules.ts';
import { wrap } from '../../report/wrap.ts';
import { type Diagnostic, hasErrors } from '../../source/diagnostic.ts';
import { badInput, type CommandGroup, type CommandSpec, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { TEXT_JSON } from './common.ts';

const listCommand: CommandSpec = {
  name: 'rules list',
  usage: 'klp-verify rules list [NAME|FILE...] [--format text|json]',
  summary: 'Show the rule sets and their rules: what each admits, rejects and replaces.',
  description: [
    'Without arguments, every shipped rule set (rules/kernel/ for the kernel and the proposals,',
    "rules/policy/ for audits). With names or .klp paths, only those, with each rule's condition.",
    'The language is described in docs/rules.md.',
  ].join('\n'),
  options: [],
  formats: TEXT_JSON,
  examples: [
    { command: 'klp-verify rules list', what: 'every shipped rule set, one line per rule' },
    {
      command: 'klp-verify rules list upstream',
      what: 'the rules of Linux 5.5+ with their conditions',
    },
  ],
  exits: { ok: 'listed' },
  run: async (ctx) => {
    const detailed = ctx.args.positionals.length > 0;
    const names = detailed ? ctx.args.positionals : ruleSetNames();
    const sets: CheckedRuleSet[] = [];
    const diags: Diagnostic[] = [];
    for (const name of names) {
      const r = loadRuleSet(name);
      diags.push(...r.diagnostics);
      if (r.kind === 'ok') sets.push(r.value);
    }
    ctx.report(diags, names.join(' '));
    if (hasErrors(diags)) return badInput;
    return result(
      EXIT.ok,
      `${sets.length} rule set${sets.length === 1 ? '' : 's'}: ${sets.map((rs) => rs.name).join(', ')}`,
      () => sets.map((rs) => ruleSetText(rs, detailed, ctx.io.columns)).join('\n\n'),
      () => rulesListJson(sets),
    );
  },
};

const checkCommand: CommandSpec = {
  name: 'rules check',
  usage: 'klp-verify rules check FILE... [--format text|json]',
  summary: 'Parse and check rule files; print every diagnostic with its location and advice.',
  description: [
    'Checks names, types and guards (a `version` lookup must be guarded by `has`), and warns',
    'about unused binders and constant conditions. Every code is explained in docs/diagnostics.md.',
    'A file with errors is bad input (exit 2), like any other input of klp-verify.',
  ].join('\n'),
  options: [],
  formats: TEXT_JSON,
  examples: [
    { command: 'klp-verify rules check rules/kernel/*.klp', what: 'check the shipped rule sets' },
    {
      command: 'klp-verify rules check my-proposal.klp --format json',
      what: 'diagnostics as data',
    },
  ],
  exits: { ok: 'no errors (warnings may be printed)' },
  run: async (ctx) => {
    if (ctx.args.positionals.length === 0)
      throw new UsageError('missing FILE', `usage: ${checkCommand.usage}`);
    let bad = false;
    const files: { file: string; ruleSet: string; rules: number; warnings: number }[] = [];
    for (const file of ctx.args.positionals) {
      // A bare name would be looked up among the shipped rule sets; check means this file.
      const r = loadRuleSet(file.includes('/') || file.endsWith('.klp') ? file : `./${file}`);
      ctx.report(r.diagnostics, file);
      if (r.kind === 'error' || hasErrors(r.diagnostics)) {
        bad = true;
        continue;
      }
      files.push({
        file,
        ruleSet: r.value.name,
        rules: allRules(r.value).length,
        warnings: r.diagnostics.length,
      });
    }
    if (bad) return badInput;
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    const lines = files.map(
      (f) =>
        `${f.file}: rule set \`${f.ruleSet}\`, ${plural(f.rules, 'rule')}, ok${f.warnings > 0 ? ` (${plural(f.warnings, 'warning')})` : ''}`,
    );
    return result(
      EXIT.ok,
      files.length === 1 ? (lines[0] ?? '') : `${plural(files.length, 'rule file')}, ok`,
      () => lines.join('\n'),
      () => rulesCheckJson(files),
    );
  },
};

export const rulesGroup: CommandGroup = {
  name: 'rules',
  summary: 'List the rule sets, or check rule files.',
  description:
    'The rule sets that decide what the kernel admits are data: files under rules/ in the rule language of docs/rules.md.',
  commands: [listCommand, checkCommand],
};

function allRules(rs: CheckedRuleSet): CheckedRule[] {
  return [
    ...(rs.enable?.rules ?? []),
    ...(rs.disable?.rules ?? []),
    ...rs.invariants,
    ...rs.policies,
  ];
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
