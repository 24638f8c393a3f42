/**
 * `klp-verify synth` output: the verdict first, then each choice (cumulative, non-cumulative)
 * with its smallest declaration, why no state can go and no version can be lower (the
 * simulator's rejection on a reachable configuration), the proof, and the declaration ready to
 * paste, as a catalog YAML entry and as C (`struct klp_state states[]`, `struct klp_patch`);
 * or the configurations on which no declaration is admitted. As text for people and as one
 * JSON object for scripts.
 */
import { assertNever, formatOp } from '../model/op.ts';
import { formatStateId, type KlpFunc, type Patch } from '../model/patch.ts';
import {
  type ChoiceResult,
  describeDeclaration,
  type Rejection,
  type SynthResult,
  type Witness,
} from '../query/synth.ts';
import { stateIdJson, systemJson } from './json.ts';
import { opJson, violationJson } from './plan.ts';
import { type JsonOf, SCHEMA_VERSION } from './schema/common.ts';
import type { synthDocument } from './schema/synth.ts';
import { wrap } from './wrap.ts';

function yamlFunction(f: KlpFunc): string {
  const pos = f.sympos === 0 ? '' : `, sympos: ${f.sympos}`;
  return `{ object: ${f.object}, name: ${f.name}${pos} }`;
}

/** A state id as the catalog reads it: decimal, or a quoted `0x...` string above 2^32. */
function yamlId(id: bigint): string {
  const s = formatStateId(id);
  return s.startsWith('0x') ? `"${s}"` : s;
}

/**
 * The declaration as an entry of a catalog's `patches:` list, indented as the example catalogs
 * are, ready to paste. P's functions and replace set come along when it has them.
 *
 * @example
 * declarationYaml(patch('P', { replace: true, states: [{ id: 1, version: 2 }] }))
 * // '  - name: P\n    replace: true\n    states:\n      - { id: 1, version: 2 }'
 */
export function declarationYaml(d: Patch): string {
  const lines = [`  - name: ${d.name}`, `    replace: ${d.replace}`];
  if (d.replaceSet !== 0) lines.push(`    replace_set: ${d.replaceSet}`);
  if (d.states.length > 0) {
    lines.push('    states:');
    for (const s of d.states) lines.push(`      - { id: ${yamlId(s.id)}, version: ${s.version} }`);
  }
  if (d.functions.length > 0) {
    lines.push('    functions:');
    for (const f of d.functions) lines.push(`      - ${yamlFunction(f)}`);
  }
  return lines.join('\n');
}

/** A state id as C: decimal, or hex with `UL` above 2^32 (as real 64-bit ids are written). */
function cId(id: bigint): string {
  const s = formatStateId(id);
  return s.startsWith('0x') ? `${s}UL` : s;
}

/**
 * The declaration as the C a livepatch module carries: the `klp_state` array (ended by an
 * empty entry, as `klp_for_each_state` expects) and the `klp_patch` fields it sets.
 *
 * @example
 * declarationC(patch('P', { replace: true, states: [{ id: 1, version: 2 }] }))
 * // 'static struct klp_state states[] = {\n\t{ .id = 1, .version = 2 },\n\t{}\n};\n\n...'
 */
export function declarationC(d: Patch): string {
  const lines: string[] = [];
  if (d.states.length > 0) {
    lines.push('static struct klp_state states[] = {');
    for (const s of d.states) lines.push(`\t{ .id = ${cId(s.id)}, .version = ${s.version} },`);
    lines.push('\t{}', '};', '');
  }
  lines.push('static struct klp_patch patch = {', '\t.mod = THIS_MODULE,', '\t.objs = objs,');
  if (d.states.length > 0) lines.push('\t.states = states,');
  lines.push(`\t.replace = ${d.replace},`, '};');
  return lines.join('\n');
}

type SynthJson = JsonOf<typeof synthDocument>;
type ChoiceJson = SynthJson['choices'][number];
type RejectionJson = Extract<ChoiceJson, { outcome: 'found' }>['needs'][number]['without'];

function declarationJson(d: Patch): NonNullable<SynthJson['smallest']> {
  return {
    replace: d.replace,
    states: d.states.map((s) => ({ id: stateIdJson(s.id), version: s.version })),
    yaml: declarationYaml(d),
    c: declarationC(d),
  };
}

function witnessJson(w: Witness): RejectionJson['configuration'] {
  return { origin: w.origin, steps: w.steps.map(opJson), ...systemJson(w.system) };
}

function rejectionJson(r: Rejection): RejectionJson {
  return {
    configuration: witnessJson(r.witness),
    declaration: {
      replace: r.declaration.replace,
      states: r.declaration.states.map((s) => ({ id: stateIdJson(s.id), version: s.version })),
    },
    errno: r.outcome.result,
    reasons: r.violations.map(violationJson),
    log: r.outcome.log,
  };
}

function choiceJson(c: ChoiceResult): ChoiceJson {
  switch (c.kind) {
    case 'found':
      return {
        replace: c.replace,
        outcome: 'found',
        declaration: declarationJson(c.declaration),
        needs: c.needs.map((n) => ({
          id: stateIdJson(n.id),
          version: n.version,
          without: rejectionJson(n.without),
          lower: n.lower === null ? null : rejectionJson(n.lower),
        })),
        proof: {
          statement: c.proof.statement,
          method: c.proof.certificate?.method ?? null,
        },
        candidates: c.candidates,
      };
    case 'none':
      return {
        replace: c.replace,
        outcome: 'none',
        minimal: c.minimal,
        configurations: c.blockers.map((b) => ({
          ...witnessJson(b.witness),
          rejection: b.rejection === null ? null : rejectionJson(b.rejection),
        })),
        candidates: c.candidates,
      };
    case 'unknown':
      return {
        replace: c.replace,
        outcome: 'unknown',
        reason: c.reason,
        bound:
          c.bound === null
            ? null
            : { declaration: declarationJson(c.bound.declaration), loadable: c.bound.loadable },
        candidates: c.candidates,
      };
    case 'not-asked':
      return { replace: c.replace, outcome: 'not-asked' };
    default:
      return assertNever(c, 'choice');
  }
}

/**
 * The verdict in one line, e.g. `found: cumulative, 1 state (1 at version 2)`.
 *
 * @example
 * synthSummary(r) // 'none: no declaration makes P loadable'
 */
export function synthSummary(r: SynthResult): string {
  switch (r.verdict) {
    case 'found': {
      const d = r.smallest === null ? '' : describeDeclaration(r.smallest);
      const must =
        r.cumulative === 'must'
          ? ' (P must be cumulative)'
          : r.cumulative === 'must-not'
            ? ' (P must not be cumulative)'
            : '';
      return `found: ${d}${must}`;
    }
    case 'none':
      return 'none: no declaration makes P loadable';
    case 'unknown':
      return 'unknown: the time limit ran out';
    case 'error':
      return `error: ${r.error ?? ''}`;
    default:
      return assertNever(r.verdict, 'verdict');
  }
}

/**
 * The result as one JSON document (docs/schema/synth.schema.json): `schemaVersion`, `patch`,
 * `rules`, `verdict`, `cumulative` (`must`, `must-not`, `either` or null), `smallest` (with
 * `yaml` and `c`), `choices` (one per value of `replace`: `found` with `needs` and `proof`,
 * `none` with the `configurations` that rule every declaration out, `unknown`, or
 * `not-asked`), `universe`, `stats`.
 *
 * @example
 * stringify(synthJson(result)) // '{"schemaVersion":1,"patch":"P","rules":"upstream",...}'
 */
export function synthJson(r: SynthResult): SynthJson {
  return {
    schemaVersion: SCHEMA_VERSION,
    patch: r.patch,
    rules: r.rules,
    transitions: r.transitions,
    initial: r.initial,
    verdict: r.verdict,
    summary: synthSummary(r),
    cumulative: r.cumulative,
    replaceFixed: r.replaceFixed,
    smallest: r.smallest === null ? null : declarationJson(r.smallest),
    choices: r.choices.map(choiceJson),
    universe: { ids: r.universe.ids.map(stateIdJson), fresh: stateIdJson(r.universe.fresh) },
    scope: r.scope,
    stats: {
      ms: Math.round(r.stats.ms),
      candidates: r.stats.candidates,
      configurations: r.stats.configurations,
      optimizeCalls: r.stats.optimizeCalls,
      proofs: r.stats.proofs,
    },
    ...(r.error === null ? {} : { error: r.error }),
  };
}

function kindWords(replace: boolean): string {
  return replace ? 'cumulative' : 'non-cumulative';
}

/** Where a configuration is: how it is reached, and what is on klp_patches. */
function witnessWords(w: Witness, from: string): string {
  const how =
    w.steps.length === 0
      ? `on ${from}`
      : `after ${w.steps.map((op) => `\`${formatOp(op)}\``).join(', ')}`;
  const { klpPatches, transition } = w.system;
  const stack = klpPatches.length === 0 ? 'nothing' : klpPatches.join(', ');
  const t =
    transition === null
      ? ''
      : `; \`${transition.patch}\` being ${transition.target === 'patched' ? 'patched' : 'unpatched'}`;
  return `${how} (klp_patches: ${stack}${t})`;
}

function reasonLines(r: Rejection, width: number, indent: string): string[] {
  if (r.violations.length === 0) return [`${indent}(no rule names a reason)`];
  return r.violations.flatMap((v) => wrap(`${v.rule}: ${v.message}`, width, indent, `${indent}  `));
}

function choiceLines(c: ChoiceResult, r: SynthResult, width: number): string[] {
  const out: string[] = [];
  const para = (text: string, indent = '  ') =>
    out.push(...wrap(text, width, indent, `${indent}  `));
  const head = `${kindWords(c.replace)} (replace = ${c.replace})`;
  switch (c.kind) {
    case 'not-asked':
      return [];
    case 'found': {
      const d = c.declaration;
      out.push(
        `${head}: ${d.states.length === 0 ? 'no states' : `${d.states.length} state${d.states.length === 1 ? '' : 's'}`}`,
      );
      for (const n of c.needs) {
        out.push(`  state ${formatStateId(n.id)} at version ${n.version}`);
        para(
          `needed: without it, \`insmod ${r.patch}\` is rejected ${witnessWords(n.without.witness, r.scope.from)}`,
          '    ',
        );
        out.push(...reasonLines(n.without, width, '        '));
        if (n.lower !== null) {
          para(
            `not lower: at version ${n.version - 1}, it is rejected ${witnessWords(n.lower.witness, r.scope.from)}`,
            '    ',
          );
          out.push(...reasonLines(n.lower, width, '        '));
        }
      }
      if (c.needs.length === 0)
        para('no state is needed: nothing the other patches can do rejects it');
      para(`proved: ${c.proof.statement}`);
      out.push('', '  catalog entry (under `patches:`):', declarationYaml(d), '', '  C:');
      out.push(
        ...declarationC(d)
          .split('\n')
          .map((l) => (l === '' ? '' : `    ${l}`)),
      );
      return out;
    }
    case 'none': {
      out.push(`${head}: none exists`);
      const n = c.blockers.length;
      para(
        `no ${kindWords(c.replace)} declaration of \`${r.patch}\` is admitted on ${n === 1 ? 'this configuration, reachable' : `all of these ${n} configurations, each reachable`} from ${r.scope.from}${c.minimal || n === 1 ? '' : ' (not shown minimal: the time ran out)'}:`,
      );
      c.blockers.forEach((b, i) => {
        para(`${i + 1}. ${witnessWords(b.witness, r.scope.from)}`, '  ');
        if (b.rejection === null) {
          para('(no example: the time ran out)', '     ');
          return;
        }
        const d = b.rejection.declaration;
        para(
          n === 1
            ? `every ${kindWords(c.replace)} declaration is rejected here; the smallest, ${describeDeclaration(d)}, because:`
            : `the smallest declaration admitted on the others, ${describeDeclaration(d)}, is rejected here:`,
          '     ',
        );
        out.push(...reasonLines(b.rejection, width, '       '));
      });
      return out;
    }
    case 'unknown': {
      out.push(`${head}: unknown: ${c.reason}`);
      const b = c.bound;
      if (b !== null) {
        const d = describeDeclaration(b.declaration);
        para(
          b.loadable === 'no'
            ? `neither ${d} nor any smaller declaration is loadable`
            : `no declaration smaller than ${d} is loadable; whether that one is was not decided`,
        );
      }
      para('give it more time with --timeout SECONDS');
      return out;
    }
    default:
      return assertNever(c, 'choice');
  }
}

function verdictLines(r: SynthResult, width: number): string[] {
  const out: string[] = [];
  const head = (text: string) => out.push(...wrap(text, width, '', '  '));
  const para = (text: string) => out.push(...wrap(text, width, '  ', '    '));
  const fixed =
    r.replaceFixed === null
      ? ''
      : ` (--replace ${r.replaceFixed}: ${kindWords(r.replaceFixed)} only)`;
  switch (r.verdict) {
    case 'found':
      head(
        `found: the smallest declaration of \`${r.patch}\` that makes it loadable is ${r.smallest === null ? 'undecided' : describeDeclaration(r.smallest)}${fixed}`,
      );
      break;
    case 'none':
      head(`none: no declaration of \`${r.patch}\` makes it loadable${fixed}`);
      break;
    case 'unknown':
      head(
        `unknown: the time limit ran out before the smallest declaration of \`${r.patch}\` was decided${fixed}`,
      );
      break;
    case 'error':
      head(`error: ${r.error ?? ''}`);
      return out;
    default:
      return assertNever(r.verdict, 'verdict');
  }
  para(
    `rule set ${r.rules}, transitions ${r.transitions}; \`insmod ${r.patch}\` after every sequence of operations on ${r.scope.patches} from ${r.scope.from}`,
  );
  const none = (replace: boolean) =>
    r.choices.find((c) => c.replace === replace && c.kind === 'none') !== undefined;
  switch (r.cumulative) {
    case 'must':
      para(`\`${r.patch}\` must be cumulative: no non-cumulative declaration is loadable (below)`);
      break;
    case 'must-not':
      para(`\`${r.patch}\` must not be cumulative: no cumulative declaration is loadable (below)`);
      break;
    case 'either':
      para(`\`${r.patch}\` may be cumulative or not`);
      break;
    case null:
      if (r.verdict === 'none' && r.replaceFixed === null && none(true) && none(false)) {
        para('neither a cumulative nor a non-cumulative declaration is loadable (below)');
      }
      break;
    default:
      return assertNever(r.cumulative, 'cumulative');
  }
  para(
    'smallest: fewest states, then lowest versions compared id by id in ascending order; ids are those of the catalog and one fresh id',
  );
  return out;
}

/**
 * The result for people, wrapped to `width` columns.
 *
 * @example
 * synthText(result, 100).split('\n')[0] // 'found: the smallest declaration of `P` that makes it loadable is ...'
 */
export function synthText(r: SynthResult, width = 100): string {
  const out = verdictLines(r, width);
  if (r.verdict === 'error') return out.join('\n');
  for (const c of r.choices) {
    const lines = choiceLines(c, r, width);
    if (lines.length > 0) out.push('', ...lines);
  }
  return out.join('\n');
}
