/**
 * Every published JSON document: which command prints it and the zod schema it is generated
 * from. scripts/gen-schemas.ts writes `docs/schema/<name>.schema.json` for each entry (JSON
 * Schema draft 2020-12), and test/report/schema.test.ts validates every example's output
 * against the written files.
 */
import type { z } from 'zod';
import { auditDiffOutput, auditOutput } from './audit.ts';
import { catalogBuildOutput } from './catalog-build.ts';
import { badInputDocument } from './common.ts';
import { conflictsOutput } from './conflicts.ts';
import { diffRulesOutput } from './diff-rules.ts';
import { fleetHostLine, fleetOutput } from './fleet.ts';
import { kernelOutput } from './kernel.ts';
import { logOutput } from './log.ts';
import { checkOutput, simulateOutput } from './plan.ts';
import { proveOutput } from './prove.ts';
import { rulesCheckOutput, rulesListOutput } from './rules.ts';
import { synthOutput } from './synth.ts';
import { upgradeOutput } from './upgrade.ts';

export { badInputDocument, SCHEMA_VERSION } from './common.ts';

/** One published document. */
export interface PublishedSchema {
  /** The file is `docs/schema/<name>.schema.json`. */
  readonly name: string;
  /** The command lines that print it, e.g. `klp-verify check PLAN... --format json`. */
  readonly commands: readonly string[];
  readonly schema: z.ZodType;
  /** One line of NDJSON output rather than a document: it carries no `schemaVersion`. */
  readonly line?: true;
}

/**
 * Every published schema, one per command.
 *
 * @example
 * PUBLISHED.map((p) => `docs/schema/${p.name}.schema.json`)
 */
export const PUBLISHED: readonly PublishedSchema[] = [
  { name: 'simulate', commands: ['klp-verify simulate PLAN...'], schema: simulateOutput },
  { name: 'check', commands: ['klp-verify check PLAN...'], schema: checkOutput },
  {
    name: 'prove',
    commands: ['klp-verify prove loadable PATCH', 'klp-verify prove invariant NAME'],
    schema: proveOutput,
  },
  { name: 'conflicts', commands: ['klp-verify conflicts'], schema: conflictsOutput },
  { name: 'upgrade', commands: ['klp-verify upgrade'], schema: upgradeOutput },
  { name: 'synth', commands: ['klp-verify synth PATCH'], schema: synthOutput },
  { name: 'diff-rules', commands: ['klp-verify diff-rules LEFT RIGHT'], schema: diffRulesOutput },
  {
    name: 'rules-list',
    commands: ['klp-verify rules list [NAME|FILE...]'],
    schema: rulesListOutput,
  },
  { name: 'rules-check', commands: ['klp-verify rules check FILE...'], schema: rulesCheckOutput },
  {
    name: 'catalog-build',
    commands: ['klp-verify catalog build PATH... [-o FILE]'],
    schema: catalogBuildOutput,
  },
  {
    name: 'audit-catalog',
    commands: ['klp-verify audit catalog CATALOG [--output FILE]'],
    schema: auditOutput,
  },
  {
    name: 'audit-diff',
    commands: ['klp-verify audit diff OLD NEW [--output FILE]'],
    schema: auditDiffOutput,
  },
  {
    name: 'audit-fleet',
    commands: ['klp-verify audit fleet SNAPSHOTS... --catalog FILE'],
    schema: fleetOutput,
  },
  {
    name: 'audit-fleet-host',
    commands: ['one line of `klp-verify audit fleet ... --format ndjson`'],
    schema: fleetHostLine,
    line: true,
  },
  {
    name: 'audit-log',
    commands: ['klp-verify audit log LOG... --catalog FILE'],
    schema: logOutput,
  },
  {
    name: 'kernel',
    commands: ['klp-verify kernel PLAN... --kernel VMLINUX'],
    schema: kernelOutput,
  },
  {
    name: 'bad-input',
    commands: ['any command, when its input is bad (exit status 2)'],
    schema: badInputDocument,
  },
];
