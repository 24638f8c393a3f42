/**
 * `klp-verify prove loadable P --catalog C` and `klp-verify prove invariant NAME --catalog C`:
 * claims over every sequence of operations on a catalog, proved, refuted with a replayed
 * counterexample, or left unknown when the time runs out (src/prove/).
 */
import { formatFunction } from '../../eval/value.ts';
import { loadRuleSet } from '../../ingest/rule-file.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { KlpFunc } from '../../model/patch.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type ProveResult,
  proveInvariant,
  proveLoadable,
  proveOwnership,
} from '../../prove/index.ts';
import { stringify } from '../../report/json.ts';
import { proveJson, proveText } from '../../report/prove.ts';
import { hasErrors } from '../../source/diagnostic.ts';
import { didYouMean } from '../../source/suggest.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandSpec, firstLine, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import {
  CATALOG_OPTION,
  certificateDir,
  INITIAL_OPTION,
  initialOption,
  KERNEL_RULES_OPTION,
  loadCatalogQuestion,
  MODE_OPTION,
  remainingMs,
  requirePatch,
  TEXT_JSON,
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
  {
    name: 'while',
    kind: 'value',
    metavar: 'PATCH',
    description: '`prove original`: the patch whose installation the claim is about',
  },
  {
    name: 'certificate',
    kind: 'value',
    metavar: 'DIR',
    description:
      'write the proof certificate there: SMT-LIB queries (initiation, consecution, safety) any solver can re-check',
  },
];

const HELP = {
  usage: [
    'klp-verify prove loadable PATCH --catalog FILE [options]',
    '       klp-verify prove invariant NAME --catalog FILE [options]',
    '       klp-verify prove original FUNC --while PATCH --catalog FILE [options]',
    '       klp-verify prove newest FUNC --catalog FILE [options]',
  ].join('\n'),
  summary:
    'Prove a claim over every sequence of operations on a catalog, or refute it with a shortest counterexample.',
  description: [
    '`loadable PATCH`: from every configuration reachable from the initial one by any sequence of',
    'operations (insmod, disable, enable, force, complete, rmmod) on the catalog patches other than',
    'PATCH, `insmod PATCH` is not rejected by the rules (EINVAL).',
    '`invariant NAME`: the invariant NAME of a rule file holds in every reachable configuration.',
    '`original FUNC --while PATCH`: no task runs the original code of FUNC (`object:name[,sympos]`,',
    'e.g. `vmlinux:io_uring_setup`) while PATCH is installed (on klp_patches, out of transition).',
    '`newest FUNC`: with no transition pending, FUNC runs the code of the newest release (catalog',
    'order) among the installed patches that patch it.',
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
  exits: {
    ok: 'proved',
    findings: 'refuted (a counterexample is shown)',
    unknown: 'unknown: the time limit ran out',
  },
};

export const proveCommand: CommandSpec = {
  ...HELP,
  name: 'prove',
  formats: TEXT_JSON,
  timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
  run: async (ctx) => {
    const parsed = ctx.args;
    const io = ctx.io;
    const [query, subject, ...extra] = parsed.positionals;
    const queries = ['loadable', 'invariant', 'original', 'newest'];
    const use =
      'use `prove loadable PATCH`, `prove invariant NAME`, `prove original FUNC --while PATCH` or `prove newest FUNC`';
    if (query === undefined) throw new UsageError('missing QUERY', use);
    if (!queries.includes(query)) {
      throw new UsageError(`unknown query \`prove ${query}\``, didYouMean(query, queries) ?? use);
    }
    if (subject === undefined) {
      const what = query === 'loadable' ? 'PATCH' : query === 'invariant' ? 'NAME' : 'FUNC';
      throw new UsageError(`missing ${what}`, `usage: ${HELP.usage}`);
    }
    const whilePatch = parsed.values.get('while');
    if (query === 'original' && whilePatch === undefined) {
      throw new UsageError('`prove original` needs `--while PATCH`', `usage: ${HELP.usage}`);
    }
    if (query !== 'original' && whilePatch !== undefined) {
      throw new UsageError(`\`--while\` is only for \`prove original\``);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
    if (query === 'loadable' && parsed.values.has('invariants')) {
      throw new UsageError(
        '`--invariants` has no meaning for `prove loadable`',
        'it names the rule set of `prove invariant NAME`; leave it out',
      );
    }
    // Checked before any work: a bad folder must not cost the whole run.
    const dir = certificateDir(parsed);
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const q = await loadCatalogQuestion(ctx, HELP.usage);
    if (q === null) return badInput;
    const { catalog: cat, ruleSet } = q;
    const common = {
      ...q,
      initial: initialOption(ctx, cat),
      timeoutMs: remainingMs(ctx, ms),
      progress: io.progress,
    };

    let r: ProveResult;
    if (query === 'loadable') {
      requirePatch(cat, subject, 'PATCH');
      r = await proveLoadable({ ...common, patch: subject });
    } else if (query === 'original' || query === 'newest') {
      const func = catalogFunction(cat, subject);
      if (query === 'original') {
        const patch = whilePatch ?? '';
        requirePatch(cat, patch, '--while');
        r = await proveOwnership({ ...common, ownership: { kind: 'original', func, patch } });
      } else {
        r = await proveOwnership({ ...common, ownership: { kind: 'newest', func } });
      }
    } else {
      let invariants = ruleSet;
      if (!invariants.invariants.some((r) => r.name === subject)) {
        const name = parsed.values.get('invariants') ?? 'stack-invariants';
        const inv = loadRuleSet(name);
        ctx.report(inv.diagnostics, name);
        if (inv.kind === 'error' || hasErrors(inv.diagnostics)) return badInput;
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
      r = await proveInvariant({ ...common, invariant: subject, invariants });
    }
    io.progress('');
    if (r.verdict === 'error') throw new UsageError(r.statement);
    if (dir !== null && r.certificate !== null) writeCertificate(dir, r);
    const status =
      r.verdict === 'proved' ? EXIT.ok : r.verdict === 'refuted' ? EXIT.findings : EXIT.unknown;
    const text = () => proveText(r, io.columns);
    return result(status, firstLine(text()), text, () => proveJson(r));
  },
};

/**
 * A function some catalog patch patches, from `object:name` or `object:name,sympos` (as
 * messages print it); a usage error with the closest one otherwise.
 */
function catalogFunction(cat: Catalog, text: string): KlpFunc {
  const all = new Map<string, KlpFunc>();
  for (const p of cat.patches) for (const f of p.functions) all.set(formatFunction(f), f);
  const m = /^([^:]+):([^,]+)(?:,(\d+))?$/.exec(text);
  const normalized =
    m?.[1] === undefined || m[2] === undefined
      ? text
      : formatFunction({ object: m[1], name: m[2], sympos: Number(m[3] ?? '0') });
  const f = all.get(normalized);
  if (f !== undefined) return f;
  throw new UsageError(
    `no patch of the catalog patches \`${text}\``,
    didYouMean(text, [...all.keys()]) ??
      'write a function as `object:name` or `object:name,sympos`',
  );
}

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
