#!/usr/bin/env python3
"""The edge box's local S3-compatible store: moto's S3 server with the exporter's buckets made.

Runs in the ``s3-store`` image (installed as /usr/local/bin/vv-s3-store). Environment:
  VV_S3_HOST (127.0.0.1), VV_S3_PORT (9000), VV_S3_BUCKETS (comma-separated, "vv-results").
The store is in memory: stopping the container loses its objects (the drills stop and start it
to play "cloud storage unreachable"). Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def main() -> int:
    import boto3
    from moto.server import ThreadedMotoServer

    host = os.environ.get("VV_S3_HOST", "127.0.0.1")
    port = int(os.environ.get("VV_S3_PORT", "9000"))
    buckets = [b for b in os.environ.get("VV_S3_BUCKETS", "vv-results").split(",") if b]
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                      aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "vvlocal"),
                      aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "vvlocal"))
    for b in buckets:
        s3.create_bucket(Bucket=b)
    print(f"s3 store on http://{host}:{port}, buckets: {', '.join(buckets) or '(none)'}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
