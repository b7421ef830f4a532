// Where kwok's simulated pods get their IPs. They run nothing, so a connection to one (the operator's autoscaler polls a
// head's GCS at its pod IP) must be refused on this host, never sent off it. Loopback does that with no set-up, but
// it is not a valid endpoint address: kube-controller-manager's Endpoints and EndpointSlice controllers then fail on
// every Service that selects a simulated pod and retry it forever, with a Warning Event each time. At 100 head
// Services that was ~40 requests a second that no real cluster makes, paid by every operator that creates Services
// and not by the benchmark's floor. So, as root, a /16 under 10.0.0.0/8 is made local to this host instead.
import { run } from './process-node/host.ts';

/** Refused on this host with no set-up; the fallback without root. */
export const LOOPBACK_POD_CIDR = '127.2.0.0/16';

/** The /16s tried, 10.N.0.0/16; the process nodes' /24s are under 10.213. */
const FIRST_N = 160;
const LAST_N = 211;
const ATTEMPTS = 5;

/** The link that carries one cluster's range; deleting it deletes the range (see claimSimulatedPodCidr). */
export function simulatedPodLink(clusterId: string): string {
  return `rcsim${clusterId}`;
}

/**
 * Makes a free 10.N.0.0/16 local to this host and returns it: a `local` route for it, on a link of the cluster's own
 * (a bridge that is never up). Like 127.0.0.0/8, every address in it is then this host's, so a connection to one is
 * refused at once and nothing is sent anywhere; the route goes when the link is deleted (at stop, or by the reaper).
 */
export async function claimSimulatedPodCidr(link: string): Promise<string> {
  await run('ip', ['link', 'add', link, 'type', 'bridge']);
  const used = secondOctetsRouted(await run('ip', ['-4', '-o', 'route', 'show', 'table', 'all']));
  const free = Array.from({ length: LAST_N - FIRST_N + 1 }, (_, i) => FIRST_N + i).filter((n) => !used.has(n));
  // Random, so clusters started at once rarely pick the same one; the loser of a race tries another.
  for (let attempt = 0; attempt < ATTEMPTS && free.length > 0; attempt++) {
    const [n] = free.splice(Math.floor(Math.random() * free.length), 1);
    const cidr = `10.${n}.0.0/16`;
    try {
      await run('ip', ['route', 'add', 'local', cidr, 'dev', link]);
      return cidr;
    } catch (error) {
      if (!/File exists/.test((error as Error).message)) throw error;
    }
  }
  throw new Error(`no free /16 in 10.${FIRST_N}.0.0–10.${LAST_N}.255.255 for simulated pods: every one is routed`);
}

/** N of every 10.N.0.0/16 that a route of `ip -o route` output reaches into, wholly (10.0.0.0/8) or in part. */
export function secondOctetsRouted(routes: string): Set<number> {
  const used = new Set<number>();
  for (const [, second, length] of routes.matchAll(/\b10\.(\d+)\.\d+\.\d+(?:\/(\d+))?/g)) {
    const span = 2 ** Math.max(0, 16 - Math.max(8, Number(length ?? 32)));
    const first = Number(second) - (Number(second) % span);
    for (let n = first; n < first + span; n++) used.add(n);
  }
  return used;
}
