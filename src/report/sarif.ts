/**
 * Audit findings as a SARIF 2.1.0 log (OASIS Static Analysis Results Interchange Format): one
 * run of the tool `klp-verify`, one reporting descriptor per finding kind, one result per finding
 * with `ruleId` = the finding kind, `level` from its severity (error, warning, note) and its
 * location in the catalog file. test/query/audit/sarif.test.ts validates the output against the
 * published 2.1.0 JSON schema.
 */

import { assertNever } from '../model/op.ts';
import type { AuditResult } from '../query/audit/audit.ts';
import { FINDING_KINDS, type Finding, type FindingKind } from '../query/audit/findings.ts';
import { findingMessage } from './audit.ts';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** What each finding kind means: the rule descriptors of the SARIF run. */
export const FINDING_DESCRIPTIONS: Readonly<Record<FindingKind, string>> = {
  'dead-patch':
    'A patch that the kernel refuses in every configuration reachable from the deployed stacks.',
  'refusable-patch':
    'A patch whose insmod the kernel can refuse (EINVAL) in some reachable configuration.',
  'policy-violation': 'A policy of a rule file is violated by the catalog.',
  'reverted-functions':
    'A cumulative patch whose atomic replace reverts functions that a patch it replaces patched last to the original code.',
  'unreachable-upgrade':
    "No sequence of operations leads from a deployed stack to a patch's own stack.",
  conflict: 'A minimal set of patches that cannot all be loaded, in any order.',
  undecided: 'A question of the audit was not decided within the time limit.',
};

function level(f: Finding): 'error' | 'warning' | 'note' {
  const s = f.severity;
  switch (s) {
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    case 'note':
      return 'note';
    default:
      return assertNever(s, 'severity');
  }
}

/**
 * The artifact a fact of the catalog comes from, as a SARIF related location: a C source line
 * (`file.c:34`) as a region of that file; a module's section offset (`x.ko: .data+0xf8`) as
 * the module with the offset in the message (a section offset is not a file offset).
 */
function originLocation(origin: string) {
  const line = /^(.+):(\d+)$/.exec(origin);
  if (line?.[1] !== undefined && line[2] !== undefined) {
    return {
      id: 0,
      message: { text: `declared at ${origin}` },
      physicalLocation: {
        artifactLocation: { uri: line[1] },
        region: { startLine: Number(line[2]) },
      },
    };
  }
  const module = /^(.+\.ko): /.exec(origin);
  return {
    id: 0,
    message: { text: `declared at ${origin}` },
    ...(module?.[1] === undefined
      ? {}
      : { physicalLocation: { artifactLocation: { uri: module[1] } } }),
  };
}

/**
 * The SARIF log of an audit. `catalogFile` is the catalog path as given, used when a finding has
 * no location of its own.
 *
 * @example
 * auditSarif(result, 'stream.catalog.yaml').runs[0].results[0].ruleId // 'refusable-patch'
 */
export function auditSarif(r: AuditResult, catalogFile: string) {
  const rules = FINDING_KINDS.map((kind) => ({
    id: kind,
    name: kind,
    shortDescription: { text: FINDING_DESCRIPTIONS[kind] },
  }));
  const results = r.findings.map((f) => {
    const loc = f.location;
    const region =
      loc === null
        ? undefined
        : {
            startLine: loc.line,
            startColumn: loc.col,
            endLine: loc.endLine,
            endColumn: loc.endCol,
          };
    return {
      ruleId: f.kind,
      ruleIndex: FINDING_KINDS.indexOf(f.kind),
      level: level(f),
      message: { text: findingMessage(f) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: loc?.file ?? catalogFile },
            ...(region === undefined ? {} : { region }),
          },
        },
      ],
      ...(loc?.origin === undefined ? {} : { relatedLocations: [originLocation(loc.origin)] }),
      properties: { patches: f.patches },
    };
  });
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'klp-verify',
            rules,
          },
        },
        results,
        properties: { rules: r.rules, complete: r.complete },
      },
    ],
  };
}
