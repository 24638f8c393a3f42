/**
 * The fuzz corpus: malformed and extreme inputs for every reader and argument, each with the
 * exit status and the diagnostic code it must produce. Every finding of issue 13 is a case
 * (`finding: N`); the rest are families generated from a valid catalog, plan and rule file by
 * one change each. `corpus.test.ts` runs them all in-process through `main(argv, io)`.
 *
 * Files are written to a fresh folder per case; in `argv`, `@name` is that folder's `name`.
 * `code` is a diagnostic code that must appear as `[CODE]` on stderr, `any` for any code,
 * `usage` for an argument error (`klp-verify: error: ...`), or null when the command must
 * succeed.
 */

export type Kind =
  | 'finding'
  | 'yaml-syntax'
  | 'types'
  | 'ranges'
  | 'names'
  | 'files'
  | 'plans'
  | 'rule-syntax'
  | 'arguments'
  | 'output';

export interface Case {
  readonly name: string;
  readonly kind: Kind;
  /** The number of the finding in issue 13 this case reproduces. */
  readonly finding?: number;
  /** File name (in the case folder) to text or bytes; `fifo:` makes a FIFO. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** Arguments; `@x` is the case folder's file `x`. */
  readonly argv: readonly string[];
  readonly exit: number;
  readonly code: string | null;
  /** Text that must not appear in any output (file contents that must not leak). */
  readonly secret?: string;
  /** Most bytes stderr may have. */
  readonly maxErr?: number;
}

/** A file whose text is this becomes a FIFO. */
export const FIFO = 'fifo:';
/** A file whose text starts with this becomes a symbolic link to the rest. */
export const SYMLINK = 'symlink:';
/** In file texts, the case folder. */
export const DIR = '{dir}';
/** Any diagnostic code. */
export const ANY = 'any';

// ---------- the valid inputs every family changes

const PATCH_A = '  - name: klp_a\n    replace: true\n    states:\n      - { id: 1, version: 2 }\n';
const PATCH_B = '  - name: klp_b\n    replace: false\n    states:\n      - { id: 2, version: 1 }\n';
export const CATALOG = `patches:\n${PATCH_A}${PATCH_B}`;
const PLAN = 'catalog: catalog.yaml\nsteps:\n  - insmod: klp_a\n  - insmod: klp_b\n';
const RULES_HEAD = 'ruleset fuzz "Fuzz rules."\n\non enable new\n  reject EINVAL\n';
const rule = (require: string) => `${RULES_HEAD}  rule r "A rule."\n    require ${require}\n`;

/** `conflicts` on a catalog: every problem is found before the solver starts. */
const conflicts = (file = '@catalog.yaml', ...more: string[]) => ['conflicts', '-c', file, ...more];
const simulate = (...more: string[]) => ['simulate', '@plan.yaml', ...more];
const rulesCheck = (file = '@rules.klp') => ['rules', 'check', file];

const SECRET = 'TOKEN=ghp_sekrit0123456789';

// ---------- every finding of the issue

const FINDINGS: Case[] = [
  {
    name: 'conflicts on an empty catalog',
    kind: 'finding',
    finding: 1,
    files: { 'catalog.yaml': 'patches: []\n' },
    argv: conflicts(),
    exit: 0,
    code: null,
  },
  {
    name: 'diff-rules on an empty catalog answers at once',
    kind: 'finding',
    finding: 1,
    files: { 'catalog.yaml': 'patches: []\n' },
    argv: ['diff-rules', 'upstream', 'replace', '-c', '@catalog.yaml', '-t', '5'],
    exit: 0,
    code: null,
  },
  ...(
    [
      ['5k nested parentheses', `${'('.repeat(5000)}new.replace${')'.repeat(5000)}`],
      ['10k not', `${'not '.repeat(10_000)}new.replace`],
      ['10k implies', `${'new.replace implies '.repeat(10_000)}new.replace`],
      ['100k and', `${'new.replace and '.repeat(100_000)}new.replace`],
      ['20k or', `${'new.replace or '.repeat(20_000)}new.replace`],
    ] as const
  ).flatMap(([what, expr]): Case[] => [
    {
      name: `rules check: ${what}`,
      kind: 'finding',
      finding: 2,
      files: { 'rules.klp': rule(expr) },
      argv: rulesCheck(),
      exit: 2,
      code: 'KV2304',
      maxErr: 4000,
    },
    {
      name: `simulate --rules: ${what}`,
      kind: 'finding',
      finding: 2,
      files: { 'rules.klp': rule(expr), 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
      argv: simulate('--rules', '@rules.klp'),
      exit: 2,
      code: 'KV2304',
      maxErr: 4000,
    },
  ]),
  {
    name: '10k-deep YAML flow nesting',
    kind: 'finding',
    finding: 2,
    files: { 'catalog.yaml': `patches: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n` },
    argv: conflicts(),
    exit: 2,
    code: 'KV0129',
    maxErr: 2000,
  },
  {
    name: '10k-deep YAML block sequences',
    kind: 'finding',
    finding: 2,
    files: { 'catalog.yaml': `patches:\n${'- '.repeat(10_000)}x\n` },
    argv: conflicts(),
    exit: 2,
    code: 'KV0129',
    maxErr: 2000,
  },
  {
    name: '1000-deep YAML block mappings',
    kind: 'finding',
    finding: 2,
    files: {
      'catalog.yaml': `patches:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a${i}:\n`).join('')}`,
    },
    argv: conflicts(),
    exit: 2,
    code: 'KV0129',
    maxErr: 2000,
  },
  {
    name: '28 nested quantifiers',
    kind: 'finding',
    finding: 2,
    files: {
      'rules.klp': rule(
        `${Array.from({ length: 28 }, (_, i) => `some p${i} in catalog: `).join('')}new.replace`,
      ),
    },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2306',
  },
  ...['Infinity', '0.0001', '1e10', '3000000', '-1', '0', 'NaN', '10s', ''].map(
    (t): Case => ({
      name: `--timeout ${t === '' ? '(empty)' : t}`,
      kind: 'finding',
      finding: 3,
      files: { 'catalog.yaml': CATALOG },
      argv: conflicts('@catalog.yaml', '--timeout', t),
      exit: 2,
      code: 'usage',
    }),
  ),
  ...(
    [
      ['a file', 'out/file', 'is a file'],
      ['below a file', 'out/file/sub', 'below the file'],
      ['not empty', 'out', 'not empty'],
    ] as const
  ).flatMap(([what, dir]): Case[] =>
    ['check', 'prove', 'upgrade', 'diff-rules'].map(
      (command): Case => ({
        name: `${command} --certificate: ${what}`,
        kind: 'finding',
        finding: 4,
        files: { 'out/file': '', 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
        argv: [
          ...({
            check: ['check', '@plan.yaml'],
            prove: ['prove', 'loadable', 'klp_a', '-c', '@catalog.yaml'],
            upgrade: ['upgrade', '-c', '@catalog.yaml', '--from', 'klp_a', '--to', 'klp_b'],
            'diff-rules': ['diff-rules', 'upstream', 'replace', '-c', '@catalog.yaml'],
          }[command] ?? []),
          '--certificate',
          `@${dir}`,
        ],
        exit: 2,
        code: 'usage',
      }),
    ),
  ),
  ...['/proc/self/x', '/sys/x', '/dev/x'].map(
    (dir): Case => ({
      name: `check --certificate ${dir}`,
      kind: 'finding',
      finding: 4,
      files: { 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
      argv: ['check', '@plan.yaml', '--certificate', dir],
      exit: 2,
      code: 'usage',
    }),
  ),
  {
    name: 'check --certificate: two plans with the same name',
    kind: 'finding',
    finding: 4,
    files: {
      'plan.yaml': PLAN,
      'catalog.yaml': CATALOG,
      'b/plan.yaml': PLAN,
      'b/catalog.yaml': CATALOG,
    },
    argv: ['check', '@plan.yaml', '@b/plan.yaml', '--certificate', '@out'],
    exit: 2,
    code: 'usage',
  },
  {
    name: 'check --replace-certificate replaces a non-empty folder',
    kind: 'finding',
    finding: 4,
    files: { 'out/stale.smt2': 'stale', 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
    argv: ['check', '@plan.yaml', '--certificate', '@out', '--replace-certificate'],
    exit: 0,
    code: null,
  },
  {
    name: 'a FIFO as a catalog',
    kind: 'finding',
    finding: 5,
    files: { 'catalog.yaml': FIFO },
    argv: conflicts(),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: 'a FIFO as a rule file',
    kind: 'finding',
    finding: 5,
    files: { 'rules.klp': FIFO },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2002',
  },
  {
    name: '/dev/zero as a catalog',
    kind: 'finding',
    finding: 5,
    argv: conflicts('/dev/zero'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: '/dev/urandom as a catalog',
    kind: 'finding',
    finding: 5,
    argv: conflicts('/dev/urandom'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: '/dev/zero as a rule file',
    kind: 'finding',
    finding: 5,
    argv: rulesCheck('/dev/zero'),
    exit: 2,
    code: 'KV2002',
  },
  {
    name: '/dev/zero named by a plan (allowed outside)',
    kind: 'finding',
    finding: 5,
    files: { 'plan.yaml': 'catalog: /dev/zero\nsteps: [{ complete: true }]\n' },
    argv: simulate('--allow-outside'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: 'a catalog over the 4 MiB limit',
    kind: 'finding',
    finding: 5,
    files: {
      'catalog.yaml': `patches:\n${'  - { name: klp_x, replace: true }\n'.repeat(130_000)}`,
    },
    argv: conflicts(),
    exit: 2,
    code: 'KV0127',
  },
  {
    name: 'a 50k-character unknown key: bounded did-you-mean',
    kind: 'finding',
    finding: 6,
    files: { 'catalog.yaml': `{"patches": [{"name": "a", "${'r'.repeat(50_000)}": 1}]}\n` },
    argv: conflicts(),
    exit: 2,
    code: 'KV0104',
    maxErr: 4000,
  },
  {
    name: 'a 50k-character unknown patch in a plan: bounded did-you-mean',
    kind: 'finding',
    finding: 6,
    files: {
      'plan.yaml': `catalog: catalog.yaml\nsteps:\n  - insmod: ${'a'.repeat(50_000)}\n`,
      'catalog.yaml': CATALOG,
    },
    argv: simulate(),
    exit: 2,
    code: 'KV0122',
    maxErr: 4000,
  },
  ...[56, 57, 10_000].map(
    (n): Case => ({
      name: `a ${n}-character module name`,
      kind: 'finding',
      finding: 7,
      files: { 'catalog.yaml': `patches:\n  - name: ${'k'.repeat(n)}\n` },
      argv: conflicts(),
      exit: 2,
      code: 'KV0132',
      maxErr: 4000,
    }),
  ),
  {
    name: 'a 55-character module name is fine',
    kind: 'finding',
    finding: 7,
    files: {
      'catalog.yaml': `patches:\n  - name: ${'k'.repeat(55)}\n`,
      'plan.yaml': 'catalog: catalog.yaml\nsteps: [{ complete: true }]\n',
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  ...['yes', '010', '1:30', '1_000', '0b11'].map(
    (v): Case => ({
      name: `%YAML 1.1 would coerce \`${v}\``,
      kind: 'finding',
      finding: 8,
      files: { 'catalog.yaml': `%YAML 1.1\n---\npatches:\n  - name: a\n    replace: ${v}\n` },
      argv: conflicts(),
      exit: 2,
      code: 'KV0130',
    }),
  ),
  ...(
    [
      ['ESC sequence', '\x1b[2J\x1b[H'],
      ['OSC title', '\x1b]0;owned\x07'],
      ['BEL', '\x07'],
      ['CR', 'all good\r'],
      ['C1 CSI', '\u009b2J'],
      ['bidi override', '\u202e'],
    ] as const
  ).map(
    ([what, bytes]): Case => ({
      name: `control characters in a key are escaped: ${what}`,
      kind: 'finding',
      finding: 11,
      files: {
        'catalog.yaml': `patches:\n  - name: a\n    "${JSON.stringify(bytes).slice(1, -1)}x": 1\n`,
      },
      argv: conflicts(),
      exit: 2,
      code: 'KV0104',
    }),
  ),
  {
    name: 'raw control bytes in a rule string',
    kind: 'finding',
    finding: 11,
    files: { 'rules.klp': `${RULES_HEAD}  rule r "\x1b]0;owned\x07"\n    require new.replace\n` },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2011',
  },
  {
    name: 'raw control bytes between rule tokens',
    kind: 'finding',
    finding: 11,
    files: { 'rules.klp': `${RULES_HEAD}\x1b[2J  rule r "A rule."\n    require new.replace\n` },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2011',
  },
  {
    name: 'one error on a 1 MB line: the frame is cut',
    kind: 'finding',
    finding: 12,
    files: { 'catalog.yaml': `patches: [${'{name: a}, '.repeat(100_000)}{name: "b}]\n` },
    argv: conflicts(),
    exit: 2,
    code: 'KV0101',
    maxErr: 4000,
  },
  {
    name: '2 KB of garbage rules: diagnostics are capped',
    kind: 'finding',
    finding: 12,
    files: { 'rules.klp': `${RULES_HEAD}${'rule ) ( & | $ '.repeat(140)}\n` },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2101',
    maxErr: 40_000,
  },
  {
    name: 'invalid UTF-8 in a rule file',
    kind: 'finding',
    finding: 13,
    files: { 'rules.klp': new Uint8Array([...Buffer.from(rule('new.replace')), 0x23, 0xff, 0x0a]) },
    argv: rulesCheck(),
    exit: 2,
    code: 'KV2002',
  },
  {
    name: 'a BOM at the start of a rule file',
    kind: 'finding',
    finding: 13,
    files: { 'fuzz.klp': `\ufeff${rule('new.replace')}` },
    argv: rulesCheck('@fuzz.klp'),
    exit: 0,
    code: null,
  },
  {
    name: 'an initial stack that cannot be built',
    kind: 'finding',
    finding: 14,
    files: {
      'catalog.yaml':
        'patches:\n  - { name: a, replace: true, states: [{ id: 1, version: 2 }] }\n  - { name: b, replace: true, states: [{ id: 1, version: 1 }] }\n',
      'plan.yaml': 'catalog: catalog.yaml\ninitial: [a, b]\nsteps: [{ complete: true }]\n',
    },
    argv: simulate(),
    exit: 2,
    code: 'KV0003',
  },
  {
    name: 'check: an initial stack that cannot be built',
    kind: 'finding',
    finding: 14,
    files: {
      'catalog.yaml':
        'patches:\n  - { name: a, replace: true, states: [{ id: 1, version: 2 }] }\n  - { name: b, replace: true, states: [{ id: 1, version: 1 }] }\n',
      'plan.yaml': 'catalog: catalog.yaml\ninitial: [a, b]\nsteps: [{ complete: true }]\n',
    },
    argv: ['check', '@plan.yaml'],
    exit: 2,
    code: 'KV0003',
  },
  {
    name: 'a plan names ../secret',
    kind: 'finding',
    finding: 15,
    files: {
      'sub/plan.yaml': 'catalog: ../secret.txt\nsteps: [{ complete: true }]\n',
      'secret.txt': SECRET,
    },
    argv: ['simulate', '@sub/plan.yaml'],
    exit: 2,
    code: 'KV0128',
    secret: SECRET,
  },
  {
    name: 'a plan names /etc/passwd',
    kind: 'finding',
    finding: 15,
    files: { 'plan.yaml': 'catalog: /etc/passwd\nsteps: [{ complete: true }]\n' },
    argv: simulate(),
    exit: 2,
    code: 'KV0128',
    secret: 'root:x:0',
  },
  {
    name: 'a plan names /proc/self/environ',
    kind: 'finding',
    finding: 15,
    files: { 'plan.yaml': 'catalog: /proc/self/environ\nsteps: [{ complete: true }]\n' },
    argv: simulate(),
    exit: 2,
    code: 'KV0128',
  },
  {
    name: 'a plan names /proc/self/environ, allowed outside: still not read',
    kind: 'finding',
    finding: 15,
    files: { 'plan.yaml': 'catalog: /proc/self/environ\nsteps: [{ complete: true }]\n' },
    argv: simulate('--allow-outside'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: 'a plan names a secret outside, allowed: its text is not shown',
    kind: 'finding',
    finding: 15,
    files: {
      'sub/plan.yaml': 'catalog: ../secret.txt\nsteps: [{ complete: true }]\n',
      'secret.txt': SECRET,
    },
    argv: ['simulate', '@sub/plan.yaml', '--allow-outside'],
    exit: 2,
    code: 'KV0131',
    secret: SECRET,
  },
  {
    name: 'a plan names a rule file outside',
    kind: 'finding',
    finding: 15,
    files: {
      'sub/plan.yaml': 'rules: ../secret.klp\ncatalog: catalog.yaml\nsteps: [{ complete: true }]\n',
      'sub/catalog.yaml': CATALOG,
      'secret.klp': SECRET,
    },
    argv: ['simulate', '@sub/plan.yaml'],
    exit: 2,
    code: 'KV0128',
    secret: SECRET,
  },
  {
    name: '--rules names a secret file: its text is not shown',
    kind: 'finding',
    finding: 15,
    files: { 'secret.klp': SECRET, 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
    argv: simulate('--rules', '@secret.klp'),
    exit: 2,
    code: 'KV2305',
    secret: SECRET,
  },
  {
    name: '--rules /proc/self/environ',
    kind: 'finding',
    finding: 15,
    files: { 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
    argv: simulate('--rules', '/proc/self/environ'),
    exit: 2,
    code: 'KV2002',
  },
  {
    name: '--catalog --format json does not swallow the option',
    kind: 'finding',
    finding: 16,
    argv: ['conflicts', '--catalog', '--format', 'json'],
    exit: 2,
    code: 'usage',
  },
  {
    name: 'CR-only line ends',
    kind: 'finding',
    finding: 16,
    files: {
      'catalog.yaml': CATALOG.replaceAll('\n', '\r'),
      'plan.yaml': PLAN.replaceAll('\n', '\r'),
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  {
    name: 'CRLF line ends',
    kind: 'finding',
    finding: 16,
    files: {
      'catalog.yaml': CATALOG.replaceAll('\n', '\r\n'),
      'plan.yaml': PLAN.replaceAll('\n', '\r\n'),
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  {
    name: 'rules check on a missing path',
    kind: 'finding',
    finding: 16,
    argv: rulesCheck('@missing.klp'),
    exit: 2,
    code: 'KV2002',
  },
  {
    name: 'a repeated --format',
    kind: 'finding',
    finding: 16,
    files: { 'catalog.yaml': CATALOG },
    argv: conflicts('@catalog.yaml', '--format', 'json', '--format', 'text'),
    exit: 2,
    code: 'usage',
  },
  {
    name: 'a repeated --catalog',
    kind: 'finding',
    finding: 16,
    files: { 'catalog.yaml': CATALOG },
    argv: conflicts('@catalog.yaml', '--catalog', '@catalog.yaml'),
    exit: 2,
    code: 'usage',
  },
  {
    name: 'prove loadable --invariants nosuch',
    kind: 'finding',
    finding: 16,
    files: { 'catalog.yaml': CATALOG },
    argv: ['prove', 'loadable', 'klp_a', '-c', '@catalog.yaml', '--invariants', 'nosuch'],
    exit: 2,
    code: 'usage',
  },
];

// ---------- YAML and JSON syntax

const BROKEN_CATALOGS: readonly string[] = [
  'patches: [',
  'patches: [{ name: a',
  'patches: {',
  'patches:\n  - name: "a\n',
  "patches:\n  - name: 'a\n",
  'patches:\n  - name: a\n   replace: true\n',
  'patches:\n  - name: a\n    replace: true\n  replace: false\n    - x\n',
  'patches:\n\t- name: a\n',
  'patches: ]',
  'patches: }',
  'patches: [a,, b]',
  'patches: [{ name: a } { name: b }]',
  'patches:\n  - name: a\n    states: [{ id: 1 version: 1 }]\n',
  'patches:\n  - name: a\n    states: [{ id: 1, version: 1 ]\n',
  'patches:\n  - name: a: b\n',
  'patches:\n  - name: !custom a\n',
  'patches:\n  - name: !!binary aGVsbG8=\n',
  'patches:\n  - name: &x a\n  - name: *y\n',
  'patches:\n  - name: a\n---\npatches: []\n',
  'patches: "unterminated\n',
  'patches: |\n a\n b: [\n',
  'patches:\n  - ? name\n    : a\n    ? [x]\n    : y\n',
  'patches: [\n  { "name": "a", },\n',
  '{"patches": [}',
  '{"patches": [{"name": "a"}]',
  '{"patches": [{"name": "a" "replace": true}]}',
  '{"patches": [{"name": "a", "replace": tru}]}',
  '{"patches": [{"name": "a",}]',
  '{"patches" [] }',
  '{"patches": [], }}',
  'patches: [\u0000]',
  'patches:\n  - name: a\u0000b\n',
];

const NOT_A_CATALOG: readonly string[] = [
  'root:x:0:0:root:/root:/bin/bash\n',
  'hello world\n',
  '42\n',
  'true\n',
  '"just a string"\n',
  '<?xml version="1.0"?><patches/>\n',
  'PATH=/usr/bin\u0000HOME=/root\u0000',
  '\u007fELF\u0002\u0001\u0001',
  'token: abc\nsecret: def\n',
  '[}\n',
];

const YAML_SYNTAX: Case[] = [
  ...BROKEN_CATALOGS.map(
    (text, i): Case => ({
      name: `broken catalog ${i + 1}: ${JSON.stringify(text.slice(0, 40))}`,
      kind: 'yaml-syntax',
      files: { 'catalog.yaml': text },
      argv: conflicts(),
      exit: 2,
      code: ANY,
    }),
  ),
  ...NOT_A_CATALOG.map(
    (text, i): Case => ({
      name: `not a catalog ${i + 1}: ${JSON.stringify(text.slice(0, 30))}`,
      kind: 'yaml-syntax',
      files: { 'catalog.yaml': text },
      argv: conflicts(),
      exit: 2,
      code: 'KV0131',
      secret: text.length > 8 ? text.trim().slice(0, 12) : undefined,
    }),
  ),
  {
    name: 'an empty catalog file',
    kind: 'yaml-syntax',
    files: { 'catalog.yaml': '' },
    argv: conflicts(),
    exit: 2,
    code: 'KV0102',
  },
  {
    name: 'a catalog of comments',
    kind: 'yaml-syntax',
    files: { 'catalog.yaml': '# nothing\n# here\n' },
    argv: conflicts(),
    exit: 2,
    code: 'KV0102',
  },
  {
    name: 'a top-level list',
    kind: 'yaml-syntax',
    files: { 'catalog.yaml': '- name: a\n' },
    argv: conflicts(),
    exit: 2,
    code: 'KV0103',
  },
  {
    name: 'a %TAG directive',
    kind: 'yaml-syntax',
    files: { 'catalog.yaml': '%TAG !e! tag:example.com,2000:\n---\npatches: []\n' },
    argv: conflicts(),
    exit: 2,
    code: 'KV0130',
  },
  {
    name: 'a %YAML 1.2 directive',
    kind: 'yaml-syntax',
    files: { 'catalog.yaml': '%YAML 1.2\n---\npatches: []\n' },
    argv: conflicts(),
    exit: 2,
    code: 'KV0130',
  },
];

// ---------- types and ranges: one value of the valid catalog changed

/** A catalog whose first patch has `line` added (indented as a key of the patch). */
const patchWith = (line: string) => `patches:\n  - name: klp_a\n    ${line}\n`;
const stateWith = (fields: string) =>
  `patches:\n  - name: klp_a\n    states:\n      - { ${fields} }\n`;
const functionWith = (fields: string) =>
  `patches:\n  - name: klp_a\n    functions:\n      - { ${fields} }\n`;

const typeCases = (
  what: string,
  make: (v: string) => string,
  values: readonly (readonly [string, string])[],
  kind: Kind,
): Case[] =>
  values.map(
    ([value, code]): Case => ({
      name: `${what}: ${value}`,
      kind,
      files: { 'catalog.yaml': make(value) },
      argv: conflicts(),
      exit: 2,
      code,
    }),
  );

const WRONG = [
  ['"yes"', 'KV0103'],
  ['[true]', 'KV0103'],
  ['{ a: 1 }', 'KV0103'],
  ['1.5', 'KV0103'],
  ['~', 'KV0103'],
  ['.inf', 'KV0103'],
] as const;

const TYPES: Case[] = [
  ...typeCases(
    'replace',
    (v) => patchWith(`replace: ${v}`),
    [...WRONG, ['yes', 'KV0103'], ['1', 'KV0103'], ['"true"', 'KV0103'], ['tRUE', 'KV0103']],
    'types',
  ),
  ...typeCases(
    'replace_set',
    (v) => patchWith(`replace_set: ${v}`),
    [...WRONG, ['"5"', 'KV0103'], ['1.0', 'KV0103'], ['true', 'KV0103'], ['"0x10"', 'KV0103']],
    'types',
  ),
  ...typeCases(
    'states',
    (v) => patchWith(`states: ${v}`),
    [
      ['1', 'KV0103'],
      ['"a"', 'KV0103'],
      ['{ id: 1 }', 'KV0103'],
      ['[1]', 'KV0103'],
      ['[[]]', 'KV0103'],
      ['true', 'KV0103'],
    ],
    'types',
  ),
  ...typeCases(
    'functions',
    (v) => patchWith(`functions: ${v}`),
    [
      ['1', 'KV0103'],
      ['"a"', 'KV0103'],
      ['{ name: a }', 'KV0103'],
      ['[1]', 'KV0103'],
    ],
    'types',
  ),
  ...typeCases(
    'state id',
    (v) => stateWith(`id: ${v}, version: 1`),
    [
      ['"abc"', 'KV0103'],
      ['1.5', 'KV0103'],
      ['true', 'KV0103'],
      ['[1]', 'KV0103'],
      ['"0x"', 'KV0103'],
      ['"0xg1"', 'KV0103'],
      ['"-1"', 'KV0103'],
      ['~', 'KV0103'],
    ],
    'types',
  ),
  ...typeCases(
    'state version',
    (v) => stateWith(`id: 1, version: ${v}`),
    [
      ['"1"', 'KV0103'],
      ['1.5', 'KV0103'],
      ['true', 'KV0103'],
      ['[1]', 'KV0103'],
      ['1e3', 'KV0103'],
    ],
    'types',
  ),
  ...typeCases(
    'block_disable',
    (v) => stateWith(`id: 1, version: 1, block_disable: ${v}`),
    [
      ['"true"', 'KV0103'],
      ['1', 'KV0103'],
      ['yes', 'KV0103'],
      ['on', 'KV0103'],
    ],
    'types',
  ),
  ...typeCases(
    'function fields',
    functionWith,
    [
      ['object: 1, name: f', 'KV0103'],
      ['object: vmlinux, name: 1', 'KV0103'],
      ['object: vmlinux, name: f, sympos: "1"', 'KV0103'],
      ['object: vmlinux, name: f, sympos: -1', 'KV0113'],
      ['object: "a b", name: f', 'KV0110'],
      ['object: vmlinux, name: "a b"', 'KV0110'],
      ['name: f', 'KV0106'],
      ['object: vmlinux', 'KV0106'],
      ['object: vmlinux, name: f, nmae: g', 'KV0104'],
    ],
    'types',
  ),
  ...typeCases(
    'patch keys',
    (v) => `patches:\n  - ${v}\n`,
    [
      ['replace: true', 'KV0106'],
      ['name: a\n    replase: true', 'KV0104'],
      ['name: a\n    name: b', 'KV0105'],
      ['name: a\n    states: [{ version: 1 }]', 'KV0106'],
      ['name: a\n    states: [{ id: 1, id: 2, version: 1 }]', 'KV0105'],
      ['name: a\n    states: [{ id: 1, version: 1, verison: 2 }]', 'KV0104'],
    ],
    'types',
  ),
  ...typeCases(
    'catalog keys',
    (v) => v,
    [
      ['patches: []\nsteps: [{ complete: true }]\n', 'KV0104'],
      ['patches: 1\n', 'KV0103'],
      ['patches: a\n', 'KV0103'],
      ['patches: { a: 1 }\n', 'KV0103'],
      ['patches:\n', 'KV0103'],
      ['patches: [1]\n', 'KV0103'],
      ['patches: [[]]\n', 'KV0103'],
      ['patches: []\npatches: []\n', 'KV0105'],
      ['patches: *a\n', 'KV0108'],
    ],
    'types',
  ),
];

const RANGES: Case[] = [
  ...typeCases(
    'state id',
    (v) => stateWith(`id: ${v}, version: 1`),
    [
      ['0', 'KV0112'],
      ['"0x0"', 'KV0112'],
      ['"0"', 'KV0112'],
      ['-1', 'KV0113'],
      ['18446744073709551616', 'KV0113'],
      ['"0x10000000000000000"', 'KV0113'],
      ['99999999999999999999999999', 'KV0113'],
    ],
    'ranges',
  ),
  ...typeCases(
    'state version',
    (v) => stateWith(`id: 1, version: ${v}`),
    [
      ['-1', 'KV0113'],
      ['4294967296', 'KV0113'],
      ['99999999999999999999', 'KV0113'],
    ],
    'ranges',
  ),
  ...typeCases(
    'replace_set',
    (v) => patchWith(`replace_set: ${v}`),
    [
      ['-1', 'KV0113'],
      ['4294967296', 'KV0113'],
    ],
    'ranges',
  ),
  ...typeCases(
    'sympos',
    (v) => functionWith(`object: vmlinux, name: f, sympos: ${v}`),
    [
      ['4294967296', 'KV0113'],
      ['-5', 'KV0113'],
    ],
    'ranges',
  ),
  {
    name: 'the largest state id is fine',
    kind: 'ranges',
    files: {
      'catalog.yaml': stateWith('id: 18446744073709551615, version: 4294967295'),
      'plan.yaml': 'catalog: catalog.yaml\nsteps:\n  - insmod: klp_a\n',
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
];

// ---------- names

const NAMES: Case[] = [
  ...typeCases(
    'module name',
    (v) => `patches:\n  - name: ${v}\n`,
    [
      ['"a b"', 'KV0110'],
      ['""', 'KV0110'],
      ['"a/b"', 'KV0110'],
      ['"a.ko"', 'KV0110'],
      ['"ä"', 'KV0110'],
      ['"a\\u0000"', 'KV0110'],
      ['"\\e[2J"', 'KV0110'],
      [`"${'x'.repeat(100)}"`, 'KV0132'],
      [`${'y'.repeat(1000)}`, 'KV0132'],
      ['"a\\tb"', 'KV0110'],
    ],
    'names',
  ),
  ...typeCases(
    'duplicate module names',
    (v) => `patches:\n  - name: ${v}\n`,
    [
      ['a\n  - name: a', 'KV0111'],
      ['a-b\n  - name: a_b', 'KV0111'],
    ],
    'names',
  ),
  ...typeCases(
    'function name',
    (v) => functionWith(`object: vmlinux, name: ${v}`),
    [
      [`"${'f'.repeat(600)}"`, 'KV0132'],
      ['""', 'KV0110'],
      ['"\\e]0;x\\a"', 'KV0110'],
    ],
    'names',
  ),
];

// ---------- files

const FILES: Case[] = [
  {
    name: 'a missing catalog',
    kind: 'files',
    argv: conflicts('@nope.yaml'),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'a directory as a catalog',
    kind: 'files',
    files: { 'd/x': '' },
    argv: conflicts('@d'),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'a missing plan',
    kind: 'files',
    argv: ['simulate', '@nope.yaml'],
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'a FIFO as a plan',
    kind: 'files',
    files: { 'plan.yaml': FIFO },
    argv: simulate(),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: 'a FIFO named by a plan',
    kind: 'files',
    files: { 'plan.yaml': 'catalog: c.yaml\nsteps: [{ complete: true }]\n', 'c.yaml': FIFO },
    argv: simulate(),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: '/dev/null as a catalog',
    kind: 'files',
    argv: conflicts('/dev/null'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: '/proc/self/status as a catalog',
    kind: 'files',
    argv: conflicts('/proc/self/status'),
    exit: 2,
    code: 'KV0126',
  },
  {
    name: 'invalid UTF-8 in a catalog',
    kind: 'files',
    files: { 'catalog.yaml': new Uint8Array([0x70, 0x61, 0x3a, 0xc3, 0x28, 0x0a]) },
    argv: conflicts(),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'a lone surrogate encoding in a catalog',
    kind: 'files',
    files: { 'catalog.yaml': new Uint8Array([0x70, 0x3a, 0x20, 0xed, 0xa0, 0x80, 0x0a]) },
    argv: conflicts(),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'an overlong encoding in a plan',
    kind: 'files',
    files: {
      'plan.yaml': new Uint8Array([0x73, 0x74, 0x65, 0x70, 0x73, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]),
    },
    argv: simulate(),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'invalid UTF-8 in a catalog named by a plan',
    kind: 'files',
    files: { 'plan.yaml': PLAN, 'catalog.yaml': new Uint8Array([0xff, 0xfe, 0x0a]) },
    argv: simulate(),
    exit: 2,
    code: 'KV0109',
  },
  {
    name: 'a BOM in a catalog and a plan',
    kind: 'files',
    files: { 'plan.yaml': `\ufeff${PLAN}`, 'catalog.yaml': `\ufeff${CATALOG}` },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  {
    name: 'a BOM in a JSON catalog',
    kind: 'files',
    files: {
      'plan.yaml': PLAN.replace('catalog.yaml', 'c.json'),
      'c.json': '\ufeff{"patches": [{"name": "klp_a"}, {"name": "klp_b"}]}',
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  {
    name: 'a file over a lowered --max-input-size',
    kind: 'files',
    files: { 'catalog.yaml': CATALOG },
    argv: conflicts('@catalog.yaml', '--max-input-size', '20'),
    exit: 2,
    code: 'KV0127',
  },
  {
    name: 'a plan over a lowered --max-input-size',
    kind: 'files',
    files: { 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
    argv: simulate('--max-input-size', '10'),
    exit: 2,
    code: 'KV0127',
  },
  {
    name: 'a rule file over a lowered --max-input-size',
    kind: 'files',
    files: { 'plan.yaml': PLAN, 'catalog.yaml': CATALOG, 'r.klp': rule('new.replace') },
    argv: ['rules', 'check', '@r.klp', '--max-input-size', '50'],
    exit: 2,
    code: 'KV2002',
  },
  {
    name: '--max-input-size raised reads a big catalog',
    kind: 'files',
    files: {
      'plan.yaml': 'catalog: catalog.yaml\nsteps: [{ complete: true }]\n',
      'catalog.yaml': `${CATALOG}${'# padding to pass 4 MiB\n'.repeat(180_000)}`,
    },
    argv: simulate('--max-input-size', '8000000'),
    exit: 0,
    code: null,
  },
  {
    name: 'a symbolic link out of the plan folder',
    kind: 'files',
    files: {
      'sub/plan.yaml': 'catalog: link.yaml\nsteps: [{ complete: true }]\n',
      'catalog.yaml': CATALOG,
      'sub/link.yaml': 'symlink:../catalog.yaml',
    },
    argv: ['simulate', '@sub/plan.yaml'],
    exit: 2,
    code: 'KV0128',
  },
  {
    name: 'a catalog below the plan folder',
    kind: 'files',
    files: { 'plan.yaml': PLAN.replace('catalog.yaml', 'cats/c.yaml'), 'cats/c.yaml': CATALOG },
    argv: simulate(),
    exit: 0,
    code: null,
  },
  {
    name: 'an absolute path into the plan folder',
    kind: 'files',
    files: {
      'plan.yaml': `catalog: ${DIR}/catalog.yaml\nsteps: [{ complete: true }]\n`,
      'catalog.yaml': CATALOG,
    },
    argv: simulate(),
    exit: 0,
    code: null,
  },
];

// ---------- plans

const planCase = (
  name: string,
  plan: string,
  exit: number,
  code: string | null,
  ...more: string[]
): Case => ({
  name,
  kind: 'plans',
  files: { 'plan.yaml': plan, 'catalog.yaml': CATALOG },
  argv: simulate(...more),
  exit,
  code,
});

const PLANS: Case[] = [
  planCase('a valid plan', PLAN, 0, null),
  planCase('an unmet expectation', `${PLAN}    expect: EINVAL\n`, 1, null),
  planCase('an unknown patch', 'catalog: catalog.yaml\nsteps:\n  - insmod: klp_c\n', 2, 'KV0122'),
  planCase(
    'an unknown patch in initial',
    'catalog: catalog.yaml\ninitial: [nope]\nsteps: [{ complete: true }]\n',
    2,
    'KV0122',
  ),
  planCase(
    'catalog and patches',
    'catalog: catalog.yaml\npatches: []\nsteps: [{ complete: true }]\n',
    2,
    'KV0120',
  ),
  planCase('no catalog', 'steps: [{ complete: true }]\n', 2, 'KV0121'),
  planCase(
    'a step without operation',
    'catalog: catalog.yaml\nsteps:\n  - expect: ok\n',
    2,
    'KV0123',
  ),
  planCase(
    'a step with two operations',
    'catalog: catalog.yaml\nsteps:\n  - { insmod: klp_a, rmmod: klp_a }\n',
    2,
    'KV0124',
  ),
  planCase(
    'a patch twice in initial',
    'catalog: catalog.yaml\ninitial: [klp_a, klp_a]\nsteps: [{ complete: true }]\n',
    2,
    'KV0125',
  ),
  planCase(
    'an unknown expect',
    'catalog: catalog.yaml\nsteps:\n  - { insmod: klp_a, expect: EPERM }\n',
    2,
    'KV0107',
  ),
  planCase(
    'complete: false',
    'catalog: catalog.yaml\ntransitions: manual\nsteps:\n  - insmod: klp_a\n  - complete: false\n',
    2,
    'KV0107',
  ),
  planCase(
    'unknown transitions',
    'catalog: catalog.yaml\ntransitions: sometimes\nsteps: [{ complete: true }]\n',
    2,
    'KV0107',
  ),
  planCase(
    'a step written as a string',
    'catalog: catalog.yaml\nsteps:\n  - insmod klp_a\n',
    2,
    'KV0103',
  ),
  planCase('steps as a mapping', 'catalog: catalog.yaml\nsteps: { insmod: klp_a }\n', 2, 'KV0103'),
  planCase(
    'catalog as a list',
    'catalog: [catalog.yaml]\nsteps: [{ complete: true }]\n',
    2,
    'KV0103',
  ),
  planCase(
    'rules as a number',
    'rules: 1\ncatalog: catalog.yaml\nsteps: [{ complete: true }]\n',
    2,
    'KV0103',
  ),
  planCase(
    'an unknown rule set',
    'rules: upstrem\ncatalog: catalog.yaml\nsteps: [{ complete: true }]\n',
    2,
    'KV2001',
  ),
  planCase(
    'a missing rule file',
    'rules: ./nope.klp\ncatalog: catalog.yaml\nsteps: [{ complete: true }]\n',
    2,
    'KV2002',
  ),
  planCase('an unknown plan key', 'catalog: catalog.yaml\nstesp: []\n', 2, 'KV0104'),
  planCase('a plan that is not one', 'just: text\n', 2, 'KV0131'),
  planCase('a plan with a directive', '%YAML 1.1\n---\ncatalog: catalog.yaml\n', 2, 'KV0130'),
  planCase(
    'inline patches with an error',
    'patches:\n  - name: 1\nsteps: [{ complete: true }]\n',
    2,
    'KV0103',
  ),
  planCase(
    'an alias in a plan',
    'catalog: catalog.yaml\ninitial: &i [klp_a]\nsteps: *i\n',
    2,
    'KV0108',
  ),
  planCase(
    'manual transitions',
    'catalog: catalog.yaml\ntransitions: manual\nsteps:\n  - insmod: klp_a\n  - complete: true\n',
    0,
    null,
  ),
  planCase(
    '--transitions manual override: klp_b meets a pending transition',
    PLAN,
    1,
    null,
    '--transitions',
    'manual',
  ),
];

// ---------- rule syntax

const ruleCase = (name: string, text: string, exit: number, code: string | null): Case => ({
  name,
  kind: 'rule-syntax',
  files: { 'fuzz.klp': text },
  argv: rulesCheck('@fuzz.klp'),
  exit,
  code,
});

const RULE_SYNTAX: Case[] = [
  ruleCase('a valid rule file', rule('new.replace'), 0, null),
  ruleCase('CRLF line ends in a rule file', rule('new.replace').replaceAll('\n', '\r\n'), 0, null),
  ruleCase('CR line ends in a rule file', rule('new.replace').replaceAll('\n', '\r'), 0, null),
  ruleCase('an empty file', '', 2, 'KV2101'),
  ruleCase('not a rule file', 'hello: world\n', 2, 'KV2305'),
  ruleCase('binary', '\u0000\u0001\u0002', 2, 'KV2305'),
  ruleCase('a stray character', rule('new.replace $'), 2, 'KV2011'),
  ruleCase('&&', rule('new.replace && new.replace'), 2, 'KV2011'),
  ruleCase('||', rule('new.replace || new.replace'), 2, 'KV2011'),
  ruleCase('=>', rule('new.replace => new.replace'), 2, 'KV2011'),
  ruleCase(
    'an unterminated string',
    `${RULES_HEAD}  rule r "A rule.\n    require new.replace\n`,
    2,
    'KV2012',
  ),
  ruleCase(
    'an unknown escape',
    `${RULES_HEAD}  rule r "A \\q rule."\n    require new.replace\n`,
    2,
    'KV2013',
  ),
  ruleCase('a malformed number', rule('new.version(1) >= 0x'), 2, 'KV2014'),
  ruleCase(
    'an unclosed hole',
    `${RULES_HEAD}  rule r "A rule."\n    require new.replace\n    message "x {new"\n`,
    2,
    'KV2015',
  ),
  ruleCase(
    'an unmatched brace',
    `${RULES_HEAD}  rule r "A rule."\n    require new.replace\n    message "x }"\n`,
    2,
    'KV2016',
  ),
  ruleCase(
    'an empty hole',
    `${RULES_HEAD}  rule r "A rule."\n    require new.replace\n    message "x {}"\n`,
    2,
    'KV2017',
  ),
  ruleCase('a missing expression', rule(''), 2, 'KV2101'),
  ruleCase('an unclosed parenthesis', rule('(new.replace'), 2, 'KV2101'),
  ruleCase('an extra parenthesis', rule('new.replace)'), 2, 'KV2101'),
  ruleCase('an unknown event', `ruleset fuzz "F."\n\non frob new\n  reject EINVAL\n`, 2, 'KV2102'),
  ruleCase(
    'a duplicate clause',
    `${RULES_HEAD}  rule r "A rule."\n    require new.replace\n    require new.replace\n`,
    2,
    'KV2103',
  ),
  ruleCase(
    'a binder over a value',
    `${RULES_HEAD}  rule r "A rule."\n    for s in new.replace\n    require true\n`,
    2,
    'KV2104',
  ),
  ruleCase('a collection as a value', rule('installed'), 2, 'KV2105'),
  ruleCase('chained comparison', rule('1 == 1 == 1'), 2, 'KV2106'),
  ruleCase('has without argument', rule('new.has()'), 2, 'KV2107'),
  ruleCase('has with two arguments', rule('new.has(1, 2)'), 2, 'KV2107'),
  ruleCase('an unknown identifier', rule('neww.replace'), 2, 'KV2201'),
  ruleCase('an unknown attribute', rule('new.replase'), 2, 'KV2202'),
  ruleCase('a type mismatch', rule('new.replace == 1'), 2, 'KV2203'),
  ruleCase('a huge number', rule('new.has(99999999999999999999999)'), 2, 'KV2205'),
  ruleCase('an unguarded version', rule('new.version(1) >= 1'), 2, 'KV2208'),
  ruleCase(
    'a duplicate rule name',
    `${RULES_HEAD}  rule r "A."\n    require new.replace\n  rule r "B."\n    require new.replace\n`,
    2,
    'KV2210',
  ),
  ruleCase(
    'an unknown errno',
    `ruleset fuzz "F."\n\non enable new\n  reject EFROB\n  rule r "A."\n    require new.replace\n`,
    2,
    'KV2213',
  ),
  ruleCase('a keyword as a name', rule('some rule in installed: true'), 2, 'KV2101'),
  ruleCase('a 10k-character identifier', rule(`${'x'.repeat(10_000)}.replace`), 2, 'KV2201'),
  ruleCase('deep attribute chain', rule(`new${'.replace'.repeat(300)}`), 2, 'KV2304'),
  ruleCase(
    'deep call arguments',
    rule(`${'new.has('.repeat(300)}1${')'.repeat(300)}`),
    2,
    'KV2304',
  ),
  ruleCase(
    '200 parentheses are fine',
    rule(`${'('.repeat(150)}new.replace${')'.repeat(150)}`),
    0,
    null,
  ),
  ruleCase(
    'six nested quantifiers',
    rule(`${Array.from({ length: 6 }, (_, i) => `some p${i} in installed: `).join('')}p0 == p5`),
    2,
    'KV2306',
  ),
  ruleCase(
    'a NUL in a string',
    `${RULES_HEAD}  rule r "A\u0000 rule."\n    require new.replace\n`,
    2,
    'KV2011',
  ),
  ruleCase('an ESC outside strings', rule('new.replace \u001b[2J'), 2, 'KV2011'),
  ruleCase('a zero-width space', rule('new.replace\u200b'), 2, 'KV2011'),
];

// ---------- arguments

const ARGUMENTS: Case[] = [
  ...['0', '-1', '1.5', 'abc', '1e7', '9999999', ''].map(
    (l): Case => ({
      name: `--limit ${l === '' ? '(empty)' : l}`,
      kind: 'arguments',
      files: { 'catalog.yaml': CATALOG },
      argv: conflicts('@catalog.yaml', '--limit', l),
      exit: 2,
      code: 'usage',
    }),
  ),
  ...['a,,b', 'klp_a,klp_a', ',', `${'k'.repeat(60)}`].map(
    (s): Case => ({
      name: `--initial ${s.slice(0, 20)}`,
      kind: 'arguments',
      files: { 'catalog.yaml': CATALOG },
      argv: ['prove', 'loadable', 'klp_a', '-c', '@catalog.yaml', '--initial', s],
      exit: 2,
      code: 'usage',
    }),
  ),
  ...['0', 'abc', '-5', '1073741825', '1e6', '1.5'].map(
    (m): Case => ({
      name: `--max-input-size ${m}`,
      kind: 'arguments',
      files: { 'catalog.yaml': CATALOG },
      argv: conflicts('@catalog.yaml', '--max-input-size', m),
      exit: 2,
      code: 'usage',
    }),
  ),
  ...(
    [
      ['an unknown command', ['frob']],
      ['an unknown option', ['simulate', 'p.yaml', '--frob']],
      ['a misspelt option', ['conflicts', '--catalgo', 'x']],
      ['a missing value', ['conflicts', '--catalog']],
      ['a bad choice', ['conflicts', '--catalog', 'x', '--format', 'xml']],
      ['a flag with a value', ['conflicts', '--catalog', 'x', '--allow-outside=1']],
      ['--help with a value', ['simulate', '--help=1']],
      ['missing PLAN', ['simulate']],
      ['missing PLAN for check', ['check']],
      ['missing --catalog', ['conflicts']],
      ['an extra argument', ['conflicts', 'x.yaml']],
      ['missing QUERY', ['prove']],
      ['an unknown query', ['prove', 'frob']],
      ['missing PATCH', ['prove', 'loadable']],
      ['missing R2', ['diff-rules', 'upstream']],
      ['missing FILE for rules check', ['rules', 'check']],
      ['a repeated --rules', ['simulate', 'p.yaml', '-r', 'upstream', '--rules', 'replace']],
      [
        'a repeated --transitions',
        ['simulate', 'p.yaml', '--transitions', 'auto', '--transitions', 'manual'],
      ],
      ['a repeated --timeout', ['check', 'p.yaml', '-t', '1', '-t', '2']],
      ['a repeated flag', ['simulate', 'p.yaml', '--allow-outside', '--allow-outside']],
      ['a value that is an option', ['simulate', 'p.yaml', '--rules', '--format']],
      ['a short option as a value', ['conflicts', '-c', '-f', 'json']],
      ['check --timeout 0', ['check', 'p.yaml', '--timeout', '0']],
      ['check --timeout Infinity', ['check', 'p.yaml', '--timeout', 'Infinity']],
      ['check --timeout 0x10', ['check', 'p.yaml', '--timeout', '0x10']],
      ['prove --timeout 1e10', ['prove', 'loadable', 'a', '-c', 'x', '--timeout', '1e10']],
    ] as const
  ).map(([name, argv]): Case => ({ name, kind: 'arguments', argv, exit: 2, code: 'usage' })),
  {
    name: 'check --timeout 30 is accepted',
    kind: 'arguments',
    files: { 'plan.yaml': PLAN, 'catalog.yaml': CATALOG },
    argv: ['check', '@plan.yaml', '--timeout', '30'],
    exit: 0,
    code: null,
  },
  {
    name: 'a patch not in the catalog for prove',
    kind: 'arguments',
    files: { 'catalog.yaml': CATALOG },
    argv: ['prove', 'loadable', 'klp_c', '-c', '@catalog.yaml'],
    exit: 2,
    code: 'usage',
  },
  {
    name: 'an unknown invariant',
    kind: 'arguments',
    files: { 'catalog.yaml': CATALOG },
    argv: [
      'prove',
      'invariant',
      'nosuch',
      '-c',
      '@catalog.yaml',
      '--invariants',
      'stack-invariants',
    ],
    exit: 2,
    code: 'usage',
  },
  {
    name: 'upgrade --to a,,b',
    kind: 'arguments',
    files: { 'catalog.yaml': CATALOG },
    argv: ['upgrade', '-c', '@catalog.yaml', '--from', 'klp_a', '--to', 'klp_a,,klp_b'],
    exit: 2,
    code: 'usage',
  },
  {
    name: 'an unknown --rules name',
    kind: 'arguments',
    files: { 'catalog.yaml': CATALOG },
    argv: conflicts('@catalog.yaml', '--rules', 'upstrem'),
    exit: 2,
    code: 'KV2001',
  },
  {
    name: 'rules list of an unknown rule set',
    kind: 'arguments',
    argv: ['rules', 'list', 'nosuch'],
    exit: 2,
    code: 'KV2001',
  },
  {
    name: 'an unknown rules subcommand',
    kind: 'arguments',
    argv: ['rules', 'frob'],
    exit: 2,
    code: 'usage',
  },
];

// ---------- output safety

const OUTPUT: Case[] = [
  {
    name: 'JSON diagnostics of a 1 MB span are cut',
    kind: 'output',
    files: { 'catalog.yaml': `patches:\n  - name: a\n    replace: "${'y'.repeat(1_000_000)}"\n` },
    argv: conflicts('@catalog.yaml', '--format', 'json'),
    exit: 2,
    code: 'KV0103',
    maxErr: 4000,
  },
  {
    name: '5000 errors in one catalog: 50 shown',
    kind: 'output',
    files: { 'catalog.yaml': `patches:\n${'  - name: 1\n'.repeat(5000)}` },
    argv: conflicts(),
    exit: 2,
    code: 'KV0103',
    maxErr: 30_000,
  },
  {
    name: '5000 errors in JSON: 50 shown',
    kind: 'output',
    files: { 'catalog.yaml': `patches:\n${'  - name: 1\n'.repeat(5000)}` },
    argv: conflicts('@catalog.yaml', '--format', 'json'),
    exit: 2,
    code: 'KV0103',
    maxErr: 40_000,
  },
  {
    name: 'a file name with an ESC',
    kind: 'output',
    files: { 'a\u001b[2J.yaml': 'patches: [' },
    argv: conflicts('@a\u001b[2J.yaml'),
    exit: 2,
    code: 'KV0101',
  },
  {
    name: 'a raw ESC in a YAML value',
    kind: 'output',
    files: { 'catalog.yaml': 'patches:\n  - name: a\u001b[2Jb\n' },
    argv: conflicts(),
    exit: 2,
    code: ANY,
  },
  {
    name: 'a raw BEL in a YAML comment is harmless',
    kind: 'output',
    files: { 'plan.yaml': PLAN, 'catalog.yaml': `# \u0007 ring\n${CATALOG}` },
    argv: simulate(),
    exit: 0,
    code: null,
  },
];

export const CORPUS: readonly Case[] = [
  ...FINDINGS,
  ...YAML_SYNTAX,
  ...TYPES,
  ...RANGES,
  ...NAMES,
  ...FILES,
  ...PLANS,
  ...RULE_SYNTAX,
  ...ARGUMENTS,
  ...OUTPUT,
];
