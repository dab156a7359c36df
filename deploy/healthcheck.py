#!/usr/bin/env python3
"""Container health check for the vvai services (installed as /usr/local/bin/vv-healthcheck).

Each service says what "healthy" means for it; every check given must pass (exit 0), the first
failure prints one line and exits 1, as the engine's HEALTHCHECK expects:

  vv-healthcheck --import                          the interpreter and vvai import
  vv-healthcheck --http http://127.0.0.1:9101/metrics
  vv-healthcheck --dirs /opt/vv-video-ai-system/input:rw,/app/models:ro
  vv-healthcheck --unix-http /run/vvai-engine/docker.sock:/_ping

Standard library only, so it runs in a few tens of milliseconds. Written by hand: a health
probe this small is not worth a dependency.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import urllib.request


def check_http(url: str, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - loopback URLs from the compose file
        if r.status != 200:
            raise RuntimeError(f"{url}: HTTP {r.status}")


def check_unix_http(spec: str, timeout: float) -> None:
    path, _, url_path = spec.rpartition(":")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(f"GET {url_path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        head = s.recv(256).split(b"\r\n", 1)[0].decode(errors="replace")
    if " 200 " not in f"{head} ":
        raise RuntimeError(f"{path} {url_path}: {head or 'no answer'}")


def check_dirs(spec: str) -> None:
    for item in filter(None, spec.split(",")):
        path, _, mode = item.partition(":")
        if not os.path.isdir(path):
            raise RuntimeError(f"{path}: not a directory (is the volume mounted?)")
        want = os.R_OK | os.X_OK | (os.W_OK if mode == "rw" else 0)
        if not os.access(path, want):
            raise RuntimeError(f"{path}: not {'writable' if mode == 'rw' else 'readable'} by uid {os.getuid()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="vv-healthcheck")
    ap.add_argument("--import", dest="imp", action="store_true", help="vvai imports")
    ap.add_argument("--http", action="append", default=[], help="URL that must answer 200")
    ap.add_argument("--unix-http", action="append", default=[], help="SOCKET:PATH that must answer 200")
    ap.add_argument("--dirs", default="", help="comma-separated DIR[:rw|:ro] that must be usable")
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args(argv)
    try:
        if a.imp:
            import vvai  # noqa: F401
        check_dirs(a.dirs)
        for url in a.http:
            check_http(url, a.timeout)
        for spec in a.unix_http:
            check_unix_http(spec, a.timeout)
    except Exception as e:  # noqa: BLE001 - any failure is "unhealthy", said in one line
        print(f"unhealthy: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
