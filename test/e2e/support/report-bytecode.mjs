// Preloaded with --import by own-bundles.test.ts: at exit, how much bytecode V8 holds. A command run from its code
// cache holds the bytecode of every function in its bundle, called or not; a command compiled at start-up, only
// what ran.
import { getHeapCodeStatistics } from 'node:v8';

process.on('exit', () => {
  process.stderr.write(`bytecode: ${getHeapCodeStatistics().bytecode_and_metadata_size}\n`);
});
