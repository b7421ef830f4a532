// The host side of process nodes: the bridge, each pod's sandbox (a holder process owning the pod's network,
// UTS, IPC and mount namespaces, like Kubernetes' pause container), and the cgroup every pod process lives in.
// Namespaces owned by a process vanish with it, and a veth with its namespace, so a pod leaves nothing behind
// once its processes are gone; the cgroup finds every one of them, daemons included.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a host command; the error names it and carries its stderr. */
export async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string | number };
    if (code === 'ENOENT') throw new Error(`${command} is missing: apt-get install iproute2 util-linux`);
    throw new Error(`${command} ${args.join(' ')}: ${(stderr || String(error)).trim()}`);
  }
}

/** Names and addresses of one cluster's pod network: a /24 with the bridge on .1. */
export interface PodNetwork {
  /** Short random id: names the bridge, veths and cgroup of this cluster. */
  id: string;
  bridge: string;
  /** e.g. 10.213.7 */
  prefix: string;
  bridgeIp: string;
}

/** A /24 under 10.213.0.0/16 that no interface of this host uses yet. */
export async function choosePodNetwork(id: string): Promise<PodNetwork> {
  const used = new Set(
    [...(await run('ip', ['-4', '-o', 'addr', 'show'])).matchAll(/inet 10\.213\.(\d+)\./g)].map((m) => Number(m[1])),
  );
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter((n) => !used.has(n));
  if (free.length === 0) throw new Error('no free /24 under 10.213.0.0/16 for the process nodes');
  const third = free[Math.floor(Math.random() * free.length)]!;
  const prefix = `10.213.${third}`;
  return { id, bridge: `rcbr${id}`, prefix, bridgeIp: `${prefix}.1` };
}

export async function createBridge(net: PodNetwork): Promise<void> {
  await run('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${net.bridgeIp}/24`, 'dev', net.bridge]);
  await run('ip', ['link', 'set', net.bridge, 'up']);
}

export async function deleteBridge(net: PodNetwork): Promise<void> {
  await run('ip', ['link', 'del', net.bridge]).catch(() => undefined);
}

/** Where the harness's cgroups go: the v1 pids hierarchy when mounted, else the unified (v2) one. */
export function cgroupRoot(): string {
  return existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
}

export async function createCgroup(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/** SIGKILLs every process in the cgroup tree until it is empty, then removes it. */
export async function killCgroup(path: string): Promise<void> {
  if (!existsSync(path)) return;
  for (let round = 0; round < 100; round++) {
    const pids = await cgroupPids(path);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(20);
  }
  await removeCgroupTree(path);
}

export async function cgroupPids(path: string): Promise<number[]> {
  const pids: number[] = [];
  const text = await readFile(join(path, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) if (line.trim()) pids.push(Number(line));
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => []))
    if (entry.isDirectory()) pids.push(...(await cgroupPids(join(path, entry.name))));
  return pids;
}

async function removeCgroupTree(path: string): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => []))
    if (entry.isDirectory()) await removeCgroupTree(join(path, entry.name));
  await rmdir(path).catch(() => undefined);
}

let vethSequence = 0;

export interface Sandbox {
  /** The holder process: its /proc/PID/ns/* are the pod's namespaces. */
  pid: number;
  ip: string;
  hostVeth: string;
}

/**
 * Starts the pod's holder in fresh network, UTS, IPC and mount namespaces (hostname = pod name), mounts the
 * pod's memory-backed emptyDirs as tmpfs inside its mount namespace, and wires its network: a veth pair
 * with eth0 = ip/24 in the pod and the other end on the bridge; no default route, so nothing leaves the host.
 */
export async function startSandbox(options: {
  net: PodNetwork;
  ip: string;
  hostname: string;
  cgroup: string;
  tmpfs: { path: string; sizeBytes?: number }[];
}): Promise<Sandbox> {
  const { net, ip } = options;
  const mounts = options.tmpfs
    .map(
      (t) => `mount -t tmpfs -o mode=1777${t.sizeBytes ? `,size=${t.sizeBytes}` : ''} pod-memory ${shellQuote(t.path)}`,
    )
    .join('\n');
  const script = [
    'set -e',
    'echo $$ > "$1/cgroup.procs"',
    `exec unshare --net --uts --ipc --mount --propagation private -- bash -c ${shellQuote(
      ['set -e', `hostname ${shellQuote(options.hostname)}`, mounts, 'echo ready', 'exec sleep infinity'].join('\n'),
    )}`,
  ].join('\n');
  const holder = spawn('bash', ['-c', script, 'pod-sandbox', options.cgroup], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (holder.pid === undefined) throw new Error('could not start the pod sandbox (bash)');
  holder.unref();
  const pid = holder.pid;
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    holder.on('exit', (code) => reject(new Error(`pod sandbox exited with ${code}: ${stderr.trim()}`)));
  });
  holder.stdout.destroy();
  holder.stderr.destroy();

  // Named by a sequence, not by the IP: a dead pod's veth lingers until the kernel has torn down its namespace, and
  // an IP freed by it may already be handed out again.
  const hostVeth = `rv${net.id}${(++vethSequence).toString(36)}`;
  const podVeth = `${hostVeth}p`;
  await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', podVeth]);
  await run('ip', ['link', 'set', podVeth, 'netns', String(pid)]);
  await run('ip', ['link', 'set', hostVeth, 'master', net.bridge, 'up']);
  await run('nsenter', [
    `--net=/proc/${pid}/ns/net`,
    '--',
    'bash',
    '-c',
    [
      'set -e',
      'ip link set lo up',
      `ip link set ${podVeth} name eth0`,
      `ip addr add ${ip}/24 dev eth0`,
      'ip link set eth0 up',
    ].join('\n'),
  ]);
  return { pid, ip, hostVeth };
}

/** The pid of `parent`'s child among the processes of `cgroup` (polls briefly: the child may not exist yet). */
export async function childPid(parent: number, cgroup: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const pid of await cgroupPids(cgroup)) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === parent) return pid;
    }
    await sleep(10);
  }
  return undefined;
}

/** Quotes one word for bash. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Writes a file in place: 'w' truncates the same inode, so a bind mount of the file sees the new content. */
export async function rewriteInPlace(file: string, content: string): Promise<void> {
  await writeFile(file, content, { flag: 'w' });
}
