// Runs one command's bundle the way the launcher does (src/cli/run-bundle.ts, with its code cache), whatever the
// arguments name: own-bundles.test.ts gives a bundle a command it does not carry. Run: node --import tsx run-bundle.ts
// BUNDLE_FILE ARGS...
import { pathToFileURL } from 'node:url';
import { runCommandBundle } from '../../../src/cli/run-bundle.ts';

const [bundle] = process.argv.splice(2, 1);
if (!bundle) throw new Error('usage: run-bundle.ts BUNDLE_FILE ARGS...');
runCommandBundle(pathToFileURL(bundle), false);
