"""A log_exporter build that stages each batch in its spool folder before shipping it; when the
spool cannot be written it raises at start-up (and its restart policy starts it again)."""

import json
import os
import time
from pathlib import Path

spool = Path(os.environ.get("EXPORT_SPOOL", "/var/spool/vv-export"))
print(f"log_exporter 1.4.2 starting, spool {spool}", flush=True)
marker = spool / "batch-000001.json"
marker.write_text(json.dumps({"records": 0, "created": time.time()}))
print("spool ready", flush=True)
while True:
    time.sleep(5)
    print("exporter: nothing new to ship", flush=True)
