/**
 * The JSON documents of `audit fleet` (src/report/fleet.ts): the whole fleet as one document
 * (`--format json`: every distinct configuration with its verdict, the groups of hosts that
 * share a verdict and its cause, the findings largest first), and one line per host
 * (`--format ndjson`).
 */
import { z } from 'zod';
import { document, errno, names, output, violation } from './common.ts';

/** The findings about a configuration (src/query/fleet/decide.ts `Finding`), as shapes. */
const findingShapes = [
  {
    kind: z.literal('not-in-catalog'),
    patch: z.string(),
    onStack: z.boolean().describe('on klp_patches (else only loaded)'),
  },
  {
    kind: z.literal('replace-mismatch'),
    patch: z.string(),
    sysfs: z.boolean(),
    catalog: z.boolean(),
  },
  {
    kind: z.literal('transition-pending'),
    patch: z.string(),
    target: z.enum(['patched', 'unpatched']),
  },
  { kind: z.literal('forced'), patch: z.string() },
  { kind: z.enum(['impossible-flags', 'unreachable', 'consistency-undecided']) },
] as const;

/** One strict object per finding kind, each with its message and `shape`. */
function withFinding<const T extends z.core.$ZodShape>(shape: T) {
  const [n, r, t, f, m] = findingShapes;
  const tail = { message: z.string(), ...shape };
  return z.union([
    z.strictObject({ ...n, ...tail }),
    z.strictObject({ ...r, ...tail }),
    z.strictObject({ ...t, ...tail }),
    z.strictObject({ ...f, ...tail }),
    z.strictObject({ ...m, ...tail }),
  ]);
}

/** A finding about a configuration, with its message. */
export const fleetFinding = withFinding({}).meta({ id: 'FleetFinding' });

/** The fewest operations after which the rollout is admitted, if any. */
export const fleetFix = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('found'), ops: names.describe('operations, e.g. `disable P`') }),
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('unknown'),
    states: z.int().min(0).describe('configurations searched'),
  }),
]);

const admittedShape = {
  verdict: z.literal('admitted'),
  stack: names.describe('klp_patches after the rollout'),
};

const refusedShape = {
  verdict: z.literal('refused'),
  errno,
  patch: z.string().describe('the rollout patch whose insmod failed'),
  loaded: z
    .enum(['on-stack', 'off-stack', 'forced'])
    .nullable()
    .describe('for EEXIST: where the module already is'),
  reasons: z.array(violation),
  fix: fleetFix,
};

/** The outcome of the rollout in one order. */
export const fleetOutcome = z.discriminatedUnion('verdict', [
  z.strictObject(admittedShape),
  z.strictObject(refusedShape),
]);

const orders = z.int().min(0).describe('orders of klp_patches sysfs and the rules allow');

/** A configuration's verdict, as fields to put beside others (src/query/fleet/decide.ts). */
const verdictShapes = [
  {
    ...admittedShape,
    stacks: z.array(names).describe('every klp_patches the rollout leaves'),
    orders,
  },
  { ...refusedShape, orders },
  { verdict: z.literal('consistent'), orders },
  { verdict: z.literal('inconsistent'), orders: z.literal(0) },
  {
    verdict: z.literal('unknown'),
    why: z.enum(['order', 'too-many-orders']),
    orders,
    answers: z.array(
      z.union([
        z.strictObject({ order: names, ...admittedShape }),
        z.strictObject({ order: names, ...refusedShape }),
      ]),
    ),
  },
] as const;

/**
 * One strict object per verdict, each with the verdict's fields and `shape`, and `others`
 * beside every verdict but `refused` (which has its own `reasons`).
 */
function withVerdict<const T extends z.core.$ZodShape, const O extends z.core.$ZodShape>(
  shape: T,
  others: O,
) {
  const [a, r, c, i, u] = verdictShapes;
  return z.discriminatedUnion('verdict', [
    z.strictObject({ ...a, ...shape, ...others }),
    z.strictObject({ ...r, ...shape }),
    z.strictObject({ ...c, ...shape, ...others }),
    z.strictObject({ ...i, ...shape, ...others }),
    z.strictObject({ ...u, ...shape, ...others }),
  ]);
}

/** A configuration's verdict alone (types the renderer; published inside the documents). */
export const fleetVerdict = withVerdict({}, {});

/** The sample of host names and how many hosts there are. */
const hostsShape = {
  count: z.int().min(1).describe('hosts'),
  hosts: names.describe('a sample of host names'),
};

const configuration = withVerdict(
  {
    id: z.int().min(1),
    kernel: z.string().nullable(),
    livepatch: z.array(
      z.strictObject({
        name: z.string(),
        enabled: z.boolean().nullable(),
        transition: z.boolean().nullable(),
        replace: z.boolean().nullable(),
        stackOrder: z.int().min(1).nullable(),
      }),
    ),
    modules: names,
    forced: names.nullable(),
    ...hostsShape,
    orderKnown: z.boolean().describe('whether `stack_order` gave the order'),
    group: z.int().min(1).nullable(),
    findings: z.array(fleetFinding),
  },
  {},
);

const group = withVerdict(
  {
    id: z.int().min(1).describe('1 for the largest group'),
    ...hostsShape,
    configurations: z.array(z.int().min(1)),
  },
  {
    reasons: z
      .array(fleetFinding)
      .describe('the findings that make the configurations inconsistent (else empty)'),
  },
);

/**
 * `audit fleet --format json`.
 *
 * @example
 * fleetDocument.parse(JSON.parse(out)).byVerdict.refused // 5
 */
export const fleetDocument = document({
  command: z.literal('audit fleet'),
  rules: z.string(),
  rollout: names,
  hosts: z.int().min(0),
  byVerdict: z.strictObject({
    admitted: z.int().min(0),
    refused: z.int().min(0),
    consistent: z.int().min(0),
    inconsistent: z.int().min(0),
    unknown: z.int().min(0),
  }),
  malformedLines: z.int().min(0),
  configurations: z.array(configuration),
  groups: z.array(group).describe('largest first'),
  findings: z
    .array(withFinding({ ...hostsShape, configurations: z.array(z.int().min(1)) }))
    .describe('largest first'),
}).meta({ title: 'klp-verify audit fleet --format json (result)' });

/**
 * Everything `audit fleet --format json` prints.
 *
 * @example
 * fleetOutput.parse(JSON.parse(out))
 */
export const fleetOutput = output(
  'klp-verify audit fleet --format json',
  'a fleet of host snapshots grouped by configuration, each decided under the rules',
  fleetDocument,
);

/**
 * One line of `audit fleet --format ndjson`: a host, its verdict and where to read why (its
 * group and configuration in the JSON document). Lines carry no `schemaVersion`.
 *
 * @example
 * fleetHostLine.parse(JSON.parse(line)).verdict // 'refused'
 */
export const fleetHostLine = z
  .strictObject({
    host: z.string(),
    verdict: z.enum(['admitted', 'refused', 'consistent', 'inconsistent', 'unknown']),
    errno: errno.optional().describe('refused only'),
    group: z.int().min(1).nullable(),
    configuration: z.int().min(1),
    count: z.int().min(2).optional().describe('an aggregated line: how many hosts'),
  })
  .meta({
    title: 'klp-verify audit fleet --format ndjson (one line)',
    description: 'one line per host line of the input; no schemaVersion',
  });
