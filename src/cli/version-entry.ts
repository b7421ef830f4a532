import { VERSION_LINE } from '../version.ts';

// A bare `rayctl --version`, which scripts and version checks run often: the bin starts this entry instead of the
// program, so the line commander would print comes without loading commander and the command table (~20 ms).
process.stdout.write(`${VERSION_LINE}\n`);
