// A pod's volumes on the host, under <podDir>/volumes/<name>, bind-mounted into its containers by launch.ts.
// configMap, secret, downwardAPI and projected volumes are written as the kubelet's atomic writer does:
// files in a timestamped directory, `..data` a symlink to it, and each key a symlink through `..data`, so
// an update swaps one symlink and a reader never sees half of it. refresh() rewrites them when they change.
import { chmod, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseQuantity } from '../../../src/chart/quantity.ts';
import type { KubeHttp } from '../kube-http.ts';
import type { DownwardApiFile, KeyToPath, Pod, ProjectedSource, Volume } from './kube-types.ts';
import { fieldValue, resourceValue, type PodFacts } from './spec.ts';

interface DataObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** A ConfigMap's or Secret's keys as bytes. */
export type KeyData = Map<string, Buffer>;

/** Files of one volume: relative path → content and mode. */
type Files = Map<string, { content: Buffer; mode: number }>;

export interface MemoryVolume {
  path: string;
  sizeBytes?: number;
}

export class PodVolumes {
  /** A projected token's expiry (ms since epoch), to refresh it at 80% of its life like the kubelet. */
  private tokenRefreshAt = 0;
  private readonly written = new Map<string, string>();

  constructor(
    private readonly kube: KubeHttp,
    private readonly podDir: string,
    private readonly facts: PodFacts,
  ) {}

  private get pod(): Pod {
    return this.facts.pod;
  }

  dir(volume: string): string {
    return join(this.podDir, 'volumes', volume);
  }

  /** emptyDirs with medium Memory: the sandbox mounts a tmpfs on each, shared by the pod's containers. */
  memoryVolumes(): MemoryVolume[] {
    return (this.pod.spec.volumes ?? [])
      .filter((v) => v.emptyDir?.medium === 'Memory')
      .map((v) => {
        const size = v.emptyDir?.sizeLimit ? parseQuantity(v.emptyDir.sizeLimit) : undefined;
        return { path: this.dir(v.name), ...(size ? { sizeBytes: Math.ceil(size) } : {}) };
      });
  }

  /** Creates every volume's directory and writes the data volumes; throws naming a missing object. */
  async prepare(): Promise<void> {
    for (const volume of this.pod.spec.volumes ?? []) {
      await mkdir(this.dir(volume.name), { recursive: true, mode: 0o777 });
      await chmod(this.dir(volume.name), 0o777);
    }
    await this.refresh();
  }

  /** Rewrites configMap, secret, downwardAPI and projected volumes whose content changed. */
  async refresh(): Promise<void> {
    const refreshToken = Date.now() >= this.tokenRefreshAt;
    for (const volume of this.pod.spec.volumes ?? []) {
      const files = await this.filesOf(volume, refreshToken);
      if (files) await this.writeAtomically(volume.name, files);
    }
  }

  /** hostPath volumes are bound from the host path itself. */
  sourceOf(volume: Volume): string {
    return volume.hostPath ? volume.hostPath.path : this.dir(volume.name);
  }

  private async filesOf(volume: Volume, refreshToken: boolean): Promise<Files | undefined> {
    // A configMap, secret or downwardAPI volume is a projected volume of one source.
    const sources: ProjectedSource[] | undefined = volume.projected
      ? volume.projected.sources
      : volume.configMap
        ? [{ configMap: volume.configMap }]
        : volume.secret
          ? [{ secret: { ...volume.secret, name: volume.secret.secretName } }]
          : volume.downwardAPI
            ? [{ downwardAPI: volume.downwardAPI }]
            : undefined;
    if (!sources) return undefined;
    const mode = (volume.projected ?? volume.configMap ?? volume.secret ?? volume.downwardAPI)?.defaultMode ?? 0o644;
    const files: Files = new Map();
    for (const source of sources) {
      const keyed = source.configMap ?? source.secret;
      if (keyed) {
        const kind = source.configMap ? 'configmaps' : 'secrets';
        addKeys(files, await this.object(kind, keyed.name, keyed.optional), keyed.items, mode);
      }
      if (source.downwardAPI) this.addDownward(files, source.downwardAPI.items, mode);
      if (source.serviceAccountToken) {
        const path = source.serviceAccountToken.path;
        const token = refreshToken
          ? await this.token(source.serviceAccountToken)
          : this.written.get(`${volume.name}/${path}`);
        if (token === undefined) return undefined;
        this.written.set(`${volume.name}/${path}`, token);
        files.set(path, { content: Buffer.from(token), mode });
      }
    }
    return files;
  }

  private addDownward(files: Files, items: DownwardApiFile[] | undefined, mode: number): void {
    for (const item of items ?? []) {
      const value = item.fieldRef
        ? fieldValue(item.fieldRef, this.facts)
        : item.resourceFieldRef
          ? resourceValue(
              item.resourceFieldRef,
              this.pod.spec.containers.find((c) => c.name === item.resourceFieldRef!.containerName),
            )
          : undefined;
      files.set(item.path, { content: Buffer.from(value ?? ''), mode: item.mode ?? mode });
    }
  }

  private object(kind: 'configmaps' | 'secrets', name: string, optional?: boolean): Promise<KeyData> {
    return readKeyData(this.kube, this.pod.metadata.namespace ?? 'default', kind, name, optional);
  }

  /** A bound ServiceAccount token for this pod, through the TokenRequest API as the kubelet gets one. */
  private async token(source: { audience?: string; expirationSeconds?: number }): Promise<string> {
    const namespace = this.pod.metadata.namespace ?? 'default';
    const account = this.pod.spec.serviceAccountName ?? 'default';
    const seconds = Math.max(source.expirationSeconds ?? 3607, 600);
    const response = await this.kube.json<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          ...(source.audience ? { audiences: [source.audience] } : {}),
          expirationSeconds: seconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: this.pod.metadata.name, uid: this.pod.metadata.uid },
        },
      },
    );
    this.tokenRefreshAt = Date.now() + seconds * 800;
    return response.status.token;
  }

  private async writeAtomically(volume: string, files: Files): Promise<void> {
    const signature = JSON.stringify([...files].map(([path, f]) => [path, f.mode, f.content.toString('base64')]));
    if (this.written.get(volume) === signature) return;
    const root = this.dir(volume);
    const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${Math.random().toString(36).slice(2, 8)}`;
    for (const [path, file] of files) {
      const target = join(root, stamp, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content, { mode: file.mode });
      await chmod(target, file.mode);
    }
    const old = await readlink(join(root, '..data')).catch(() => undefined);
    await symlink(stamp, join(root, '..data_tmp'));
    await rename(join(root, '..data_tmp'), join(root, '..data'));
    for (const path of files.keys()) {
      const top = path.split('/')[0]!;
      await symlink(join('..data', top), join(root, top)).catch(() => undefined);
    }
    if (old) await rm(join(root, old), { recursive: true, force: true });
    this.written.set(volume, signature);
  }
}

/** The keys of a ConfigMap (data as UTF-8, binaryData) or Secret (base64-decoded); {} when optional and missing. */
export async function readKeyData(
  kube: KubeHttp,
  namespace: string,
  kind: 'configmaps' | 'secrets',
  name: string,
  optional?: boolean,
): Promise<KeyData> {
  const res = await kube.request<DataObject>('GET', `/api/v1/namespaces/${namespace}/${kind}/${name}`);
  if (res.status === 404 && optional) return new Map();
  if (res.status !== 200) throw new Error(`${kind.slice(0, -1)} "${name}" not found (HTTP ${res.status})`);
  const data: KeyData = new Map();
  for (const [key, value] of Object.entries(res.body.data ?? {}))
    data.set(key, kind === 'secrets' ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8'));
  for (const [key, value] of Object.entries(res.body.binaryData ?? {})) data.set(key, Buffer.from(value, 'base64'));
  return data;
}

function addKeys(files: Files, data: KeyData, items: KeyToPath[] | undefined, mode: number): void {
  const chosen: KeyToPath[] = items ?? [...data.keys()].map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const content = data.get(item.key);
    if (content !== undefined) files.set(item.path, { content, mode: item.mode ?? mode });
  }
}
