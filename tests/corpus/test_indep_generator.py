"""Invariants of the independent bundle generator (vvai.testing.indep), checked with the stdlib only."""
from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.testing.indep import generate
from vvai.testing.indep.generate import SPLITS, build, plan
from vvai.testing.indep.scenarios import REGISTRY

PKG = Path(__file__).resolve().parents[2] / "src" / "vvai" / "testing" / "indep"
CATEGORIES = ["oom_kill", "crash_loop", "poison_input", "disk_full", "export_failure", "pipeline_stall",
              "orphan_outputs", "resource_saturation", "performance_degradation", "integrity_mismatch",
              "deployment_regression", "model_failure", "dependency_failure", "healthy"]
ACTION_TYPES = {"alert", "restart", "cleanup", "quarantine", "suggest_limits", "suggest_rollback", "rollback_model"}
FILE_CATEGORIES = {"oom_kill", "poison_input", "integrity_mismatch"}
ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ISO_IN_TEXT = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?")
HELDOUT_ONLY = {v.name for vs in REGISTRY.values() for v in vs if v.splits == ("heldout",)}


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dev")
    r = subprocess.run([sys.executable, "-m", "vvai.testing.indep", "--split", "dev", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "98 bundles written" in r.stdout
    return out


@pytest.fixture(scope="module")
def heldout(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("heldout")
    paths = generate("heldout", out)
    assert len(paths) == len(set(paths)) == 67
    return out


def bundles(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


def load(p: Path, name: str):
    return json.loads((p / name).read_text())


def jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def digest(p: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p.rglob("*")):
        if f.is_file() and f.name != "expected.json":
            h.update(f.relative_to(p).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()


# -- coverage and sizes -----------------------------------------------------------------------
@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_split_covers_all_categories_with_the_planned_counts(split, request):
    root = request.getfixturevalue(split)
    cfg = SPLITS[split]
    names = Counter(p.name.split("-")[1] for p in bundles(root))
    assert set(names) == set(CATEGORIES)
    for cat in CATEGORIES:
        assert names[cat] == (cfg["healthy"] if cat == "healthy" else cfg["per_category"]), cat
    truth = Counter()
    for p in bundles(root):
        incs = load(p, "expected.json")["incidents"]
        truth.update(i["category"] for i in incs) if incs else truth.update(["healthy"])
        assert p.name.startswith(f"{split}-")
    assert set(truth) == set(CATEGORIES)


def test_each_category_has_several_dialects_and_heldout_reserves_some(dev, heldout):
    by = {"dev": {}, "heldout": {}}
    for split, root in (("dev", dev), ("heldout", heldout)):
        for p in bundles(root):
            cat = p.name.split("-")[1]
            by[split].setdefault(cat, set()).add(load(p, "expected.json")["variant"])
    for cat in CATEGORIES:
        assert len(by["dev"][cat]) >= 2, cat
        assert not by["dev"][cat] & HELDOUT_ONLY, cat
    held_only_used = set().union(*by["heldout"].values()) & HELDOUT_ONLY
    assert len(held_only_used) >= 10
    engines = {(load(p, "bundle.json")["engine"]["name"], load(p, "bundle.json")["engine"]["version"])
               for p in bundles(heldout)}
    assert ("podman", "5.2.2") in engines and ("docker", "25.0.5") in engines
    dev_engines = {load(p, "bundle.json")["engine"]["version"] for p in bundles(dev)}
    assert "5.2.2" not in dev_engines and "25.0.5" not in dev_engines


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_every_bundle_is_under_two_megabytes(split, request):
    for p in bundles(request.getfixturevalue(split)):
        size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        assert size < 2_000_000, (p.name, size)


def test_the_two_splits_share_no_bundle(dev, heldout):
    assert not {p.name for p in bundles(dev)} & {p.name for p in bundles(heldout)}
    assert not {digest(p) for p in bundles(dev)} & {digest(p) for p in bundles(heldout)}


# -- determinism ------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_bytes(dev, tmp_path):
    counters = Counter()
    picked = []
    for cat, var in plan("dev"):
        n = counters[cat]
        counters[cat] += 1
        if n == 1:
            picked.append((cat, n, var))
    for cat, n, var in picked[:5]:
        again = build("dev", SPLITS["dev"]["seed"], cat, n, var).write(tmp_path / "same")
        assert digest(again) == digest(dev / f"dev-{cat}-{n}"), cat
        other = build("dev", 12345, cat, n, var).write(tmp_path / "other")
        assert digest(other) != digest(dev / f"dev-{cat}-{n}"), cat


# -- format -----------------------------------------------------------------------------------
def spec_problems(p: Path) -> list:
    """What in bundle.json / expected.json departs from the spec."""
    out = []
    meta = load(p, "bundle.json")
    if meta.get("format") != "vvai-bundle/1":
        out.append("format")
    if not (ZONED.match(meta["window"]["start"]) and ZONED.match(meta["window"]["end"])):
        out.append("window zone")
    comps = meta["components"]
    for name, c in comps.items():
        if not set(c) >= {"image", "mem_limit", "cpus", "restart", "depends_on"}:
            out.append(f"component keys {name}")
        elif not (isinstance(c["cpus"], float) and re.fullmatch(r"\d+[kmg]", c["mem_limit"])
                  and set(c["depends_on"]) <= set(comps)):
            out.append(f"component values {name}")
    for inc in load(p, "expected.json")["incidents"]:
        if inc["category"] not in CATEGORIES or inc["category"] == "healthy":
            out.append(f"category {inc['category']}")
        if inc["component"] not in comps:
            out.append(f"component {inc['component']}")
            continue
        if inc["category"] in FILE_CATEGORIES and not inc.get("file"):
            out.append("file missing")
        if "file" in inc and ("/" in inc["file"] or inc["file"].strip() != inc["file"]):
            out.append(f"file not a basename {inc['file']}")
        for a in inc["acceptable_actions"] + inc["forbidden_actions"]:
            typ, _, target = a.partition(":")
            if typ not in ACTION_TYPES or (typ in ("restart", "suggest_limits") and target not in comps):
                out.append(f"action {a}")
        if set(inc["acceptable_actions"]) & set(inc["forbidden_actions"]):
            out.append("action both acceptable and forbidden")
        if "cleanup:input" not in inc["forbidden_actions"]:
            out.append("cleanup:input not forbidden")
        others = [c for c in comps if c != inc["component"] and c not in comps[inc["component"]]["depends_on"]]
        if others and not any(f"restart:{c}" in inc["forbidden_actions"] for c in others):
            out.append("no uninvolved restart forbidden")
    return out


def zone_problems(p: Path) -> list:
    """Timestamps without a zone (zone-less dialects inside log text use other shapes than ISO)."""
    out = []
    for name in ("stats.jsonl", "metrics.jsonl", "pipeline.jsonl", "logs/app.log"):
        if not (p / name).exists():
            continue
        for rec in jsonl(p / name):
            if not ZONED.match(rec["ts"]):
                out.append((name, rec["ts"]))
            for files in rec.get("dirs", {}).values():
                out += [(name, f["mtime"]) for f in files if not ZONED.match(f["mtime"])]
    for ev in jsonl(p / "events.jsonl") if (p / "events.jsonl").exists() else []:
        if not (isinstance(ev["time"], int) and ev["timeNano"] // 10**9 == ev["time"]
                and {"Type", "Action", "Actor"} <= set(ev)):
            out.append(("events.jsonl", ev.get("time")))
    for log in (p / "logs").glob("*.log"):
        if log.name == "app.log":
            continue
        for line in log.read_bytes().split(b"\n"):
            if line:
                prefix = line.split(b" ", 1)[0].decode("utf-8", "replace")
                if not (ZONED.match(prefix) and len(prefix.split(".")[-1].rstrip("Z")) >= 9):
                    out.append((log.name, prefix))
    for f in p.rglob("*"):
        if f.is_file() and f.name != "expected.json":
            out += [(f.name, m.group(0)) for m in ISO_IN_TEXT.finditer(f.read_bytes()) if not m.group(1)]
    return out


def evidence_problems(p: Path) -> list:
    exp = load(p, "expected.json")
    out = [] if exp["evidence"] or not exp["incidents"] else ["no evidence"]
    for ev in exp["evidence"]:
        src = p / ev["source"]
        if not src.is_file():
            out.append(("missing source", ev["source"]))
            continue
        lines = src.read_bytes().decode("utf-8", "replace").splitlines()
        if not any(ev["text"] in ln for ln in lines):
            out.append(("not verbatim", ev["source"], ev["text"][:80]))
    return out


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_bundle_json_and_expected_follow_the_spec(split, request):
    for p in bundles(request.getfixturevalue(split)):
        assert spec_problems(p) == [], p.name


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_every_timestamp_has_a_zone(split, request):
    for p in bundles(request.getfixturevalue(split)):
        assert zone_problems(p) == [], p.name


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_every_evidence_line_is_in_its_file(split, request):
    for p in bundles(request.getfixturevalue(split)):
        assert evidence_problems(p) == [], p.name


def test_the_checkers_catch_broken_bundles(dev, tmp_path):
    """The three checkers above are not vacuous: a damaged copy of a bundle fails each of them."""
    src = dev / "dev-oom_kill-0"
    bad = tmp_path / "bad"
    shutil.copytree(src, bad)
    assert spec_problems(bad) == zone_problems(bad) == evidence_problems(bad) == []
    exp = load(bad, "expected.json")
    exp["incidents"][0]["component"] = "host"
    exp["evidence"].append({"source": "logs/scene_scanner.log", "text": "this line was never printed"})
    (bad / "expected.json").write_text(json.dumps(exp))
    with (bad / "stats.jsonl").open("a") as fh:
        fh.write(json.dumps({"ts": "2026-11-20T10:04:05.123", "component": "scene_scanner"}) + "\n")
    with (bad / "logs" / "scene_scanner.log").open("ab") as fh:
        fh.write(b"2026-11-20 10:04:05 a line without the docker prefix\n")
    assert spec_problems(bad) == ["component host"]
    assert ("stats.jsonl", "2026-11-20T10:04:05.123") in zone_problems(bad)
    assert ("scene_scanner.log", "2026-11-20") in zone_problems(bad)
    assert evidence_problems(bad) == [("not verbatim", "logs/scene_scanner.log", "this line was never printed")]


def test_noise_long_lines_bad_utf8_and_missing_sources_occur(dev, heldout):
    long_, bad, missing = 0, 0, 0
    for p in bundles(dev) + bundles(heldout):
        for log in (p / "logs").glob("*.log"):
            data = log.read_bytes()
            long_ += any(len(ln) > 100_000 for ln in data.split(b"\n"))
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
        missing += not all((p / n).exists() for n in ("stats.jsonl", "metrics.jsonl", "pipeline.jsonl", "logs/app.log"))
    assert long_ >= 10 and bad >= 10 and missing >= 10


def test_no_state_file_or_side_service_gives_the_category_away(dev, heldout):
    """df.txt, verify.log, dmesg.txt, model_verify.json and redis appear outside their own incidents too."""
    owners = {"df.txt": "disk_full", "verify.log": "integrity_mismatch", "dmesg.txt": "oom_kill",
              "model_verify.json": "integrity_mismatch"}
    elsewhere = Counter()
    for p in bundles(dev) + bundles(heldout):
        incs = load(p, "expected.json")["incidents"]
        cat = incs[0]["category"] if incs else "healthy"
        for name, owner in owners.items():
            elsewhere[name] += (p / "files" / name).exists() and cat != owner
        elsewhere["redis"] += "redis" in load(p, "bundle.json")["components"] and \
            not (incs and incs[0]["component"] == "redis")
    assert all(elsewhere[k] >= 2 for k in [*owners, "redis"]), elsewhere


# -- the hard cases ---------------------------------------------------------------------------
def test_podman_oom_has_no_oom_event_but_die_137_and_oom_killed_stats(dev, heldout):
    seen = 0
    for p in bundles(dev) + bundles(heldout):
        exp = load(p, "expected.json")
        if load(p, "bundle.json")["engine"]["name"] != "podman" or not exp["incidents"] \
                or exp["incidents"][0]["category"] != "oom_kill":
            continue
        seen += 1
        evs = jsonl(p / "events.jsonl")
        comp = exp["incidents"][0]["component"]
        assert not [e for e in evs if e["Action"] == "oom"]
        dies = [e for e in evs if e["Action"] == "die"
                and e["Actor"]["Attributes"]["com.docker.compose.service"] == comp]
        assert dies and all(e["Actor"]["Attributes"]["containerExitCode"] == "137" for e in dies)
        assert any(s["oom_killed"] for s in jsonl(p / "stats.jsonl") if s["component"] == comp)
    assert seen >= 2


def test_performance_degradation_history_is_a_week_35_to_45_percent_over_benchmark(dev, heldout):
    seen = 0
    for p in bundles(dev) + bundles(heldout):
        exp = load(p, "expected.json")
        if not exp["incidents"] or exp["incidents"][0]["category"] != "performance_degradation":
            continue
        meta, inc = load(p, "bundle.json"), exp["incidents"][0]
        comp = inc["component"]
        start = datetime.fromisoformat(meta["window"]["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(meta["window"]["end"].replace("Z", "+00:00"))
        assert (end - start).days == 7
        rows = jsonl(p / "metrics.jsonl")
        q50 = [r for r in rows if r["name"] == "vv_scene_processing_seconds"
               and r["labels"] == {"component": comp, "quantile": "0.5"}]
        if not q50:   # histogram dialect
            assert any(r["name"] == "vv_scene_processing_seconds_bucket" for r in rows)
            continue
        seen += 1
        bench = meta["benchmarks"][comp]["p50_processing_s"]
        ts = sorted({r["ts"] for r in q50})
        assert len(ts) >= 7 * 48 * 0.7
        last_day = statistics.median(r["value"] for r in q50[-40:])
        first_day = statistics.median(r["value"] for r in q50[:40])
        assert 1.33 <= last_day / bench <= 1.47, (p.name, last_day / bench)
        assert first_day / bench < 1.06
        name = "vv_summaries_written_total" if comp == "scene_summarizer" else "vv_videos_processed_total"
        series = [(datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).timestamp(), r["value"])
                  for r in rows if r["name"] == name and r["labels"]["component"] == comp]
        pairs = list(zip(series, series[1:], strict=False))
        assert any(b[1] < a[1] for a, b in pairs), "counters reset on restarts"

        def rate(ps):   # work per second over pairs without a reset (gaps just span more time)
            ok = [(a, b) for a, b in ps if b[1] >= a[1]]
            return sum(b[1] - a[1] for a, b in ok) / sum(b[0] - a[0] for a, b in ok)
        two_days = [pr for pr in pairs if pr[0][0] < series[0][0] + 2 * 86400]
        last_two = [pr for pr in pairs if pr[0][0] > series[-1][0] - 2 * 86400]
        assert 0.85 < rate(last_two) / rate(two_days) < 1.15, (p.name, "throughput should be unchanged")
    assert seen >= 4


def test_redis_volume_full_is_redis_while_pipeline_disk_has_room(dev, heldout):
    seen = 0
    for p in bundles(dev) + bundles(heldout):
        exp = load(p, "expected.json")
        if not exp["incidents"] or exp["incidents"][0]["category"] != "disk_full" \
                or exp["incidents"][0]["component"] != "redis":
            continue
        seen += 1
        assert "redis" in load(p, "bundle.json")["components"]
        df = (p / "files" / "df.txt").read_text()
        assert re.search(r"\b100%\s+\S*redis", df) or re.search(r"redis\S*\s+.*\b100%", df)
        snaps = jsonl(p / "pipeline.jsonl") if (p / "pipeline.jsonl").exists() else []
        assert all(s["disk"]["free_bytes"] > 0.1 * s["disk"]["total_bytes"] for s in snaps)
        log = (p / "logs" / "redis.log").read_text()
        assert "No space left on device" in log
    assert seen >= 2


def test_integrity_mismatch_comes_in_foreign_formats_with_the_owner(dev, heldout):
    kinds = set()
    for p in bundles(dev) + bundles(heldout):
        exp = load(p, "expected.json")
        if not exp["incidents"] or exp["incidents"][0]["category"] != "integrity_mismatch":
            continue
        inc = exp["incidents"][0]
        video = not inc["file"].endswith((".gguf", ".json"))
        assert inc["component"] == ("scene_scanner" if video else "scene_summarizer")
        src = exp["evidence"][0]["source"]
        kinds.add(src if src.startswith("files/") else "app.log")
        if src == "logs/app.log":
            rec = next(r for r in jsonl(p / "logs" / "app.log") if r["msg"] == "verify failed")
            assert rec["sha256_expected"] != rec["sha256_actual"] and rec["file"] == inc["file"]
    assert {"files/verify.log", "files/model_verify.json", "app.log"} <= kinds


def test_model_failure_parse_errors_span_many_files_poison_is_one_file(dev):
    for p in bundles(dev):
        exp = load(p, "expected.json")
        if not exp["incidents"] or exp["variant"] not in ("loads-but-unparseable-json", "summarizer-truncated-json"):
            continue
        app = jsonl(p / "logs" / "app.log") if (p / "logs" / "app.log").exists() else []
        files = {r.get("file") for r in app if r["level"].lower() == "error" and r["component"] == "scene_summarizer"}
        if exp["variant"] == "loads-but-unparseable-json":
            assert len(files) >= 3, p.name
        elif app:
            assert len(files) == 1, p.name


def test_no_monitor_code_is_imported_by_the_generator():
    """Independence: the generator uses only itself and vvai.common (the error types)."""
    allowed = ("vvai.testing.indep", "vvai.common")
    for f in list(PKG.rglob("*.py")) + [Path(__file__)]:
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("vvai"):
                assert node.module.startswith(allowed), (f, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("vvai") for a in node.names), f


def test_api_refuses_an_unknown_split(tmp_path):
    with pytest.raises(ConfigError, match="unknown split 'test'"):
        generate("test", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_refuses_bad_arguments_with_one_line(tmp_path):
    afile = tmp_path / "f"
    afile.write_text("x")
    for args in (["--split", "nope", "--out", str(tmp_path)], ["--split", "dev", "--out", str(afile)]):
        r = subprocess.run([sys.executable, "-m", "vvai.testing.indep", *args], capture_output=True, text=True)
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error:")
    assert afile.read_text() == "x"


# -- the ground truth is what the signals say -------------------------------------------------
def _events(p: Path) -> list[dict]:
    return jsonl(p / "events.jsonl") if (p / "events.jsonl").exists() else []


def _service(e: dict) -> str:
    return e["Actor"]["Attributes"].get("com.docker.compose.service", "")


def _code(e: dict) -> str | None:
    a = e["Actor"]["Attributes"]
    return a.get("exitCode", a.get("containerExitCode"))


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_signals_agree_with_the_ground_truth(split, request):
    for p in bundles(request.getfixturevalue(split)):
        exp, meta = load(p, "expected.json"), load(p, "bundle.json")
        evs = _events(p)
        stats = jsonl(p / "stats.jsonl") if (p / "stats.jsonl").exists() else []
        if not exp["incidents"]:
            assert {_code(e) for e in evs if e["Action"] == "die"} <= {"0", "143"}, p.name
            app = jsonl(p / "logs" / "app.log") if (p / "logs" / "app.log").exists() else []
            assert sum(r["level"].lower() in ("error", "critical") for r in app) <= 2, p.name
            continue
        inc = exp["incidents"][0]
        comp, cat = inc["component"], inc["category"]
        dies = [e for e in evs if e["Action"] == "die" and _service(e) == comp]
        if cat == "oom_kill":
            assert len([e for e in dies if _code(e) == "137"]) >= 2 or not evs, p.name
            mine = [s for s in stats if s["component"] == comp]
            assert any(s["oom_killed"] for s in mine) and max(s["restart_count"] for s in mine) >= 2, p.name
        elif cat in ("crash_loop", "deployment_regression") and evs and "config" not in exp["variant"] \
                and "pyav-api" not in exp["variant"]:
            assert len([e for e in dies if _code(e) not in ("0", "137", "143")]) >= 3, p.name
        if cat == "crash_loop":
            assert not [e for e in evs if e["Type"] == "image" or e["Action"] in ("create", "destroy")], p.name
        if cat == "deployment_regression" and evs:
            creates = [e for e in evs if e["Action"] == "create" and _service(e) == comp]
            first_bad = min((e["timeNano"] for e in dies if _code(e) not in ("0", "143")), default=None)
            assert creates and (first_bad is None or creates[0]["timeNano"] < first_bad), p.name
            if "config" not in exp["variant"]:
                assert any(e["Type"] == "image" and e["Action"] == "pull" for e in evs), p.name
        if cat == "dependency_failure":
            down = [e for e in evs if _service(e) == comp]
            assert down and down[-1]["Action"] in ("die", "stop", "destroy"), p.name
            assert all(comp in meta["components"][d]["depends_on"] for d in meta["components"]
                       if d != comp and any(e["Action"] == "die" and _service(e) == d for e in evs)), p.name
        if cat == "resource_saturation":
            cpus = meta["components"][comp]["cpus"] * 100
            mine = [s for s in stats if s["component"] == comp]
            hot = [s["cpu_percent"] >= 0.95 * cpus or s["mem_bytes"] >= 0.95 * s["mem_limit_bytes"] for s in mine]
            assert hot and all(hot), p.name
            assert not [e for e in dies if _code(e) == "137"], p.name


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_everything_observed_lies_inside_the_window(split, request):
    for p in bundles(request.getfixturevalue(split)):
        meta = load(p, "bundle.json")
        lo, hi = _when(meta["window"]["start"]) - 1, _when(meta["window"]["end"]) + 1
        stamps = []
        for name in ("stats.jsonl", "metrics.jsonl", "pipeline.jsonl", "logs/app.log"):
            if (p / name).exists():
                stamps += [(name, _when(r["ts"])) for r in jsonl(p / name)]
        stamps += [("events.jsonl", e["timeNano"] / 1e9) for e in _events(p)]
        for log in (p / "logs").glob("*.log"):
            if log.name != "app.log":
                stamps += [(log.name, _when(ln.split(b" ", 1)[0].decode()[:26] + ln.split(b" ", 1)[0].decode()[29:]))
                           for ln in log.read_bytes().split(b"\n") if ln]
        outside = [(n, t) for n, t in stamps if not lo <= t <= hi]
        assert not outside, (p.name, outside[:3])
