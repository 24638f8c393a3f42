#!/usr/bin/env node
// Entry point of the `klp-verify` executable. Runs the bundle dist/cli.mjs (built by
// `npm ci` / `npm run build`); in a checkout where a source file is newer than the bundle, or
// without a bundle, runs the TypeScript sources through tsx instead, so a developer never runs
// stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cli.mjs`;

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    const t = e.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.KLP_VERIFY_SOURCES === '1' || !existsSync(bundle)) return false;
  return !existsSync(`${root}src`) || statSync(bundle).mtimeMs >= newestSource(`${root}src`);
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
