#!/usr/bin/env node
// Runs the bundle in dist/ (built by `npm run build`, which `npm ci` runs too).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/rayctl.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('rayctl is not built: run `npm ci` (or `npm run build`) in the rayctl directory\n');
  process.exit(1);
}
// Stack traces name TypeScript sources only when asked for: source maps cost start-up time.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import(bundle.href);
