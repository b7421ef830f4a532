// One pod on a process node, from binding to deletion, as the kubelet runs it: sandbox (namespaces, IP),
// volumes, init containers in order, then the containers with probes and the restart policy; status
// reported after every change; on deletion SIGTERM, SIGKILL after the grace period, nothing left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeHttp } from '../kube-http.ts';
import type { Container, Pod, Probe } from './kube-types.ts';
import {
  childPid,
  createCgroup,
  killCgroup,
  rewriteInPlace,
  startSandbox,
  type PodNetwork,
  type Sandbox,
} from './host.ts';
import { containerArgv, launchScript } from './launch.ts';
import { CriLogWriter } from './logs.ts';
import { probeOnce } from './probes.ts';
import {
  containerEnv,
  expandReferences,
  mapImage,
  podStatus,
  restartDelayMs,
  restarts,
  STANDARD_PATH,
  type ContainerRecord,
  type EnvLookups,
  type HostRuntimes,
  type ImageRuntime,
  type PodFacts,
  type PodRecord,
} from './spec.ts';
import { PodVolumes, readKeyData } from './volumes.ts';

/** What every pod on the node shares. */
export interface NodeContext {
  kube: KubeHttp;
  net: PodNetwork;
  runtimes: HostRuntimes;
  /** Where pods reach the API server (a proxy on the bridge). */
  apiServer: { host: string; port: number };
  stateDir: string;
  cgroupRoot: string;
  allocateIp(): string;
  releaseIp(ip: string): void;
  hostsFor(pod: { name: string; namespace: string; ip: string }): string;
  log(message: string): void;
}

interface RunningContainer {
  spec: Container;
  record: ContainerRecord;
  init: boolean;
  child?: ChildProcess;
  /** PID 1 of the container's PID namespace, as the host sees it: where signals and exec probes go. */
  initPid?: number;
  /** Resolves with the exit code when the current process ends. */
  exited?: Promise<number>;
  env: Record<string, string>;
  /** Bumped on every start, so timers of an old process stop. */
  generation: number;
}

export class PodRunner {
  readonly key: string;
  readonly dir: string;
  private record: PodRecord;
  private sandbox?: Sandbox;
  /** The IP held for this pod: freed on tear-down, while the status keeps showing it for a finished pod. */
  private allocatedIp?: string;
  private volumes?: PodVolumes;
  private readonly containers: RunningContainer[];
  private terminating = false;
  private statusQueued = false;
  private statusChain: Promise<void> = Promise.resolve();
  private refreshTimer?: NodeJS.Timeout;
  private stopped?: Promise<void>;
  private starting?: Promise<void>;
  /** Aborted on termination: cuts back-off and probe waits short. */
  private readonly abort = new AbortController();

  constructor(
    private pod: Pod,
    private readonly ctx: NodeContext,
  ) {
    const { namespace = 'default', name, uid = '' } = pod.metadata;
    this.key = `${namespace}/${name}`;
    this.dir = join(ctx.stateDir, 'pods', `${namespace}_${name}_${uid.slice(0, 8)}`);
    const blank = (c: Container): ContainerRecord => ({
      name: c.name,
      image: c.image ?? '',
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      started: false,
    });
    const init = (pod.spec.initContainers ?? []).map(blank);
    const containers = pod.spec.containers.map(blank);
    if (init.length) for (const c of containers) c.state = { waiting: { reason: 'PodInitializing' } };
    this.record = { hostIP: ctx.net.bridgeIp, startTime: new Date().toISOString(), init, containers, transitions: {} };
    this.containers = [
      ...(pod.spec.initContainers ?? []).map((spec, i) => ({
        spec,
        record: init[i]!,
        init: true,
        env: {},
        generation: 0,
      })),
      ...pod.spec.containers.map((spec, i) => ({ spec, record: containers[i]!, init: false, env: {}, generation: 0 })),
    ];
  }

  get podIP(): string | undefined {
    return this.record.podIP;
  }
  get namespace(): string {
    return this.pod.metadata.namespace ?? 'default';
  }
  get name(): string {
    return this.pod.metadata.name;
  }
  get uid(): string | undefined {
    return this.pod.metadata.uid;
  }

  /** The log file of a container's current (or previous) run, and whether that run has ended. */
  logOf(container: string, previous: boolean): { path: string; ended: () => boolean } | undefined {
    const running = this.containers.find((c) => c.spec.name === container);
    if (!running) return undefined;
    const run = running.record.restartCount - (previous ? 1 : 0);
    if (run < 0) return undefined;
    return {
      path: this.logPath(container, run),
      ended: () => running.record.restartCount !== run || !running.record.state.running || this.terminating,
    };
  }

  private logPath(container: string, run: number): string {
    return join(this.dir, 'logs', container, `${run}.log`);
  }

  // --- start ---

  start(): Promise<void> {
    this.starting ??= this.setUpReporting();
    return this.starting;
  }

  /** Resolves after ms, or at once when the pod is being terminated. */
  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  /** Set-up, retried with back-off (as the kubelet retries a sandbox) while no container has started yet. */
  private async setUpReporting(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.setUp();
        return;
      } catch (error) {
        if (this.terminating) return;
        const message = (error as Error).message;
        this.ctx.log(`${this.key}: ${message}`);
        for (const c of this.containers)
          if (!c.record.state.running) c.record.state = { waiting: { reason: 'CreateContainerError', message } };
        await this.event('Warning', 'FailedCreatePodSandBox', message);
        this.reportStatus();
        if (this.containers.some((c) => c.child)) return;
        await this.tearDown();
        this.record.podIP = undefined;
        await this.pause(Math.min(1_000 * 2 ** attempt, 30_000));
        if (this.terminating) return;
      }
    }
  }

  private async setUp(): Promise<void> {
    const runtimes = new Map<string, ImageRuntime>();
    let unrunnable = false;
    for (const c of this.containers) {
      const mapped = mapImage(c.spec.image ?? '', this.ctx.runtimes);
      if ('runtime' in mapped) runtimes.set(c.spec.name, mapped.runtime);
      else {
        c.record.state = { waiting: { reason: mapped.reason, message: mapped.message } };
        unrunnable = true;
        await this.event('Warning', 'Failed', mapped.message);
      }
    }
    this.reportStatus();
    if (unrunnable) return;

    await mkdir(join(this.dir, 'containers'), { recursive: true });
    for (const c of this.containers) {
      const tmp = join(this.dir, 'containers', c.spec.name, 'tmp');
      await mkdir(tmp, { recursive: true });
      await chmod(tmp, 0o1777);
      await mkdir(join(this.dir, 'logs', c.spec.name), { recursive: true });
    }
    const ip = this.ctx.allocateIp();
    this.allocatedIp = ip;
    this.record.podIP = ip;
    const facts: PodFacts = { pod: this.pod, podIP: ip, hostIP: this.ctx.net.bridgeIp };
    this.volumes = new PodVolumes(this.ctx.kube, this.dir, facts);
    await this.volumes.prepare();
    await writeFile(join(this.dir, 'hosts'), this.hosts());
    // Nothing answers on the pod's loopback: a name the hosts file lacks fails at once, and no query leaves.
    await writeFile(
      join(this.dir, 'resolv.conf'),
      `nameserver 127.0.0.1\nsearch ${this.namespace}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n`,
    );
    const podCgroup = await createCgroup(join(this.ctx.cgroupRoot, `pod-${this.uid}`));
    this.sandbox = await startSandbox({
      net: this.ctx.net,
      ip,
      hostname: this.pod.spec.hostname ?? this.name,
      cgroup: await createCgroup(join(podCgroup, 'sandbox')),
      tmpfs: this.volumes.memoryVolumes(),
    });
    if (this.terminating) return;
    // Kept current like the kubelet's sync: ConfigMaps, Secrets and tokens change under a running pod.
    this.refreshTimer = setInterval(() => void this.volumes?.refresh().catch(() => undefined), 10_000);

    const lookups = await this.envLookups();
    for (const c of this.containers) {
      const runtime = runtimes.get(c.spec.name)!;
      const base: Record<string, string> = {
        PATH: [...runtime.path, STANDARD_PATH].join(':'),
        HOSTNAME: this.pod.spec.hostname ?? this.name,
        // A private HOME: the host's /root is shared by every pod.
        HOME: '/tmp',
        KUBERNETES_SERVICE_HOST: this.ctx.apiServer.host,
        KUBERNETES_SERVICE_PORT: String(this.ctx.apiServer.port),
        KUBERNETES_SERVICE_PORT_HTTPS: String(this.ctx.apiServer.port),
        KUBERNETES_PORT: `tcp://${this.ctx.apiServer.host}:${this.ctx.apiServer.port}`,
        ...runtime.env,
      };
      c.env = containerEnv(c.spec, facts, base, lookups);
    }
    this.reportStatus();

    for (const c of this.containers.filter((c) => c.init)) {
      const ok = await this.runInitContainer(c);
      if (!ok || this.terminating) return;
    }
    for (const c of this.containers.filter((c) => !c.init)) if (!this.terminating) await this.startContainer(c);
  }

  private async envLookups(): Promise<EnvLookups> {
    const wanted = { configmaps: new Set<string>(), secrets: new Set<string>() };
    for (const c of this.containers) {
      for (const from of c.spec.envFrom ?? []) {
        if (from.configMapRef) wanted.configmaps.add(from.configMapRef.name);
        if (from.secretRef) wanted.secrets.add(from.secretRef.name);
      }
      for (const variable of c.spec.env ?? []) {
        if (variable.valueFrom?.configMapKeyRef) wanted.configmaps.add(variable.valueFrom.configMapKeyRef.name);
        if (variable.valueFrom?.secretKeyRef) wanted.secrets.add(variable.valueFrom.secretKeyRef.name);
      }
    }
    const found = {
      configmaps: new Map<string, Record<string, string>>(),
      secrets: new Map<string, Record<string, string>>(),
    };
    for (const kind of ['configmaps', 'secrets'] as const) {
      for (const name of wanted[kind]) {
        const data = await readKeyData(this.ctx.kube, this.namespace, kind, name, true);
        if (data.size) found[kind].set(name, Object.fromEntries([...data].map(([k, v]) => [k, v.toString('utf8')])));
      }
    }
    return { configMap: (name) => found.configmaps.get(name), secret: (name) => found.secrets.get(name) };
  }

  private async runInitContainer(c: RunningContainer): Promise<boolean> {
    for (;;) {
      await this.startContainer(c);
      const code = await c.exited!;
      if (code === 0) return true;
      if (this.terminating) return false;
      if (!restarts(this.pod.spec.restartPolicy === 'Always' ? 'OnFailure' : this.pod.spec.restartPolicy, code)) {
        this.finish('Failed');
        return false;
      }
      await this.backOff(c);
      if (this.terminating) return false;
    }
  }

  /** Starts the container's process; c.exited then resolves with its exit code. */
  private async startContainer(c: RunningContainer): Promise<void> {
    const sandbox = this.sandbox!;
    const argv = containerArgv(c.spec);
    if (!argv) {
      const message = 'process node: the container has no command and mapped images have no default entrypoint';
      c.record.state = { waiting: { reason: 'CreateContainerConfigError', message } };
      this.reportStatus();
      c.exited = new Promise<number>(() => undefined);
      return;
    }
    const expanded = argv.map((word) => expandReferences(word, c.env));
    const volumeSources = new Map(
      (this.pod.spec.volumes ?? []).map((v) => [v.name, { ...v, source: this.volumes!.sourceOf(v) }]),
    );
    const script = launchScript({
      container: c.spec,
      spec: this.pod.spec,
      podDir: this.dir,
      volumeSources,
      argv: expanded,
    });
    const scriptPath = join(this.dir, 'containers', c.spec.name, 'launch.sh');
    await writeFile(scriptPath, script);
    const cgroup = await createCgroup(join(this.ctx.cgroupRoot, `pod-${this.uid}`, `container-${c.spec.name}`));
    const child = spawn(
      'bash',
      [
        '-c',
        'echo $$ > "$1/cgroup.procs"; shift; exec "$@"',
        'container',
        cgroup,
        'nsenter',
        `--target=${sandbox.pid}`,
        '--net',
        '--uts',
        '--ipc',
        '--mount',
        '--',
        // Its own PID namespace, as a container has: `ray stop` in one pod must not see another pod's Ray, and the
        // container's daemons die with its PID 1. unshare stays as the parent; --kill-child ties the two together.
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--pid',
        '--fork',
        '--kill-child',
        '--mount-proc',
        '--',
        '/bin/bash',
        scriptPath,
      ],
      { detached: true, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.unref();
    const logs = new CriLogWriter(this.logPath(c.spec.name, c.record.restartCount), child.stdout, child.stderr);
    c.child = child;
    c.initPid = child.pid === undefined ? undefined : await childPid(child.pid, cgroup);
    c.generation++;
    const generation = c.generation;
    const startedAt = new Date().toISOString();
    c.record.state = { running: { startedAt } };
    c.record.started = !c.spec.startupProbe;
    c.record.ready = !c.init && !c.spec.readinessProbe && !c.spec.startupProbe;
    await this.event('Normal', 'Started', `Started container ${c.spec.name}`);
    this.reportStatus();
    c.exited = new Promise<number>((resolve) => {
      child.on('error', () => resolve(127));
      // unshare exits with its child's code, or dies of the child's signal.
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    }).then(async (code) => {
      await logs.done;
      // The container's daemons go with its main process, as with a container's PID namespace.
      await killCgroup(cgroup);
      c.record.lastState = {};
      c.record.state = {
        terminated: {
          exitCode: code,
          reason: code === 0 ? 'Completed' : 'Error',
          startedAt,
          finishedAt: new Date().toISOString(),
        },
      };
      c.record.ready = false;
      if (!c.init && !this.terminating && c.generation === generation) void this.afterExit(c, code);
      this.reportStatus();
      return code;
    });
    if (!c.init) this.startProbes(c, generation);
  }

  private async afterExit(c: RunningContainer, code: number): Promise<void> {
    if (restarts(this.pod.spec.restartPolicy, code)) {
      await this.backOff(c);
      if (!this.terminating) await this.startContainer(c);
      return;
    }
    const others = this.containers.filter((o) => !o.init && o !== c);
    if (
      others.every(
        (o) => o.record.state.terminated && !restarts(this.pod.spec.restartPolicy, o.record.state.terminated.exitCode),
      )
    ) {
      const failed = this.containers.some((o) => !o.init && (o.record.state.terminated?.exitCode ?? 0) !== 0);
      this.finish(failed ? 'Failed' : 'Succeeded');
    }
  }

  private async backOff(c: RunningContainer): Promise<void> {
    const delay = restartDelayMs(c.record.restartCount);
    const last = c.record.state;
    c.record.restartCount++;
    c.record.lastState = last;
    if (delay > 0) {
      c.record.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${delay / 1000}s restarting failed container=${c.spec.name}`,
        },
      };
      this.reportStatus();
      await this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.spec.name}`);
      await this.pause(delay);
    }
  }

  /** The pod is done: report the phase and free its sandbox (the kubelet tears it down too). */
  private finish(phase: 'Succeeded' | 'Failed'): void {
    this.record.phase = phase;
    this.reportStatus();
    void this.tearDown();
  }

  // --- probes ---

  private startProbes(c: RunningContainer, generation: number): void {
    const alive = () => c.generation === generation && !!c.record.state.running && !this.terminating;
    const loop = async (probe: Probe, kind: 'startup' | 'readiness' | 'liveness') => {
      await this.pause((probe.initialDelaySeconds ?? 0) * 1000);
      let successes = 0;
      let failures = 0;
      while (alive()) {
        if (kind !== 'startup' && !c.record.started) {
          await this.pause(200);
          continue;
        }
        const ok = await probeOnce(probe, {
          container: c.spec,
          podIP: this.record.podIP!,
          pid: c.initPid ?? c.child!.pid!,
          env: c.env,
        });
        if (!alive()) return;
        successes = ok ? successes + 1 : 0;
        failures = ok ? 0 : failures + 1;
        if (kind === 'startup' && successes >= 1) {
          c.record.started = true;
          if (!c.spec.readinessProbe) c.record.ready = true;
          this.reportStatus();
          return;
        }
        if (kind === 'readiness') {
          const ready = ok
            ? successes >= (probe.successThreshold ?? 1)
            : failures < (probe.failureThreshold ?? 3) && c.record.ready;
          if (ready !== c.record.ready) {
            c.record.ready = ready;
            this.reportStatus();
          }
        }
        if (!ok && failures >= (probe.failureThreshold ?? 3) && kind !== 'readiness') {
          await this.event('Warning', 'Unhealthy', `${kind} probe failed ${failures} times; restarting ${c.spec.name}`);
          await this.stopContainer(c, this.graceSeconds());
          return;
        }
        await this.pause((probe.periodSeconds ?? 10) * 1000);
      }
    };
    if (c.spec.startupProbe) void loop(c.spec.startupProbe, 'startup');
    if (c.spec.readinessProbe) void loop(c.spec.readinessProbe, 'readiness');
    if (c.spec.livenessProbe) void loop(c.spec.livenessProbe, 'liveness');
  }

  // --- updates ---

  update(pod: Pod): void {
    this.pod = pod;
  }

  /** Rewrites the pod's hosts file (Services' ready endpoints changed). */
  async refreshHosts(): Promise<void> {
    if (this.record.podIP && !this.terminating) await rewriteInPlace(join(this.dir, 'hosts'), this.hosts());
  }

  private hosts(): string {
    return this.ctx.hostsFor({
      name: this.pod.spec.hostname ?? this.name,
      namespace: this.namespace,
      ip: this.record.podIP!,
    });
  }

  // --- stop ---

  private graceSeconds(): number {
    return this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  /** SIGTERM to the container's main process, SIGKILL to all of it after the grace period. */
  private async stopContainer(c: RunningContainer, graceSeconds: number): Promise<void> {
    const pid = c.initPid;
    if (!pid || !c.record.state.running || !c.exited) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timedOut = await Promise.race([c.exited.then(() => false), sleep(graceSeconds * 1000).then(() => true)]);
    if (timedOut) await killCgroup(join(this.ctx.cgroupRoot, `pod-${this.uid}`, `container-${c.spec.name}`));
    await c.exited;
  }

  /** Graceful deletion: stop the containers, free everything, and let the API server forget the pod. */
  async terminate(graceSeconds = this.graceSeconds()): Promise<void> {
    if (!this.stopped) {
      this.terminating = true;
      this.abort.abort();
      this.stopped = (async () => {
        await this.event('Normal', 'Killing', `Stopping containers (grace ${graceSeconds}s)`);
        await Promise.all(this.containers.map((c) => this.stopContainer(c, graceSeconds)));
        // Set-up stops at its next step once terminating; whatever it started before that is stopped here.
        await this.starting;
        await Promise.all(this.containers.map((c) => this.stopContainer(c, 0)));
        await this.tearDown();
        await rm(this.dir, { recursive: true, force: true });
      })();
    }
    return this.stopped;
  }

  /** Kills whatever is left of the pod (sandbox included) and frees its IP; idempotent. */
  private async tearDown(): Promise<void> {
    clearInterval(this.refreshTimer);
    await killCgroup(join(this.ctx.cgroupRoot, `pod-${this.uid}`));
    this.sandbox = undefined;
    if (this.allocatedIp) {
      this.ctx.releaseIp(this.allocatedIp);
      this.allocatedIp = undefined;
    }
    for (const c of this.containers) {
      const created = await readFile(join(this.dir, 'containers', c.spec.name, 'created-dirs'), 'utf8').catch(() => '');
      // Deepest first; only what is empty (or a file we touched) goes.
      for (const path of created.split('\n').filter(Boolean).reverse())
        await rm(path).catch(() => rmdir(path).catch(() => undefined));
    }
  }

  /** After terminate(): finalize the pod as the kubelet does, with a uid precondition. */
  async finalize(): Promise<void> {
    await this.ctx.kube.request('DELETE', `/api/v1/namespaces/${this.namespace}/pods/${this.name}`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 0,
      preconditions: { uid: this.uid },
    });
  }

  // --- API writes ---

  /** Coalesced: at most one status write in flight, always of the latest state. */
  private reportStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    this.statusChain = this.statusChain.then(async () => {
      this.statusQueued = false;
      const status = podStatus(this.record, new Date().toISOString());
      const res = await this.ctx.kube
        .request(
          'PATCH',
          `/api/v1/namespaces/${this.namespace}/pods/${this.name}/status`,
          { status },
          'application/merge-patch+json',
        )
        .catch((error: Error) => ({ status: 0, text: error.message }));
      if (res.status !== 200 && res.status !== 404)
        this.ctx.log(`${this.key}: status write failed: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    });
  }

  private async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    await this.ctx.kube
      .request('POST', `/api/v1/namespaces/${this.namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${this.name}.`, namespace: this.namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: this.name, namespace: this.namespace, uid: this.uid },
        type,
        reason,
        message,
        source: { component: 'kubelet', host: this.pod.spec.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      })
      .catch(() => undefined);
  }
}
