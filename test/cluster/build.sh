#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go wrapper modules in test/cluster/go/
# into a cache directory outside git, keyed by a hash of the go.mod/go.sum files and this script,
# so a rerun with nothing changed only checks that the files exist.
#
# Output: $RAYCTL_CLUSTER_CACHE (default ~/.cache/rayctl/cluster)/<key>/bin/ and .../kwok/
# The last line printed is the bin directory. test/cluster/paths.ts computes the same key.
# Exit code 1 when any binary failed to build (the others are still built).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Go's tarball install is not always on a non-login shell's PATH (CI).
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null; then
  echo "go is not on PATH: Go >= 1.26 is needed to build the local control plane" >&2
  exit 1
fi
modules="$here/go"
cache_root="${RAYCTL_CLUSTER_CACHE:-$HOME/.cache/rayctl/cluster}"

# The key: sha256 over the files in C-locale order; paths.ts must hash the same list the same way.
key_files() {
  local m
  for m in $(cd "$modules" && LC_ALL=C ls -d -- */ | tr -d /); do
    printf '%s\n' "$modules/$m/go.mod" "$modules/$m/go.sum"
  done
  printf '%s\n' "$here/build.sh"
}
key="$(key_files | while read -r f; do cat "$f"; done | sha256sum | cut -c1-16)"
out="$cache_root/$key"
bin="$out/bin"
mkdir -p "$bin" "$out/kwok/stages" "$out/kwok/crds"

kube_version=v1.36.3
kube_ldflags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/component-base/version.gitTreeState=clean"
kube_ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$kube_version -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=36 -X k8s.io/client-go/pkg/version.gitTreeState=clean"
helm3_ldflags="-X helm.sh/helm/v3/internal/version.version=v3.22.0 -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
# helm 3 reports the Kubernetes version of its client libraries (k8s.io/client-go v0.37) as its default capabilities.
helm3_ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37"
helm3_ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37"
helm4_ldflags="-X helm.sh/helm/v4/internal/version.version=v4.3.1 -X helm.sh/helm/v4/internal/version.gitTreeState=clean"

# name | wrapper module | main package | extra ldflags (small ones first: usable sooner)
targets=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|"
  "kwok|kwok|sigs.k8s.io/kwok/cmd/kwok|-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=1.36.3"
  "helm3|helm3|helm.sh/helm/v3/cmd/helm|$helm3_ldflags"
  "helm4|helm4|helm.sh/helm/v4/cmd/helm|$helm4_ldflags"
  "kube-apiserver|kube|k8s.io/kubernetes/cmd/kube-apiserver|$kube_ldflags"
  "kube-controller-manager|kube|k8s.io/kubernetes/cmd/kube-controller-manager|$kube_ldflags"
  "kube-scheduler|kube|k8s.io/kubernetes/cmd/kube-scheduler|$kube_ldflags"
  "kubectl|kube|k8s.io/kubernetes/cmd/kubectl|$kube_ldflags"
)
total=$((${#targets[@]} + 1))
failures=()
started_all=$SECONDS
step=0

for target in "${targets[@]}"; do
  IFS='|' read -r name module pkg ldflags <<<"$target"
  step=$((step + 1))
  if [[ -x "$bin/$name" ]]; then
    echo "cached   $name ($step/$total)"
    continue
  fi
  echo "building $name ($step/$total)…"
  started=$SECONDS
  log="$out/build-$name.log"
  # Static binaries (no cgo) so no C toolchain is needed; nice keeps the machine responsive.
  cmd=(env CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg")
  if (cd "$modules/$module" && "${cmd[@]}") >"$log" 2>&1; then
    mv "$bin/$name.tmp" "$bin/$name"
    echo "  done   $name in $((SECONDS - started)) s ($(du -h "$bin/$name" | cut -f1))"
  else
    rm -f "$bin/$name.tmp"
    echo "  FAILED $name after $((SECONDS - started)) s; command (in $modules/$module):"
    echo "    ${cmd[*]@Q}"
    echo "  error (full log: $log):"
    sed 's/^/    /' "$log" | tail -20
    failures+=("$name")
  fi
done

# kwok's stage and CRD definitions ship in its module: copy them out of the module cache.
step=$((step + 1))
stages=(node/fast/node-initialize pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete)
if [[ -f "$out/kwok/.complete" ]]; then
  echo "cached   kwok stages and CRDs ($step/$total)"
else
  echo "copying  kwok stages and CRDs ($step/$total)…"
  # `go mod download` is a no-op when the module is already in the cache.
  if kwok_dir="$(cd "$modules/kwok" && go mod download sigs.k8s.io/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok 2>&1)" &&
    [[ -d "$kwok_dir" ]]; then
    ok=1
    for s in "${stages[@]}"; do
      install -m 0644 "$kwok_dir/kustomize/stage/$s.yaml" "$out/kwok/stages/" || ok=0
    done
    for crd in logs clusterlogs; do
      install -m 0644 "$kwok_dir/kustomize/crd/bases/kwok.x-k8s.io_$crd.yaml" "$out/kwok/crds/" || ok=0
    done
    if ((ok)); then touch "$out/kwok/.complete"; else failures+=("kwok-assets"); fi
  else
    echo "  FAILED to locate sigs.k8s.io/kwok in the module cache: $kwok_dir"
    failures+=("kwok-assets")
  fi
fi

ln -sfn "$key" "$cache_root/current"
# Builds for go.sum files nobody used for two weeks (old branches) are only disk.
touch "$out"
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mtime +14 ! -name "$key" -exec rm -rf {} + 2>/dev/null
echo "total $((SECONDS - started_all)) s; cache $(du -sh "$out" | cut -f1) in $out"
if ((${#failures[@]})); then
  echo "FAILED: ${failures[*]}" >&2
  echo "$bin"
  exit 1
fi
echo "$bin"
