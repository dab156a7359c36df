#!/usr/bin/env bash
# Build every image the edge box's compose stack needs, on Podman or Docker; idempotent.
#
#   deploy/build-images.sh [--engine podman|docker] [--base local|IMAGE] [--proxy-base local|IMAGE]
#                          [--tag T] [--cache DIR] [--podman-root DIR] [--python PY] [--mirror URL]
#                          [--extras s3,api]
#
# Steps (each prints what it does and how long it took; a step with nothing to do says "skipped"):
#  1. base images, when --base/--proxy-base is "local" (the default: no registry needed):
#     Debian trixie (VV_DEBIAN_SUITE) minbase rootfs made with debootstrap from the box's own Debian mirror, one
#     with python3 + python3-venv (vvai) and one with haproxy (socket proxy), imported as
#     localhost/vv/base-python:trixie and localhost/vv/base-haproxy:trixie. The rootfs tarballs
#     are cached in the cache folder, so a new engine storage only re-imports them (a few seconds).
#     Skipped when the image exists. Where a registry is reachable: --base python:3.11-slim
#     --proxy-base debian:trixie-slim.
#  2. the wheelhouse: `pip wheel` of vvai[s3] and moto[server] on the host (with the debootstrap
#     step, the only ones that use the network: PyPI), rebuilt fully only when pyproject.toml
#     changes, else only vvai's own wheel. The wheels' Python X.Y must be the image's (trixie: 3.13):
#     the script looks for it (.venv, pythonX.Y, pyenv); --python to choose.
#  3. vv/vvai:TAG and vv/s3-store:TAG from deploy/Dockerfile, built with --network none.
#  4. vv/socket-proxy:TAG from deploy/socket-proxy/.
#
# Environment equivalents: VV_ENGINE, VV_BASE, VV_PROXY_BASE, VV_TAG, VV_BUILD_CACHE,
# VV_PODMAN_ROOT, PYTHON, VV_DEBIAN_MIRROR, VV_EXTRAS (vvai's extras in the image: s3 for the
# exporter and model sync from S3, api for the monitor's API and console). --podman-root DIR uses the private Podman
# configuration of vvai.testing.podman under DIR (the one the tests' engine uses: runc, ulimits,
# file events; see ../shared/notes/container-engine.md), otherwise podman's own configuration.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ENGINE=${VV_ENGINE:-}
BASE=${VV_BASE:-local}
PROXY_BASE=${VV_PROXY_BASE:-local}
TAG=${VV_TAG:-0.1.0}
CACHE=${VV_BUILD_CACHE:-/var/tmp/vvai-build}
PODMAN_ROOT=${VV_PODMAN_ROOT:-}
PY=${PYTHON:-}
MIRROR=${VV_DEBIAN_MIRROR:-}
EXTRAS=${VV_EXTRAS:-s3,api}
SUITE=${VV_DEBIAN_SUITE:-trixie}

say() { printf '[build-images] %s\n' "$*"; }
die() { printf '[build-images] error: %s\n' "$*" >&2; exit 1; }
run() { say "+ $*"; "$@"; }
usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINE=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    --proxy-base) PROXY_BASE=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --podman-root) PODMAN_ROOT=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --mirror) MIRROR=$2; shift 2 ;;
    --extras) EXTRAS=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) printf 'unknown option %s\n' "$1" >&2; usage 2 ;;
  esac
done

if [ -z "$ENGINE" ]; then
  if command -v podman >/dev/null 2>&1; then ENGINE=podman; else ENGINE=docker; fi
fi
case "$ENGINE" in podman|docker) ;; *) die "--engine must be podman or docker (got '$ENGINE')" ;; esac
command -v "$ENGINE" >/dev/null 2>&1 || die "$ENGINE is not installed"
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

python_of_base() {  # the X.Y the wheels must be built for ("" when unknown)
  case "$1" in
    local) case "$SUITE" in bookworm) echo 3.11 ;; trixie) echo 3.13 ;; *) echo "" ;; esac ;;
    *python:3.*) echo "$1" | sed -E 's/.*python:(3\.[0-9]+).*/\1/' ;;
    *) echo "" ;;
  esac
}
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }
WANT_PY=$(python_of_base "$BASE")
if [ -z "$PY" ]; then
  # the wheels are built on the host: the interpreter must be the image's Python X.Y
  for cand in "$ROOT/.venv/bin/python" "python$WANT_PY" "$HOME"/.pyenv/versions/"$WANT_PY".*/bin/python python3; do
    if [ -n "$WANT_PY" ] && [ "$(version_of "$cand")" != "$WANT_PY" ]; then continue; fi
    if "$cand" -m pip --version >/dev/null 2>&1; then PY=$cand; break; fi
  done
  [ -n "$PY" ] || die "no Python $WANT_PY with pip on this host to build the image's wheels: pass --python"
fi

BUILD_OPTS=()
if [ "$ENGINE" = podman ]; then
  # OCI format (podman's default) drops HEALTHCHECK; the docker format keeps it
  BUILD_OPTS+=(--format docker)
  if [ -n "$PODMAN_ROOT" ]; then
    while IFS='=' read -r key value; do
      case "$key" in CONTAINERS_CONF|CONTAINERS_STORAGE_CONF|TMPDIR) export "$key=$value" ;; esac
    done < <(PYTHONPATH="$ROOT/src" "$PY" -m vvai.testing.podman env "$PODMAN_ROOT")
    say "podman with the private configuration under $PODMAN_ROOT"
  fi
fi

step_start=0
begin() { step_start=$(date +%s.%N); say "== $*"; }
done_step() { say "   done in $(awk -v a="$step_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f s", b-a}')"; }
image_exists() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

debian_mirror() {
  # the box's own Debian mirror, from apt's sources (deb822 or one-line format)
  local f uri
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    uri=$(awk '/^URIs:/ {print $2; exit} /^deb / {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f" \
          | grep -v -- '-security' | head -n1 || true)
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  return 1
}

unmount_under() {
  # debootstrap mounts proc/sys inside the rootfs; a failed run may leave them
  local dir=$1
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

local_base() {  # local_base TAG NAME PACKAGES CMD
  local tag=$1 name=$2 pkgs=$3 cmd=$4
  local tarball="$CACHE/$name-$SUITE.tar" rootfs="$CACHE/$name-$SUITE.rootfs"
  begin "base image $tag (debootstrap $SUITE minbase + $pkgs)"
  if image_exists "$tag"; then say "   $tag exists: skipped"; done_step; return; fi
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install debootstrap)"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    [ -n "$MIRROR" ] || MIRROR=$(debian_mirror) || die "no Debian mirror in apt's sources: pass --mirror URL"
    unmount_under "$rootfs"
    rm -rf "$rootfs"
    mkdir -p "$CACHE/debs"
    trap 'unmount_under "'"$rootfs"'"' EXIT
    run debootstrap --variant=minbase --include="$pkgs" --cache-dir="$CACHE/debs" "$SUITE" "$rootfs" "$MIRROR" \
      > "$CACHE/$name-$SUITE.debootstrap.log" 2>&1 || die "debootstrap failed: see $CACHE/$name-$SUITE.debootstrap.log"
    unmount_under "$rootfs"
    trap - EXIT
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    say "+ tar the rootfs into $tarball"
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  else
    say "   rootfs cached in $tarball"
  fi
  run "$ENGINE" import --change "CMD [\"$cmd\"]" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$tag" >/dev/null
  done_step
}

digest_of() {  # a short sha256 over the wheels given (names and contents)
  if [ $# -eq 0 ]; then echo none; return; fi
  sha256sum "$@" | sed 's#  .*/#  #' | sort | sha256sum | cut -c1-16
}

pipw() {  # pip wheel, its chatter in the cache's wheelhouse.log
  say "+ $PY -m pip wheel $*"
  "$PY" -m pip wheel -q "$@" >> "$CACHE/wheelhouse.log" 2>&1 \
    || { tail -n 30 "$CACHE/wheelhouse.log" >&2; die "pip wheel failed: see $CACHE/wheelhouse.log"; }
}

wheelhouse() {
  local wh="$CACHE/wheels" src="$CACHE/src" pyver moto stamp
  begin "wheelhouse $wh (pip wheel vvai[$EXTRAS] and moto[server], on the host)"
  pyver=$(version_of "$PY")
  if [ -n "$WANT_PY" ] && [ "$WANT_PY" != "$pyver" ]; then
    die "the wheels must match the image's Python $WANT_PY but $PY is $pyver: pass --python PYTHON$WANT_PY"
  fi
  # the moto the project's own environment tests with, else any 5.x
  moto=$("$ROOT/.venv/bin/python" -c 'import importlib.metadata as m; print("==" + m.version("moto"))' 2>/dev/null \
         || echo ">=5")
  # pip builds in the source folder: build from a copy, so the work tree gets no build/ folder
  rm -rf "$src" "$CACHE/wheelhouse.log" && mkdir -p "$src"
  tar -C "$ROOT" --exclude='__pycache__' --exclude='*.egg-info' -cf - pyproject.toml README.md src | tar -C "$src" -xf -
  stamp=$(cat "$ROOT/pyproject.toml" <(echo "$EXTRAS $moto $pyver") | sha256sum | cut -c1-16)
  if [ "$(cat "$wh/.stamp" 2>/dev/null || true)" = "$stamp" ]; then
    say "   dependencies unchanged (stamp $stamp): rebuilding vvai's own wheel only"
    rm -f "$wh"/vvai/vvai-*.whl
    pipw --no-deps --wheel-dir "$wh/vvai" "$src"
  else
    rm -rf "$wh"
    pipw --wheel-dir "$wh/vvai" "$src[$EXTRAS]"
    pipw --wheel-dir "$wh/s3" "moto[server]$moto"
    echo "$stamp" > "$wh/.stamp"
  fi
  shopt -s nullglob
  local deps=() w
  for w in "$wh"/vvai/*.whl; do case "$(basename "$w")" in vvai-*) ;; *) deps+=("$w") ;; esac; done
  DEPS_DIGEST=$(digest_of "${deps[@]}")
  # vvai's wheel is not byte-reproducible (build times inside): digest its sources instead
  VVAI_DIGEST=$(cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  S3_DIGEST=$(digest_of "$wh"/s3/*.whl)
  shopt -u nullglob
  say "   $(find "$wh" -name '*.whl' | wc -l) wheels, $(du -sh "$wh" | cut -f1); digests: dependencies $DEPS_DIGEST, vvai $VVAI_DIGEST, s3 store $S3_DIGEST"
  done_step
}

vvai_images() {
  local base=$1 ctx="$CACHE/ctx-vvai" target
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -al "$CACHE/wheels" "$ctx/wheels" 2>/dev/null || cp -a "$CACHE/wheels" "$ctx/wheels"
  cp "$HERE/healthcheck.py" "$HERE/s3_store.py" "$ctx/"
  for target in vvai s3-store; do
    begin "image vv/$target:$TAG (FROM $base, --network none)"
    run "$ENGINE" build "${BUILD_OPTS[@]}" --network none --build-arg "BASE=$base" --build-arg "VVAI_EXTRAS=$EXTRAS" \
      --build-arg "DEPS_DIGEST=$DEPS_DIGEST" --build-arg "VVAI_DIGEST=$VVAI_DIGEST" --build-arg "S3_DIGEST=$S3_DIGEST" \
      --target "$target" -t "vv/$target:$TAG" -f "$HERE/Dockerfile" "$ctx" > "$CACHE/build-$target.log" 2>&1 \
      || { tail -n 30 "$CACHE/build-$target.log" >&2; die "building vv/$target failed: see $CACHE/build-$target.log"; }
    say "   $(grep -c 'Using cache' "$CACHE/build-$target.log" || true) cached step(s); log in $CACHE/build-$target.log"
    done_step
  done
}

proxy_image() {
  local base=$1 net=()
  [ "$PROXY_BASE" = local ] && net=(--network none)
  begin "image vv/socket-proxy:$TAG (FROM $base)"
  run "$ENGINE" build "${BUILD_OPTS[@]}" "${net[@]}" --build-arg "BASE=$base" -t "vv/socket-proxy:$TAG" \
    "$HERE/socket-proxy" > "$CACHE/build-socket-proxy.log" 2>&1 \
    || { tail -n 30 "$CACHE/build-socket-proxy.log" >&2; die "building vv/socket-proxy failed: see $CACHE/build-socket-proxy.log"; }
  done_step
}

t0=$(date +%s.%N)
say "engine $ENGINE, tag $TAG, cache $CACHE, python $PY"
base_img=$BASE
if [ "$BASE" = local ]; then
  base_img=localhost/vv/base-python:$SUITE
  local_base "$base_img" base-python python3,python3-venv,ca-certificates /bin/bash
fi
proxy_img=$PROXY_BASE
if [ "$PROXY_BASE" = local ]; then
  proxy_img=localhost/vv/base-haproxy:$SUITE
  local_base "$proxy_img" base-haproxy haproxy /bin/bash
fi
wheelhouse
vvai_images "$base_img"
proxy_image "$proxy_img"
say "all images built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f s", b-a}'):"
for img in vv/vvai vv/s3-store vv/socket-proxy; do say "   $img:$TAG"; done
