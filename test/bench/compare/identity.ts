// Each contender talks to the API server as a user of its own in the audited group, so the audit log tells whose
// request each one was (see AUDITED_GROUP in test/cluster/cluster.ts); the count is read back from that log.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AUDITED_GROUP, type ClusterState } from '../../cluster/cluster.ts';
import { writeKubeconfig } from '../../cluster/pki.ts';

export interface Identity {
  user: string;
  kubeconfig: string;
  cert: string;
  key: string;
}

/** A client certificate signed by the cluster's CA: CN=user, O=system:masters (no RBAC setup) and the audited group. */
export async function auditedIdentity(state: ClusterState, user: string): Promise<Identity> {
  const pki = dirname(state.caFile);
  const cert = join(pki, `${user}.crt`);
  const key = join(pki, `${user}.key`);
  if (!existsSync(cert)) {
    // The same openssl invocation as test/cluster/pki.ts issues its client certificates with.
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-config',
      join(pki, 'openssl.cnf'),
      '-CA',
      state.caFile,
      '-CAkey',
      join(pki, 'ca.key'),
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '30'],
      ...['-subj', `/O=system:masters/O=${AUDITED_GROUP}/CN=${user}`],
      ...['-addext', 'basicConstraints=critical,CA:FALSE'],
      ...['-addext', 'keyUsage=critical,digitalSignature,keyEncipherment'],
      ...['-addext', 'extendedKeyUsage=clientAuth'],
    ]);
  }
  const kubeconfig = await writeKubeconfig(join(state.dir, 'kubeconfigs', `${user}.json`), {
    server: state.server,
    caFile: state.caFile,
    client: { cert, key },
  });
  return { user, kubeconfig, cert, key };
}

interface AuditEvent {
  auditID: string;
  verb: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp?: string;
}

export interface RequestCount {
  total: number;
  byVerb: Record<string, number>;
  /** e.g. "create pods", "patch rayclusters/status". */
  byVerbResource: Record<string, number>;
}

/** The audit log's events are batched and flushed at least every second (--audit-log-batch-max-wait). */
export const AUDIT_FLUSH_MS = 2_500;

/**
 * Requests `user` sent between fromMs and toMs (epoch ms, by the time the API server received them). A watch counts
 * once, when it was opened; one event per request, since the policy omits the RequestReceived and ResponseStarted stages.
 */
export async function countRequests(
  auditLog: string,
  user: string,
  fromMs: number,
  toMs: number,
): Promise<RequestCount> {
  const seen = new Set<string>();
  const byVerb: Record<string, number> = {};
  const byVerbResource: Record<string, number> = {};
  const quotedUser = `"username":"${user}"`;
  // Line by line: the log of an 11,000-pod run is hundreds of MB.
  for await (const line of createInterface({ input: createReadStream(auditLog), crlfDelay: Infinity })) {
    if (!line.includes(quotedUser)) continue; // cheap filter before parsing 10,000s of lines
    const event = JSON.parse(line) as AuditEvent;
    if (event.user?.username !== user || seen.has(event.auditID)) continue;
    const received = Date.parse(event.requestReceivedTimestamp ?? '');
    if (received < fromMs || received > toMs) continue;
    seen.add(event.auditID);
    byVerb[event.verb] = (byVerb[event.verb] ?? 0) + 1;
    const { resource = '?', subresource } = event.objectRef ?? {};
    const what = `${event.verb} ${resource}${subresource ? `/${subresource}` : ''}`;
    byVerbResource[what] = (byVerbResource[what] ?? 0) + 1;
  }
  // Said as it is counted: the breakdown is what tells where an operator's requests go.
  const breakdown = Object.entries(byVerbResource)
    .sort(([, a], [, b]) => b - a)
    .map(([what, n]) => `${what} ${n}`)
    .join(', ');
  process.stderr.write(`  requests of ${user}: ${seen.size} (${breakdown})\n`);
  return { total: seen.size, byVerb, byVerbResource };
}
