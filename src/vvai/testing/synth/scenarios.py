"""One builder per category: a seeded scenario on top of the pipeline simulation, with noise and
at least one hard decoy each, returning the simulation and its ground truth (expected.json)."""

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from vvai.testing.synth.kit import Expected, at_frac, base, emit_error, make_expected, noise, others_restart
from vvai.testing.synth.scenarios_changes import dependency_failure, deployment_regression, model_failure
from vvai.testing.synth.sim import GB, MB, Comp, CrashPlan, Sim, VFile
from vvai.testing.synth.wording import (
    CRASH_ERRORS,
    DISK_ERRORS,
    EXPORT_ERRORS,
    POISON_ERRORS,
    SUMMARY_POISON,
    traceback,
)


def healthy(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim)
    if rng.random() < 0.5:
        sim.files["logline_verifier.txt"] = (
            f"logline_verifier: checked {rng.randint(40, 400)} files, 0 mismatches\nall signatures OK\n"
        ).encode()
    if rng.random() < 0.3:  # a short burst of arrivals that is worked off: backlog that is not a stall
        at = at_frac(sim, 0.2, 0.5)
        for k in range(6):
            sim.add_file(f"backfill-{k}_{at.strftime('%H%M')}.mkv", at + timedelta(seconds=k), int(150 * MB), 12)
    sim.run()
    return sim, {"incidents": []}


def oom_kill(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, avoid=(s.name,))
    at = at_frac(sim, 0.1, 0.35)
    cam = rng.choice(["panorama-roof", "cam-8k-west", "yard-fisheye", "lobby-360"])
    big = sim.add_file(
        f"{cam}_{at.strftime('%Y-%m-%d')}_{rng.choice(['24h', '12h', '8k'])}.mkv",
        at,
        int(rng.uniform(5, 14) * GB),
        9999,
        res=rng.choice(["7680x4320", "5760x2880"]),
    )

    def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
        n = 0
        tt = t + timedelta(seconds=40)
        while tt < die - timedelta(seconds=5):
            n += rng.randint(5000, 20000)
            sim.log(comp, tt, "INFO", f"... {big.name} frame {n} of 864000", file=big.name)
            tt += timedelta(seconds=rng.uniform(35, 70))
        if rng.random() < 0.3:
            sim.raw(comp, die - timedelta(seconds=0.5), "Killed")

    sim.crash[s.name] = CrashPlan(
        start=at, run_s=(150, 320), exit_code=137, lines=lines, oom=True, file=big, backoff=(0.5, 3)
    )
    sim.run()
    return sim, make_expected(
        "oom_kill",
        s.name,
        ["alert", f"quarantine:{big.name}", f"suggest_limits:{s.name}"],
        ["cleanup:input", "cleanup:processed", "rollback_model"] + others_restart(sim, s.name),
        file=big.name,
    )


def crash_loop(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    victim = rng.choice([s, m, e])
    noise(sim, avoid=(victim.name,))
    exc, msg = rng.choice(CRASH_ERRORS)
    msg = msg.format(short=victim.short)
    code = rng.choice([1, 1, 2, 3])

    def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
        emit_error(sim, comp, die - timedelta(seconds=0.2), exc, msg)

    sim.crash[victim.name] = CrashPlan(
        start=at_frac(sim, 0.15, 0.45), run_s=(1, 6), exit_code=code, lines=lines, backoff=(5, 45)
    )
    sim.run()
    return sim, make_expected(
        "crash_loop",
        victim.name,
        ["alert", f"restart:{victim.name}", "suggest_rollback"],
        ["cleanup", "quarantine", "rollback_model"] + others_restart(sim, victim.name),
    )


def poison_input(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, avoid=(s.name, m.name))
    at = at_frac(sim, 0.1, 0.35)
    mode = rng.choice(["crash", "crash", "retry", "summary"])
    if mode == "summary":
        victim = m
        near = [v for v in sim.vfiles if at - timedelta(minutes=10) <= v.arrive <= at]
        target = rng.choice(near or sim.vfiles)
        bad = target.stem + ".analytic.json"
        exc, tmpl = rng.choice(SUMMARY_POISON)

        def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
            sim.log(comp, t + timedelta(seconds=0.2), "INFO", f"new analytics: {bad}", file=bad)
            emit_error(
                sim,
                comp,
                die - timedelta(seconds=0.1),
                exc,
                tmpl.format(name=bad, col=rng.randint(10, 900), char=rng.randint(100, 9000)),
                file=bad,
            )

        sim.crash[m.name] = CrashPlan(start=at, run_s=(2, 8), exit_code=1, lines=lines, backoff=(3, 30))
        sim.run()
        return sim, make_expected(
            "poison_input",
            victim.name,
            ["alert", f"quarantine:{bad}"],
            ["cleanup", "rollback_model"] + others_restart(sim, victim.name),
            file=bad,
        )
    victim = s
    cam = rng.choice(["dock-door-4", "gate-1", "cam07", "yard-east"])
    tag = rng.choice(["broken", "recovered", "partial", "x"])
    name = f"{cam}_{at.strftime('%Y%m%d-%H%M%S')}_{tag}.mp4"
    vf = sim.add_file(name, at, int(rng.uniform(20, 400) * MB), 9999)
    exc, tmpl = rng.choice(POISON_ERRORS)
    emsg = tmpl.format(name=vf.name, path=f"{sim.root}/input/{vf.name}")
    if mode == "crash":
        code = rng.choice([1, 139, 134])

        def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
            if code == 139:
                sim.raw(comp, die - timedelta(seconds=0.1), "Fatal Python error: Segmentation fault")
                sim.raw(comp, die - timedelta(seconds=0.09), "Current thread 0x00007f3a (most recent call first):")
                sim.raw(comp, die - timedelta(seconds=0.08), '  File "/opt/app/scanner/decode.py", line 88 in frames')
            else:
                emit_error(sim, comp, die - timedelta(seconds=0.1), exc, emsg, file=vf.name)

        sim.crash[s.name] = CrashPlan(start=at, run_s=(3, 40), exit_code=code, lines=lines, file=vf, backoff=(1, 25))
        sim.run()
    else:  # retried without crashing: the worker logs the same failure on every pass
        sim.run()
        t = vf.arrive + timedelta(seconds=30)
        while t < sim.t1:
            sim.log(
                s,
                t,
                "ERROR",
                f"failed to process {vf.name}: {emsg}; will retry",
                file=vf.name,
                error=exc.rsplit(".", 1)[-1],
            )
            t += timedelta(seconds=rng.uniform(150, 400))
    return sim, make_expected(
        "poison_input",
        victim.name,
        ["alert", f"quarantine:{vf.name}"],
        ["cleanup", "rollback_model"] + others_restart(sim, victim.name),
        file=vf.name,
    )


def disk_full(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, restart_ok=False)
    for k in range(rng.randint(15, 40)):  # what really fills the disk: old quarantined videos
        d = sim.t0 - timedelta(days=rng.randint(1, 90))
        sim.corrupted_pre.append(
            {
                "name": f"old-{k}_{d.strftime('%Y-%m-%dT%Hh%M')}.mkv",
                "size": int(rng.uniform(2, 8) * GB),
                "mtime": d.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
    at = at_frac(sim, 0.2, 0.5)
    sim.disk_drift = (at, rng.uniform(0.975, 0.999))
    sim.block[s.name] = at_frac(sim, 0.55, 0.7)
    sim.run()
    t = sim.block[s.name]
    victims = [s] + ([m] if rng.random() < 0.5 else [])
    while t < sim.t1:
        v = rng.choice(victims)
        vf = rng.choice(sim.vfiles)
        sim.log(
            v,
            t,
            "ERROR",
            rng.choice(DISK_ERRORS).format(
                path=f"{sim.root}/processed/{vf.stem}.analytic.json", name=vf.stem + ".analytic.json"
            ),
            file=vf.name,
        )
        t += timedelta(seconds=rng.uniform(40, 200))
    return sim, make_expected(  # spec: the component whose writes fail (the scanner always does here)
        "disk_full",
        s.name,
        ["alert", "cleanup:corrupted", "cleanup:logs"],
        ["cleanup:input", "cleanup:processed", "quarantine", "rollback_model", "restart"],
    )


def export_failure(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, avoid=(e.name,))
    exc, tmpl = rng.choice(EXPORT_ERRORS)
    host = rng.choice(["10.20.0.15", "minio.local", "s3.eu-west-1.amazonaws.com", "storage.vv.internal"])
    bucket = rng.choice(["footage", "vv-results", "edge-archive"])
    tb = rng.random() < 0.6

    def fail(sim: Sim, comp: Comp, t: datetime, ready: list[VFile]) -> datetime:
        v = ready[0]
        key = f"{sim.host}/{v.arrive.strftime('%Y/%m/%d')}/{v.name}"
        msg = tmpl.format(host=host, bucket=bucket, key=key)
        tt = t + timedelta(seconds=rng.uniform(2, 12))
        sim.log(comp, tt, "ERROR", f"could not ship {v.name}", app=False)
        sim.app.append(
            {
                "ts": tt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{tt.microsecond // 1000:03d}Z",
                "level": "ERROR" if sim.app_level_upper else "error",
                "component": comp.name,
                "msg": f"could not ship {v.name}",
                "file": v.name,
                "error": exc.rsplit(".", 1)[-1],
                "exc_type": exc,
            }
        )
        if tb:
            for k, line in enumerate(
                traceback(
                    rng,
                    [("/opt/app/exporter/sink.py", 58, "send", "s3.put_object(Bucket=BUCKET, Key=key, Body=body)")],
                    f"{exc}: {msg}",
                )
            ):
                sim.raw(comp, tt + timedelta(microseconds=30 + k * 10), line)
        else:
            sim.raw(comp, tt + timedelta(microseconds=30), f"{exc}: {msg}")
        sim.log(comp, tt + timedelta(milliseconds=2), "ERROR", "sweep aborted", failed=1, pending_sets=len(ready))
        return tt

    sim.export_fail = (at_frac(sim, 0.15, 0.4), fail)
    sim.run()
    return sim, make_expected(
        "export_failure",
        e.name,
        ["alert", f"restart:{e.name}"],
        ["cleanup:processed", "cleanup:input", "quarantine", "rollback_model"] + others_restart(sim, e.name),
    )


def pipeline_stall(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    if rng.random() < 0.5:  # decoy: an early burst of arrivals that is worked off normally
        at = at_frac(sim, 0.0, 0.1)
        for k in range(rng.randint(5, 8)):
            sim.add_file(f"burst-{k}_{at.strftime('%H%M%S')}.mkv", at + timedelta(seconds=k), int(120 * MB), 8)
    noise(sim, avoid=(s.name,), big_decoy=False)
    at = at_frac(sim, 0.3, 0.5)
    sim.block[s.name] = at
    sim.run()
    if rng.random() < 0.6:  # hung but still printing a heartbeat
        done = sum(1 for v in sim.vfiles if v.scan_end and v.scan_end < at)
        t = at + timedelta(minutes=rng.uniform(1, 4))
        while t < sim.t1:
            q = sum(1 for v in sim.vfiles if v.arrive <= t and not v.scan_end)
            sim.log(s, t, "INFO", f"alive ({q} queued, {done} done)", app=rng.random() < 0.5)
            t += timedelta(minutes=rng.choice([3, 5]))
    return sim, make_expected(
        "pipeline_stall",
        s.name,
        ["alert", f"restart:{s.name}"],
        ["cleanup", "quarantine", "rollback_model"] + others_restart(sim, s.name),
    )


def orphan_outputs(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, avoid=(m.name,))
    at = at_frac(sim, 0.15, 0.4)
    sim.block[m.name] = at
    mode = rng.choice(["stopped", "hung", "killed"])
    if mode != "hung":
        sim.log(m, at - timedelta(seconds=0.5), "INFO", rng.choice(["received SIGTERM, shutting down", "bye"]))
        sim.restart(m, at, 143 if mode == "stopped" else 137, planned=True, stay_down=True)
    sim.run()
    return sim, make_expected(
        "orphan_outputs",
        m.name,
        ["alert", f"restart:{m.name}"],
        ["cleanup:processed", "quarantine", "rollback_model"] + others_restart(sim, m.name),
    )


def resource_saturation(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim)
    victim = rng.choice([s, m, m])
    a = at_frac(sim, 0.05, 0.35)
    if rng.random() < 0.65:
        sim.cpu_level.setdefault(victim.name, []).append((a, sim.t1, rng.uniform(0.93, 0.99)))
        if victim is m:
            sim.sum_base *= 1.2
    else:
        sim.mem_ramp.setdefault(victim.name, []).append((a, sim.t1, rng.uniform(0.94, 0.96), rng.uniform(0.965, 0.985)))
    # decoy: short CPU spikes on another component
    other = s if victim is not s else m
    t = at_frac(sim, 0.1, 0.5)
    sim.cpu_level.setdefault(other.name, []).append((t, t + timedelta(minutes=rng.uniform(1, 4)), 0.97))
    sim.run()
    return sim, make_expected(
        "resource_saturation",
        victim.name,
        ["alert", f"suggest_limits:{victim.name}"],
        ["restart", "cleanup", "quarantine", "rollback_model"],
    )


def integrity_mismatch(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim)
    sim.run()
    done = [v for v in sim.vfiles if v.sum_end]
    sample = rng.sample(done, min(len(done), rng.randint(6, 12)))
    kind = rng.choice([".summary.json", ".analytic.json"])
    bad = [v.stem + kind for v in sample[: rng.randint(1, 3)]]
    sigs = {
        f"processed/{v.stem}{k}": f"{rng.getrandbits(256):064x}"
        for v in sample
        for k in (".analytic.json", ".summary.json")
    }
    sim.files["vv-signature.json"] = json.dumps(
        {"algorithm": "sha256", "signed_by": "vv-edge", "files": sigs}, indent=1
    ).encode()
    if rng.random() < 0.5:
        lines = []
        for path, h in sigs.items():
            base_name = path.rsplit("/", 1)[-1]
            if base_name in bad:
                lines.append(f"MISMATCH {path} expected sha256={h} actual sha256={rng.getrandbits(256):064x}")
            else:
                lines.append(f"OK       {path}")
        lines.append(f"checked {len(sigs)} files, {len(bad)} mismatch(es)")
        sim.files["logline_verifier.txt"] = ("\n".join(lines) + "\n").encode()
    else:
        doc = {
            "checked": len(sigs),
            "ok": len(sigs) - len(bad),
            "mismatches": [
                {"file": f"processed/{b}", "expected": sigs[f"processed/{b}"], "actual": f"{rng.getrandbits(256):064x}"}
                for b in bad
            ],
        }
        sim.files["verifier-report.json"] = json.dumps(doc, indent=1).encode()
    owner = m.name if kind == ".summary.json" else s.name
    return sim, make_expected(
        "integrity_mismatch",
        owner,
        ["alert", f"quarantine:{bad[0]}"],
        ["cleanup", "restart", "rollback_model"],
        file=bad[0],
    )


def performance_degradation(rng: random.Random) -> tuple[Sim, Expected]:
    """Seven days at hourly resolution: the summarizer slows down, at the same volume."""
    from vvai.testing.synth.longrun import build_degradation

    return build_degradation(rng)


BUILDERS: dict[str, Callable[[random.Random], tuple[Sim, Expected]]] = {
    "healthy": healthy,
    "oom_kill": oom_kill,
    "crash_loop": crash_loop,
    "poison_input": poison_input,
    "disk_full": disk_full,
    "export_failure": export_failure,
    "pipeline_stall": pipeline_stall,
    "orphan_outputs": orphan_outputs,
    "resource_saturation": resource_saturation,
    "performance_degradation": performance_degradation,
    "integrity_mismatch": integrity_mismatch,
    "deployment_regression": deployment_regression,
    "model_failure": model_failure,
    "dependency_failure": dependency_failure,
}
