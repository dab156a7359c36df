"""Host side (not a container worker): freeze every process of a container through the kernel's
cgroup v1 freezer (the container stays 'running' for the engine), thaw it on SIGTERM.

    python cgroup_freeze.py HOST_PID"""

import signal
import sys
import time
from pathlib import Path

pid = int(sys.argv[1])
rel = next(
    ln.split(":", 2)[2]
    for ln in Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    if ln.split(":", 2)[1] == "freezer"
)
state = Path("/sys/fs/cgroup/freezer") / rel.lstrip("/") / "freezer.state"
done = False


def thaw(*_a) -> None:
    global done
    state.write_text("THAWED")
    print(f"thawed {state}", flush=True)
    done = True


signal.signal(signal.SIGTERM, thaw)
state.write_text("FROZEN")
print(f"froze {state}: {state.read_text().strip()}", flush=True)
while not done:
    time.sleep(0.5)
