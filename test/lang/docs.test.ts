/**
 * Doc tests: every ```klp block of docs/rules.md checks (blocks marked `bad=CODES` report
 * exactly those codes), every rule-language code is in `LANG_CODES` and documented in
 * docs/diagnostics.md, and every attribute is documented in docs/rules.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../src/lang/checker.ts';
import { LANG_CODES } from '../../src/lang/codes.ts';
import { ATTRIBUTES } from '../../src/lang/types.ts';
import { renderDiagnostic } from '../../src/source/diagnostic.ts';
import { Source } from '../../src/source/source.ts';

const RULES_MD = readFileSync('docs/rules.md', 'utf8');
const DIAGNOSTICS_MD = readFileSync('docs/diagnostics.md', 'utf8');

interface Block {
  readonly line: number;
  readonly bad: readonly string[] | null;
  readonly text: string;
}

function klpBlocks(md: string): Block[] {
  const blocks: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```klp(?:\s+bad=([A-Z0-9,]+))?\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`unclosed klp block at docs/rules.md:${i + 1}`);
    const bad = open[1] === undefined ? null : open[1].split(',');
    blocks.push({ line: i + 1, bad, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const blocks = klpBlocks(RULES_MD);

describe('docs/rules.md', () => {
  it('has examples, good and bad', () => {
    expect(blocks.filter((b) => b.bad === null).length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((b) => b.bad !== null).length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks)('block at line $line', (block) => {
    const r = compileRuleSet(new Source(`docs/rules.md:${block.line}`, block.text));
    if (block.bad === null) {
      expect(r.diagnostics.map(renderDiagnostic)).toEqual([]);
      expect(r.kind).toBe('ok');
    } else {
      expect([...new Set(r.diagnostics.map((d) => d.code))].sort()).toEqual([...block.bad].sort());
    }
  });

  it('documents every attribute', () => {
    for (const a of ATTRIBUTES) {
      const cell = a.form === 'method' ? `\`${a.name}(` : `\`${a.name}\``;
      const row = RULES_MD.split('\n').find((l) => l.startsWith(`| ${a.on} | ${cell}`));
      expect(row, `${a.on}.${a.name}`).toBeDefined();
    }
  });
});

describe('docs/diagnostics.md', () => {
  const section = DIAGNOSTICS_MD.slice(DIAGNOSTICS_MD.indexOf('## Rule language (KV2xxx)'));

  it('documents every code with its title and severity', () => {
    expect(section.startsWith('## Rule language (KV2xxx)')).toBe(true);
    for (const [code, info] of Object.entries(LANG_CODES)) {
      const heading = `### ${code}: ${info.title}${info.severity === 'warning' ? ' (warning)' : ''}`;
      expect(section.split('\n'), code).toContain(heading);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...section.matchAll(/^### (KV2\d{3})/gm)].map((m) => m[1]);
    expect(documented.filter((c) => c === undefined || !(c in LANG_CODES))).toEqual([]);
  });

  it('covers every code used in src/lang', () => {
    const used = new Set<string>();
    for (const f of readdirSync('src/lang', { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.ts')) continue;
      for (const m of readFileSync(join('src/lang', f), 'utf8').matchAll(/KV\d{4}/g))
        used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((c) => !(c in LANG_CODES) || !section.includes(`### ${c}:`))).toEqual(
      [],
    );
  });
});
