// The Jobs API client and the log follower against an in-memory dashboard (the DashboardHttp interface).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entrypointOf, followJob, RayJobsClient, type JobDetails } from '../../../src/actions/ray-jobs.ts';
import { KubeError } from '../../../src/kube/errors.ts';

const notFound = () => new KubeError('not found', { verb: 'get', resource: 'services/proxy' }, 404, 'NotFound');

/** A dashboard whose job writes one log line per poll and ends after `lines` of them. */
function dashboard(lines = 3) {
  const calls: string[] = [];
  const packages = new Map<string, Buffer>();
  let log = '';
  let polls = 0;
  const job = (): JobDetails => ({
    submission_id: 'raysubmit_1',
    job_id: '01000000',
    status: polls >= lines ? 'SUCCEEDED' : 'RUNNING',
    entrypoint: 'python main.py',
  });
  const http = {
    request<T>(method: string, path: string, body?: unknown): Promise<T> {
      calls.push(`${method} ${path}`);
      const answer = (value: unknown) => Promise.resolve(value as T);
      if (path.startsWith('/api/packages/')) {
        if (method === 'PUT') return answer(void packages.set(path, body as Buffer));
        return packages.has(path) ? answer(undefined) : Promise.reject(notFound());
      }
      if (path === '/api/jobs/raysubmit_1') {
        if (polls < lines) log += `line ${++polls}\n`;
        return answer(job());
      }
      if (path === '/api/jobs/raysubmit_1/logs') return answer({ logs: log });
      if (path.startsWith('/api/jobs/')) return Promise.reject(notFound());
      return Promise.reject(new Error(`unexpected ${method} ${path}`));
    },
  };
  return { client: new RayJobsClient(http), calls, packages };
}

describe("Ray's Jobs API client", () => {
  it('follows a log as it grows, printing each line once, and returns how the job ended', async () => {
    const { client } = dashboard(3);
    let printed = '';
    const ended = await followJob(client, 'raysubmit_1', (text) => (printed += text), {
      sleep: () => Promise.resolve(),
    });
    assert.equal(ended.status, 'SUCCEEDED');
    assert.equal(printed, 'line 1\nline 2\nline 3\n');
  });

  it('uploads a working directory once per content, named by its hash', async () => {
    const { client, calls, packages } = dashboard();
    const zip = Buffer.from('PK fake');
    const uri = await client.uploadPackage(zip);
    assert.match(uri, /^gcs:\/\/_ray_pkg_[0-9a-f]{32}\.zip$/);
    assert.equal(await client.uploadPackage(zip), uri);
    assert.equal(calls.filter((c) => c.startsWith('PUT')).length, 1);
    assert.deepEqual([...packages.values()], [zip]);
  });

  it('says which job does not exist', async () => {
    const { client } = dashboard();
    await assert.rejects(client.get('nope'), /no job "nope" on this cluster/);
  });

  it('quotes entrypoint arguments for the shell only where needed', () => {
    assert.equal(entrypointOf(['python', 'main.py', '--lr=0.1']), 'python main.py --lr=0.1');
    assert.equal(entrypointOf(['python', '-c', "print('a b')"]), `python -c 'print('\\''a b'\\'')'`);
  });
});
