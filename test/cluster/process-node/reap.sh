#!/usr/bin/env bash
# Removes whatever a cluster's process nodes left on the host: every process in their cgroup tree (pod
# sandboxes hold the pods' namespaces and veths, so these go with them), the cgroups, and the bridge.
# and the mount points the pods made on the host's file system (listed in each container's created-dirs).
# Idempotent; run by the crash reaper and after every stop. Usage: reap.sh CGROUP_DIR BRIDGE STATE_DIR
set -u
cgroup=$1
bridge=$2
state=$3
if [[ -d "$cgroup" ]]; then
  for _ in $(seq 1 100); do
    pids=$(find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [[ -z "$pids" ]] && break
    kill -KILL $pids 2>/dev/null
    sleep 0.05
  done
  find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
fi
ip link del "$bridge" 2>/dev/null
# Deepest first; rm -d leaves any directory that is not empty.
cat "$state"/pods/*/containers/*/created-dirs 2>/dev/null | sort -r | xargs -r -d '\n' rm -d 2>/dev/null
exit 0
