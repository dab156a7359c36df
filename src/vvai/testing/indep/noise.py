"""Noise any bundle may carry: very long lines, invalid UTF-8, optional sources not watched."""
from __future__ import annotations

import json
from datetime import timedelta

# sources a scenario's diagnosis does not need, by category (never those holding its evidence)
SKIPPABLE = {
    "healthy": ["metrics", "events", "stats", "app", "pipeline"],
    "poison_input": ["metrics", "stats"],
    "export_failure": ["metrics", "events", "stats"],
    "model_failure": ["events", "stats", "pipeline"],
    "integrity_mismatch": ["metrics", "events", "stats"],
    "crash_loop": ["metrics", "pipeline"],
    "deployment_regression": ["metrics", "pipeline"],
}


def long_line(site) -> None:
    """A debug dump of a whole analytics document: one ~100 kB line."""
    b, rng = site.b, site.rng
    svc = "scene_summarizer"
    scenes = [{"i": i, "t0": round(i * 4.1, 1), "motion": round(rng.random(), 4),
               "hash": f"{rng.getrandbits(64):016x}"} for i in range(1500)]
    text = "DEBUG prompt payload " + json.dumps({"scenes": scenes})
    t = b.start + (b.end - b.start) * rng.uniform(0.1, 0.9)
    if b.end - b.start > timedelta(hours=2):
        t = b.end - timedelta(minutes=rng.uniform(5, 50))
    b.log(svc, t, text)


def bad_utf8(site) -> None:
    """ffmpeg metadata in Latin-1 and a cut multi-byte sequence: bytes that are not UTF-8."""
    b, rng = site.b, site.rng
    t = b.end - timedelta(minutes=rng.uniform(3, 50))
    b.log("scene_scanner", t, b"  Metadata:\n    title           : C\xe2mera Entrada \xe9 Sa\xedda")
    b.log("scene_scanner", t + timedelta(seconds=1), b"    comment         : \xe6\x97\xa5\xe6\x9c")


def side_services(site) -> None:
    """Ordinary chatter of side services (redis, llama.cpp server, mosquitto) that have no logs yet."""
    from . import timefmt, tools
    b, rng = site.b, site.rng
    for svc in [c for c in ("redis", "llm", "mosquitto") if c in b.components and c not in b.logs]:
        t = max(b.start, b.end - timedelta(hours=1)) + timedelta(seconds=rng.uniform(5, 60))
        while t < b.end:
            if svc == "redis":
                ts = timefmt.naive_text(t, site.tz, "redis")
                for dt, msg in ((0, "100 changes in 300 seconds. Saving..."),
                                (0, f"Background saving started by pid {rng.randrange(20, 9999)}"),
                                (1, "Background saving terminated with success")):
                    b.log(svc, t + timedelta(seconds=dt), tools.redis_line(1, "M", ts, "notice", msg))
                t += timedelta(seconds=300)
            elif svc == "llm":
                b.log(svc, t, "srv  log_server_r: request: POST /completion 172.18.0.5 200")
                t += timedelta(seconds=rng.uniform(20, 90))
            else:
                b.log(svc, t, f"{int(t.timestamp())}: Received PINGREQ from vv-exporter-{rng.randrange(100, 999)}")
                t += timedelta(seconds=60)


def routine_state_files(site) -> None:
    """State files that routine jobs leave whatever happens: a `df` and an all-OK verifier run.

    Without them, the mere presence of files/df.txt or files/verify.log would give the category away.
    """
    import hashlib

    from . import statefiles
    b, rng = site.b, site.rng
    last = b.pipeline[-1][1] if b.pipeline else None
    if last and "df.txt" not in b.files and rng.random() < 0.35:
        disk = last["disk"]
        style = rng.choice(["df-h", "df-P", "df-plain"] + (["df-output"] if site.split == "heldout" else []))
        text, _ = statefiles.df([("/dev/sda1", disk["path"], disk["total_bytes"],
                                  disk["total_bytes"] - disk["free_bytes"]),
                                 ("tmpfs", "/run", 1_600_000_000, 2_300_000)], style)
        b.file("df.txt", text)
    names = [f["name"] for f in (last or {}).get("dirs", {}).get("processed", [])
             if not f["name"].endswith(".json")][:10]
    if names and not any(k in b.files for k in ("verify.log", "vv-signature.json")) and rng.random() < 0.25:
        at = b.pipeline[-1][0]
        entries = [(n, hashlib.sha256(n.encode()).hexdigest(), hashlib.sha256(n.encode()).hexdigest()) for n in names]
        b.file("vv-signature.json", statefiles.signature_manifest([(n, h, 1) for n, h, _ in entries], at, site.tz))
        b.file("verify.log", statefiles.verify_log(at, site.tz, entries))
    if "dmesg.txt" not in b.files and rng.random() < 0.15:
        up = 86400 * rng.uniform(1, 30)
        veth = f"veth{rng.getrandbits(28):07x}"
        b.file("dmesg.txt", "\n".join([
            f"[{up:.6f}] br-3f2a9c1d0e4b: port 2({veth}) entered blocking state",
            f"[{up + 0.0001:.6f}] br-3f2a9c1d0e4b: port 2({veth}) entered forwarding state",
            f"[{up + 3.2:.6f}] EXT4-fs (sda1): re-mounted. Quota mode: none.",
            f"[{up + 41.7:.6f}] usb 1-1.2: USB disconnect, device number 4"]) + "\n")
    model = b.meta.get("model")
    if model and "model_verify.json" not in b.files and rng.random() < 0.1:
        at = b.end - timedelta(minutes=rng.uniform(5, 50))
        entries = [(n, hashlib.sha256((n + model["version"]).encode()).hexdigest(),
                    hashlib.sha256((n + model["version"]).encode()).hexdigest(), size)
                   for n, size in (("bitnet-b1.58-2b-q4_0.gguf", 1_187_000_000), ("tokenizer.json", 2_113_710))]
        b.file("model_verify.json", statefiles.model_hash_report(at, site.tz, model["version"], entries))


def apply(site, category: str) -> None:
    rng = site.rng
    side_services(site)
    routine_state_files(site)
    if rng.random() < 0.3:
        long_line(site)
    if rng.random() < 0.3:
        bad_utf8(site)
    skippable = [s for s in SKIPPABLE.get(category, [])
                 if not any(e["source"].startswith(_prefix(s)) for e in site.b.evidence)]
    if skippable and rng.random() < 0.35:
        site.b.skip.add(rng.choice(skippable))
    # a container whose logs were not collected (never the incident's own, never one holding evidence)
    involved = {i["component"] for i in site.b.incidents}
    quiet = [n for n in site.b.logs if n not in involved
             and not any(e["source"] == f"logs/{n}.log" for e in site.b.evidence)]
    if quiet and rng.random() < 0.15:
        site.b.skip.add(f"logs/{rng.choice(sorted(quiet))}.log")


def _prefix(source: str) -> str:
    return {"app": "logs/app.log", "events": "events.jsonl", "stats": "stats.jsonl", "metrics": "metrics.jsonl",
            "pipeline": "pipeline.jsonl"}[source]
