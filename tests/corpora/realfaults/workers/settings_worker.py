"""A worker whose start-up reads its settings from the environment (a real config error)."""

import os

print("scene_summarizer starting", flush=True)
workers = int(os.environ["SUMMARIZER_WORKERS"])
print(f"{workers} workers ready", flush=True)
