// One probe attempt, as the kubelet runs it: exec inside the container's namespaces, TCP and HTTP against
// the pod's IP (reachable from the host over the bridge). Resolves true on success.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, Probe } from './kube-types.ts';

export function probePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function probeOnce(
  probe: Probe,
  target: { container: Container; podIP: string; pid: number; env: Record<string, string> },
): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    return new Promise((resolve) => {
      const child = spawn(
        'nsenter',
        [`--target=${target.pid}`, '--net', '--uts', '--ipc', '--mount', '--', ...probe.exec!.command],
        { stdio: 'ignore', env: target.env },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', () => resolve(false));
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
  }
  const handler = probe.tcpSocket ?? probe.httpGet;
  const port = handler ? probePort(handler.port, target.container) : undefined;
  if (!handler || port === undefined) return Promise.resolve(false);
  const host = handler.host ?? target.podIP;
  if (probe.tcpSocket) {
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(false));
    });
  }
  const https = probe.httpGet!.scheme === 'HTTPS';
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host, port, path: probe.httpGet!.path ?? '/', timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
