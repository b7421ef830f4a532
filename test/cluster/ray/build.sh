#!/usr/bin/env bash
# Installs Ray from PyPI into a venv for the process nodes (pods with image rayproject/ray:* run it),
# cached by a hash of requirements.txt, constraints.txt and this script like the control plane's binaries.
#
# Output: $RAYCTL_RAY_CACHE (default ~/.cache/rayctl/ray)/<key>/venv; the last line printed is that venv.
# test/cluster/paths.ts computes the same key. The venv must not live under /tmp: every pod gets a private /tmp.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${RAYCTL_RAY_CACHE:-$HOME/.cache/rayctl/ray}"
key="$(cat "$here/requirements.txt" "$here/constraints.txt" "$here/build.sh" | sha256sum | cut -c1-16)"
out="$cache_root/$key"
venv="$out/venv"

if [[ -f "$out/.complete" ]]; then
  echo "cached   Ray venv ($(du -sh "$venv" | cut -f1))"
  echo "$venv"
  exit 0
fi

# The first python3 on PATH that is >= 3.10 (Ray 2.60 supports 3.10 to 3.13).
python=""
for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
  if command -v "$candidate" >/dev/null &&
    "$candidate" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "Ray needs Python 3.10 to 3.13 with venv: apt-get install python3 python3-venv" >&2
  exit 1
fi

echo "building Ray venv with $("$python" --version) (ray[default] from PyPI, ~400 MB)…"
started=$SECONDS
rm -rf "$out"
mkdir -p "$out"
log="$out/build.log"
if "$python" -m venv "$venv" >"$log" 2>&1 &&
  "$venv/bin/pip" install --disable-pip-version-check --no-input -r "$here/requirements.txt" \
    -c "$here/constraints.txt" >>"$log" 2>&1 &&
  "$venv/bin/ray" --version >>"$log" 2>&1; then
  touch "$out/.complete"
  echo "  done   Ray venv in $((SECONDS - started)) s ($(du -sh "$venv" | cut -f1)): $("$venv/bin/ray" --version)"
else
  echo "  FAILED Ray venv after $((SECONDS - started)) s (full log: $log):" >&2
  tail -20 "$log" | sed 's/^/    /' >&2
  if grep -q 'ensurepip is not available\|No module named venv' "$log"; then
    echo "  Python's venv module is missing: apt-get install python3-venv" >&2
  fi
  exit 1
fi

# Venvs for requirements nobody used for two weeks (old branches) are only disk.
touch "$out"
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mtime +14 ! -name "$key" -exec rm -rf {} + 2>/dev/null
echo "$venv"
