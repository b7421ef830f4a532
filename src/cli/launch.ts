import { bundleFor } from './command-line.ts';

// What bin/rayctl.js starts: it picks the bundle for the command line before anything else loads (command-line.ts),
// so a line that names a command starts from that command's one file instead of a few dozen chunks.
await import(new URL(`./${bundleFor(process.argv.slice(2))}.mjs`, import.meta.url).href);
