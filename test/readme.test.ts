/**
 * Doc test: every `$ npx klp-verify ...` block of README.md shows exactly what the command
 * prints today. Refresh with `npx tsx scripts/update-readme.ts`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consoleBlocks, runForReadme } from './support/readme-blocks.ts';

const blocks = consoleBlocks(readFileSync('README.md', 'utf8'));

describe('README console blocks', () => {
  it('has some', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });
  for (const block of blocks) {
    it(`klp-verify ${block.args.join(' ')}`, () => {
      expect(runForReadme(block.args)).toBe(block.output);
    });
  }
});
