import { main } from './main.ts';

// `rayctl ... | head` closes the pipe early; like other Unix tools, stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

// Not a top-level await: a command's own bundle is a script (src/build/bundle.ts), where there is none.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
