import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { KubeClient, type ConnectOptions } from '../kube/client.ts';
import { UserError } from '../errors.ts';
import { RayController, type ControllerOptions } from './controller.ts';
import { LEADER_LEASE } from './labels.ts';
import { LeaseApi } from './api.ts';
import { connectOnDemand } from './gcs-on-demand.ts';
import type { PodPolicy } from './pod-policy.ts';
import { LeaderElector } from './leader.ts';
import { OperatorLog, type LogFormat, type LogLevel } from './log.ts';
import { OperatorMetrics } from './metrics.ts';

export interface OperatorOptions {
  connect: ConnectOptions;
  /** Watch only this namespace; undefined = all namespaces. */
  namespace?: string;
  concurrency: number;
  resyncMs: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  /** host:port for /healthz, /readyz and /metrics; undefined = no server. */
  metricsAddr?: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** How often the autoscaler reads each cluster's load; 0 = no autoscaler. */
  autoscalerPollMs: number;
  /** GCS polls in flight at once. */
  autoscalerConcurrency: number;
  /** What podConfig may ask for. */
  podPolicy: PodPolicy;
}

/**
 * `rayctl operator`: connects, optionally waits to become leader, runs the controller, serves health and metrics,
 * and on SIGTERM/SIGINT finishes the reconciles in progress and releases the lease before exiting.
 */
export async function runOperator(options: OperatorOptions): Promise<number> {
  const log = new OperatorLog(options.logFormat, options.logLevel);
  // The process metrics sample the event loop every 10 ms and watch every GC: only worth it when someone can read them.
  const metrics = new OperatorMetrics({ processMetrics: options.metricsAddr !== undefined });
  const client = await KubeClient.connect(options.connect);
  const controller = new RayController({
    client,
    log,
    metrics,
    concurrency: options.concurrency,
    resyncMs: options.resyncMs,
    podPolicy: options.podPolicy,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.autoscalerPollMs > 0 ? { autoscaler: autoscalerOptions(options) } : {}),
  });
  const identity = `${process.env.POD_NAME ?? hostname()}_${process.pid}`;
  const elector = options.leaderElect
    ? new LeaderElector(
        new LeaseApi(client),
        {
          namespace: options.leaderElectionNamespace,
          name: LEADER_LEASE,
          identity,
          leaseSeconds: 15,
          renewSeconds: 5,
          retrySeconds: 2,
        },
        log,
      )
    : undefined;
  let ready = false;
  const server = options.metricsAddr ? await serve(options.metricsAddr, metrics, controller, () => ready) : undefined;

  let stopping: Promise<number> | undefined;
  const stop = (code: number, why: string) =>
    (stopping ??= (async () => {
      log.info(`${why}: finishing reconciles in progress`);
      // Statuses waiting to be written are written, unless another replica leads now.
      await controller.stop(why !== 'lost leadership');
      await elector?.release();
      server?.close();
      client.close();
      log.info('stopped');
      return code;
    })());
  const exited = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => void stop(0, 'SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop(0, 'SIGINT').then(resolve));
  });

  log.info(
    `rayctl operator starting: watching ${options.namespace ? `namespace ${options.namespace}` : 'all namespaces'} at ${client.server} (context ${client.contextName}), ${options.concurrency} workers, ${options.autoscalerPollMs > 0 ? `autoscaler polling every ${options.autoscalerPollMs / 1000}s` : 'no autoscaler'}`,
  );
  try {
    await controller.startCaches();
  } catch (err) {
    throw new UserError(`the operator cannot watch RayClusters: ${(err as Error).message}`);
  }
  ready = true;
  if (elector) {
    await Promise.race([elector.acquire(), exited]);
    if (stopping) return exited;
    void elector.keepRenewing(() => void stop(1, 'lost leadership').then((code) => process.exit(code)));
  }
  metrics.leader.set({}, 1);
  controller.startWorkers();
  log.info('reconciling');
  return exited;
}

function autoscalerOptions(options: OperatorOptions): ControllerOptions['autoscaler'] {
  return {
    pollMs: options.autoscalerPollMs,
    concurrency: options.autoscalerConcurrency,
    // gRPC loads here, and only at the first GCS connection (gcs-on-demand.ts).
    connect: connectOnDemand(() => import('./gcs.ts')),
  };
}

async function serve(
  addr: string,
  metrics: OperatorMetrics,
  controller: RayController,
  ready: () => boolean,
): Promise<Server> {
  const match = /^(.*):(\d+)$/.exec(addr);
  if (!match) throw new UserError(`--metrics-addr "${addr}" must be HOST:PORT or :PORT`);
  const [, host, port] = match;
  const server = createServer((req, res) => {
    switch (req.url) {
      case '/healthz':
        res.writeHead(200).end('ok\n');
        return;
      case '/readyz':
        res.writeHead(ready() ? 200 : 503).end(ready() ? 'ok\n' : 'caches not synced\n');
        return;
      case '/metrics':
        controller.updateGauges();
        metrics.render().then(
          (text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(`${(err as Error).message}\n`),
        );
        return;
      default:
        res.writeHead(404).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host || undefined, resolve);
  });
  return server;
}
