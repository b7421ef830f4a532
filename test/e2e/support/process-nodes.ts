// For e2e tests whose pods really run: the node selector and toleration that put a pod on a process node,
// the inspector pod (test/fixtures/process-node/inspector.mjs) that answers questions from inside a pod,
// and waits on pod state.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PROCESS_NODE_LABEL } from '../../cluster/process-node/config.ts';
import { repoRoot } from '../../cluster/paths.ts';
import type { Pod } from '../../cluster/process-node/kube-types.ts';
import { eventually, type KubeHttp } from './cluster.ts';

export { PROCESS_NODE_LABEL };
export type { Pod };

/** Pod spec fields that schedule onto a process node. */
export const onProcessNode = {
  nodeSelector: { [PROCESS_NODE_LABEL]: 'true' },
  tolerations: [{ key: PROCESS_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
};

/** Chart values that put every Ray pod of a release on the process nodes (a values file for -f). */
export const processNodeValuesFile = join(repoRoot, 'test', 'fixtures', 'process-node', 'ray-values.yaml');
/** With processNodeValuesFile: a cluster with a 0-CPU head and 0 to 3 workers that scales on Ray's load. */
export const scaleFromZeroValuesFile = join(repoRoot, 'test', 'fixtures', 'process-node', 'scale-from-zero.yaml');

export const NODE_IMAGE = 'node:20-bookworm-slim';

/** Creates the inspector's ConfigMap in `namespace` (once per namespace). */
export async function createInspectorScript(client: KubeHttp, namespace: string): Promise<void> {
  const script = readFileSync(join(repoRoot, 'test', 'fixtures', 'process-node', 'inspector.mjs'), 'utf8');
  await client.apply(`/api/v1/namespaces/${namespace}/configmaps/inspector`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'inspector', namespace },
    data: { 'inspector.mjs': script },
  });
}

/** A pod running the inspector on a process node; `extra` merges into the spec, `container` into its container. */
export function inspectorPod(
  name: string,
  options: {
    labels?: Record<string, string>;
    spec?: Record<string, unknown>;
    container?: Record<string, unknown>;
  } = {},
): unknown {
  const { volumes = [], ...spec } = (options.spec ?? {}) as { volumes?: unknown[] };
  const { volumeMounts = [], ...container } = (options.container ?? {}) as { volumeMounts?: unknown[] };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name, ...options.labels } },
    spec: {
      ...onProcessNode,
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'app', configMap: { name: 'inspector' } }, ...volumes],
      containers: [
        {
          name: 'inspector',
          image: NODE_IMAGE,
          command: ['node', '/app/inspector.mjs'],
          ports: [{ name: 'http', containerPort: 8080 }],
          // Ready once it answers, not merely once its process runs.
          readinessProbe: { httpGet: { port: 'http', path: '/info' }, periodSeconds: 1 },
          volumeMounts: [{ name: 'app', mountPath: '/app' }, ...volumeMounts],
          ...container,
        },
      ],
      ...spec,
    },
  };
}

export async function createPod(client: KubeHttp, namespace: string, pod: unknown): Promise<Pod> {
  return client.json<Pod>('POST', `/api/v1/namespaces/${namespace}/pods`, pod);
}

export function getPod(client: KubeHttp, namespace: string, name: string): Promise<Pod> {
  return client.get<Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
}

export const isReady = (pod: Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Waits until the pod is Running and Ready; returns it (with its IP). */
export function podReady(client: KubeHttp, namespace: string, name: string, timeoutMs = 60_000): Promise<Pod> {
  return eventually(
    `pod ${namespace}/${name} Running and Ready`,
    async () => {
      const pod = await getPod(client, namespace, name);
      return pod.status?.phase === 'Running' && isReady(pod) && pod.status.podIP ? pod : undefined;
    },
    timeoutMs,
  );
}

/** Waits until `check` holds for the pod. */
export function podWhere(
  client: KubeHttp,
  namespace: string,
  name: string,
  what: string,
  check: (pod: Pod) => boolean,
  timeoutMs = 60_000,
): Promise<Pod> {
  return eventually(
    `pod ${namespace}/${name}: ${what}`,
    async () => {
      const pod = await getPod(client, namespace, name);
      return check(pod) ? pod : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the pod is gone from the API server. */
export function podGone(client: KubeHttp, namespace: string, name: string, timeoutMs = 60_000): Promise<true> {
  return eventually(
    `pod ${namespace}/${name} deleted`,
    async () => (await client.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).status === 404,
    timeoutMs,
  );
}

/** Asks the inspector in the pod at `ip` a question (GET /<question>?<query>); resolves status and parsed body. */
export function ask<T = unknown>(
  ip: string,
  question: string,
  query: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const path = `/${question}?${new URLSearchParams(query).toString()}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 8080, path, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Plain text answer.
        }
        resolve({ status: res.statusCode ?? 0, body: body as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${ip}:8080${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
