"""Scenarios where something changed or went away: a new image, a new model, a dependency down."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from vvai.testing.synth.kit import Expected, at_frac, base, emit_error, make_expected, noise, others_restart
from vvai.testing.synth.sim import Comp, CrashPlan, Sim, VFile
from vvai.testing.synth.wording import DEP_ERRORS, DEPLOY_ERRORS, MODEL_ERRORS


def deployment_regression(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    victim = rng.choice([s, m, e])
    old = victim.image
    repo, tag = old.rsplit(":", 1)
    major, minor, patch = (int(x) for x in tag.split("."))
    new = f"{repo}:{major}.{minor + 1}.0"
    noise(sim, avoid=(victim.name,), restart_ok=False)
    # decoy: another component redeployed earlier, and fine
    other = rng.choice([c for c in (s, m, e) if c is not victim])
    if rng.random() < 0.6:
        t = at_frac(sim, 0.05, 0.15)
        o_old = other.image
        o_new = o_old.rsplit(":", 1)[0] + ":" + o_old.rsplit(":", 1)[1] + "-r1"
        sim.image_event(t - timedelta(seconds=20), "pull", o_new)
        sim.event(t - timedelta(seconds=1), other, "kill", signal=15)
        sim.event(t, other, "die", exitCode=0)
        sim.event(t + timedelta(seconds=1), other, "destroy")
        other.image = o_new
        sim.event(t + timedelta(seconds=2), other, "create")
        sim.event(t + timedelta(seconds=3), other, "start")
    at = at_frac(sim, 0.3, 0.55)
    sim.image_event(at - timedelta(seconds=rng.uniform(10, 60)), "pull", new)
    sim.event(at - timedelta(seconds=1), victim, "kill", signal=15)
    sim.event(at, victim, "die", exitCode=0)
    sim.event(at + timedelta(seconds=0.5), victim, "destroy")
    victim.image = new
    sim.event(at + timedelta(seconds=1), victim, "create")
    sim.event(at + timedelta(seconds=1.5), victim, "start")
    exc, msg = rng.choice(DEPLOY_ERRORS)
    if rng.random() < 0.6:

        def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
            emit_error(sim, comp, die - timedelta(seconds=0.2), exc, msg)

        sim.crash[victim.name] = CrashPlan(
            start=at + timedelta(seconds=3), run_s=(2, 20), exit_code=1, lines=lines, backoff=(5, 40)
        )
        sim.run()
    else:  # stays up, fails on every item
        sim.block[victim.name] = at
        sim.run()
        t = at + timedelta(seconds=rng.uniform(10, 60))
        while t < sim.t1:
            emit_error(
                sim,
                victim,
                t,
                exc,
                msg,
                headline=rng.choice(["job failed", "error handling item"]),
                tb=rng.random() < 0.5,
            )
            t += timedelta(seconds=rng.uniform(30, 150))
    return sim, make_expected(
        "deployment_regression",
        victim.name,
        ["alert", "suggest_rollback"],
        ["cleanup", "quarantine", "rollback_model"] + others_restart(sim, victim.name),
    )


def model_failure(rng: random.Random) -> tuple[Sim, Expected]:
    sim, s, m, e = base(rng)
    noise(sim, avoid=(m.name,), restart_ok=False)
    old = f"1.{rng.randint(0, 3)}.{rng.randint(0, 9)}"
    new = f"1.{rng.randint(4, 6)}.0"
    sim.model = {
        "name": rng.choice(["BitNet-4bit-Summarizer", "bitnet-b1.58-2B", "vv-summarizer-q4"]),
        "version": new,
        "previous_version": old,
    }
    at = at_frac(sim, 0.3, 0.55)
    sim.model_version_log = [(at, new)]
    path = f"/models/{sim.model['name']}/{new}/model.gguf"
    err = rng.choice(MODEL_ERRORS).format(
        arch=rng.choice(["bitnet-b158", "llama4"]),
        path=path,
        magic=rng.getrandbits(32),
        line=rng.randint(3000, 9000),
        a=2560,
        b=rng.choice([2048, 3200]),
        name=sim.model["name"],
        version=new,
        q=rng.choice(["TQ2_0", "I2_S"]),
    )
    if rng.random() < 0.5:  # decoy: the scanner was redeployed earlier and is fine
        t = at_frac(sim, 0.05, 0.2)
        old_img = s.image
        sim.image_event(t - timedelta(seconds=30), "pull", old_img + "-hotfix")
        sim.event(t, s, "die", exitCode=0, image=old_img)
        s.image = old_img + "-hotfix"
        sim.event(t + timedelta(seconds=2), s, "start")
    sim.log(m, at - timedelta(seconds=2), "INFO", f"model update {old} -> {new}, reloading", model_version=old)
    if rng.random() < 0.6:

        def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
            sim.log(comp, t + timedelta(seconds=0.5), "INFO", f"loading {path}", model_version=new)
            emit_error(
                sim,
                comp,
                die - timedelta(seconds=0.1),
                "RuntimeError",
                err,
                headline=rng.choice(["could not start: model load failed", "fatal: " + err]),
            )

        sim.crash[m.name] = CrashPlan(start=at, run_s=(5, 40), exit_code=1, lines=lines, backoff=(5, 40))
    else:

        def fail(sim: Sim, comp: Comp, t: datetime, vf: VFile) -> None:
            sim.log(
                comp,
                t + timedelta(seconds=rng.uniform(0.5, 3)),
                "ERROR",
                err,
                file=vf.stem + ".analytic.json",
                model_version=new,
            )

        sim.summary_error = (at, fail)
    sim.run()
    return sim, make_expected(
        "model_failure",
        m.name,
        ["alert", "rollback_model", "suggest_rollback"],
        ["cleanup", "quarantine"] + others_restart(sim, m.name),
    )


def dependency_failure(rng: random.Random) -> tuple[Sim, Expected]:
    sim = Sim(rng, minutes=rng.uniform(35, 55))
    kind = rng.choice(list(DEP_ERRORS))
    dep_name = rng.choice(
        {
            "redis": ["redis", "vv-redis", "queue-redis"],
            "postgres": ["postgres", "db-postgres"],
            "mosquitto": ["mosquitto", "mqtt-broker"],
        }[kind]
    )
    in_bundle = rng.random() < 0.75
    s = sim.add_comp("scanner")
    dependent_role = rng.choice(["summarizer", "scanner"])
    m = sim.add_comp(
        "summarizer", depends_on=[s.name] + ([dep_name] if in_bundle and dependent_role == "summarizer" else [])
    )
    sim.add_comp("exporter")
    if in_bundle:
        d = sim.add_comp(
            "other",
            dep_name,
            image={"redis": "redis:7.2-alpine", "postgres": "postgres:16", "mosquitto": "eclipse-mosquitto:2"}[kind],
            cpus=0.5,
            mem="256m",
            restart="unless-stopped",
        )
        if dependent_role == "scanner":
            s.depends_on.append(dep_name)
    sim.sum_base = rng.uniform(3.2, 5.0)
    sim.bench = sim.sum_base
    sim.arrivals()
    victim = m if dependent_role == "summarizer" else s
    noise(sim, avoid=(victim.name, dep_name))
    at = at_frac(sim, 0.2, 0.45)
    if in_bundle:
        sim.raw(
            d,
            at - timedelta(seconds=0.3),
            rng.choice(
                [
                    "1:signal-handler Received SIGTERM scheduling shutdown...",
                    "LOG:  received fast shutdown request",
                    "1:M Can't save in background: fork: Cannot allocate memory",
                ]
            ),
        )
        sim.restart(d, at, rng.choice([0, 1, 137]), stay_down=True)
    errs = [x.format(dep=dep_name) for x in DEP_ERRORS[kind]]

    def lines(sim: Sim, comp: Comp, t: datetime, die: datetime, i: int) -> None:
        sim.log(comp, t + timedelta(seconds=0.3), "INFO", f"connecting to {dep_name}")
        text = rng.choice(errs)
        exc, _, msg = text.partition(": ")
        if "." in exc and " " not in exc:
            emit_error(sim, comp, die - timedelta(seconds=0.1), exc, msg)
        else:
            sim.log(comp, die - timedelta(seconds=0.1), "ERROR", text)

    sim.crash[victim.name] = CrashPlan(
        start=at + timedelta(seconds=5), run_s=(3, 30), exit_code=1, lines=lines, backoff=(5, 40)
    )
    sim.run()
    return sim, make_expected(
        "dependency_failure",
        dep_name,
        ["alert", f"restart:{dep_name}"],
        ["cleanup", "quarantine", "rollback_model", f"restart:{victim.name}"] + others_restart(sim, dep_name),
    )
