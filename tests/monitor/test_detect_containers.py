"""Container-lifecycle and input detectors on hand-built bundles."""

from __future__ import annotations

from datetime import timedelta

from tests.monitor.test_bundle_builders import T0, app, build, dts, event, meta, stat
from vvai.monitor.detect import containers, inputs
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.settings import DetectorSettings


def _ctx(b):
    return Context(b, DetectorSettings())


def _kinds(findings):
    return sorted((f.kind, f.component) for f in findings)


def test_docker_oom_event_and_exit_137():
    evs = []
    for k in range(3):
        evs += [
            event(10 + k * 10, "oom", "scene_scanner"),
            event(10 + k * 10, "die", "scene_scanner", exitCode=137),
            event(10.1 + k * 10, "start", "scene_scanner"),
        ]
    f = containers.detect(_ctx(build(events=evs)))
    oom = [x for x in f if x.kind == "oom_kill"]
    assert len(oom) == 1 and oom[0].attrs["count"] == 3 and oom[0].component == "scene_scanner"
    assert not [x for x in f if x.kind == "crash_loop"]  # OOM kills are not counted as a crash loop


def test_podman_oom_without_oom_event_uses_stats():
    evs = [event(10 + k * 10, "die", "scene_scanner", exitCode=137) for k in range(3)]
    st = [stat(10.05 + k * 10, "scene_scanner", restarts=k + 1, oom=True, status="restarting") for k in range(3)]
    f = containers.detect(_ctx(build(events=evs, stats=st)))
    assert [x.attrs["count"] for x in f if x.kind == "oom_kill"] == [3]
    # exit 137 without any OOM sign is a kill, not an OOM
    f2 = containers.detect(_ctx(build(events=evs)))
    assert not [x for x in f2 if x.kind == "oom_kill"]


def test_podman_oom_from_stats_only_when_no_events_were_watched():
    st = [stat(m, "scene_scanner", restarts=r, oom=o) for m, r, o in ((1, 0, False), (12, 1, True), (25, 2, True))]
    f = containers.detect(_ctx(build(stats=st)))
    assert [x.attrs["count"] for x in f if x.kind == "oom_kill"] == [2]


def test_crash_loop_counts_failures_not_planned_restarts():
    evs = [event(5 + k * 4, "die", "log_exporter", exitCode=1) for k in range(6)]
    logs = {"log_exporter": [f"{dts(5 + k * 4 - 0.01)} KeyError: 'S3_BUCKET'" for k in range(6)]}
    f = containers.detect(_ctx(build(events=evs, logs=logs)))
    loop = [x for x in f if x.kind == "crash_loop"]
    assert len(loop) == 1 and loop[0].attrs["exit_codes"] == [1] and loop[0].attrs["count"] == 6
    assert any("S3_BUCKET" in t for t in loop[0].attrs["texts"])
    planned = []
    for k in range(6):
        planned += [
            event(5 + k * 4 - 0.01, "kill", "log_exporter"),
            event(5 + k * 4, "die", "log_exporter", exitCode=143),
            event(5 + k * 4 + 0.05, "start", "log_exporter"),
        ]
    assert not [x for x in containers.detect(_ctx(build(events=planned))) if x.kind == "crash_loop"]
    # two failures in an hour are not a loop
    assert not [x for x in containers.detect(_ctx(build(events=evs[:2]))) if x.kind == "crash_loop"]


def test_component_down_after_stop():
    evs = [
        event(10, "kill", "scene_summarizer"),
        event(10, "die", "scene_summarizer", exitCode=143),
        event(10, "stop", "scene_summarizer"),
    ]
    f = containers.detect(_ctx(build(events=evs, stats=[stat(59, "scene_summarizer", status="exited")])))
    down = [x for x in f if x.kind == "component_down"]
    assert (
        down and down[0].component == "scene_summarizer" and down[0].attrs["stopped"] and down[0].attrs["minutes"] >= 49
    )


def test_poison_input_is_the_file_in_flight_at_each_crash():
    evs, al = [], []
    for k in range(4):
        t = 10 + k * 8
        al.append(app(t, "scene_scanner", "decode start: bad.mp4", file="bad.mp4"))
        evs += [event(t + 1, "die", "scene_scanner", exitCode=1), event(t + 1.1, "start", "scene_scanner")]
    f = inputs.detect(_ctx(build(events=evs, app_log=al)))
    assert [(x.kind, x.file) for x in f] == [("poison_input", "bad.mp4")] and f[0].attrs["count"] == 4


def test_no_poison_when_each_crash_had_another_file_or_none():
    evs, al = [], []
    for k in range(4):
        t = 10 + k * 8
        al.append(app(t, "scene_scanner", f"decode start: v{k}.mp4", file=f"v{k}.mp4"))
        evs += [event(t + 1, "die", "scene_scanner", exitCode=1), event(t + 1.1, "start", "scene_scanner")]
    assert inputs.detect(_ctx(build(events=evs, app_log=al))) == []
    # crashes at start-up after one file: that file was not in flight for the later crashes
    evs2 = [event(10 + k * 2, "die", "scene_scanner", exitCode=1) for k in range(5)]
    al2 = [app(9, "scene_scanner", "decode start: last.mp4", file="last.mp4")]
    assert inputs.detect(_ctx(build(events=evs2, app_log=al2))) == []


def test_repeated_network_errors_on_one_file_are_not_poison():
    al = [
        app(
            5 + k * 4,
            "scene_summarizer",
            "could not fetch a.analytic.json: connection refused",
            level="error",
            file="a.analytic.json",
        )
        for k in range(5)
    ]
    assert inputs.detect(_ctx(build(app_log=al))) == []
    al2 = [
        app(5 + k * 4, "scene_scanner", "failed on a.mp4: moov atom not found", level="error", file="a.mp4")
        for k in range(5)
    ]
    assert [(f.kind, f.file) for f in inputs.detect(_ctx(build(app_log=al2)))] == [("poison_input", "a.mp4")]


def test_meta_components_roles_inferred():
    ctx = _ctx(build(meta()))
    assert ctx.roles == {"scene_scanner": "scanner", "scene_summarizer": "summarizer", "log_exporter": "exporter"}


def _second(minutes: float) -> str:
    """A log stamp cut to the whole second, as Podman 4.3's log API writes it."""
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


S = 1 / 60  # one second, in minutes


def test_sub_second_restarts_with_second_stamps_name_the_one_file_every_incarnation_took():
    # three videos done, then every start takes big.mp4 and dies about 0.3 s later: five
    # incarnations share two stamps, so no line can be ordered against the crashes by time
    lines = [f"{_second(5)} decode start: a.mp4", f"{_second(5 + 2 * S)} decode start: b.mp4"]
    evs = []
    t = 10.0
    for _ in range(5):
        lines.append(f"{_second(t + 0.05 * S)} decode start: big.mp4")
        evs += [event(t + 0.3 * S, "die", "scene_scanner", exitCode=137), event(t + 0.35 * S, "start", "scene_scanner")]
        t += 0.35 * S
    f = inputs.detect(_ctx(build(events=evs, logs={"scene_scanner": lines})))
    assert [(x.kind, x.file) for x in f] == [("poison_input", "big.mp4")] and f[0].attrs["count"] >= 3


def test_second_stamps_never_name_a_file_a_quick_restart_went_on_to():
    # poison.mp4 crashes four quick incarnations; then it is quarantined and the next one, in the
    # same second, takes good1.mp4 and good2.mp4: the crashes of that second cannot be pinned on
    # any one file, and no good file may be named
    lines, evs = [], []
    t = 10.0
    for _ in range(4):
        lines.append(f"{_second(t + 0.02 * S)} decode start: poison.mp4")
        evs += [event(t + 0.1 * S, "die", "scene_scanner", exitCode=1), event(t + 0.12 * S, "start", "scene_scanner")]
        t += 0.12 * S
    lines += [f"{_second(t + 0.05 * S)} decode start: good1.mp4", f"{_second(t + 0.06 * S)} scanned good1.mp4",
              f"{_second(t + 0.07 * S)} decode start: good2.mp4"]
    f = inputs.detect(_ctx(build(events=evs, logs={"scene_scanner": lines})))
    assert [x.file for x in f if x.kind == "poison_input"] in ([], ["poison.mp4"])
    assert inputs.in_flight_coarse(
        [(T0 + timedelta(minutes=m), n, None) for m, n in ((10, "poison.mp4"), (10, "good1.mp4"))],
        T0 + timedelta(minutes=10, seconds=0.5)) is None
