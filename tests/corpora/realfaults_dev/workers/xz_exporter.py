"""A log_exporter build that re-packs the whole archive (processed/) into one xz batch at the
strongest preset on every sweep, back to back, and drops it in its outbox: CPU-bound all the time,
slow under a small CPU quota, but it keeps shipping."""

import lzma
import os
import time
from pathlib import Path

root = Path(os.environ.get("VVAI_PIPELINE_ROOT", "/opt/vv-video-ai-system"))
outbox = Path(os.environ.get("OUTBOX", "/tmp/outbox"))
outbox.mkdir(parents=True, exist_ok=True)
print("log_exporter 1.7.0 starting: full-archive xz batches (preset 9e)", flush=True)
n = 0
while True:
    n += 1
    files = sorted(p for p in (root / "processed").iterdir() if p.is_file() and not p.name.startswith("."))
    t = time.monotonic()
    raw = b"".join(p.read_bytes() for p in files)
    packed = lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)
    (outbox / f"batch-{n:05d}.xz").write_bytes(packed)
    for old in sorted(outbox.glob("batch-*.xz"))[:-2]:
        old.unlink()
    print(
        f"batch {n}: {len(files)} files, {len(raw)} -> {len(packed)} bytes in {time.monotonic() - t:.1f}s, shipped",
        flush=True,
    )
