#!/usr/bin/env node
// Runs the CLI from dist/ (built by `npm run build`, which `npm ci` runs too): the launcher there picks the bundle
// the command line needs. Both are CommonJS: a start through ES modules costs Node ~10 ms more (its ESM loader).
// Stack traces name TypeScript sources only when asked for: source maps cost start-up time.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
try {
  require('../dist/launch.cjs');
} catch (err) {
  // Only the launcher itself missing means "not built"; a module missing further in has a longer require stack.
  if (err?.code !== 'MODULE_NOT_FOUND' || err.requireStack?.length !== 1) throw err;
  process.stderr.write('rayctl is not built: run `npm ci` (or `npm run build`) in the rayctl directory\n');
  process.exit(1);
}
