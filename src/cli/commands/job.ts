import { readFileSync, statSync } from 'node:fs';
import chalk from '../colours.ts';
import { Command, Option } from 'commander';
import yaml from 'js-yaml';
import { connectFromFlags } from '../cluster-flags.ts';
import {
  dashboardThroughApiServer,
  ENDED,
  entrypointOf,
  followJob,
  RayJobsClient,
  type JobDetails,
} from '../../actions/ray-jobs.ts';
import { readRayCluster } from '../../actions/read.ts';
import { directoryEntries, zip } from '../../actions/zip.ts';
import { UsageError, UserError } from '../../errors.ts';
import { formatTable, OUTPUT_FORMATS, type OutputFormat } from '../output.ts';

/** Connects, checks that the RayCluster exists, and runs `work` with a Jobs API client for it. */
async function withJobs<T>(cmd: Command, cluster: string, work: (jobs: RayJobsClient) => Promise<T>): Promise<T> {
  const { ctx, namespace } = await connectFromFlags(cmd);
  try {
    await readRayCluster(ctx, namespace, cluster);
    return await work(new RayJobsClient(dashboardThroughApiServer(ctx.client, namespace, cluster)));
  } finally {
    ctx.client.close();
  }
}

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : '');
const idOf = (job: JobDetails) => job.submission_id ?? job.job_id ?? '';

function printJobs(jobs: JobDetails[], format: OutputFormat): void {
  if (format !== 'table') {
    process.stdout.write(format === 'json' ? `${JSON.stringify(jobs, null, 2)}\n` : yaml.dump(jobs));
    return;
  }
  const rows = [...jobs]
    .sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0))
    .map((j) => [
      idOf(j),
      j.status === 'SUCCEEDED' ? chalk.green(j.status) : j.status === 'FAILED' ? chalk.red(j.status) : j.status,
      time(j.start_time),
      time(j.end_time),
      j.entrypoint.length > 60 ? `${j.entrypoint.slice(0, 57)}...` : j.entrypoint,
    ]);
  process.stdout.write(formatTable(['SUBMISSION ID', 'STATUS', 'START', 'END', 'ENTRYPOINT'], rows));
}

/** Exit status of a finished job: 0 when it succeeded; otherwise an error with Ray's message. */
function verdict(job: JobDetails): void {
  if (job.status === 'SUCCEEDED') return;
  throw new UserError(
    `job "${idOf(job)}" ${job.status}${job.message ? `: ${job.message}` : ''}`,
    job.status === 'FAILED' ? 'its log is above; `rayctl job logs CLUSTER ID` prints it again' : undefined,
  );
}

function submitCommand(): Command {
  return new Command('submit')
    .summary('submit a Ray job to a cluster and follow its log until it ends')
    .description(
      "Submits ENTRYPOINT (after --) through Ray's Jobs API on the head's dashboard port, reached through the API\n" +
        "server's service proxy. --working-dir is zipped and uploaded as Ray's own client does, once per content.\n" +
        'Exits 0 when the job succeeds, 1 when it fails or is stopped; Ctrl-C stops following, not the job.',
    )
    .argument('<cluster>', 'RayCluster name')
    .argument('<entrypoint...>', 'the command the job runs on the head, e.g. -- python script.py')
    .option('--working-dir <dir>', 'a local directory the job runs in (uploaded to the cluster)')
    .option('--runtime-env <file>', "a YAML or JSON file with Ray's runtime_env (pip, env_vars, ...)")
    .option('--submission-id <id>', 'the job id to use (default: Ray chooses one)')
    .option('--no-wait', 'return once the job is submitted')
    .addHelpText(
      'after',
      '\nExamples:\n  rayctl -n ray job submit example-cluster --working-dir ./app -- python main.py --epochs 3\n' +
        '  rayctl -n ray job submit example-cluster --no-wait -- python -c "import ray; ray.init()"',
    )
    .action(
      async (
        cluster: string,
        entrypoint: string[],
        flags: { workingDir?: string; runtimeEnv?: string; submissionId?: string; wait: boolean },
        cmd: Command,
      ) => {
        const runtimeEnv = flags.runtimeEnv ? readRuntimeEnv(flags.runtimeEnv) : {};
        const archive = flags.workingDir ? workingDirZip(flags.workingDir) : undefined;
        await withJobs(cmd, cluster, async (jobs) => {
          if (archive) {
            process.stderr.write(`uploading --working-dir ${flags.workingDir} (${archive.length} bytes zipped)\n`);
            runtimeEnv.working_dir = await jobs.uploadPackage(archive);
          }
          const { submission_id: id } = await jobs.submit({
            entrypoint: entrypointOf(entrypoint),
            ...(flags.submissionId ? { submission_id: flags.submissionId } : {}),
            ...(Object.keys(runtimeEnv).length > 0 ? { runtime_env: runtimeEnv } : {}),
          });
          process.stderr.write(`job "${id}" submitted to cluster ${cluster}\n`);
          if (!flags.wait) {
            process.stdout.write(`${id}\n`);
            process.stderr.write(`follow it with \`rayctl job logs ${cluster} ${id} -f\`\n`);
            return;
          }
          process.once('SIGINT', () => {
            process.stderr.write(
              `\nstopped following; job "${id}" still runs: \`rayctl job stop ${cluster} ${id}\` stops it\n`,
            );
            process.exit(130);
          });
          const ended = await followJob(jobs, id, (text) => process.stdout.write(text));
          process.stderr.write(`job "${id}" ${ended.status}\n`);
          verdict(ended);
        });
      },
    );
}

function readRuntimeEnv(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--runtime-env ${file}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`--runtime-env ${file} must hold a mapping (e.g. env_vars: {A: "1"}), not ${typeof parsed}`);
  return parsed as Record<string, unknown>;
}

function workingDirZip(dir: string): Buffer {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new UsageError(`--working-dir ${dir} is not a directory`);
  return zip(directoryEntries(dir));
}

function statusCommand(): Command {
  return new Command('status')
    .summary("show a job's status")
    .argument('<cluster>', 'RayCluster name')
    .argument('<job>', 'submission id')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExample:\n  rayctl job status example-cluster raysubmit_XYZ -n ray -o json')
    .action(async (cluster: string, id: string, flags: { output: OutputFormat }, cmd: Command) => {
      await withJobs(cmd, cluster, async (jobs) => {
        const job = await jobs.get(id);
        if (flags.output !== 'table') return printJobs([job], flags.output);
        printJobs([job], 'table');
        if (job.message) process.stdout.write(`message: ${job.message}\n`);
      });
    });
}

function logsCommand(): Command {
  return new Command('logs')
    .summary("print a job's log")
    .argument('<cluster>', 'RayCluster name')
    .argument('<job>', 'submission id')
    .option('-f, --follow', 'keep printing until the job ends; exit with its outcome')
    .addHelpText('after', '\nExample:\n  rayctl job logs example-cluster raysubmit_XYZ -n ray --follow')
    .action(async (cluster: string, id: string, flags: { follow?: boolean }, cmd: Command) => {
      await withJobs(cmd, cluster, async (jobs) => {
        if (!flags.follow) return void process.stdout.write(await jobs.logs(id));
        verdict(await followJob(jobs, id, (text) => process.stdout.write(text)));
      });
    });
}

function stopCommand(): Command {
  return new Command('stop')
    .summary('stop a running job')
    .argument('<cluster>', 'RayCluster name')
    .argument('<job>', 'submission id')
    .option('--no-wait', 'return once Ray accepted the request')
    .addHelpText('after', '\nExample:\n  rayctl job stop example-cluster raysubmit_XYZ -n ray')
    .action(async (cluster: string, id: string, flags: { wait: boolean }, cmd: Command) => {
      await withJobs(cmd, cluster, async (jobs) => {
        const before = await jobs.get(id);
        if (ENDED.includes(before.status)) {
          process.stdout.write(`job "${id}" already ${before.status}\n`);
          return;
        }
        await jobs.stop(id);
        if (!flags.wait) return void process.stdout.write(`job "${id}" stopping\n`);
        const ended = await followJob(jobs, id, () => undefined, { intervalMs: 500 });
        process.stdout.write(`job "${id}" ${ended.status}\n`);
      });
    });
}

function listCommand(): Command {
  return new Command('list')
    .summary("list a cluster's jobs")
    .argument('<cluster>', 'RayCluster name')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExample:\n  rayctl job list example-cluster -n ray')
    .action(async (cluster: string, flags: { output: OutputFormat }, cmd: Command) => {
      await withJobs(cmd, cluster, async (jobs) => printJobs(await jobs.list(), flags.output));
    });
}

export function jobCommand(): Command {
  return new Command('job')
    .summary('run Ray jobs on a RayCluster: submit, status, logs, stop, list')
    .description(
      "Ray's Jobs API on the head's dashboard, through the API server's service proxy: no port-forward, nothing " +
        'installed in the cluster. Needs the services/proxy permission on the head Service.',
    )
    .addHelpText(
      'after',
      `
Examples:
  rayctl job submit example-cluster -n ray -- python -c "import ray; ray.init(); print(ray.cluster_resources())"
  rayctl job list example-cluster -n ray`,
    )
    .addCommand(submitCommand())
    .addCommand(statusCommand())
    .addCommand(logsCommand())
    .addCommand(stopCommand())
    .addCommand(listCommand());
}
