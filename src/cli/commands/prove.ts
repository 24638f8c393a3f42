/**
 * `klp-verify prove loadable P --catalog C` and `klp-verify prove invariant NAME --catalog C`:
 * claims over every sequence of operations on a catalog, proved, refuted with a replayed
 * counterexample, or left unknown when the time runs out (src/prove/).
 */
import { loadRuleSet } from '../../lang/load.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type ProveResult,
  proveInvariant,
  proveLoadable,
} from '../../prove/index.ts';
import { proveJson, proveText } from '../../prove/report.ts';
import { stringify } from '../../report/json.ts';
import { hasErrors } from '../../source/diagnostic.ts';
import { didYouMean } from '../../source/suggest.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  type Command,
  certificateDir,
  FORMAT_OPTION,
  INITIAL_OPTION,
  KERNEL_RULES_OPTION,
  loadCatalogOption,
  loadRulesOption,
  MODE_OPTION,
  patchList,
  printDiagnostics,
  REPLACE_CERTIFICATE_OPTION,
  requirePatch,
  timeoutMs,
  timeoutOption,
  writeFiles,
} from './common.ts';

const OPTIONS: readonly OptionSpec[] = [
  CATALOG_OPTION,
  KERNEL_RULES_OPTION,
  INITIAL_OPTION,
  MODE_OPTION,
  {
    name: 'invariants',
    kind: 'value',
    metavar: 'NAME|FILE',
    default: 'stack-invariants',
    description: 'where `prove invariant` finds NAME when the --rules rule set does not declare it',
  },
  timeoutOption(
    DEFAULT_TIMEOUT_MS,
    'give up with `unknown` after this long, saying what was established',
  ),
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write the proof certificate there: SMT-LIB queries (initiation, consecution, safety) any solver can re-check',
  },
  REPLACE_CERTIFICATE_OPTION,
  FORMAT_OPTION,
];

const HELP: HelpSpec = {
  usage: [
    'klp-verify prove loadable PATCH --catalog FILE [options]',
    '       klp-verify prove invariant NAME --catalog FILE [options]',
  ].join('\n'),
  summary:
    'Prove a claim over every sequence of operations on a catalog, or refute it with a shortest counterexample.',
  description: [
    '`loadable PATCH`: from every configuration reachable from the initial one by any sequence of',
    'operations (insmod, disable, enable, force, complete, rmmod) on the catalog patches other than',
    'PATCH, `insmod PATCH` is not rejected by the rules (EINVAL).',
    '`invariant NAME`: the invariant NAME of a rule file holds in every reachable configuration.',
    '',
    'proved: holds for sequences of any length; the proof is an inductive invariant re-checked by',
    'an SMT solver (--certificate DIR writes the queries). refuted: a counterexample with the fewest',
    'steps over a subset-minimal set of patches, replayed on the simulator, with the kernel log, the',
    'rule that rejects and the ways out. unknown: the time ran out; says up to which length no',
    'counterexample exists. docs/semantics.md, "Proofs over every operation sequence", says how.',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    {
      command:
        'klp-verify prove loadable klp_6_8_0_45_r4 --catalog examples/vendor-stream/stream.catalog.yaml',
      what: 'can r4 be rejected after some sequence of operations on the other releases?',
    },
    {
      command:
        'klp-verify prove invariant block-disable-never-disabled --catalog C --rules block-disable --transitions manual',
      what: 'under the block-disable proposal, is a patch with a block_disable state ever disabled?',
    },
    {
      command:
        'klp-verify prove loadable P --catalog C --certificate proof/ && z3 proof/consecution.smt2',
      what: 're-check the proof with a native solver',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'proved' },
    { code: EXIT.findings, meaning: 'refuted (a counterexample is shown)' },
    {
      code: EXIT.badInput,
      meaning: 'bad input: catalog, rule set, patch or invariant, or arguments',
    },
    { code: EXIT.unknown, meaning: 'unknown: the time limit ran out' },
  ],
};

export const proveCommand: Command = {
  name: 'prove',
  summary: HELP.summary,
  help: () => renderHelp(HELP),
  run: async (args, io) => {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.flags.has('help')) {
      io.out(renderHelp(HELP));
      return EXIT.ok;
    }
    const [query, subject, ...extra] = parsed.positionals;
    if (query === undefined)
      throw new UsageError('missing QUERY', 'use `prove loadable PATCH` or `prove invariant NAME`');
    if (query !== 'loadable' && query !== 'invariant') {
      throw new UsageError(
        `unknown query \`prove ${query}\``,
        didYouMean(query, ['loadable', 'invariant']) ??
          'use `prove loadable PATCH` or `prove invariant NAME`',
      );
    }
    if (subject === undefined) {
      throw new UsageError(
        `missing ${query === 'loadable' ? 'PATCH' : 'NAME'}`,
        `usage: ${HELP.usage}`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
    if (query === 'loadable' && parsed.values.has('invariants')) {
      throw new UsageError(
        '`--invariants` has no meaning for `prove loadable`',
        'it names the rule set of `prove invariant NAME`; leave it out',
      );
    }
    const format = parsed.values.get('format') ?? 'text';
    const dir = certificateDir(parsed);
    const ms = timeoutMs(parsed, DEFAULT_TIMEOUT_MS);
    const cat = loadCatalogOption(parsed, io, format, HELP.usage);
    if (cat === null) return EXIT.badInput;
    const ruleSet = loadRulesOption(parsed.values.get('rules') ?? 'upstream', io, format);
    if (ruleSet === null) return EXIT.badInput;
    const initial = patchList(parsed.values.get('initial'));
    for (const name of initial) requirePatch(cat, name, '--initial');
    const common = {
      catalog: cat,
      ruleSet,
      transitions: parsed.values.get('transitions') === 'manual' ? 'manual' : 'auto',
      initial,
      timeoutMs: ms,
      catalogName: parsed.values.get('catalog') ?? '',
      progress: io.progress,
    } as const;

    let result: ProveResult;
    if (query === 'loadable') {
      requirePatch(cat, subject, 'PATCH');
      result = await proveLoadable({ ...common, patch: subject });
    } else {
      let invariants = ruleSet;
      if (!invariants.invariants.some((r) => r.name === subject)) {
        const name = parsed.values.get('invariants') ?? 'stack-invariants';
        const inv = loadRuleSet(name);
        if (inv.kind === 'error' || hasErrors(inv.diagnostics)) {
          printDiagnostics(io, inv.diagnostics, format, name);
          return EXIT.badInput;
        }
        invariants = inv.value;
        const names = invariants.invariants.map((r) => r.name);
        if (!names.includes(subject)) {
          throw new UsageError(
            `no invariant \`${subject}\` in rule set \`${ruleSet.name}\` or \`${invariants.name}\``,
            didYouMean(subject, names) ??
              `invariants of \`${invariants.name}\`: ${names.map((n) => `\`${n}\``).join(', ')}`,
          );
        }
      }
      result = await proveInvariant({ ...common, invariant: subject, invariants });
    }
    io.progress('');
    if (result.verdict === 'error') {
      io.err(`klp-verify: error: ${result.statement}`);
      return EXIT.badInput;
    }
    if (dir !== null && result.certificate !== null) writeCertificate(dir, result);
    io.out(format === 'json' ? stringify(proveJson(result)) : proveText(result, io.columns));
    switch (result.verdict) {
      case 'proved':
        return EXIT.ok;
      case 'refuted':
        return EXIT.findings;
      case 'unknown':
        return EXIT.unknown;
      default:
        return EXIT.internal;
    }
  },
};

/** The certificate as files: the three queries and a description of the claim. */
function writeCertificate(dir: string, r: ProveResult): void {
  const cert = r.certificate;
  if (cert === null) return;
  const description = `${stringify(
    {
      claim: r.statement,
      method: cert.method,
      expected: Object.fromEntries(cert.files.map((f) => [f.name, 'unsat'])),
      variables: cert.variables,
      ignored: cert.ignored,
      selector: {
        ...cert.selector,
        otherValues: 'leave the configuration unchanged, as a failed operation does',
      },
    },
    2,
  )}\n`;
  writeFiles(dir, [...cert.files, { name: 'certificate.json', text: description }]);
}
