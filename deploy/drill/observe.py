"""What the drill watches: the monitor's API (incidents, actions), the webhook, the files."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


class Api:
    def __init__(self, port: int, token: str):
        self.base, self.token = f"http://127.0.0.1:{port}/api/v1", token

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback
            return json.loads(r.read() or b"null")

    def up(self) -> bool:
        try:
            self._call("GET", "/incidents?limit=1")
            return True
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def incidents(self, status: str | None = None) -> list[dict]:
        q = f"?limit=200{'&status=' + status if status else ''}"
        return self._call("GET", f"/incidents{q}")["items"]

    def actions(self) -> list[dict]:
        return self._call("GET", "/actions?status=all")["items"]

    def approve(self, action_id: int) -> Any:
        return self._call("POST", f"/actions/{action_id}/approve", {"note": "approved by deploy/drill.sh"})


def wait(cond, timeout_s: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            got = cond()
        except (OSError, urllib.error.URLError, ValueError):
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            return None
        time.sleep(every)


class Files:
    """Every input video the drill put in, and where each one is now (nothing may be lost)."""

    def __init__(self, root: Path):
        self.root = root
        self.names: set[str] = set()
        self.shipped: set[str] = set()  # object keys seen in the S3 store (in memory: kept here)

    def put(self, src: Path, name: str) -> None:
        import os

        dst = self.root / "input" / name
        tmp = dst.with_name(name + ".part")
        tmp.write_bytes(src.read_bytes())
        os.chown(tmp, 1000, 1000)
        os.replace(tmp, dst)
        self.names.add(name)

    def note_shipped(self, s3: Any) -> None:
        try:
            for o in s3.list_objects_v2(Bucket="vv-results").get("Contents", []):
                self.shipped.add(o["Key"])
        except Exception:  # noqa: BLE001 - the store may be the fault under drill
            pass

    def where(self, name: str) -> str | None:
        stem = Path(name).stem
        r = self.root
        if (r / "input" / name).exists():
            return "input"
        if (r / "corrupted" / name).exists() or any(r.joinpath("corrupted").glob(f"{stem}*.mp4")):
            has_reason = any(r.joinpath("corrupted").glob(f"{stem}*.reason.json"))
            return "corrupted" if has_reason else "corrupted (no reason!)"
        if (r / "processed" / name).exists() or any(r.joinpath("processed").glob(f"{stem}.*")):
            return "processed"
        if any(f"/{stem}." in k or k.startswith(f"{stem}.") for k in self.shipped):
            return "shipped"
        return None

    def lost(self) -> list[str]:
        return sorted(n for n in self.names if (w := self.where(n)) is None or "!" in w)
