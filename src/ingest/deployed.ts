/**
 * `--deployed STACKS` files of `klp-verify audit`: a YAML or JSON list of installed stacks, each a
 * list of catalog patch names bottom to top (`[]` is the empty system), e.g. what a fleet runs.
 *
 * Guarantees: every problem is a diagnostic (KV0601..KV0604 here; KV0101, KV0102, KV0109 for
 * syntax, empty and unreadable files, as every input file), never thrown; the value is null
 * exactly when a diagnostic is an error. Whether the kernel accepts each stack is checked by the
 * audit (KV0604), which has the rule set.
 */
import { isScalar, isSeq } from 'yaml';
import type { Catalog } from '../model/catalog.ts';
import type { Diagnostic } from '../source/diagnostic.ts';
import { Source, type Span } from '../source/source.ts';
import { didYouMean } from '../source/suggest.ts';
import { readTextFile } from './fs.ts';
import { type Loaded, loaded, Reporter, unreadable } from './reporter.ts';
import { describe, parseYaml, spanOf, type Value } from './yaml-tree.ts';

/**
 * The diagnostic codes of the audit commands, one line each (docs/diagnostics.md, "Audits").
 *
 * @example
 * AUDIT_CODES.KV0601 // 'a --deployed file is not a list of stacks, each a list of patch names'
 */
export const AUDIT_CODES = {
  KV0601: 'a --deployed file is not a list of stacks, each a list of patch names',
  KV0602: 'a deployed stack names a patch that is not in the catalog',
  KV0603: 'a deployed stack names the same patch twice',
  KV0604: 'the kernel refuses to load a deployed stack under the rule set',
} satisfies Record<string, string>;

export type AuditCode = keyof typeof AUDIT_CODES;

/** A deployed stack with the spans of its names. */
export interface DeployedStack {
  readonly names: readonly string[];
  readonly span: Span;
}

export interface DeployedFile {
  readonly source: Source;
  readonly stacks: readonly DeployedStack[];
}

const SHAPE_HELP =
  'write a list of stacks, bottom to top, e.g. `- [klp_r1]` and `- [klp_r1, klp_hotfix]`; `- []` is nothing installed';

function diagnostic(
  code: AuditCode,
  source: Source,
  span: Span,
  message: string,
  help?: string,
): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    source,
    span,
    ...(help === undefined ? {} : { help }),
  };
}

/**
 * Reads a deployed-stacks document against a catalog.
 *
 * @example
 * const r = parseDeployed(new Source('fleet.yaml', '- [r1]\n- []\n'), cat);
 * r.value?.stacks.map((s) => s.names) // [['r1'], []]
 */
export function parseDeployed(source: Source, cat: Catalog): Loaded<DeployedFile> {
  const r = new Reporter(source);
  const top = parseYaml(r, SHAPE_HELP, { what: 'a list of deployed stacks', keys: [] });
  const diags: Diagnostic[] = [...r.diagnostics];
  if (top === null) return loaded<DeployedFile>(null, diags);
  const fail = (v: Value, what: string) => {
    diags.push(
      diagnostic('KV0601', source, v.span, `expected ${what}, found ${describe(r, v)}`, SHAPE_HELP),
    );
  };
  if (!isSeq(top.node)) {
    fail(top, 'a list of stacks');
    return loaded<DeployedFile>(null, diags);
  }
  const known = cat.patches.map((p) => p.name);
  const stacks: DeployedStack[] = [];
  for (const item of top.node.items) {
    const v: Value = { node: item, span: spanOf(r, item) };
    if (!isSeq(item)) {
      fail(v, 'a stack (a list of patch names)');
      continue;
    }
    const stackNames: string[] = [];
    const seen = new Map<string, Span>();
    for (const n of item.items) {
      const nv: Value = { node: n, span: spanOf(r, n) };
      if (!isScalar(n) || typeof n.value !== 'string') {
        fail(nv, 'a patch name');
        continue;
      }
      const name = n.value;
      if (!cat.byName.has(name)) {
        diags.push(
          diagnostic(
            'KV0602',
            source,
            nv.span,
            `patch \`${name}\` is not in the catalog`,
            didYouMean(name, known) ?? `the catalog has ${known.length} patches`,
          ),
        );
        continue;
      }
      if (seen.has(name)) {
        diags.push(
          diagnostic(
            'KV0603',
            source,
            nv.span,
            `patch \`${name}\` is listed twice in one stack`,
            'klp_patches holds each patch once; remove one of them',
          ),
        );
        continue;
      }
      seen.set(name, nv.span);
      stackNames.push(name);
    }
    stacks.push({ names: stackNames, span: v.span });
  }
  return loaded<DeployedFile>({ source, stacks }, diags);
}

/**
 * Reads a deployed-stacks file; an unreadable file is a KV0109 diagnostic.
 *
 * @example
 * loadDeployedFile('fleet.yaml', cat).value?.stacks.length // 2
 */
export function loadDeployedFile(path: string, cat: Catalog): Loaded<DeployedFile> {
  const text = readTextFile(path);
  if (typeof text === 'string') return parseDeployed(new Source(path, text), cat);
  return unreadable<DeployedFile>(path, text);
}

/**
 * KV0604: the kernel refuses a deployed stack (the audit's `stack-error`), at that stack.
 *
 * @example
 * refusedStack(file, 0, 'initial patch `r1` cannot be loaded: insmod fails with EINVAL')
 */
export function refusedStack(file: DeployedFile, index: number, message: string): Diagnostic {
  const span = file.stacks[index]?.span ?? { start: 0, end: 0 };
  return diagnostic(
    'KV0604',
    file.source,
    span,
    `the kernel refuses this deployed stack: ${message.replace(/^initial /, '')}`,
    'a deployed stack must load bottom to top on an empty system under the rule set; check `--rules` and the order',
  );
}
