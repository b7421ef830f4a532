// Local ports that reach a Ray cluster's head through the API server (pods/portforward), for `rayctl session` and
// `rayctl dashboard`. Each new local connection looks up the current head, so a session outlives a head restart.
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.ts';
import { clusterPodSelector } from '../operator/labels.ts';
import { isReady } from '../operator/desired.ts';
import type { Pod } from '../operator/types.ts';
import { PodApi } from '../operator/api.ts';
import type { ActionContext } from './context.ts';
import { readRayCluster } from './read.ts';

/** The head's ports a user reaches: Ray's defaults, as the chart's head Service names them. */
export const HEAD_PORTS = [
  { name: 'dashboard', remote: 8265 },
  { name: 'client', remote: 10001 },
  { name: 'serve', remote: 8000 },
] as const;
export type HeadPortName = (typeof HEAD_PORTS)[number]['name'];

export interface ForwardedPort {
  name: HeadPortName;
  remote: number;
  local: number;
  /** The default local port was taken, so the system chose this one. */
  moved: boolean;
}

export interface SessionRequest {
  namespace: string;
  cluster: string;
  ports: { name: HeadPortName; local?: number }[];
  /** One line about something that happened to a connection (head changed, forwarding failed). */
  report: (line: string) => void;
  /** How long a connection waits for a Ready head (e.g. while it restarts). */
  headWaitMs?: number;
}

export interface Session {
  ports: ForwardedPort[];
  close(): Promise<void>;
}

/** The cluster's head pod that is Running, Ready and not being deleted, or why there is none. */
async function readyHead(ctx: ActionContext, namespace: string, cluster: string): Promise<Pod | string> {
  const list = await new PodApi(ctx.client).list(namespace, clusterPodSelector(cluster, 'head'));
  const heads = list.filter((p) => !p.metadata.deletionTimestamp);
  const ready = heads.find(isReady);
  if (ready) return ready;
  return heads.length === 0
    ? 'it has no head pod yet'
    : `its head pod ${heads[0]!.metadata.name} is ${heads[0]!.status?.phase ?? 'Pending'}, not Ready`;
}

export async function startSession(ctx: ActionContext, request: SessionRequest): Promise<Session> {
  const { namespace, cluster, report } = request;
  await readRayCluster(ctx, namespace, cluster);
  const first = await readyHead(ctx, namespace, cluster);
  if (typeof first === 'string')
    throw new UserError(
      `cannot forward to cluster "${cluster}": ${first}`,
      `wait for it with \`rayctl status ${cluster} -n ${namespace}\` (or install with --wait)`,
    );
  await checkMayForward(ctx, namespace);
  // Loaded here only: no other command pays for the WebSocket library.
  const { forwardPort } = await import('../kube/port-forward.ts');
  let lastHead = first.metadata.name;

  const headWaitMs = request.headWaitMs ?? 120_000;
  const headNow = async (): Promise<string> => {
    const deadline = Date.now() + headWaitMs;
    for (;;) {
      const head = await readyHead(ctx, namespace, cluster);
      if (typeof head !== 'string') {
        if (head.metadata.name !== lastHead) report(`the head is now pod ${head.metadata.name}`);
        lastHead = head.metadata.name;
        return head.metadata.name;
      }
      if (Date.now() > deadline) throw new Error(`no Ready head: ${head}`);
      await sleep(1_000);
    }
  };

  const connect = async (socket: Socket, port: ForwardedPort) => {
    try {
      const remote = await forwardPort(ctx.client, namespace, await headNow(), port.remote);
      socket.pipe(remote).pipe(socket);
      const end = () => {
        socket.destroy();
        remote.destroy();
      };
      socket.on('error', end).on('close', end);
      remote.on('error', (error: Error) => {
        report(`${port.name}: ${error.message}`);
        end();
      });
    } catch (error) {
      report(`${port.name}: cannot forward a connection: ${(error as Error).message}`);
      socket.destroy();
    }
  };

  const servers: Server[] = [];
  const forwarded: ForwardedPort[] = [];
  try {
    for (const wanted of request.ports) {
      const remote = HEAD_PORTS.find((p) => p.name === wanted.name)!.remote;
      const port: ForwardedPort = { name: wanted.name, remote, local: wanted.local ?? remote, moved: false };
      const server = createServer((socket) => void connect(socket, port));
      servers.push(server);
      try {
        await listen(server, port.local);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        if (wanted.local !== undefined)
          throw new UserError(
            `local port ${wanted.local} (--port ${wanted.name}=${wanted.local}) is in use`,
            `choose another, or leave it out to use a free one`,
          );
        await listen(server, 0);
        port.moved = true;
      }
      const address = server.address();
      if (address && typeof address === 'object') port.local = address.port;
      forwarded.push(port);
    }
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
  return { ports: forwarded, close: () => Promise.all(servers.map(close)).then(() => undefined) };
}

/** Asks the API server whether this user may forward ports in `namespace`, so a refusal names the permission now. */
async function checkMayForward(ctx: ActionContext, namespace: string): Promise<void> {
  const review = await ctx.client.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    { verb: 'create', resource: 'selfsubjectaccessreviews' },
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        // Port-forwarding is `create` on the pods/portforward subresource.
        spec: { resourceAttributes: { namespace, verb: 'create', resource: 'pods', subresource: 'portforward' } },
      },
    },
  );
  if (!review.status?.allowed)
    throw new UserError(
      `forbidden: you may not create pods/portforward in namespace "${namespace}" (context "${ctx.client.contextName}"), which forwarding needs`,
      'ask a cluster admin for that permission (verb create, resource pods/portforward), or use a context that has it',
    );
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}
