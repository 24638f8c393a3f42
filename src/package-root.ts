/**
 * Where klp-verify is installed: the folder of its package.json, found by walking up from this
 * module, so the shipped rule sets and the version are found the same way from the TypeScript
 * sources (src/), the bundle (dist/) and an installed package (node_modules/klp-verify/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"klp-verify"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('klp-verify: cannot find its own package.json');
    dir = up;
  }
}

/** The package root, e.g. `/usr/lib/node_modules/klp-verify`. */
export const PACKAGE_ROOT: string = findRoot();

/**
 * The version in package.json.
 *
 * @example
 * packageVersion() // '0.1.0'
 */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  return typeof pkg === 'object' &&
    pkg !== null &&
    'version' in pkg &&
    typeof pkg.version === 'string'
    ? pkg.version
    : 'unknown';
}
