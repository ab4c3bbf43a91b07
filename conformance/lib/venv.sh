# Sourced by conformance scripts. ensure_venv <dir> <requirements-file> [pip args...]
# Creates a Python virtual environment at <dir> and installs <requirements-file> into it, once: a marker
# holding the requirements' checksum makes later runs on the same machine download nothing. The install
# time is written to <dir>.install-seconds so the README's numbers can be re-measured.
CONFORMANCE_CACHE="${CDK8S_VLLM_PD_CACHE:-$HOME/.cache/cdk8s-vllm-pd}"
PYTHON="${CONFORMANCE_PYTHON:-python3}"

ensure_venv() {
  local dir="$1" req="$2"
  shift 2
  local sum
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$sum" ]; then
    return 0
  fi
  echo "installing $(basename "$req") into $dir (first run on this machine)"
  local start=$SECONDS
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  "$PYTHON" -m venv "$dir" || return 1
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
  "$dir/bin/python" -m pip install --disable-pip-version-check --progress-bar off "$@" -r "$req" \
    >"$dir.install.log" 2>&1 || { tail -n 30 "$dir.install.log"; return 1; }
  echo $((SECONDS - start)) >"$dir.install-seconds"
  echo "$sum" >"$dir/.installed"
  echo "installed in $((SECONDS - start)) s (log: $dir.install.log)"
}
