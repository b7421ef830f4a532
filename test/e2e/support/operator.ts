import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import type { TestCluster } from './cluster.ts';
import { eventually } from './cluster.ts';
import { RAYCTL_BIN } from './run-rayctl.ts';

/** `rayctl operator` as a child process, as a user would run it, with its output kept for assertions. */
export interface OperatorProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits for a log line (stdout) matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (or 128 + signal number). */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Operators still running when the test file ends are killed then. */
const running = new Set<OperatorProcess>();
// Registered at import, so it belongs to the file: an after() inside a test would end the operator with that test.
after(async () => {
  await Promise.all([...running].map((operator) => operator.stop('SIGKILL')));
});

export function startOperator(
  cluster: TestCluster,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): OperatorProcess {
  const child = spawn(process.execPath, [RAYCTL_BIN, 'operator', '--metrics-addr', '0', ...args], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143))),
  );
  const operator: OperatorProcess = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog: (pattern, timeoutMs = 30_000) =>
      eventually(`operator log ${pattern}`, () => Promise.resolve(pattern.test(stdout)), timeoutMs).then(
        () => undefined,
      ),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(operator);
  void exited.then(() => running.delete(operator));
  return operator;
}
