/**
 * Rewrites the output under every `$ npx klp-verify ...` console block of README.md from a real
 * run, so the tour shows what the tool prints today. test/readme.test.ts fails when they differ.
 *
 * Usage: npx tsx scripts/update-readme.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { consoleBlocks, runForReadme } from '../test/support/readme-blocks.ts';

const path = 'README.md';
let text = readFileSync(path, 'utf8');
for (const block of consoleBlocks(text).reverse()) {
  const first = text.slice(block.start, text.indexOf('\n', block.start));
  text = `${text.slice(0, block.start)}${first}\n${runForReadme(block.args)}${text.slice(block.end)}`;
}
writeFileSync(path, text);
