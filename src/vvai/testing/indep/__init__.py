"""An independent corpus of incident bundles (`vvai-bundle/1`), written from the spec alone.

Written without reading the monitor's engine, knowledge base, bundle reader or the other synthetic
generator: only the bundle spec (shared spec/incident-bundle.md), its four recorded examples and public knowledge of how
real tools print. Use it to measure how the diagnosis generalises to incidents someone else wrote.

    python -m vvai.testing.indep --split dev|heldout --out DIR [--seed N]
    from vvai.testing.indep import generate; generate("dev", Path("out"))

Each bundle is `<split>-<category>-<n>/` with bundle.json, events.jsonl, logs/<service>.log,
logs/app.log, stats.jsonl, metrics.jsonl, pipeline.jsonl, files/..., expected.json. Besides the
spec's `incidents`, expected.json carries `variant` (which scenario and dialect) and `evidence`
(lines a grounded diagnosis can quote, each verbatim in its source). Sizes: dev = 6 bundles per
incident category + 20 healthy (98); heldout = 4 per category + 15 healthy (67); other seeds.

Dialects (chosen per bundle by the seed)
- Container logs: python logging `LEVEL:logger:msg`, logging asctime `2026-11-20 10:04:05,123 - ...`
  (zone-less on purpose), bracketed python logging, structlog JSON (`event`/`log_level`/`timestamp`),
  logrus `time=... level=... msg=...`, Go stdlib `2026/11/20 10:04:05 file.go:88: msg`; plus raw
  Python tracebacks, ffmpeg/PyAV errors and noise, botocore retry DEBUG lines and exceptions, redis's
  own `1:M 20 Nov 2026 10:04:05.123 # ...` format, llama.cpp loader lines, uvicorn access lines,
  Go panics, kernel OOM-killer lines (files/dmesg.txt), pydantic validation errors.
- Engines: Docker 24 (deprecated `status`/`id`/`from` still sent), 26, 27 (`execDuration` on die,
  `oom` before die); Podman 4.3/4.9 compat API (no `oom` event, `exitCode` and `containerExitCode`,
  `restart` before `die`, `init` before `start`, `health_status` with a top-level `HealthStatus`,
  log timestamps in local time). Container names: service, compose v1 (`project_service_1`),
  compose v2 (`project-service-1`).
- Deploys: image pull + recreate (new tag), and a compose-config-only recreate (same image, new
  `com.docker.compose.config-hash`); planned upgrades and operator restarts that are healthy.
- Time zones: Z, +05:30, -03:00, +01:00 (stream timestamps and podman log prefixes).
- Files: cam-date (`cam-03_20261120T100405.mp4`), cam-iso, names with spaces and parentheses,
  sequence numbers, legacy upper-case `.avi`.
- State files: `df -h`, `df -P`, plain `df` (files/df.txt); text verify log with OK / MISMATCH
  lines; JSON model-hash report; app.log `verify failed` with `sha256_expected` / `sha256_actual`.
- Metrics: summary quantiles (p50/p90) per component; 7 days at 30-min resolution with daily load
  variation, scrape gaps and counters that reset on restarts (performance_degradation).
- Noise: ~100 kB single lines, invalid UTF-8 (Latin-1 metadata, a cut multi-byte sequence),
  optional sources not watched and uninvolved containers' logs not collected (never a source
  holding the incident's evidence); side services (redis, llama.cpp server, mosquitto) with their
  ordinary chatter; routine df / all-OK verifier / benign dmesg / model-hash files, so that no
  file's presence gives a category away; app.log records from a cron job whose `component`
  (logline_verifier) is not a compose service; app.log level spelled `INFO` or `info`.

Held out (only in the heldout split)
- Log dialects loguru and zap JSON; engines Docker 25.0.5 and Podman 5.2.2 (same shapes as their
  neighbours, other version strings); time zone +09:00; UUID file names; `df -B1 --output=...`;
  `sha256sum -c` output for videos and model files; cumulative Prometheus histograms
  (`_bucket{le}`, `_sum`, `_count`) instead of quantiles.
- Scenario variants: oom on Podman 5; exporter CPU saturation; histogram-based slowdowns;
  PyAV unsupported codec; summarizer input with invalid UTF-8; export via a 502 nginx gateway and
  an expired TLS certificate; stall seen only through health-probe lines during a backfill;
  redis AOF write errors; scanner SIGILL crash loop; exporter ImportError after a deploy;
  pydantic schema failures after a model change; truncated GGUF; mosquitto broker down;
  summarizer paused by a maintenance lock left behind; healthy `podman auto-update` restart.
"""
from .generate import generate  # noqa: F401
