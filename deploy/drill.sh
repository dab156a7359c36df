#!/usr/bin/env bash
# Fault drills on the real compose stack: builds what is missing (build-images.sh), brings the
# stack up (Podman here, or --engine docker), injects five faults, prints one row per drill and
# "drills: N passed, M failed; median MTTD, median MTTR", tears everything down by id.
# Exit 0 only when every drill passed. The logic is in deploy/drill/*.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
cd "$ROOT"
exec env PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m deploy.drill.main "$@"
