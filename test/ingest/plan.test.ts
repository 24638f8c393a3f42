/**
 * Valid plans: steps, defaults, inline and file catalogs (YAML and JSON alike), paths
 * resolved against the plan file, and an injected file reader.
 */
import { describe, expect, it } from 'vitest';
import { setReaderLimits } from '../../src/ingest/fs.ts';
import { loadPlanFile, type Plan, parsePlan } from '../../src/ingest/index.ts';
import { formatOp } from '../../src/model/op.ts';
import { patch } from '../../src/model/patch.ts';
import { Source } from '../../src/source/source.ts';
import { fixture, seen, textAt } from './helpers.ts';

function load(file: string): Plan {
  const { value, diagnostics } = loadPlanFile(fixture(file));
  expect(diagnostics).toEqual([]);
  if (value === null) throw new Error(`${file} did not load`);
  return value;
}

/** The plan without sources and spans, for comparing plans read from different files. */
function model(plan: Plan) {
  return {
    rules: plan.rules.value,
    transitions: plan.transitions,
    patches: plan.catalog.patches,
    initial: plan.initial.map((x) => x.name),
    steps: plan.steps.map((s) => [formatOp(s.op), s.expect]),
  };
}

describe('a plan with a catalog file', () => {
  const yaml = load('valid-selftest-plan/plan.yaml');

  it('reads the steps in order with their expected results', () => {
    expect(model(yaml)).toEqual({
      rules: 'upstream',
      transitions: 'auto',
      patches: [
        patch('test_klp_state', { replace: true, states: [{ id: 1, version: 1 }] }),
        patch('test_klp_state2', { replace: true, states: [{ id: 1, version: 2 }] }),
      ],
      initial: [],
      steps: [
        ['insmod test_klp_state2', 'ok'],
        ['complete', 'ok'],
        ['insmod test_klp_state', 'EINVAL'],
        ['disable test_klp_state2', 'ok'],
        ['complete', 'ok'],
        ['rmmod test_klp_state2', 'ok'],
      ],
    });
    expect(yaml.steps[2]?.op).toEqual({ kind: 'insmod', patch: 'test_klp_state' });
    expect(yaml.steps[1]?.op).toEqual({ kind: 'complete' });
  });

  it('defaults the rule set to `upstream` with no span', () => {
    expect(yaml.rules).toEqual({ value: 'upstream', span: null });
  });

  it('keeps the catalog file as its own source, resolved next to the plan', () => {
    const file = fixture('valid-selftest-plan/catalog.yaml');
    expect(yaml.catalogSource?.file).toBe(file);
    expect(yaml.catalog.decls.get('test_klp_state2')?.source.file).toBe(file);
  });

  it('points each step at its text in the plan', () => {
    expect(yaml.steps.map((s) => s.source.file)).toEqual(
      yaml.steps.map(() => fixture('valid-selftest-plan/plan.yaml')),
    );
    expect(yaml.steps.map((s) => textAt(s.source, s.span))).toEqual([
      'insmod: test_klp_state2',
      'complete: true',
      'insmod: test_klp_state\n    expect: EINVAL',
      'disable: test_klp_state2',
      'complete: true',
      'rmmod: test_klp_state2',
    ]);
  });

  it('reads the same from JSON as from YAML', () => {
    const json = load('valid-selftest-plan/plan.json');
    expect(model(json)).toEqual(model(yaml));
    expect(json.catalogSource?.file).toBe(fixture('valid-selftest-plan/catalog.json'));
  });
});

describe('a plan with inline patches', () => {
  const plan = load('valid-inline-plan/plan.yaml');

  it('reads every operation, every result, `initial`, `rules` and `transitions`', () => {
    expect(model(plan)).toEqual({
      rules: 'rules/replace-set.klp',
      transitions: 'manual',
      patches: [
        patch('base', { states: [{ id: 1, version: 1 }] }),
        patch('fix', { replace: true, states: [{ id: 1, version: 2 }] }),
      ],
      initial: ['base'],
      steps: [
        ['insmod fix', 'ok'],
        ['force fix', 'ok'],
        ['enable fix', 'EINVAL'],
        ['disable fix', 'ok'],
        ['complete', 'ok'],
        ['rmmod base', 'EBUSY'],
        ['insmod fix', 'EEXIST'],
        ['enable base', 'ENOENT'],
        ['rmmod fix', 'ok'],
      ],
    });
  });

  it('has no catalog source; declarations point into the plan', () => {
    expect(plan.catalogSource).toBeNull();
    expect(plan.catalog.decls.get('fix')?.source).toBe(plan.source);
  });

  it('keeps the spans of `rules` and of each `initial` name', () => {
    expect(plan.rules.span && textAt(plan.source, plan.rules.span)).toBe('rules/replace-set.klp');
    expect(plan.initial.map((x) => plan.source.location(x.span.start))).toEqual([
      `${fixture('valid-inline-plan/plan.yaml')}:9:11`,
    ]);
  });

  it('must have steps: a catalog given as a plan is bad input (KV0150)', () => {
    const catalogOnly = parsePlan(new Source('p.yaml', 'patches: []\n'));
    expect(catalogOnly.value).toBeNull();
    expect(catalogOnly.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['KV0150', 'the plan has no steps'],
    ]);
    expect(catalogOnly.diagnostics[0]?.help).toMatch(/looks like a catalog/);
    const empty = parsePlan(new Source('p.yaml', 'patches: []\nsteps: []\n'));
    expect(empty.value).toBeNull();
    expect(empty.diagnostics[0]?.help).toMatch(/list the operations/);
  });
});

describe('the catalog file reader', () => {
  const catalog = 'patches:\n  - name: a\n';
  const plan = (path: string) =>
    new Source('plans/nightly.yaml', `catalog: ${path}\nsteps:\n  - insmod: a\n`);

  it('gets paths relative to the plan directory, and refuses paths outside it', () => {
    const asked: string[] = [];
    const readFile = (path: string) => {
      asked.push(path);
      return catalog;
    };
    expect(parsePlan(plan('streams/x.yaml'), readFile).value?.catalogSource?.file).toBe(
      'plans/streams/x.yaml',
    );
    for (const outside of ['/srv/x.yaml', '../x.yaml', 'streams/../../x.yaml']) {
      const { value, diagnostics } = parsePlan(plan(outside), readFile);
      expect(value).toBeNull();
      expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
        ['KV0128', `catalog \`${outside}\` is outside the plan's folder`],
      ]);
    }
    expect(asked).toEqual(['plans/streams/x.yaml']);
  });

  it('reads paths outside the plan directory with --allow-outside', () => {
    const asked: string[] = [];
    setReaderLimits({ allowOutside: true });
    try {
      const read = (path: string) => {
        asked.push(path);
        return catalog;
      };
      expect(parsePlan(plan('/srv/x.yaml'), read).value?.catalogSource?.file).toBe('/srv/x.yaml');
    } finally {
      setReaderLimits({});
    }
    expect(asked).toEqual(['/srv/x.yaml']);
  });

  it('reports problems of the catalog against the catalog file', () => {
    const { diagnostics } = parsePlan(
      plan('x.yaml'),
      () => 'patches:\n  - name: a\n    replace: 1\n',
    );
    expect(diagnostics.map((d) => d.source.location(d.span.start))).toEqual(['plans/x.yaml:3:14']);
  });

  it('turns file system errors into a diagnostic at the `catalog` value', () => {
    const denied = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    const { value, diagnostics } = parsePlan(plan('x.yaml'), denied);
    expect(value).toBeNull();
    expect(diagnostics.map((d) => seen(d))).toEqual([
      {
        code: 'KV0109',
        severity: 'error',
        at: expect.stringMatching(/nightly\.yaml:1:10$/),
        message: 'cannot read catalog `x.yaml`: permission denied',
        text: 'x.yaml',
        help: 'looked for `plans/x.yaml` (relative to the plan file)',
      },
    ]);
  });

  it('lets any other failure through', () => {
    const broken = () => {
      throw new RangeError('reader bug');
    };
    expect(() => parsePlan(plan('x.yaml'), broken)).toThrow('reader bug');
  });
});
