"""disk_full: the pipeline disk, a service's own volume, or a redis volume runs out of space."""
from __future__ import annotations

from datetime import timedelta

from .. import statefiles, timefmt, tools
from ..flow import SCAN, SUMM, Flow
from .common import every
from .common import p50 as _p50
from .common import sha as _h
from .registry import DANGEROUS, restart_others, variant


def _times(site, t, step=(90, 200)):
    return every(site, t, step)


DF_DEV = ["df-h", "df-P", "df-plain"]
DF_HELDOUT = DF_DEV + ["df-output"]


def _df_style(site):
    return site.rng.choice(DF_HELDOUT if site.split == "heldout" else DF_DEV)


def _old_corrupted(site, n):
    b, rng = site.b, site.rng
    return [{"name": f"old_{i:04d}.mp4", "size": rng.randrange(2 * 10**9, 9 * 10**9),
             "mtime": b.ts(b.start - timedelta(days=rng.uniform(20, 90)))} for i in range(n)]


# -- disk_full: the pipeline disk -------------------------------------------------------------
def _pipeline_disk(site):
    b, rng = site.b, site.rng
    root = b.meta["pipeline_root"]
    total = rng.choice([256, 480, 1000]) * 10**9
    t0 = b.start + timedelta(minutes=rng.uniform(5, 15))
    f = Flow(site, summ_p50=_p50(site), scanner_stop=t0)
    f.simulate()
    lg = site.lg(SCAN)
    for i, t in enumerate(_times(site, t0)):
        target = f"{root}/processed/{f.videos[i % len(f.videos)].name}.analytic.json.tmp"
        final = f"OSError: [Errno 28] No space left on device: '{target}'"
        lg(t, "error", "could not write output, will retry")
        lg.raw(t, tools.traceback([("/app/scene_scanner/output.py", 31, "write_atomic", "fh.write(payload)")], final))
        if i == 0:
            b.mark(f"logs/{SCAN}.log", "[Errno 28] No space left on device")
        b.app_log(t, f.lvl("error"), SCAN, "write failed: No space left on device", path=target,
                  evidence=(i == 0))
    text, _ = statefiles.df([("/dev/nvme0n1p3", root, total, total), ("tmpfs", "/run", 1_600_000_000, 2_000_000),
                             ("/dev/nvme0n1p1", "/boot/efi", 536_000_000, 6_200_000)], _df_style(site))
    b.file("df.txt", text, evidence=statefiles.df_line(text, root))
    old = _old_corrupted(site, rng.randint(25, 60))

    def disk(t, d):
        d["total_bytes"] = total
        d["free_bytes"] = rng.randrange(0, 40_000_000) if t >= t0 - timedelta(minutes=2) else \
            rng.randrange(200_000_000, 900_000_000)
        return d
    f.emit(disk_hook=disk, old_corrupted=old)
    for t in _times(site, b.start, (55, 65)):
        b.metric(t, "node_filesystem_avail_bytes", {"mountpoint": root, "device": "/dev/nvme0n1p3"},
                 0 if t >= t0 else rng.randrange(200_000_000, 900_000_000))
    b.incident("disk_full", SCAN, ["alert", "cleanup:corrupted"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SCAN))


def _cache_volume(site):
    """The summarizer's own cache volume is full while the pipeline disk has room."""
    b, rng = site.b, site.rng
    root = b.meta["pipeline_root"]
    t0 = b.start + timedelta(minutes=rng.uniform(5, 15))
    f = Flow(site, summ_p50=_p50(site), summarizer_stop=t0)
    f.simulate()
    lg = site.lg(SUMM)
    for i, t in enumerate(_times(site, t0, (60, 150))):
        target = f"/app/cache/prompt-cache/{_h(str(i))[:16]}.bin"
        final = f"OSError: [Errno 28] No space left on device: '{target}'"
        lg(t, "error", "inference aborted: cannot persist prompt cache")
        lg.raw(t, tools.traceback([("/app/summarizer/cache.py", 88, "save", "np.save(fh, state)")], final))
        if i == 0:
            b.mark(f"logs/{SUMM}.log", final)
        b.app_log(t, f.lvl("error"), SUMM, "write failed: No space left on device", path=target,
                  evidence=(i == 0))
    vol = "/var/lib/docker/volumes/vv-video-ai-system_summarizer-cache/_data" if site.engine.name == "docker" \
        else "/var/lib/containers/storage/volumes/summarizer-cache/_data"
    text, _ = statefiles.df([("/dev/sda1", root, 960 * 10**9, 380 * 10**9), ("/dev/sdc1", vol, 20 * 10**9, 20 * 10**9)],
                            _df_style(site))
    b.file("df.txt", text, evidence=statefiles.df_line(text, vol))
    f.emit()
    b.incident("disk_full", SUMM, ["alert"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, SUMM))


def _spool_disk(site):
    """Night: no new inputs; the exporter packs its spool on the pipeline disk and the writes fail."""
    b, rng = site.b, site.rng
    root = b.meta["pipeline_root"]
    total = rng.choice([256, 480]) * 10**9
    t0 = b.start + timedelta(minutes=rng.uniform(3, 10))
    f = Flow(site, summ_p50=_p50(site), arrivals_stop=b.start - timedelta(minutes=10), exporter_stop=t0)
    f.simulate()
    lg = site.lg("log_exporter")
    go = lg.dialect in ("logrus", "go-std", "zap")
    for i, t in enumerate(_times(site, t0, (120, 300))):
        path = f"{root}/spool/{t:%Y%m%dT%H%M}-batch.tar.zst"
        if go:
            err = f"write {path}: no space left on device"
            lg(t, "error", "spool write failed", err=err)
        else:
            err = f"OSError: [Errno 28] No space left on device: '{path}'"
            lg(t, "error", "spool write failed")
            lg.raw(t, tools.traceback([("/app/exporter/spool.py", 64, "pack", "tar.addfile(info, fh)")], err))
        if i == 0:
            b.mark("logs/log_exporter.log", err)
    text, _ = statefiles.df([("overlay", "/", 64 * 10**9, 21 * 10**9), ("/dev/mmcblk0p2", root, total, total)],
                            _df_style(site))
    b.file("df.txt", text, evidence=statefiles.df_line(text, root))

    def disk(t, d):
        d["total_bytes"] = total
        d["free_bytes"] = rng.randrange(0, 5_000_000) if t >= t0 else rng.randrange(300_000_000, 600_000_000)
        return d
    f.emit(disk_hook=disk, old_corrupted=_old_corrupted(site, rng.randint(10, 30)))
    b.incident("disk_full", "log_exporter", ["alert", "cleanup:corrupted"],
               DANGEROUS + ["quarantine", "rollback_model"] + restart_others(site, "log_exporter"))


@variant("disk_full", "pipeline-disk-exporter-spool")
def disk_spool(site):
    _spool_disk(site)


@variant("disk_full", "pipeline-disk-scanner")
def disk_scanner(site):
    _pipeline_disk(site)


@variant("disk_full", "summarizer-cache-volume")
def disk_summarizer(site):
    _cache_volume(site)


# -- disk_full: a redis volume ----------------------------------------------------------------
def _redis_volume(site, mode: str):
    b, rng = site.b, site.rng
    root = b.meta["pipeline_root"]
    t0 = b.start + timedelta(minutes=rng.uniform(4, 14))
    f = Flow(site, summ_p50=_p50(site))
    f.simulate()
    pid = 1
    for t in _times(site, b.start, (280, 320)):
        ts = timefmt.naive_text(t, site.tz, "redis")
        rl = lambda lvl, msg, at=t, ts=ts: site.b.log("redis", at, tools.redis_line(pid, "M", ts, lvl, msg))  # noqa: E731
        if t < t0:
            rl("notice", "100 changes in 300 seconds. Saving...")
            rl("notice", f"Background saving started by pid {rng.randrange(100, 9999)}")
            rl("notice", "Background saving terminated with success", t + timedelta(seconds=1))
        elif mode == "tempfile":
            child = rng.randrange(100, 9999)
            rl("notice", f"Background saving started by pid {child}")
            b.log("redis", t + timedelta(milliseconds=20),
                  f"{child}:C {ts} # Failed opening the temp RDB file temp-{child}.rdb (in server root dir /data) "
                  "for saving: No space left on device")
            if not any(e["source"] == "logs/redis.log" for e in b.evidence):
                b.mark("logs/redis.log", "for saving: No space left on device")
            rl("warning", "Background saving error", t + timedelta(milliseconds=90))
        elif mode == "rdb":
            rl("notice", f"Background saving started by pid {rng.randrange(100, 9999)}")
            child = rng.randrange(100, 9999)
            b.log("redis", t + timedelta(milliseconds=40),
                  f"{child}:C {ts} # Write error saving DB on disk: No space left on device",
                  evidence=(not any(e["source"] == "logs/redis.log" for e in b.evidence)))
            rl("warning", "Background saving error", t + timedelta(milliseconds=90))
        else:
            rl("warning", "Error writing to the AOF file: No space left on device")
            if not any(e["source"] == "logs/redis.log" for e in b.evidence):
                b.mark("logs/redis.log", "Error writing to the AOF file: No space left on device")
            rl("warning", "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
                          "without waiting for fsync to complete, this may slow down Redis.", t + timedelta(seconds=2))
    err = tools.MISCONF if mode == "rdb" else "MISCONF Errors writing to the AOF file: No space left on device"
    for i, t in enumerate(_times(site, t0 + timedelta(seconds=20), (100, 240))):
        lg = site.lg(SUMM if i % 2 == 0 else "log_exporter")
        lg(t, "warning", "job state not saved, continuing", error=err[:60])
        if i == 0:
            lg.raw(t, "redis.exceptions.ResponseError: " + err, evidence=True)
    vol = "/var/lib/docker/volumes/vv-video-ai-system_redis-data/_data" if site.engine.name == "docker" else \
        "/var/lib/containers/storage/volumes/redis-data/_data"
    text, _ = statefiles.df([("/dev/sda1", root, 960 * 10**9, 410 * 10**9), ("/dev/sdb1", vol, 8 * 10**9, 8 * 10**9),
                             ("tmpfs", "/run", 1_600_000_000, 2_100_000)], _df_style(site))
    b.file("df.txt", text, evidence=statefiles.df_line(text, vol))
    f.emit()
    b.incident("disk_full", "redis", ["alert"],
               DANGEROUS + ["quarantine", "rollback_model", "cleanup:corrupted"] + restart_others(
                   site, "redis", SUMM, "log_exporter"))


@variant("disk_full", "redis-volume-rdb", priority=2, extras=("redis",))
def disk_redis_rdb(site):
    _redis_volume(site, "rdb")


@variant("disk_full", "redis-volume-tempfile", priority=2, extras=("redis",))
def disk_redis_tmp(site):
    _redis_volume(site, "tempfile")


@variant("disk_full", "redis-volume-aof", splits=("heldout",), extras=("redis",))
def disk_redis_aof(site):
    _redis_volume(site, "aof")
