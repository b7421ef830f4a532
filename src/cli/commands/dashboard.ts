import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { forwardUntilStopped } from './session.ts';

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .summary("forward a Ray cluster's dashboard to this machine and print its URL")
    .description(
      "The dashboard part of `rayctl session`: the head's port 8265 on a local port, through the API server. " +
        'Ctrl-C stops it.',
    )
    .argument('<cluster>', 'RayCluster name')
    .option('--port <local>', 'the local port (default 8265, or a free one when it is taken)')
    .option('--open', 'open the dashboard in a browser')
    .addHelpText(
      'after',
      '\nExamples:\n  rayctl dashboard example-cluster -n ray --open\n  rayctl dashboard example-cluster -n ray --port 18265',
    )
    .action(async (cluster: string, flags: { port?: string; open?: boolean }, cmd: Command) => {
      await forwardUntilStopped(cmd, cluster, ['dashboard'], flags.port ? [`dashboard=${flags.port}`] : [], (urls) => {
        if (!flags.open) return;
        const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [urls.get('dashboard')!], { stdio: 'ignore', detached: true })
          .on('error', () => process.stderr.write(`cannot start ${opener}: open the URL yourself\n`))
          .unref();
      });
    });
}
