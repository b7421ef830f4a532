// The script that turns a process in the pod's namespaces into a container: it runs as root in a fresh mount
// namespace (a private copy of the pod's), builds the container's view of the file system, then execs the
// container's command as its user. Pure: the script is text, checked by unit tests and by running it.
import type { Container, PodSpec, Volume } from './kube-types.ts';
import { shellQuote } from './host.ts';

export interface LaunchPlan {
  container: Container;
  spec: PodSpec;
  /** The pod's directory on the host (holds volumes/, hosts, resolv.conf, containers/<name>/tmp). */
  podDir: string;
  /** Host path bound for each volume name. */
  volumeSources: Map<string, Volume & { source: string }>;
  /** argv after $(VAR) expansion. */
  argv: string[];
}

/** Where the pod's directory is visible while mounting: a private tmpfs on /run replaces the host's /run. */
const STAGE = '/run/.pod';

/**
 * Order matters: the pod dir lives under the host's /tmp, which the container's own /tmp then covers, so the
 * pod dir is first bound to a staging point on the container's private /run and every source is taken from there.
 */
export function launchScript(plan: LaunchPlan): string {
  const { container, spec } = plan;
  const q = shellQuote;
  const lines = [
    'set -euo pipefail',
    // Directories created on the host file system for mount points; the node removes them with the pod.
    `created=${q(`${STAGE}/containers/${container.name}/created-dirs`)}`,
    'mount -t tmpfs -o mode=755 container-run /run',
    `mkdir -p ${STAGE}`,
    `mount --rbind ${q(plan.podDir)} ${STAGE}`,
    `mount --bind ${q(`${STAGE}/containers/${container.name}/tmp`)} /tmp`,
    // Makes a mount point; records every directory (and file) it created on the host's file system (not on the
    // private /tmp and /run), top first, so the node removes them, deepest first, with the pod.
    'mountpoint() {',
    '  local path="$1" parent="$1" missing=()',
    '  while [ ! -e "$parent" ]; do missing=("$parent" "${missing[@]}"); parent="$(dirname "$parent")"; done',
    '  case "$path" in /tmp/* | /run/* | /var/run/*) ;; *) for made in "${missing[@]}"; do echo "$made" >> "$created"; done ;; esac',
    '  if [ "$2" = dir ]; then mkdir -p "$path"; else mkdir -p "$(dirname "$path")"; touch "$path"; fi',
    '}',
  ];
  for (const mount of container.volumeMounts ?? []) {
    const volume = plan.volumeSources.get(mount.name);
    if (!volume) throw new Error(`volumeMount ${mount.name}: no volume of that name`);
    const fromPodDir = volume.source.startsWith(`${plan.podDir}/`);
    const base = fromPodDir ? `${STAGE}${volume.source.slice(plan.podDir.length)}` : volume.source;
    const source = mount.subPath ? `${base}/${mount.subPath}` : base;
    const readOnly =
      mount.readOnly || !!volume.configMap || !!volume.secret || !!volume.projected || !!volume.downwardAPI;
    if (mount.subPath && fromPodDir) lines.push(`[ -e ${q(source)} ] || mkdir -p ${q(source)}`);
    lines.push(`[ -e ${q(mount.mountPath)} ] || mountpoint ${q(mount.mountPath)} "$([ -d ${q(source)} ] && echo dir)"`);
    lines.push(`mount --rbind ${q(source)} ${q(mount.mountPath)}`);
    if (readOnly) lines.push(`mount -o remount,bind,ro ${q(mount.mountPath)}`);
  }
  lines.push(
    `mount --bind ${STAGE}/hosts /etc/hosts`,
    `mount --bind ${STAGE}/resolv.conf /etc/resolv.conf`,
    `umount -l ${STAGE}`,
    `rmdir ${STAGE}`,
  );
  const security = { ...spec.securityContext, ...container.securityContext };
  if (security.readOnlyRootFilesystem) lines.push('mount -o remount,bind,ro /');
  if (container.workingDir)
    lines.push(`mkdir -p ${q(container.workingDir)} 2>/dev/null || true`, `cd ${q(container.workingDir)}`);
  else lines.push('cd /');
  const user = security.runAsUser;
  const groups = [spec.securityContext?.fsGroup, ...(spec.securityContext?.supplementalGroups ?? [])].filter(
    (g): g is number => g !== undefined,
  );
  const setpriv =
    user === undefined && security.runAsGroup === undefined
      ? []
      : [
          'setpriv',
          `--reuid=${user ?? 0}`,
          `--regid=${security.runAsGroup ?? 0}`,
          groups.length ? `--groups=${groups.join(',')}` : '--clear-groups',
          ...(security.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
          '--',
        ];
  lines.push(`exec ${[...setpriv, ...plan.argv].map(q).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The container's argv: command (or the image's default, which mapped images do not have) then args. */
export function containerArgv(container: Container): string[] | undefined {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  return argv.length > 0 ? argv : undefined;
}
