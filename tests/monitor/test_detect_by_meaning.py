"""Detectors that read signals by what they say, not by one tool's format (issue: diagnosis that
generalizes). Hand-built bundles in shapes the team's own generator never writes."""

from __future__ import annotations

import json

from tests.monitor.test_bundle_builders import app, build, dts, meta, snap, ts
from vvai.monitor.detect import diskspace, exporter, integrity, performance
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.diagnose.engine import Diagnoser

A, B = "a" * 64, "b" * 64


def _ctx(b, **kw):
    return Context(b, DetectorSettings(**kw))


def test_a_json_report_of_model_hashes_is_a_summarizer_mismatch_without_quarantine():
    report = {"checked_at": ts(50), "artifacts": {"bitnet/model.gguf": {"expected_sha256": A, "computed_sha256": B},
                                                  "bitnet/config.json": {"expected_sha256": A, "computed_sha256": A}}}
    b = build(files={"model-audit.json": json.dumps(report, indent=2).encode()})
    [inc] = Diagnoser().diagnose(b)
    assert (inc.category, inc.component, inc.file) == ("integrity_mismatch", "scene_summarizer", "model.gguf")
    assert {a.type for a in inc.actions} == {"alert"}  # a model file is never quarantined
    assert inc.evidence and inc.evidence[0].source == "files/model-audit.json"


def test_one_app_log_verify_failed_record_with_two_digests_is_enough():
    rec = app(30, "scene_scanner", "verify failed", level="warning", file="input/cam 7 (2).mp4",
              sha256_expected=A, sha256_actual=B)
    [inc] = Diagnoser().diagnose(build(app_log=[rec]))
    assert (inc.category, inc.component, inc.file) == ("integrity_mismatch", "scene_scanner", "cam 7 (2).mp4")
    assert [a.label() for a in inc.actions] == ["alert", "quarantine:cam 7 (2).mp4"]


def test_names_with_spaces_in_a_text_verifier_log_come_from_the_names_the_bundle_knows():
    log = (f"OK        gate north 2026-09-04 16h30 (3).mkv\nMISMATCH  cam-07 2026-09-04 16h50 (3).mp4 "
           f"expected={A} actual={B}\n# 2 checked, 1 mismatched\n")
    snaps = [snap(0, inp=["cam-07 2026-09-04 16h50 (3).mp4", "gate north 2026-09-04 16h30 (3).mkv"])]
    f = integrity.detect(_ctx(build(pipeline=snaps, files={"verify.log": log.encode()})))
    assert [(x.component, x.file) for x in f] == [("scene_scanner", "cam-07 2026-09-04 16h50 (3).mp4")]


def test_two_digests_in_a_model_update_log_are_not_a_mismatch():
    rec = app(20, "scene_summarizer", f"activated model 1.1.0 sha256={B} (previous 1.0.0 sha256={A})",
              model_version="1.1.0")
    assert integrity.detect(_ctx(build(app_log=[rec]))) == []


def _redis_meta():
    m = meta()
    m["components"]["redis"] = {"image": "redis:7", "mem_limit": "256m", "depends_on": []}
    m["components"]["scene_summarizer"]["depends_on"] = ["redis"]
    return m


def test_a_full_redis_volume_is_redis_disk_full_not_a_dependency_failure():
    df = ("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 937500000 400390625 537109375 43% /srv/vv\n"
          "/dev/sdb1 7812500 7812500 0 100% /var/lib/docker/volumes/vv_redis-data/_data\n"
          "/dev/loop3 56832 56832 0 100% /snap/core20/2015\n")
    logs = {"redis": [f"{dts(10 + k)} 1:C 20 Nov 2026 09:1{k}:00.000 # Write error saving DB on disk: "
                      "No space left on device" for k in range(4)],
            "scene_summarizer": [f"{dts(11 + k)} ERROR redis.exceptions.ResponseError: MISCONF Redis is "
                                 "configured to save RDB snapshots, but it's currently unable to persist to disk."
                                 for k in range(6)]}
    incs = Diagnoser().diagnose(build(_redis_meta(), logs=logs, files={"df.txt": df.encode()},
                                      pipeline=[snap(0), snap(50)]))
    assert [(i.category, i.component) for i in incs] == [("disk_full", "redis")]
    assert not any(a.type in ("cleanup", "restart") and a.target != "redis" for a in incs[0].actions)


def test_df_rows_of_pseudo_file_systems_at_100_percent_say_nothing():
    df = "Filesystem Size Used Avail Use% Mounted on\n/dev/loop0 64M 64M 0 100% /snap/core/1\ntmpfs 1G 1G 0 100% /run\n"
    assert diskspace.detect(_ctx(build(files={"df.txt": df.encode()}))) == []


def test_a_disk_that_was_full_but_has_room_now_is_not_an_incident():
    snaps = [snap(m, free=10**10 if m < 30 else 4 * 10**11) for m in range(0, 60, 10)]
    assert diskspace.detect(_ctx(build(pipeline=snaps))) == []


def _histogram(days: int, slow_from_day: int, factor: float, *, volume_factor: float = 1.0, reset_at: int = 60):
    """Hourly scrapes of a histogram's _sum/_count per 'service' label, in ms, with a daily cycle and a
    counter reset (a restart) in the middle."""
    rows, s, c = [], 0.0, 0.0
    for h in range(days * 24):
        n = 100 * (1.5 if 8 <= h % 24 < 20 else 0.5)
        if h // 24 >= slow_from_day:
            n *= volume_factor
        per = 4000.0 * (1.2 if 8 <= h % 24 < 20 else 1.0) * (factor if h // 24 >= slow_from_day else 1.0)
        if h == reset_at:
            s, c = 0.0, 0.0
        s += n * per
        c += n
        for part, v in (("sum", s), ("count", c)):
            rows.append({"ts": ts(h * 60), "name": f"summarize_duration_ms_{part}",
                         "labels": {"service": "scene_summarizer"}, "value": v})
    return rows


def test_degradation_from_a_histogram_in_ms_with_resets_and_daily_cycles():
    m = meta(7 * 24 * 60, benchmarks={"scene_summarizer": {"p50_processing_s": 4.0}})
    f = performance.detect(_ctx(build(m, metrics=_histogram(7, 4, 1.4))))
    assert [(x.kind, x.component) for x in f] == [("perf_degradation", "scene_summarizer")]
    assert 30 <= f[0].attrs["increase_percent"] <= 60


def test_no_degradation_when_the_same_service_just_has_twice_the_work_or_is_steady():
    m = meta(7 * 24 * 60, benchmarks={"scene_summarizer": {"p50_processing_s": 4.0}})
    assert performance.detect(_ctx(build(m, metrics=_histogram(7, 4, 1.4, volume_factor=2.0)))) == []
    assert performance.detect(_ctx(build(m, metrics=_histogram(7, 4, 1.0)))) == []


def test_a_summary_line_of_a_verifier_is_not_a_mismatch_of_the_log_itself():
    log = "# verifier run\nOK        rec_001064.mkv\n# 1 checked, 0 mismatched\n"
    assert integrity.detect(_ctx(build(files={"verify.log": log.encode()}))) == []


def test_redis_misconf_quoted_by_a_client_that_does_not_name_redis_is_redis_disk_full():
    logs = {"redis": [f"{dts(10 + k)} 1:M 20 Nov 2026 09:1{k}:00.000 # Opening the temp file for AOF rewrite "
                      "failed: No space left on device" for k in range(3)],
            "scene_summarizer": [f"{dts(11 + k)} WARNING:exporter:job state not saved (error=\"MISCONF Errors "
                                 "writing to the AOF file: No space left on dev\")" for k in range(6)]}
    f = diskspace.detect(_ctx(build(_redis_meta(), logs=logs, pipeline=[snap(0), snap(50)])))
    assert [(x.kind, x.component) for x in f] == [("disk_full", "redis")]


def test_a_new_compose_configuration_with_the_same_image_is_a_deployment():
    from tests.monitor.test_bundle_builders import event
    from vvai.monitor.detect import deploy

    old, new = "3fc7b574bfff50cb31d0", "4b5ff8052e3ed3038ac8"
    evs = [event(1, "start", "scene_summarizer", image="vv/s:2.1.0", **{"com.docker.compose.config-hash": old}),
           event(20, "create", "scene_summarizer", image="vv/s:2.1.0", **{"com.docker.compose.config-hash": new})]
    f = [x for x in deploy.detect(_ctx(build(events=evs))) if x.kind == "new_image"]
    assert f and f[0].attrs["config_only"] and "config" in f[0].attrs["new_image"]


def test_upload_retries_that_succeed_are_not_an_export_failure():
    lines = []
    for k, m in enumerate((5, 20, 35, 50)):
        lines += [f"{dts(m)} level=error msg=\"upload of rec_{k}.mkv failed (attempt 1/5): connection reset\"",
                  f"{dts(m + 0.1)} level=info msg=\"uploaded rec_{k}.mkv (120 MB)\""]
    assert exporter.detect(_ctx(build(logs={"log_exporter": lines}))) == []
    stuck = lines[:-1]  # the last failed upload never went through
    assert [x.kind for x in exporter.detect(_ctx(build(logs={"log_exporter": stuck})))] == ["export_errors"]
