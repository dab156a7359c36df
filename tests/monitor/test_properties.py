"""Property-based tests (Hypothesis) of the monitor's parsers: every file of the bundle format,
``vvai.toml``, the knowledge-base YAML, log lines and ``--log-format`` strings, durations. Random and
adversarial inputs give a result or the project's own error type, never anything else, within the
deadline; and a bundle that reads diagnoses without raising."""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.monitor.test_bundle_builders import meta
from vvai.common.errors import ConfigError, VvaiError
from vvai.common.timefmt import parse_duration
from vvai.monitor.bundle import load_bundle
from vvai.monitor.config import parse_config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.kb import load_kb
from vvai.monitor.templates.logformat import LogFormat

FAST = settings(max_examples=120, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow,
                                                                                         HealthCheck.function_scoped_fixture])
BUNDLES = settings(FAST, max_examples=60)
DIAG = Diagnoser()

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c,
                                                                                        max_size=4), max_leaves=20)
timestamps = st.sampled_from(["2026-11-20T09:10:00Z", "2026-11-20T09:10:00", "2026-11-20T09:10:00+05:30",
                              "garbage", "", "9999-99-99T99:99:99Z", "2026-11-20 09:10:00.123456789Z"])
# records shaped like the spec's, with fields of any type
stats = st.fixed_dictionaries({"ts": timestamps | scalars, "component": st.sampled_from(["scene_scanner", "", "x"])
                               | scalars}, optional={"cpu_percent": scalars, "mem_bytes": scalars,
                                                     "mem_limit_bytes": scalars, "restart_count": scalars,
                                                     "oom_killed": scalars, "status": scalars})
actions = st.sampled_from(["die", "oom", "start", "health_status: unhealthy"]) | scalars
actors = st.fixed_dictionaries({}, optional={"ID": scalars,
                                             "Attributes": st.dictionaries(st.text(max_size=12), scalars, max_size=4)})
events = st.fixed_dictionaries({"Type": st.sampled_from(["container", "image", "x"]) | scalars, "Action": actions},
                               optional={"time": scalars, "timeNano": scalars, "Actor": actors})
snapshots = st.fixed_dictionaries({"ts": timestamps | scalars}, optional={
    "dirs": st.dictionaries(st.sampled_from(["input", "processed", "corrupted"]),
                            st.lists(st.fixed_dictionaries({}, optional={"name": scalars, "size": scalars,
                                                                         "mtime": timestamps | scalars}),
                                     max_size=4), max_size=3) | scalars,
    "disk": st.fixed_dictionaries({}, optional={"total_bytes": scalars, "free_bytes": scalars, "path": scalars})})
lines = st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))


def _jsonl(items: list) -> str:
    return "\n".join(json.dumps(i) if not isinstance(i, str) else i for i in items) + "\n"


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return root


@BUNDLES
@given(meta_doc=json_values | st.just(meta()), ev=st.lists(events | json_values, max_size=6),
       st_=st.lists(stats | json_values, max_size=6), snaps=st.lists(snapshots, max_size=4),
       log=st.lists(lines, max_size=8), app=st.lists(json_values | lines, max_size=6),
       metric=st.lists(json_values, max_size=5), state=st.binary(max_size=300))
def test_any_bundle_reads_or_is_refused_and_then_diagnoses(tmp_path_factory, meta_doc, ev, st_, snaps, log, app,
                                                           metric, state) -> None:
    root = _write(tmp_path_factory.mktemp("b"), {
        "bundle.json": json.dumps(meta_doc), "events.jsonl": _jsonl(ev), "stats.jsonl": _jsonl(st_),
        "pipeline.jsonl": _jsonl(snaps), "metrics.jsonl": _jsonl(metric), "files/state.json": state,
        "logs/scene_scanner.log": "\n".join(f"2026-11-20T09:{k % 60:02d}:00.000000000Z {t}" for k, t in enumerate(log)),
        "logs/app.log": _jsonl(app)})
    try:
        b = load_bundle(root)
    except ConfigError:
        return  # refused with a one-line error (bundle.json unusable)
    for inc in DIAG.diagnose(b):
        assert inc.category and inc.component


toml_keys = st.sampled_from(["monitor", "pipeline", "engine", "alerts", "store", "thresholds", "actions", "llm",
                             "api", "benchmarks", "nonsense"])


@FAST
@given(st.dictionaries(toml_keys, st.dictionaries(st.text(max_size=20), scalars | st.lists(scalars, max_size=3),
                                                  max_size=4), max_size=5))
def test_any_vvai_toml_document_gives_a_config_or_a_config_error(doc) -> None:
    try:
        parse_config(doc)
    except ConfigError as e:
        assert "\n" not in e.one_line()


@FAST
@given(st.text(max_size=400))
def test_any_toml_text_is_parsed_or_refused_by_tomllib_then_validated(text) -> None:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_config(doc)
    except ConfigError:
        pass


sig_fields = st.fixed_dictionaries({}, optional={
    "id": scalars, "category": st.sampled_from(["oom_kill", "crash_loop", "nope"]) | scalars,
    "priority": scalars, "trigger": scalars, "severity": scalars, "confidence": scalars, "root_cause": scalars,
    "when": st.fixed_dictionaries({}, optional={"pattern": st.text(max_size=30), "role": scalars,
                                                 "attrs": json_values}) | scalars,
    "actions": st.lists(st.fixed_dictionaries({}, optional={"type": scalars, "target": scalars, "when": scalars}),
                        max_size=3) | scalars})


@FAST
@given(st.one_of(st.fixed_dictionaries({"format": st.sampled_from(["vvai-kb/1", "other"]) | scalars,
                                        "signatures": st.lists(sig_fields, max_size=3) | scalars}), json_values),
       st.text(max_size=200))
def test_any_knowledge_base_yaml_loads_or_is_a_config_error(tmp_path_factory, doc, raw) -> None:
    d = tmp_path_factory.mktemp("kb")
    for name, text in (("a.yaml", yaml.safe_dump(doc)), ("b.yaml", raw)):
        (d / name).write_text(text)
        try:
            load_kb([d / name])
        except ConfigError as e:
            assert "\n" not in e.one_line()


@FAST
@given(st.text(max_size=80), st.lists(lines, max_size=10))
def test_any_log_format_compiles_or_is_refused_and_parses_any_line(fmt, sample) -> None:
    try:
        lf = LogFormat.compile(fmt)
    except VvaiError:
        return
    for line in sample:
        lf.parse(line)


@FAST
@given(st.text(max_size=20))
def test_any_duration_is_seconds_or_a_config_error(text) -> None:
    try:
        v = parse_duration(text)
    except ConfigError:
        return
    assert v >= 0
