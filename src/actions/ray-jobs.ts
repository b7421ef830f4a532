// Ray's Jobs REST API on the head's dashboard port (verified against Ray 2.60.0), typed by us, reached through the
// API server's service proxy (`services/<cluster>-ray-head:dashboard/proxy`): nothing to forward, nothing installed
// in the cluster, and RBAC decides who may submit (the `services/proxy` permission).
import { createHash } from 'node:crypto';
import { UserError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeError } from '../kube/errors.ts';
import { clusterPodSelector, headServiceName } from '../operator/labels.ts';

export type JobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';
export const ENDED: readonly JobStatus[] = ['STOPPED', 'SUCCEEDED', 'FAILED'];

/** A job as the Jobs API describes it (the fields rayctl shows; Ray sends more). */
export interface JobDetails {
  submission_id: string | null;
  job_id: string | null;
  status: JobStatus;
  entrypoint: string;
  message?: string | null;
  error_type?: string | null;
  /** Milliseconds since the epoch. */
  start_time?: number | null;
  end_time?: number | null;
  runtime_env?: Record<string, unknown> | null;
  metadata?: Record<string, string> | null;
}

export interface SubmitRequest {
  entrypoint: string;
  submission_id?: string;
  runtime_env?: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/** HTTP to one cluster's dashboard: what the client needs, so tests can serve it from memory. */
export interface DashboardHttp {
  /** JSON in and out; a Uint8Array body goes as bytes. Rejects with Ray's error text on a non-2xx answer. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export class RayJobsClient {
  constructor(private readonly http: DashboardHttp) {}

  submit(request: SubmitRequest): Promise<{ submission_id: string; job_id?: string | null }> {
    return this.http.request('POST', '/api/jobs/', request);
  }

  get(id: string): Promise<JobDetails> {
    return this.ofJob(id, 'GET', '');
  }

  list(): Promise<JobDetails[]> {
    return this.http.request('GET', '/api/jobs/');
  }

  stop(id: string): Promise<{ stopped: boolean }> {
    return this.ofJob(id, 'POST', '/stop');
  }

  async logs(id: string): Promise<string> {
    return (await this.ofJob<{ logs: string }>(id, 'GET', '/logs')).logs;
  }

  /** A call about one job; Ray's 404 becomes an error naming the job. */
  private async ofJob<T>(id: string, method: string, suffix: string): Promise<T> {
    try {
      return await this.http.request<T>(method, `/api/jobs/${encodeURIComponent(id)}${suffix}`);
    } catch (error) {
      if (isStatus(error, 404))
        throw new UserError(`no job "${id}" on this cluster`, 'list them with `rayctl job list CLUSTER`');
      throw error;
    }
  }

  /**
   * Uploads a zipped working directory unless the cluster has it already; returns its `gcs://` URI for the
   * runtime_env. Named by content, as Ray's own client does, so an unchanged directory is sent once.
   */
  async uploadPackage(zip: Buffer): Promise<string> {
    const name = `_ray_pkg_${createHash('sha256').update(zip).digest('hex').slice(0, 32)}.zip`;
    const path = `/api/packages/gcs/${name}`;
    try {
      await this.http.request('GET', path);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      await this.http.request('PUT', path, zip);
    }
    return `gcs://${name}`;
  }
}

const isStatus = (error: unknown, status: number) => error instanceof KubeError && error.status === status;

/** The dashboard of RayCluster `cluster` through the API server's service proxy. */
export function dashboardThroughApiServer(client: KubeClient, namespace: string, cluster: string): DashboardHttp {
  const service = headServiceName(cluster);
  const base = `/api/v1/namespaces/${namespace}/services/${service}:dashboard/proxy`;
  return {
    request: async <T>(method: string, path: string, body?: unknown) => {
      // The RBAC verb of the call, so a refusal names the missing permission.
      const verb = { GET: 'get', POST: 'create', PUT: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
      const extra = body instanceof Uint8Array ? { body, contentType: 'application/zip' } : body ? { body } : {};
      try {
        return await client.request<T>(
          method,
          `${base}${path}`,
          { verb, resource: 'services/proxy', namespace, name: service },
          extra,
        );
      } catch (error) {
        // The API server answers 503 while nothing listens behind the Service (head starting or gone).
        if (isStatus(error, 503) || isStatus(error, 502))
          throw new UserError(
            `the Ray dashboard of cluster "${cluster}" does not answer (${(error as Error).message})`,
            `is the head Running and Ray started? \`rayctl status\` or \`kubectl -n ${namespace} get pods -l ${clusterPodSelector(cluster)}\``,
          );
        throw error;
      }
    },
  };
}

/**
 * Prints a job's log as it grows until the job ends, and returns how it ended. The Jobs API serves the whole log on
 * every call; what was printed is skipped, so a line is never printed twice.
 */
export async function followJob(
  jobs: RayJobsClient,
  id: string,
  write: (text: string) => void,
  options: { intervalMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<JobDetails> {
  const { intervalMs = 1_000, sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)) } = options;
  let printed = 0;
  const printNew = async () => {
    const logs = await jobs.logs(id);
    if (logs.length > printed) write(logs.slice(printed));
    printed = Math.max(printed, logs.length);
  };
  for (;;) {
    // Status first: once it reads ended, the log read after it is complete.
    const job = await jobs.get(id);
    await printNew();
    if (ENDED.includes(job.status)) return job;
    await sleep(intervalMs);
  }
}

/** A command line from arguments, quoted for the shell the Jobs API runs the entrypoint with. */
export function entrypointOf(args: readonly string[]): string {
  return args.map((arg) => (/^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
