/**
 * The `console` blocks of README.md that show a klp-verify command and its output: the doc
 * test runs each command and compares, scripts/update-readme.ts rewrites them from real runs.
 * Blocks whose command has a pipe are left alone (they need other tools).
 */
import { spawnSync } from 'node:child_process';

export interface ConsoleBlock {
  /** Offsets of the block's body (after the opening fence line, before the closing fence). */
  readonly start: number;
  readonly end: number;
  /** The arguments after `npx klp-verify`. */
  readonly args: readonly string[];
  /** The output as written in the README. */
  readonly output: string;
}

export function consoleBlocks(readme: string): ConsoleBlock[] {
  const blocks: ConsoleBlock[] = [];
  const fence = /```console\n/g;
  for (let m = fence.exec(readme); m !== null; m = fence.exec(readme)) {
    const start = m.index + m[0].length;
    const end = readme.indexOf('```', start);
    const body = readme.slice(start, end);
    const [first, ...rest] = body.split('\n');
    if (first === undefined || !first.startsWith('$ npx klp-verify ') || first.includes('|'))
      continue;
    blocks.push({
      start,
      end,
      args: first.slice('$ npx klp-verify '.length).split(' '),
      output: rest.join('\n'),
    });
  }
  return blocks;
}

/** Runs klp-verify as a user would, stdout and stderr interleaved as a terminal shows them. */
export function runForReadme(args: readonly string[]): string {
  const r = spawnSync(process.execPath, ['bin/klp-verify.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '100', NO_COLOR: '1' },
  });
  return `${r.stdout}${r.stderr}`;
}
