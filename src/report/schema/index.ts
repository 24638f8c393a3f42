/**
 * Every published JSON document: which command prints it and the zod schema it is generated
 * from. scripts/gen-schemas.ts writes `docs/schema/<name>.schema.json` for each entry (JSON
 * Schema draft 2020-12), and test/report/schema.test.ts validates every example's output
 * against the written files.
 */
import type { z } from 'zod';
import { badInputDocument } from './common.ts';
import { conflictsOutput } from './conflicts.ts';
import { diffRulesOutput } from './diff-rules.ts';
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
    name: 'bad-input',
    commands: ['any command, when its input is bad (exit status 2)'],
    schema: badInputDocument,
  },
];
