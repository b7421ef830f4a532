import { Command } from 'commander';
import { HEAD_PORTS, startSession, type HeadPortName } from '../../actions/session.ts';
import { UsageError } from '../../errors.ts';
import { connectFromFlags } from '../cluster-flags.ts';

/** Forwards `names` (with `--port NAME=LOCAL` overrides) until Ctrl-C, printing where each one is reachable. */
export async function forwardUntilStopped(
  cmd: Command,
  cluster: string,
  names: readonly HeadPortName[],
  overrides: readonly string[],
  afterStart: (urls: Map<HeadPortName, string>) => void = () => undefined,
): Promise<void> {
  const locals = parsePorts(overrides, names);
  const { ctx, namespace } = await connectFromFlags(cmd);
  const session = await startSession(ctx, {
    namespace,
    cluster,
    ports: names.map((name) => ({ name, ...(locals.has(name) ? { local: locals.get(name)! } : {}) })),
    report: (line) => process.stderr.write(`${line}\n`),
  });
  const urls = new Map<HeadPortName, string>();
  process.stdout.write(
    `Forwarding to the head of RayCluster ${cluster} (namespace ${namespace}) through the API server:\n`,
  );
  for (const port of session.ports) {
    const url = `${port.name === 'client' ? 'ray' : 'http'}://127.0.0.1:${port.local}`;
    urls.set(port.name, url);
    const moved = port.moved ? `  (${port.remote} was taken)` : '';
    process.stdout.write(`  ${port.name.padEnd(9)} ${url}${moved}\n`);
  }
  if (urls.has('client')) process.stdout.write(`In Python: ray.init("${urls.get('client')}")\n`);
  process.stdout.write('Ctrl-C stops forwarding.\n');
  afterStart(urls);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // Open connections do not hold the exit back.
  await Promise.race([session.close(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  ctx.client.close();
  process.exit(0);
}

function parsePorts(flags: readonly string[], names: readonly HeadPortName[]): Map<HeadPortName, number> {
  const ports = new Map<HeadPortName, number>();
  for (const flag of flags) {
    const match = /^([a-z]+)=(\d+)$/.exec(flag);
    const name = names.find((n) => n === match?.[1]);
    const local = Number(match?.[2]);
    if (!match || !name || !(local >= 1 && local <= 65535))
      throw new UsageError(`--port "${flag}" must be NAME=LOCAL_PORT with NAME one of ${names.join(', ')}`);
    ports.set(name, local);
  }
  return ports;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function sessionCommand(): Command {
  return new Command('session')
    .summary("forward a Ray cluster's dashboard, Ray Client and Serve ports to this machine")
    .description(
      "Forwards the head's dashboard (8265), Ray Client (10001) and Serve (8000) ports to local ports through the API " +
        'server (pods/portforward; nothing is installed in the cluster). A taken default port moves to a free one. Each ' +
        'new connection goes to the current head, so the session keeps working across a head restart. Ctrl-C stops it.',
    )
    .argument('<cluster>', 'RayCluster name')
    .option('--port <name=local>', 'a local port for dashboard, client or serve (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  rayctl -n ray session example-cluster --port dashboard=9265')
    .action(async (cluster: string, flags: { port: string[] }, cmd: Command) => {
      await forwardUntilStopped(
        cmd,
        cluster,
        HEAD_PORTS.map((p) => p.name),
        flags.port,
      );
    });
}
