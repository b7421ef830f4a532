// What a RayCluster may ask the operator to run. Whoever may create RayClusters gets the pods the operator creates
// for them, so the operator holds podConfig to Kubernetes' Pod Security Standards (baseline by default) and to a
// list of ServiceAccounts, as the chart's ValidatingAdmissionPolicy does at admission: the policy may be missing
// (an old cluster, deleted by hand), so the operator checks again before every pod. Pure: it reads a pod type only.
import type { PodConfig, PodType } from './types.ts';

/** Pod Security Standards levels; `privileged` checks nothing (but the ServiceAccount list still applies). */
export const POD_SECURITY_LEVELS = ['baseline', 'restricted', 'privileged'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export interface PodPolicy {
  level: PodSecurityLevel;
  /** ServiceAccounts podConfig may name besides the namespace's default one. */
  serviceAccounts: readonly string[];
}

export const DEFAULT_POD_POLICY: PodPolicy = { level: 'baseline', serviceAccounts: [] };

/** Capabilities baseline allows to add (the container runtime's defaults). */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

type Json = Record<string, unknown>;
const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Every way `podType`'s podConfig breaks `policy`, each naming the field ("podTypes[gpu].podConfig.spec.hostNetwork:
 * host namespaces are not allowed (Pod Security baseline)"). Empty when the pod may be created.
 */
export function podPolicyViolations(podType: PodType, policy: PodPolicy): string[] {
  const found: string[] = [];
  const at = `podTypes[${podType.name}].podConfig`;
  const spec = record(podType.podConfig.spec);
  const forbid = (field: string, why: string, level: PodSecurityLevel = 'baseline') =>
    found.push(`${at}.${field}: ${why}${level === 'privileged' ? '' : ` (Pod Security ${level})`}`);

  // Ours, at every level: the operator must not be a way to run as another identity or on a chosen node.
  const account = spec.serviceAccountName ?? spec.serviceAccount;
  if (
    typeof account === 'string' &&
    account !== '' &&
    account !== 'default' &&
    !policy.serviceAccounts.includes(account)
  )
    forbid(
      'spec.serviceAccountName',
      `ServiceAccount "${account}" is not in the operator's allowedServiceAccounts (${policy.serviceAccounts.join(', ') || 'none'})`,
      'privileged',
    );
  if (policy.level === 'privileged') return found;
  if (spec.nodeName !== undefined && spec.nodeName !== '')
    forbid('spec.nodeName', 'choosing the node bypasses the scheduler; use nodeSelector or affinity');

  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (spec[key] === true) forbid(`spec.${key}`, 'host namespaces are not allowed');
  for (const [index, volume] of list(spec.volumes).entries()) {
    const kinds = Object.keys(record(volume)).filter((k) => k !== 'name');
    if ('hostPath' in record(volume)) forbid(`spec.volumes[${index}].hostPath`, 'hostPath volumes are not allowed');
    else if (policy.level === 'restricted' && kinds.some((k) => !RESTRICTED_VOLUMES.has(k)))
      forbid(`spec.volumes[${index}]`, `volume type ${kinds.join(', ')} is not allowed`, 'restricted');
  }
  const podSecurity = record(spec.securityContext);
  checkSecurityContext(podSecurity, 'spec.securityContext', forbid);
  for (const [index, sysctl] of list(podSecurity.sysctls).entries()) {
    const name = record(sysctl).name;
    if (typeof name === 'string' && !SAFE_SYSCTLS.has(name))
      forbid(`spec.securityContext.sysctls[${index}]`, `sysctl ${name} is not in the safe set`);
  }
  for (const [key, value] of Object.entries(podType.podConfig.metadata?.annotations ?? {}))
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/'))
      forbid(`metadata.annotations["${key}"]`, `AppArmor profile ${value} is not allowed`);

  for (const field of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    for (const [index, item] of list(spec[field]).entries()) {
      const container = record(item);
      const where = `spec.${field}[${index}]`;
      const security = record(container.securityContext);
      if (security.privileged === true)
        forbid(`${where}.securityContext.privileged`, 'privileged containers are not allowed');
      if (security.procMount !== undefined && security.procMount !== 'Default')
        forbid(`${where}.securityContext.procMount`, 'only the Default proc mount is allowed');
      checkSecurityContext(security, `${where}.securityContext`, forbid);
      const added = list(record(security.capabilities).add).map(String);
      for (const capability of added) {
        if (!BASELINE_CAPABILITIES.has(capability))
          forbid(`${where}.securityContext.capabilities.add`, `capability ${capability} is not allowed`);
        else if (policy.level === 'restricted' && capability !== 'NET_BIND_SERVICE')
          forbid(`${where}.securityContext.capabilities.add`, `capability ${capability} is not allowed`, 'restricted');
      }
      for (const [port, spec] of list(container.ports).entries())
        if (Number(record(spec).hostPort ?? 0) !== 0)
          forbid(`${where}.ports[${port}].hostPort`, 'host ports are not allowed');
      if (policy.level === 'restricted') checkRestrictedContainer(container, podSecurity, where, forbid);
    }
  }
  return found;
}

type Forbid = (field: string, why: string, level?: PodSecurityLevel) => void;

/** What baseline forbids in a pod's or a container's securityContext alike. */
function checkSecurityContext(security: Json, where: string, forbid: Forbid): void {
  if (record(security.windowsOptions).hostProcess === true)
    forbid(`${where}.windowsOptions.hostProcess`, 'host processes are not allowed');
  if (record(security.seccompProfile).type === 'Unconfined')
    forbid(`${where}.seccompProfile.type`, 'an Unconfined seccomp profile is not allowed');
  if (record(security.appArmorProfile).type === 'Unconfined')
    forbid(`${where}.appArmorProfile.type`, 'an Unconfined AppArmor profile is not allowed');
  const selinux = record(security.seLinuxOptions);
  if (typeof selinux.type === 'string' && !SELINUX_TYPES.has(selinux.type))
    forbid(`${where}.seLinuxOptions.type`, `SELinux type ${selinux.type} is not allowed`);
  for (const key of ['user', 'role'] as const)
    if (selinux[key] !== undefined && selinux[key] !== '')
      forbid(`${where}.seLinuxOptions.${key}`, `setting the SELinux ${key} is not allowed`);
}

/** Restricted's rules for each container, where the pod's securityContext may satisfy them for all. */
function checkRestrictedContainer(container: Json, pod: Json, where: string, forbid: Forbid): void {
  const security = record(container.securityContext);
  if (security.allowPrivilegeEscalation !== false)
    forbid(`${where}.securityContext.allowPrivilegeEscalation`, 'must be false', 'restricted');
  const nonRoot = security.runAsNonRoot ?? pod.runAsNonRoot;
  if (nonRoot !== true) forbid(`${where}.securityContext.runAsNonRoot`, 'must be true', 'restricted');
  if ((security.runAsUser ?? pod.runAsUser) === 0)
    forbid(`${where}.securityContext.runAsUser`, 'must not be 0 (root)', 'restricted');
  const seccomp = record(security.seccompProfile).type ?? record(pod.seccompProfile).type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    forbid(`${where}.securityContext.seccompProfile.type`, 'must be RuntimeDefault or Localhost', 'restricted');
  const dropped = list(record(security.capabilities).drop).map(String);
  if (!dropped.includes('ALL')) forbid(`${where}.securityContext.capabilities.drop`, 'must include ALL', 'restricted');
}

/** Label and annotation domains only Kubernetes, Ray and rayctl itself may set on the pods the operator creates. */
const RESERVED_DOMAINS = ['ray.io', 'rayctl.io', 'kubernetes.io', 'k8s.io'];

/**
 * Whether a label or annotation key is reserved: under one of the reserved domains (or a subdomain), or one of the
 * original operator's own labels (`ray-cluster-name`, ...), which other tools select on.
 */
export function isReservedKey(key: string, operatorKeys: ReadonlySet<string>): boolean {
  if (operatorKeys.has(key)) return true;
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  return RESERVED_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** podConfig's metadata without reserved keys, and the keys it dropped (for a warning). */
export function withoutReservedKeys(
  metadata: PodConfig['metadata'],
  operatorKeys: ReadonlySet<string>,
): { labels: Record<string, string>; annotations: Record<string, string>; dropped: string[] } {
  const dropped: string[] = [];
  const keep = (entries: Record<string, string> | undefined, kind: string) =>
    Object.fromEntries(
      Object.entries(entries ?? {}).filter(([key]) => {
        if (!isReservedKey(key, operatorKeys)) return true;
        dropped.push(`${kind} ${key}`);
        return false;
      }),
    );
  return { labels: keep(metadata?.labels, 'label'), annotations: keep(metadata?.annotations, 'annotation'), dropped };
}
