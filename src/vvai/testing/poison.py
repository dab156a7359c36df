"""A scanner-like worker that a poison input crashes at every start (tests, bench and demo only).

A busybox shell loop over a bind-mounted pipeline root: it takes ``input/*.mp4`` in name order,
logs ``decode start: <name>``, moves good files to ``processed/``, and exits 1 with a traceback
on any file containing ``POISON`` — so with a restart policy it crash-loops on that file forever,
exactly what the remediation executor must stop by quarantining the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vvai.testing.podman import BUSYBOX_IMAGE

SCANNER_SH = r"""cd /data
sleep {startup}
while :; do
  for f in input/*.mp4; do
    [ -e "$f" ] || continue
    n=${f#input/}
    echo "decode start: $n"
    if grep -q POISON "$f"; then
      echo "Traceback (most recent call last):" >&2
      echo "ValueError: cannot decode $n: invalid NAL unit header" >&2
      exit 1
    fi
    mv "$f" "processed/$n" && echo "scanned $n"
  done
  sleep 0.3
done"""

# a crash no restart can fix (a configuration error)
UNFIXABLE_SH = ("echo 'scanner starting'; echo 'Traceback (most recent call last):' >&2; "
                "echo \"ValueError: invalid literal for int() with base 10: 'auto'\" >&2; exit 3")


def compose_labels(project: str, service: str, depends_on: str = "") -> dict[str, str]:
    out = {"com.docker.compose.project": project, "com.docker.compose.service": service}
    if depends_on:
        out["com.docker.compose.depends_on"] = depends_on
    return out


def run_poison_scanner(client: Any, project: str, root: Path, *, restart: dict | None = None,
                       name: str = "scanner", service: str = "scene_scanner", startup_s: float = 0) -> Any:
    """Start the scanner-like container over ``root`` (restart policy ``always`` by default);
    ``startup_s`` is how long it takes to start (loading a model) before it takes the first file."""
    script = SCANNER_SH.replace("{startup}", f"{startup_s:g}")
    return client.containers.run(BUSYBOX_IMAGE, ["sh", "-c", script], detach=True, name=f"{project}-{name}",
                                 labels=compose_labels(project, service),
                                 volumes={str(root): {"bind": "/data", "mode": "rw"}},
                                 restart_policy=restart or {"Name": "always"})


def write_inputs(root: Path, poison: str, good: list[str]) -> None:
    (root / "input").mkdir(parents=True, exist_ok=True)
    (root / "input" / poison).write_bytes(b"POISON" + b"\0" * 4096)
    for g in good:
        (root / "input" / g).write_bytes(b"frames" * 1000)
