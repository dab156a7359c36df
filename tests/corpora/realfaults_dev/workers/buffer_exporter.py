"""A log_exporter build that batches records in memory until its flush window: the buffer grows to
BUFFER_MB and stays there (the window is hours), close to the container's memory limit."""

import os
import time

target = int(os.environ.get("BUFFER_MB", "80"))
print(f"log_exporter 1.6.0 starting: batch buffer up to {target} MB, flush window 6h", flush=True)
chunks: list[bytearray] = []
n = 0
while True:
    n += 1
    if len(chunks) < target:
        for _ in range(min(24, target - len(chunks))):
            b = bytearray(1 << 20)
            for i in range(0, len(b), 4096):  # touch every page: resident, not just reserved
                b[i] = 1
            chunks.append(b)
    print(f"batch buffer: {len(chunks) * 2500} records, {len(chunks)} MB held, next flush in 5h", flush=True)
    time.sleep(5)
