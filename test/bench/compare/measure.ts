// What the comparison measures about a process and a set of numbers: CPU time and peak memory from /proc, medians;
// and the environment every contender runs in.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux Node runs on

/** utime + stime of a running process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  return ticksToSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * The same for the process's main thread alone (its task whose id is the pid). For Node, the rest of the process's
 * CPU is V8's helper threads: optimising compiles and garbage collection.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return ticksToSeconds(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
}

/** A process's CPU as its threads' exact on-CPU time, read before a window and compared after it (cpuSince). */
export interface CpuReading {
  pid: number;
  /** Thread id → nanoseconds on a CPU since it started (the first field of its schedstat). */
  threads: Map<number, number>;
  /** The tick counts of the same moment, for when a thread ends within the window. */
  ticksSeconds: number;
  mainTicksSeconds: number;
}

function threadNanos(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // ended between the listing and the read: it has no time to give after this either
    }
  }
  return threads;
}

export function readCpu(pid: number): CpuReading {
  return {
    pid,
    threads: threadNanos(pid),
    ticksSeconds: cpuSeconds(pid),
    mainTicksSeconds: mainThreadCpuSeconds(pid),
  };
}

/**
 * CPU seconds of the process and of its main thread since `before`. utime and stime count 10 ms clock ticks, too
 * coarse for a window of a few ticks (1×10 is 3–8 of them), so this adds up the threads' own nanoseconds: a thread
 * started since counts whole. A thread that ended in the window took its time with it; then the ticks are used.
 */
export function cpuSince(before: CpuReading): { seconds: number; mainThreadSeconds: number; exact: boolean } {
  const { pid } = before;
  // The ticks are read in the opposite order to readCpu's (the process first, then the thread), so the thread's
  // share cannot come out larger than the whole.
  const mainTicks = mainThreadCpuSeconds(pid) - before.mainTicksSeconds;
  const after = threadNanos(pid);
  const ticks = cpuSeconds(pid) - before.ticksSeconds;
  const ended = [...before.threads.keys()].some((tid) => !after.has(tid));
  if (ended) return { seconds: ticks, mainThreadSeconds: mainTicks, exact: false };
  let nanos = 0;
  for (const [tid, now] of after) nanos += now - (before.threads.get(tid) ?? 0);
  const mainNanos = (after.get(pid) ?? 0) - (before.threads.get(pid) ?? 0);
  return { seconds: nanos / 1e9, mainThreadSeconds: mainNanos / 1e9, exact: true };
}

function ticksToSeconds(stat: string): number {
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds of each process by name; one that has gone (or is not there) counts nothing. */
export function cpuSecondsByName(processes: readonly { name: string; pid: number }[]): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const { name, pid } of processes) {
    try {
      seconds[name] = (seconds[name] ?? 0) + cpuSeconds(pid);
    } catch {
      seconds[name] ??= 0; // exited: its time went with it
    }
  }
  return seconds;
}

/**
 * Jiffies of all CPUs since boot (/proc/stat's first line): busy is all but idle and iowait; stolen is the time a
 * virtual machine's CPUs were ready to run but the hypervisor ran something else (counted in busy).
 */
export function machineTicks(): { busy: number; stolen: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = first.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), stolen: ticks[7] ?? 0, total };
}

/**
 * Resident memory of a running process in MB: VmRSS (now), VmHWM (its peak since it started), or RssAnon (of VmRSS,
 * the process's own pages: heap, stacks, data; the rest is pages of its executable and libraries).
 */
export function residentMb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The environment of every timed process: ours, with the contender's kubeconfig, without colours, and without
 * NODE_EXTRA_CA_CERTS. A machine may set that for a proxy of its own (this one does: the whole system bundle, 144
 * certificates). Node then reads and parses the file as it starts, whether or not a call needs it, which helm and
 * KubeRay, given the kubeconfig's CA, do not. No contender's call here goes anywhere but the API server.
 */
export function contenderEnv(kubeconfig: string): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _machineProxyCas, ...env } = process.env;
  return { ...env, KUBECONFIG: kubeconfig, NO_COLOR: '1' };
}

/** The contenders in a different order each repetition, so none always runs first on a cold cache. */
export function rotated<T>(items: readonly T[], repetition: number): T[] {
  const shift = repetition % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Runs jobs with at most `inFlight` at once. */
export async function inParallel(jobs: (() => Promise<unknown>)[], inFlight: number): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
}
