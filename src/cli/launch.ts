import { VERSION_LINE } from '../version.ts';
import { launchFor } from './command-line.ts';
import { runCommandBundle } from './run-bundle.ts';

// What bin/rayctl.cjs starts (dist/launch.cjs): it picks how to run the command line before anything else loads
// (command-line.ts), so a line that names a command starts from that command's one file instead of a few dozen
// chunks, and a bare --version loads nothing at all.
const argv = process.argv.slice(2);
const launch = launchFor(argv);
if (launch.kind === 'version') process.stdout.write(`${VERSION_LINE}\n`);
else if (launch.kind === 'command')
  runCommandBundle(new URL(`./commands/${launch.name}.cjs`, import.meta.url), argv.includes('--debug'));
else void import(new URL('./rayctl.mjs', import.meta.url).href);
