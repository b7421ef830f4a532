import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../actions/context.ts';
import { UserError } from '../errors.ts';
import { readRayCluster } from '../actions/read.ts';
import { KubeError } from '../kube/errors.ts';
import { EventApi, PodApi } from '../operator/api.ts';
import { clusterPodSelector } from '../operator/labels.ts';

export interface LogsRequest {
  cluster: string;
  namespace: string;
  follow: boolean;
  /** Last N lines (after filtering); undefined = all. */
  tail?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  /** Also the RayCluster's Events, interleaved by time. */
  events: boolean;
  /** Instead of the operator's lines: the Ray pods' own logs. */
  ray?: 'head' | 'workers' | 'all';
}

/** One log line with its time, from whichever source. */
interface Line {
  time: string;
  text: string;
}

interface PodInfo {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; env?: { name: string }[] }[] };
  status?: { phase?: string };
}

const OPERATOR_SELECTOR = 'cluster.ray.io/component=operator';
const REDISCOVER_MS = 5_000;

/**
 * `rayctl logs --cluster`: the lines the operator(s) serving the namespace wrote about one cluster, found wherever
 * the operator runs, merged across replicas in time order. Writes to `out` as lines arrive.
 */
export async function clusterLogs(
  ctx: ActionContext,
  request: LogsRequest,
  out: (line: string) => void,
): Promise<void> {
  await readRayCluster(ctx, request.namespace, request.cluster);
  const sources = request.ray ? await rayPods(ctx, request) : await operatorPods(ctx, request.namespace);
  const prefix = `${request.cluster},${request.namespace}:`;
  const keep = request.ray ? () => true : (text: string) => text.startsWith(prefix);
  const label = (pod: PodInfo, text: string) => (request.ray ? `[${pod.metadata.name}] ${text}` : text);
  const render = (line: Line) => (request.timestamps ? `${line.time} ${line.text}` : line.text);

  // What is there now, from every source, in time order; then --tail. Each source's follow starts where its
  // history ended, so a line written while the others were read (or while this was printed) is not lost.
  const followFrom = new Date().toISOString();
  /** Per pod, where its shown lines end: a stream that starts or is resumed repeats none of them. */
  const shownUpTo = new Map<string, LogPosition>();
  const history: Line[] = [];
  for (const pod of sources) {
    const position: LogPosition = { time: '', atTime: 0 };
    for (const line of await readLog(ctx, pod, { sinceSeconds: request.sinceSeconds })) {
      advance(position, line.time);
      if (keep(line.text)) history.push({ time: line.time, text: label(pod, line.text) });
    }
    shownUpTo.set(pod.metadata.name, position.time ? position : { time: followFrom, atTime: 0 });
  }
  // Events are followed on from the newest one read, or from when the read began.
  let lastEvent = followFrom;
  if (request.events) {
    const events = await eventLines(ctx, request, request.sinceSeconds);
    for (const line of events) if (compareTimes(line.time, lastEvent) > 0) lastEvent = line.time;
    history.push(...events);
  }
  history.sort((a, b) => compareTimes(a.time, b.time));
  const shown = request.tail === undefined ? history : history.slice(Math.max(0, history.length - request.tail));
  for (const line of shown) out(render(line));
  if (!request.follow) return;

  // Follow: stream every source on from there; find new operator pods (restarts, leader changes) as they appear,
  // from the time the history was read.
  const followed = new Set<string>();
  for (;;) {
    // A failed round (the API server restarting, the operator pod being replaced) is retried on the next one.
    const current = await (request.ray ? rayPods(ctx, request) : operatorPods(ctx, request.namespace)).catch(() => []);
    for (const pod of current) {
      const name = pod.metadata.name;
      if (followed.has(name)) continue;
      followed.add(name);
      const position = shownUpTo.get(name) ?? { time: followFrom, atTime: 0 };
      shownUpTo.set(name, position);
      let repeatsToSkip = position.atTime;
      void followLog(ctx, pod, position.time, (line) => {
        const order = compareTimes(line.time, position.time);
        if (order < 0 || (order === 0 && repeatsToSkip-- > 0)) return;
        advance(position, line.time);
        if (keep(line.text)) out(render({ time: line.time, text: label(pod, line.text) }));
      })
        // A pod whose container has not started (400) or that is gone (404): tried again on the next round.
        .catch(() => undefined)
        .finally(() => followed.delete(name));
    }
    if (request.events) {
      const events = await eventLines(ctx, request).catch(() => []);
      for (const line of events.filter((l) => compareTimes(l.time, lastEvent) > 0)) {
        out(render(line));
        lastEvent = line.time;
      }
    }
    await sleep(REDISCOVER_MS);
  }
}

/** Orders RFC 3339 times with any number of fraction digits (the API server trims trailing zeros). */
function timeKey(time: string): string {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : time;
}

function compareTimes(a: string, b: string): number {
  return timeKey(a).localeCompare(timeKey(b));
}

/** The time of the last line shown from a pod and how many lines with that same time were shown. */
interface LogPosition {
  time: string;
  atTime: number;
}

/** Moves `position` past one more line, stamped `time` (lines come in time order). */
function advance(position: LogPosition, time: string): void {
  if (compareTimes(time, position.time) > 0) Object.assign(position, { time, atTime: 0 });
  position.atTime++;
}

/** Operator pods that serve `namespace`: cluster-scoped ones anywhere, namespaced ones in it. */
async function operatorPods(ctx: ActionContext, namespace: string): Promise<PodInfo[]> {
  let pods: PodInfo[];
  try {
    pods = await new PodApi(ctx.client).list<PodInfo>(undefined, OPERATOR_SELECTOR);
  } catch (err) {
    // Without cluster-wide access, a namespaced operator in this namespace can still be found.
    if (!(err instanceof KubeError && err.status === 403)) throw err;
    pods = await new PodApi(ctx.client).list<PodInfo>(namespace, OPERATOR_SELECTOR);
  }
  const serving = pods.filter((pod) => {
    const namespaced = (pod.spec?.containers ?? []).some((c) =>
      (c.env ?? []).some((e) => e.name === 'RAY_OPERATOR_POD_NAMESPACE'),
    );
    return !namespaced || pod.metadata.namespace === namespace;
  });
  if (serving.length === 0) {
    throw new UserError(
      `no Ray operator serves namespace "${namespace}" (no pod labelled ${OPERATOR_SELECTOR} watches it)`,
      'install one with `rayctl install ray-operator --operator-only`; if you run `rayctl operator` yourself, its output is this log',
    );
  }
  return serving;
}

async function rayPods(ctx: ActionContext, request: LogsRequest): Promise<PodInfo[]> {
  const role = request.ray === 'head' ? 'head' : request.ray === 'workers' ? 'worker' : undefined;
  return new PodApi(ctx.client).list<PodInfo>(request.namespace, clusterPodSelector(request.cluster, role));
}

/** A pod's log with the API server's timestamps (to merge sources by time). */
async function readLog(ctx: ActionContext, pod: PodInfo, options: { sinceSeconds?: number }): Promise<Line[]> {
  const { name, namespace } = pod.metadata;
  try {
    const response = await new PodApi(ctx.client).log(namespace, name, {
      ...containerOf(pod),
      ...(options.sinceSeconds === undefined ? {} : { sinceSeconds: options.sinceSeconds }),
    });
    let text = '';
    response.setEncoding('utf8');
    for await (const chunk of response as AsyncIterable<string>) text += chunk;
    return text.split('\n').filter(Boolean).map(splitTimestamp);
  } catch (err) {
    // A pod that has not started has no log yet.
    if (err instanceof KubeError && err.status === 400) return [];
    throw err;
  }
}

async function followLog(ctx: ActionContext, pod: PodInfo, since: string, onLine: (line: Line) => void): Promise<void> {
  const { name, namespace } = pod.metadata;
  const response = await new PodApi(ctx.client).log(namespace, name, {
    ...containerOf(pod),
    follow: true,
    // Seconds back from `since`, rounded up: the caller drops the lines of that second it already showed.
    sinceSeconds: Math.max(1, Math.ceil((Date.now() - Date.parse(since)) / 1000)),
  });
  let buffer = '';
  response.setEncoding('utf8');
  for await (const chunk of response as AsyncIterable<string>) {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(splitTimestamp(line));
  }
}

function splitTimestamp(line: string): Line {
  const space = line.indexOf(' ');
  return space > 0 ? { time: line.slice(0, space), text: line.slice(space + 1) } : { time: '', text: line };
}

/** The container to read: the operator's and Ray's pods have one, named in the spec. */
function containerOf(pod: PodInfo): { container?: string } {
  const container = pod.spec?.containers?.[0]?.name;
  return container ? { container } : {};
}

async function eventLines(ctx: ActionContext, request: LogsRequest, sinceSeconds?: number): Promise<Line[]> {
  const events = await new EventApi(ctx.client).about(request.namespace, 'RayCluster', request.cluster);
  const cutoff = sinceSeconds === undefined ? '' : new Date(Date.now() - sinceSeconds * 1000).toISOString();
  return events
    .map((e) => ({
      time: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '',
      text: `${request.cluster},${request.namespace}: event ${e.type} ${e.reason}: ${e.message}`,
    }))
    .filter((l) => l.time >= cutoff);
}
