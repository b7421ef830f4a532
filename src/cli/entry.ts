import { main } from './main.ts';

// `rayctl ... | head` closes the pipe early; like other Unix tools, stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

process.exitCode = await main(process.argv.slice(2));
