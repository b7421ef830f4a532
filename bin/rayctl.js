#!/usr/bin/env node
// Runs the CLI from dist/ (built by `npm run build`, which `npm ci` runs too): the launcher there picks the bundle
// the command line needs.
const launcher = new URL('../dist/launch.mjs', import.meta.url);
// Stack traces name TypeScript sources only when asked for: source maps cost start-up time.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
try {
  await import(launcher.href);
} catch (err) {
  // Not an existsSync() check first: importing node:fs from ESM costs start-up time on every run.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(new URL('.', launcher).pathname)) throw err;
  process.stderr.write('rayctl is not built: run `npm ci` (or `npm run build`) in the rayctl directory\n');
  process.exit(1);
}
