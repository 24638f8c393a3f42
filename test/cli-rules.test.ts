/**
 * `klp-verify rules list` and `rules check` as users meet them.
 */
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function cli(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

describe('rules list', () => {
  it('lists every shipped rule set with its rules', async () => {
    const r = await cli('rules', 'list');
    expect(r.status).toBe(0);
    for (const name of ['upstream', 'replace', 'block-disable', 'replace-set', 'release-stream']) {
      expect(r.out).toMatch(new RegExp(`^${name} +\\(rules/(kernel|policy)/${name}\\.klp\\)`, 'm'));
    }
    expect(r.out).toMatch(/rule +cumulative-handles-all +Cumulative livepatches must handle all/);
  });

  it('shows conditions for the rule sets named', async () => {
    const r = await cli('rules', 'list', 'upstream');
    expect(r.out).toContain('for old in installed, s in old.states');
    expect(r.out).toContain('require new.version(s.id) >= s.version');
    expect(r.out).not.toContain('replace-set');
  });

  it('gives the rules as JSON', async () => {
    const r = await cli('rules', 'list', 'upstream', '--format', 'json');
    const json: unknown = JSON.parse(r.out);
    expect(json).toMatchObject({
      schemaVersion: 1,
      ruleSets: [
        {
          name: 'upstream',
          enable: { patch: 'new' },
          replaces: { when: 'new.replace' },
        },
      ],
    });
    expect(json).toHaveProperty('ruleSets.0.enable.rules.1.name', 'same-or-higher-version');
    expect(json).toHaveProperty('ruleSets.0.enable.rules.1.errno', 'EINVAL');
  });

  it('suggests a rule set for a typo', async () => {
    const r = await cli('rules', 'list', 'upstrem');
    expect(r.status).toBe(2);
    expect(r.err).toContain('did you mean `upstream`?');
  });
});

describe('rules check', () => {
  it('passes the shipped rule sets', async () => {
    const r = await cli(
      'rules',
      'check',
      'rules/kernel/upstream.klp',
      'rules/kernel/replace-set.klp',
    );
    expect(r.status).toBe(0);
    expect(r.out).toContain('rules/kernel/upstream.klp: rule set `upstream`, 4 rules, ok');
  });

  it('reports a misspelled attribute with its location and a suggestion', async () => {
    const r = await cli('rules', 'check', 'test/fixtures/cli/typo-rule.klp');
    // A rule file with errors is bad input, as a bad plan or catalog is.
    expect(r.status).toBe(2);
    expect(r.err).toMatch(
      /test\/fixtures\/cli\/typo-rule\.klp:9:\d+: error\[KV2\d{3}\]: .*`replase`/,
    );
    expect(r.err).toContain('did you mean `replace`?');
  });

  it('reports an unknown subcommand', async () => {
    const r = await cli('rules', 'show');
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown subcommand `rules show`');
  });
});
