#!/usr/bin/env node
// Runs the bundle in dist/ (built by `npm run build`, which `npm ci` runs too); a bare `--version`, its own small entry.
const entry = process.argv.length === 3 && process.argv[2] === '--version' ? 'version' : 'rayctl';
const bundle = new URL(`../dist/${entry}.mjs`, import.meta.url);
// Stack traces name TypeScript sources only when asked for: source maps cost start-up time.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
try {
  await import(bundle.href);
} catch (err) {
  // Not an existsSync() check first: importing node:fs from ESM costs start-up time on every run.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(bundle.pathname)) throw err;
  process.stderr.write('rayctl is not built: run `npm ci` (or `npm run build`) in the rayctl directory\n');
  process.exit(1);
}
