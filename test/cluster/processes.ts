// Starting and stopping the control plane's processes. Every component runs in its own process
// group (spawn's `detached` calls setsid), so stopping signals the group and never matches by name.
import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ComponentProcess {
  name: string;
  pid: number;
  /** Full command line, argv[0] being the binary; kept so another process can restart it. */
  argv: string[];
  env: Record<string, string>;
  log: string;
}

/** Starts a component with stdout and stderr appended to its log file; it does not keep Node alive. */
export function startComponent(
  name: string,
  argv: string[],
  env: Record<string, string>,
  log: string,
): ComponentProcess {
  const [command, ...args] = argv;
  if (!command) throw new Error(`${name}: empty command line`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    // Swallow the async spawn error; the readiness check reports it with the log tail.
    child.on('error', () => undefined);
    child.unref();
    return { name, pid: child.pid, argv, env, log };
  } finally {
    closeSync(fd);
  }
}

/** True while any process of the group led by pid exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the whole group is gone. */
export async function stopGroup(pid: number, graceMs = 5_000): Promise<void> {
  if (!groupAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!groupAlive(pid)) return;
  signalGroup(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (groupAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

/** Synchronous last resort for exit and signal handlers, where nothing async runs any more. */
export function killGroupsNow(pids: number[]): void {
  for (const pid of pids) signalGroup(pid, 'SIGKILL');
}

/** The last lines of a log file, for error messages. */
export async function tailOf(file: string, lines = 30): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 16 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer
        .toString('utf8')
        .split('\n')
        .slice(-lines - 1)
        .join('\n');
    } finally {
      await handle.close();
    }
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

/**
 * A watchdog for when the owning process dies without cleaning up (SIGKILL, crash): it waits for
 * the owner to go away, then kills every process group listed in pidsFile, runs `reap` (a command that
 * removes what the process nodes left: pod processes, cgroups, the bridge) and removes the cluster's
 * dir (unless RAYCTL_KEEP_CLUSTER is set). A clean stop deletes
 * pidsFile first, which tells the watchdog to exit quietly.
 */
export function startReaper(ownerPid: number, pidsFile: string, clusterDir: string, reap: string[] = []): number {
  const script = [
    'owner=$1; list=$2; dir=$3; keep=$4; shift 4',
    'while kill -0 "$owner" 2>/dev/null && [ -f "$list" ]; do sleep 1; done',
    '[ -f "$list" ] || exit 0',
    'for p in $(cat "$list"); do kill -TERM -- "-$p" 2>/dev/null; done',
    'sleep 3',
    'for p in $(cat "$list"); do kill -KILL -- "-$p" 2>/dev/null; done',
    '[ $# -eq 0 ] || "$@"',
    '[ -n "$keep" ] || rm -rf -- "$dir"',
  ].join('\n');
  const args = [
    '-c',
    script,
    'rayctl-cluster-reaper',
    String(ownerPid),
    pidsFile,
    clusterDir,
    process.env.RAYCTL_KEEP_CLUSTER ?? '',
    ...reap,
  ];
  const child = spawn('bash', args, { detached: true, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start the cluster reaper (bash)');
  child.unref();
  return child.pid;
}

export function writePidsFile(file: string, pids: number[]): void {
  writeFileSync(`${file}.tmp`, pids.join('\n') + '\n');
  // rename is atomic: the reaper never reads a half-written list.
  renameSync(`${file}.tmp`, file);
}
