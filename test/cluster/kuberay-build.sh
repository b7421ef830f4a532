#!/usr/bin/env bash
# Builds KubeRay's ray-operator (the comparison in test/bench/compare.ts) from the Go module proxy with
# `go install`, and copies its CRDs out of the module cache. Cached like build.sh: keyed by a hash of this
# script, so a rerun with nothing changed only checks that the files exist.
#
# Output: $RAYCTL_CLUSTER_CACHE (default ~/.cache/rayctl/cluster)/kuberay-<key>/bin/ray-operator and .../crds/
# The last line printed is that directory. test/bench/compare.ts computes the same key.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null; then
  echo "go is not on PATH: Go is needed to build KubeRay's ray-operator" >&2
  exit 1
fi
version=v1.5.0
module=github.com/ray-project/kuberay/ray-operator
cache_root="${RAYCTL_CLUSTER_CACHE:-$HOME/.cache/rayctl/cluster}"
key="$(sha256sum <"$here/kuberay-build.sh" | cut -c1-16)"
out="$cache_root/kuberay-$key"

if [[ -f "$out/.complete" ]]; then
  echo "cached   KubeRay ray-operator $version"
  echo "$out"
  exit 0
fi

echo "building KubeRay ray-operator $version (go install from the module proxy)…"
started=$SECONDS
rm -rf "$out"
mkdir -p "$out/bin" "$out/crds"
log="$out/build.log"
# Static binary (no cgo); nice keeps the machine responsive. GOFLAGS from the environment could add -mod flags
# that a module-mode install rejects.
if env GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="$out/bin" nice -n 10 \
  go install -trimpath -ldflags "-s -w" "$module@$version" >"$log" 2>&1 &&
  [[ -x "$out/bin/ray-operator" ]]; then
  echo "  done   ray-operator in $((SECONDS - started)) s ($(du -h "$out/bin/ray-operator" | cut -f1))"
else
  echo "  FAILED ray-operator after $((SECONDS - started)) s (full log: $log):" >&2
  tail -20 "$log" | sed 's/^/    /' >&2
  exit 1
fi

# The CRDs ship in the module; `go install` left it in the module cache.
crds="$(go env GOMODCACHE)/$module@$version/config/crd/bases"
if ! install -m 0644 "$crds"/ray.io_*.yaml "$out/crds/"; then
  echo "  FAILED to copy KubeRay's CRDs from $crds" >&2
  exit 1
fi
touch "$out/.complete"
# Builds of old versions of this script nobody used for two weeks are only disk.
touch "$out"
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -name 'kuberay-*' -mtime +14 ! -name "kuberay-$key" \
  -exec rm -rf {} + 2>/dev/null
echo "$out"
