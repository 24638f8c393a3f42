// Bundles the command line and the library into dist/ with esbuild (a dependency of tsx), so
// `klp-verify` starts without compiling TypeScript. npm runs it as `prepare` on `npm ci` and
// before `npm pack`. z3-solver stays outside the bundle: it ships WASM and is loaded only by the
// commands that ask the solver.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['z3-solver'],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (yaml) may call require().
  banner: {
    js: "import { createRequire as __klpRequire } from 'node:module'; const require = __klpRequire(import.meta.url);",
  },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.mjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs' }),
]);
