import { bundleFor } from './command-line.ts';
import { runCommandBundle } from './run-bundle.ts';

// What bin/rayctl.js starts: it picks the bundle for the command line before anything else loads (command-line.ts),
// so a line that names a command starts from that command's one file instead of a few dozen chunks.
const argv = process.argv.slice(2);
const bundle = new URL(`./${bundleFor(argv)}`, import.meta.url);
if (bundle.pathname.endsWith('.mjs')) await import(bundle.href);
else runCommandBundle(bundle, argv.includes('--debug'));
