/**
 * Every ingest diagnostic, on a fixture per case: code, severity, `file:line:col`, message,
 * underlined text, help and related notes, and every problem of a file in one run.
 */
import { describe, expect, it } from 'vitest';
import { loadCatalogFile, parseCatalog } from '../../src/ingest/index.ts';
import { renderDiagnostic } from '../../src/source/diagnostic.ts';
import { Source } from '../../src/source/source.ts';
import { fixture, fixtureEntries, loadFixture, type Seen, seen } from './helpers.ts';

const STATE_ID_ZERO = "0 terminates the kernel's state array";
const STATE_ID_RANGE =
  'a state id is an unsigned 64-bit integer from 1 to 18446744073709551615 (0xffffffffffffffff)';

/** Fixture file -> exactly the diagnostics it must produce, in order. */
const CASES: Record<string, readonly Seen[]> = {
  'yaml-syntax-errors/catalog.yaml': [
    {
      code: 'KV0101',
      severity: 'error',
      at: 'yaml-syntax-errors/catalog.yaml:4:3',
      message:
        'syntax error: flow sequence in block collection must be sufficiently indented and end with a ]',
      text: '-',
    },
    {
      code: 'KV0101',
      severity: 'error',
      at: 'yaml-syntax-errors/catalog.yaml:5:1',
      message: 'syntax error: missing closing "quote',
      text: '',
    },
  ],
  'json-syntax-error/catalog.json': [
    {
      code: 'KV0101',
      severity: 'error',
      at: 'json-syntax-error/catalog.json:3:15',
      message: 'syntax error: block collections are not allowed within flow collections',
      text: '"a" "replace": true',
    },
    {
      code: 'KV0101',
      severity: 'error',
      at: 'json-syntax-error/catalog.json:3:19',
      message: 'syntax error: unexpected double-quoted-scalar token',
      text: '"replace"',
    },
  ],
  'yaml-unresolved-tag/catalog.yaml': [
    {
      code: 'KV0101',
      severity: 'error',
      at: 'yaml-unresolved-tag/catalog.yaml:3:14',
      message: 'syntax error: unresolved tag: !bool',
      text: '!bool',
    },
  ],
  'empty-catalog-file/catalog.yaml': [
    {
      code: 'KV0102',
      severity: 'error',
      at: 'empty-catalog-file/catalog.yaml:1:1',
      message: 'the file is empty',
      text: '',
      help: 'a catalog file starts with `patches:`, a list of livepatch modules',
    },
  ],
  'wrong-value-types/catalog.yaml': [
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:2:11',
      message: 'expected a string for `name`, found an integer `123`',
      text: '123',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:3:14',
      message: 'expected `true` or `false` for `replace`, found a string `"yes"`',
      text: '"yes"',
      help: 'write `true` or `false` without quotes',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:4:18',
      message: 'expected an unsigned integer for `replace_set`, found a string `"1"`',
      text: '"1"',
      help: 'write the number without quotes',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:7:18',
      message: 'expected an unsigned integer for `version`, found a float `1.5`',
      text: '1.5',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:8:24',
      message: 'expected `true` or `false` for `block_disable`, found an integer `1`',
      text: '1',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:9:13',
      message: 'expected an unsigned integer or a `0x...` string for `id`, found a boolean `true`',
      text: 'true',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:10:18',
      message: 'expected an unsigned integer for `version`, found a float `1e3`',
      text: '1e3',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:11:13',
      message: 'expected an unsigned integer or a `0x...` string for `id`, found a string `0x`',
      text: '0x',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:13:9',
      message: 'expected an unsigned integer for `version`, found nothing',
      text: 'version',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:14:16',
      message: 'expected a list for `functions`, found a mapping',
      text: '{ object: vmlinux, name: f }',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'wrong-value-types/catalog.yaml:15:5',
      message: 'expected a mapping for a patch, found a string `just_a_name`',
      text: 'just_a_name',
    },
  ],
  'json-wrong-value-types/catalog.json': [
    {
      code: 'KV0103',
      severity: 'error',
      at: 'json-wrong-value-types/catalog.json:5:18',
      message: 'expected `true` or `false` for `replace`, found a string `"true"`',
      text: '"true"',
      help: 'write `true` or `false` without quotes',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'json-wrong-value-types/catalog.json:6:26',
      message: 'expected an unsigned integer or a `0x...` string for `id`, found a float `1.0`',
      text: '1.0',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'json-wrong-value-types/catalog.json:6:42',
      message: 'expected an unsigned integer for `version`, found a string `"2"`',
      text: '"2"',
      help: 'write the number without quotes',
    },
    {
      code: 'KV0112',
      severity: 'error',
      at: 'json-wrong-value-types/catalog.json:6:57',
      message: `invalid state id \`0\`: ${STATE_ID_ZERO}`,
      text: '0',
      help: 'state ids start at 1; real patches use random 64-bit constants',
    },
    {
      code: 'KV0104',
      severity: 'error',
      at: 'json-wrong-value-types/catalog.json:9:3',
      message: 'unknown key `steps` in the catalog',
      text: '"steps"',
      help: 'expected one of `patches`',
    },
  ],
  'top-level-list/catalog.yaml': [
    {
      code: 'KV0103',
      severity: 'error',
      at: 'top-level-list/catalog.yaml:1:1',
      message: 'expected a mapping for the catalog, found a list',
      text: '- name: test_klp_state\n- name: test_klp_state2',
    },
  ],
  'unknown-keys/catalog.yaml': [
    {
      code: 'KV0104',
      severity: 'error',
      at: 'unknown-keys/catalog.yaml:3:5',
      message: 'unknown key `replase` in a patch',
      text: 'replase',
      help: 'did you mean `replace`?',
    },
    {
      code: 'KV0104',
      severity: 'error',
      at: 'unknown-keys/catalog.yaml:6:9',
      message: 'unknown key `verison` in a state',
      text: 'verison',
      help: 'did you mean `version`?',
    },
    {
      code: 'KV0104',
      severity: 'error',
      at: 'unknown-keys/catalog.yaml:7:5',
      message: 'unknown key `colour` in a patch',
      text: 'colour',
      help: 'expected one of `name`, `replace`, `replace_set`, `states`, `functions`, `origin`',
    },
    {
      code: 'KV0104',
      severity: 'error',
      at: 'unknown-keys/catalog.yaml:8:1',
      message: 'unknown key `functions` in the catalog',
      text: 'functions',
      help: 'expected one of `patches`',
    },
  ],
  'duplicate-keys/catalog.yaml': [
    {
      code: 'KV0105',
      severity: 'error',
      at: 'duplicate-keys/catalog.yaml:4:23',
      message: 'duplicate key `id` in a state',
      text: 'id',
      related: ['`id` first given here @ duplicate-keys/catalog.yaml:4:16'],
    },
    {
      code: 'KV0105',
      severity: 'error',
      at: 'duplicate-keys/catalog.yaml:5:5',
      message: 'duplicate key `replace` in a patch',
      text: 'replace',
      related: ['`replace` first given here @ duplicate-keys/catalog.yaml:3:5'],
    },
  ],
  'missing-keys/catalog.yaml': [
    {
      code: 'KV0106',
      severity: 'error',
      at: 'missing-keys/catalog.yaml:2:5',
      message: 'missing key `name` in a patch',
      text: 'replace: true\n    states:\n      - version: 2\n    functions:\n      - { object: vmlinux }\n      - { name: cmdline_proc_show, sympos: 1 }',
    },
    {
      code: 'KV0106',
      severity: 'error',
      at: 'missing-keys/catalog.yaml:4:9',
      message: 'missing key `id` in a state',
      text: 'version: 2',
    },
    {
      code: 'KV0106',
      severity: 'error',
      at: 'missing-keys/catalog.yaml:6:9',
      message: 'missing key `name` in a function',
      text: '{ object: vmlinux }',
    },
    {
      code: 'KV0106',
      severity: 'error',
      at: 'missing-keys/catalog.yaml:7:9',
      message: 'missing key `object` in a function',
      text: '{ name: cmdline_proc_show, sympos: 1 }',
    },
  ],
  'invalid-choices/plan.yaml': [
    {
      code: 'KV0107',
      severity: 'error',
      at: 'invalid-choices/plan.yaml:1:14',
      message: 'invalid value `automatic` for `transitions`',
      text: 'automatic',
      help: 'expected one of `auto`, `manual`',
    },
    {
      code: 'KV0107',
      severity: 'error',
      at: 'invalid-choices/plan.yaml:6:13',
      message: 'invalid value `einval` for `expect`',
      text: 'einval',
      help: 'did you mean `EINVAL`?',
    },
    {
      code: 'KV0107',
      severity: 'error',
      at: 'invalid-choices/plan.yaml:7:15',
      message: 'invalid value `false` for `complete`',
      text: 'false',
      help: '`complete` takes only `true`; leave the step out instead',
    },
    {
      code: 'KV0107',
      severity: 'error',
      at: 'invalid-choices/plan.yaml:9:13',
      message: 'invalid value `EAGAIN` for `expect`',
      text: 'EAGAIN',
      help: 'expected one of `ok`, `EINVAL`, `EBUSY`, `EEXIST`, `ENOENT`',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'invalid-choices/plan.yaml:11:13',
      message:
        'expected one of `ok`, `EINVAL`, `EBUSY`, `EEXIST`, `ENOENT` for `expect`, found an integer `22`',
      text: '22',
    },
  ],
  'yaml-alias/catalog.yaml': [
    {
      code: 'KV0108',
      severity: 'error',
      at: 'yaml-alias/catalog.yaml:5:13',
      message: 'yaml alias `*console` is not supported',
      text: '*console',
      help: 'write the value out in full',
    },
  ],
  'missing-catalog-file/plan.yaml': [
    {
      code: 'KV0109',
      severity: 'error',
      at: 'missing-catalog-file/plan.yaml:1:10',
      message: 'cannot read catalog `streams.yaml`: no such file',
      text: 'streams.yaml',
      help: `looked for \`${fixture('missing-catalog-file/streams.yaml')}\` (relative to the plan file)`,
    },
  ],
  'not-utf8-text/catalog.yaml': [
    {
      code: 'KV0109',
      severity: 'error',
      at: 'not-utf8-text/catalog.yaml:1:1',
      message: `cannot read \`${fixture('not-utf8-text/catalog.yaml')}\`: not valid utf-8 text`,
      text: '',
    },
  ],
  'invalid-names/catalog.yaml': [
    {
      code: 'KV0110',
      severity: 'error',
      at: 'invalid-names/catalog.yaml:2:11',
      message: 'invalid module name `test klp state`',
      text: 'test klp state',
      help: 'a module name uses only letters, digits, `_` and `-`',
    },
    {
      code: 'KV0110',
      severity: 'error',
      at: 'invalid-names/catalog.yaml:3:11',
      message: 'invalid module name `""`',
      text: '""',
      help: 'a module name uses only letters, digits, `_` and `-`',
    },
    {
      code: 'KV0110',
      severity: 'error',
      at: 'invalid-names/catalog.yaml:6:19',
      message: 'invalid object name `"vmlinux.o/x"`',
      text: '"vmlinux.o/x"',
      help: 'an object is `vmlinux` or a module name (letters, digits, `_` and `-`)',
    },
    {
      code: 'KV0110',
      severity: 'error',
      at: 'invalid-names/catalog.yaml:7:34',
      message: 'invalid function name `"cmdline proc_show"`',
      text: '"cmdline proc_show"',
      help: 'a function name is a symbol name such as `cmdline_proc_show`',
    },
  ],
  'duplicate-patch-names/catalog.yaml': [
    {
      code: 'KV0111',
      severity: 'error',
      at: 'duplicate-patch-names/catalog.yaml:4:11',
      message: 'duplicate patch name `test_klp_state`',
      text: 'test_klp_state',
      related: ['`test_klp_state` first declared here @ duplicate-patch-names/catalog.yaml:2:11'],
    },
    {
      code: 'KV0111',
      severity: 'error',
      at: 'duplicate-patch-names/catalog.yaml:5:11',
      message: 'duplicate patch name `test_klp_state2`: same module as `test-klp-state2`',
      text: 'test_klp_state2',
      help: 'kbuild names modules with `-` replaced by `_`',
      related: ['`test-klp-state2` first declared here @ duplicate-patch-names/catalog.yaml:3:11'],
    },
  ],
  'state-id-zero/catalog.yaml': ['4:13 0', '5:13 "0x0"', '6:13 "000"'].map((x) => {
    const [pos, text = ''] = x.split(' ');
    return {
      code: 'KV0112',
      severity: 'error',
      at: `state-id-zero/catalog.yaml:${pos}`,
      message: `invalid state id \`${text}\`: ${STATE_ID_ZERO}`,
      text,
      help: 'state ids start at 1; real patches use random 64-bit constants',
    };
  }),
  'out-of-range-integers/catalog.yaml': [
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:3:18',
      message: 'value `4294967296` for `replace_set` is out of range',
      text: '4294967296',
      help: '`replace_set` is an unsigned integer from 0 to 4294967295',
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:5:13',
      message: 'state id `18446744073709551616` is out of range',
      text: '18446744073709551616',
      help: STATE_ID_RANGE,
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:6:18',
      message: 'value `4294967296` for `version` is out of range',
      text: '4294967296',
      help: '`version` is an unsigned integer from 0 to 4294967295',
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:7:13',
      message: 'state id `"0x10000000000000000"` is out of range',
      text: '"0x10000000000000000"',
      help: STATE_ID_RANGE,
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:8:18',
      message: 'value `-1` for `version` is out of range',
      text: '-1',
      help: '`version` is an unsigned integer from 0 to 4294967295',
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:9:13',
      message: 'state id `-1` is out of range',
      text: '-1',
      help: STATE_ID_RANGE,
    },
    {
      code: 'KV0113',
      severity: 'error',
      at: 'out-of-range-integers/catalog.yaml:11:61',
      message: 'value `-1` for `sympos` is out of range',
      text: '-1',
      help: '`sympos` is an unsigned integer from 0 to 4294967295',
    },
  ],
  'duplicate-state-id/catalog.yaml': [
    {
      code: 'KV0114',
      severity: 'warning',
      at: 'duplicate-state-id/catalog.yaml:7:13',
      message: 'duplicate state id `0x1` in patch `test_klp_state`: the first one counts',
      text: '0x1',
      help: 'remove the later entry',
      related: [
        'the kernel uses this entry (`klp_get_state()` returns the first) @ duplicate-state-id/catalog.yaml:4:9',
      ],
    },
  ],
  'both-catalog-and-patches/plan.yaml': [
    {
      code: 'KV0120',
      severity: 'error',
      at: 'both-catalog-and-patches/plan.yaml:2:1',
      message: 'plan has both `catalog` and `patches`',
      text: 'patches',
      help: 'name a catalog file with `catalog:` or list the patches inline, not both',
      related: ['`catalog` given here @ both-catalog-and-patches/plan.yaml:1:1'],
    },
  ],
  'no-catalog/plan.yaml': [
    {
      code: 'KV0121',
      severity: 'error',
      at: 'no-catalog/plan.yaml:1:1',
      message: 'plan has no catalog',
      text: 'rules: upstream\nsteps:\n  - insmod: test_klp_state',
      help: 'add `catalog: <file>` or an inline `patches:` list',
    },
  ],
  'unknown-patch-names/plan.yaml': [
    {
      code: 'KV0122',
      severity: 'error',
      at: 'unknown-patch-names/plan.yaml:4:11',
      message: 'unknown patch `test_klp_stat`: not in the catalog',
      text: 'test_klp_stat',
      help: 'did you mean `test_klp_state`?',
    },
    {
      code: 'KV0122',
      severity: 'error',
      at: 'unknown-patch-names/plan.yaml:6:13',
      message: 'unknown patch `test_klp_state3`: not in the catalog',
      text: 'test_klp_state3',
      help: 'did you mean `test_klp_state`?',
    },
    {
      code: 'KV0122',
      severity: 'error',
      at: 'unknown-patch-names/plan.yaml:7:13',
      message: 'unknown patch `livepatch_sample`: not in the catalog',
      text: 'livepatch_sample',
      help: 'the catalog declares `test_klp_state`, `test_klp_state2`',
    },
  ],
  'step-without-operation/plan.yaml': [
    {
      code: 'KV0104',
      severity: 'error',
      at: 'step-without-operation/plan.yaml:4:5',
      message: 'unknown key `insmd` in a step',
      text: 'insmd',
      help: 'did you mean `insmod`?',
    },
    {
      code: 'KV0123',
      severity: 'error',
      at: 'step-without-operation/plan.yaml:5:5',
      message: 'step has no operation',
      text: 'expect: EINVAL',
      help: 'a step needs one of `insmod`, `rmmod`, `enable`, `disable`, `force`, `complete`',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'step-without-operation/plan.yaml:6:5',
      message: 'expected a mapping for a step, found a string `insmod test_klp_state`',
      text: 'insmod test_klp_state',
      help: 'write `insmod: test_klp_state`',
    },
  ],
  'step-with-two-operations/plan.yaml': [
    {
      code: 'KV0124',
      severity: 'error',
      at: 'step-with-two-operations/plan.yaml:4:31',
      message: 'step has more than one operation: `insmod` and `rmmod`',
      text: 'rmmod',
      help: 'put each operation in a step of its own',
      related: ['first operation here @ step-with-two-operations/plan.yaml:4:7'],
    },
    {
      code: 'KV0124',
      severity: 'error',
      at: 'step-with-two-operations/plan.yaml:6:5',
      message: 'step has more than one operation: `disable` and `complete`',
      text: 'complete',
      help: 'put each operation in a step of its own',
      related: ['first operation here @ step-with-two-operations/plan.yaml:5:5'],
    },
  ],
  'catalog-given-as-plan/plan.yaml': [
    {
      code: 'KV0150',
      severity: 'error',
      at: 'catalog-given-as-plan/plan.yaml:4:1',
      message: 'the plan has no steps',
      text: 'patches:',
      help: 'this looks like a catalog, not a plan: a plan lists operations under `steps:`; ask about a catalog with `klp-verify prove`, `conflicts` or `upgrade --catalog FILE`',
    },
  ],
  'duplicate-initial-patch/plan.yaml': [
    {
      code: 'KV0125',
      severity: 'error',
      at: 'duplicate-initial-patch/plan.yaml:4:44',
      message: 'patch `test_klp_state` is listed twice in `initial`',
      text: 'test_klp_state',
      help: 'a module can be loaded only once',
      related: ['first listed here @ duplicate-initial-patch/plan.yaml:4:11'],
    },
  ],
  'errors-in-catalog-file/plan.yaml': [
    {
      code: 'KV0103',
      severity: 'error',
      at: 'errors-in-catalog-file/catalog.yaml:3:14',
      message: 'expected `true` or `false` for `replace`, found a string `yes`',
      text: 'yes',
      help: 'YAML 1.2 reads `yes` as a string: write `true` or `false`',
    },
    {
      code: 'KV0112',
      severity: 'error',
      at: 'errors-in-catalog-file/catalog.yaml:5:20',
      message: `invalid state id \`0\`: ${STATE_ID_ZERO}`,
      text: '0',
      help: 'state ids start at 1; real patches use random 64-bit constants',
    },
    {
      code: 'KV0103',
      severity: 'error',
      at: 'errors-in-catalog-file/plan.yaml:1:8',
      message: 'expected a string for `rules`, found an integer `5`',
      text: '5',
    },
    {
      code: 'KV0122',
      severity: 'error',
      at: 'errors-in-catalog-file/plan.yaml:5:13',
      message: 'unknown patch `test_klp_state4`: not in the catalog',
      text: 'test_klp_state4',
      help: 'did you mean `test_klp_state`?',
    },
  ],
  'path-outside-plan-folder/plan.yaml': [
    {
      code: 'KV0128',
      severity: 'error',
      at: 'path-outside-plan-folder/plan.yaml:1:10',
      message: "catalog `../valid-selftest-catalog/catalog.yaml` is outside the plan's folder",
      text: '../valid-selftest-catalog/catalog.yaml',
      help: 'plans name files next to them or below; pass `--allow-outside` to read it anyway',
    },
  ],
  'nested-too-deeply/catalog.yaml': [
    {
      code: 'KV0129',
      severity: 'error',
      at: 'nested-too-deeply/catalog.yaml:3:85',
      message: 'the document is nested more than 64 levels deep',
      text: '',
      help: 'a catalog needs only a few levels of lists and mappings',
    },
  ],
  'yaml-directive/catalog.yaml': [
    {
      code: 'KV0130',
      severity: 'error',
      at: 'yaml-directive/catalog.yaml:1:1',
      message: 'yaml directive `%YAML` is not supported',
      text: '%YAML 1.1',
      help: 'inputs are read as YAML 1.2 core schema, like JSON; remove the directive (a `%YAML 1.1` would turn `yes` into true and `010` into 8)',
    },
  ],
  'not-a-catalog-file/catalog.yaml': [
    {
      code: 'KV0131',
      severity: 'error',
      at: 'not-a-catalog-file/catalog.yaml:1:1',
      message: `\`${fixture('not-a-catalog-file/catalog.yaml')}\` is not a catalog file`,
      text: '',
      help: 'a catalog file is a YAML or JSON mapping with `patches`',
    },
  ],
  'name-too-long/catalog.yaml': [
    {
      code: 'KV0132',
      severity: 'error',
      at: 'name-too-long/catalog.yaml:2:11',
      message: `module name \`klp_${'x'.repeat(35)}…\` is 57 characters long`,
      text: `klp_${'x'.repeat(53)}`,
      help: 'the kernel allows at most 55 characters (MODULE_NAME_LEN is 56 with the final NUL)',
    },
  ],
};

describe('diagnostics of each fixture', () => {
  it('every fixture that is not a valid-* case is listed here', () => {
    const problems = fixtureEntries().filter((f) => !f.startsWith('valid-'));
    expect(problems.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [file, expected] of Object.entries(CASES)) {
    it(file, () => {
      const result = loadFixture(file);
      expect(result.diagnostics.map(seen)).toEqual(expected);
      const errors = expected.some((d) => d.severity === 'error');
      expect(result.value === null).toBe(errors);
    });
  }
});

describe('rendering', () => {
  it('shows file:line:col, the code, the frame with the span underlined and the help', () => {
    const { diagnostics } = parseCatalog(
      new Source('streams.yaml', 'patches:\n  - name: a\n    replase: true\n'),
    );
    expect(diagnostics.map(renderDiagnostic)).toEqual([
      [
        'streams.yaml:3:5: error[KV0104]: unknown key `replase` in a patch',
        '  |',
        '3 |     replase: true',
        '  |     ^^^^^^^',
        '  = help: did you mean `replace`?',
      ].join('\n'),
    ]);
  });

  it('an unreadable file is reported on an empty source named by its path', () => {
    const path = fixture('no-such-case/catalog.yaml');
    const { value, diagnostics } = loadCatalogFile(path);
    expect(value).toBeNull();
    expect(diagnostics.map(renderDiagnostic)).toEqual([
      [`${path}:1:1: error[KV0109]: cannot read \`${path}\`: no such file`].join('\n'),
    ]);
  });

  it('a directory is not a catalog file', () => {
    const { diagnostics } = loadCatalogFile(fixture('yaml-alias'));
    expect(diagnostics.map((d) => d.message)).toEqual([
      `cannot read \`${fixture('yaml-alias')}\`: is a directory`,
    ]);
  });
});

describe('one run reports every problem', () => {
  it('of a plan and its catalog file, in both files, sorted by file and position', () => {
    const { diagnostics } = loadFixture('errors-in-catalog-file/plan.yaml');
    expect(diagnostics.map((d) => seen(d).at)).toEqual([
      'errors-in-catalog-file/catalog.yaml:3:14',
      'errors-in-catalog-file/catalog.yaml:5:20',
      'errors-in-catalog-file/plan.yaml:1:8',
      'errors-in-catalog-file/plan.yaml:5:13',
    ]);
  });

  it('of many kinds in one catalog file', () => {
    const codes = loadFixture('wrong-value-types/catalog.yaml').diagnostics.map((d) => d.code);
    expect(codes).toHaveLength(11);
    const mixed = loadFixture('json-wrong-value-types/catalog.json').diagnostics.map((d) => d.code);
    expect(new Set(mixed)).toEqual(new Set(['KV0103', 'KV0104', 'KV0112']));
  });
});
