#!/usr/bin/env bash
# Removes whatever a cluster left on the host: every process in its process nodes' cgroup tree (pod sandboxes hold
# the pods' namespaces and veths, so these go with them), the cgroups, the bridge, the mount points the pods made on
# the host's file system (listed in each container's created-dirs), and the link that holds the simulated pods'
# addresses (test/cluster/simulated-pods.ts), whose route goes with it. Idempotent; run by the crash reaper and after
# every stop. An argument may be empty: a cluster without process nodes has only the link, one without root nothing.
# Usage: reap.sh CGROUP_DIR BRIDGE STATE_DIR SIMULATED_POD_LINK
set -u
cgroup=$1
bridge=$2
state=$3
simulated=${4:-}
if [[ -d "$cgroup" ]]; then
  for _ in $(seq 1 100); do
    pids=$(find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [[ -z "$pids" ]] && break
    kill -KILL $pids 2>/dev/null
    sleep 0.05
  done
  find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
fi
[[ -n "$bridge" ]] && ip link del "$bridge" 2>/dev/null
[[ -n "$simulated" ]] && ip link del "$simulated" 2>/dev/null
# Deepest first; rm -d leaves any directory that is not empty.
[[ -n "$state" ]] && cat "$state"/pods/*/containers/*/created-dirs 2>/dev/null | sort -r | xargs -r -d '\n' rm -d 2>/dev/null
exit 0
