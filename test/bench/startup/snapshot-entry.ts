// The entry of a V8 start-up snapshot of `rayctl template` (see ../cli-startup.ts --snapshot): the command's code and
// the built-in chart are loaded and compiled while the snapshot is built, so a run starts with them in the heap.
import { startupSnapshot } from 'node:v8';
import { templateCommand } from '../../../src/cli/commands/template.ts';
import { loadBuiltinChart } from '../../../src/chart/load.ts';

void loadBuiltinChart();
startupSnapshot.setDeserializeMainFunction(() => {
  // `node --snapshot-blob BLOB template x`: argv[1] is the command.
  void templateCommand().parseAsync(process.argv.slice(2), { from: 'user' });
});
