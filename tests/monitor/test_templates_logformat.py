"""Log-format parsing (Loghub settings.json notation) and the Loghub accuracy floor."""

from __future__ import annotations

import csv
import json

import pytest

from tests.paths import LOGHUB
from vvai.common.errors import ConfigError
from vvai.monitor.templates.evaluate import grouping_accuracy
from vvai.monitor.templates.logformat import LogFormat
from vvai.monitor.templates.miner import TemplateMiner

needs_loghub = pytest.mark.skipif(not (LOGHUB / "settings.json").is_file(), reason="loghub2k data not present")


@pytest.mark.parametrize(
    ("fmt", "line", "expected"),
    [
        (
            "<Date> <Time> <Pid> <Level> <Component>: <Content>",
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_3 terminating",
            {
                "Date": "081109",
                "Pid": "148",
                "Component": "dfs.DataNode$PacketResponder",
                "Content": "PacketResponder 1 for block blk_3 terminating",
            },
        ),
        (
            r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster",
            {"Process": "main", "Level": "INFO", "Content": "Created MRAppMaster"},
        ),
        (
            r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
            "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: "
            "session closed for user root",
            {"Component": "crond(pam_unix)", "PID": "2915", "Content": "session closed for user root"},
        ),
        (
            r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
            "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 kernel: no pid here",
            {"Component": "kernel", "PID": "", "Content": "no pid here"},
        ),
        (
            r"\[<Time>\] <Program> - <Content>",
            "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through "
            "proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            {
                "Time": "10.30 16:49:06",
                "Program": "chrome.exe",
                "Content": "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            },
        ),
        (
            r"<Time>\|<Component>\|<Pid>\|<Content>",
            "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
            {"Component": "Step_LSC", "Pid": "30002312", "Content": "onStandStepChanged 3579"},
        ),
        (
            r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - "
            "Notification time out: 3200",
            {"Level": "INFO", "Id": "774", "Content": "Notification time out: 3200"},
        ),
    ],
)
def test_formats_extract_fields(fmt: str, line: str, expected: dict[str, str]) -> None:
    fields = LogFormat.compile(fmt).parse(line)
    assert fields is not None
    for k, v in expected.items():
        assert fields[k] == v, k


def test_line_not_fitting_the_format_is_none() -> None:
    f = LogFormat.compile("<Date> <Time> <Level> <Component>: <Content>")
    assert f.parse("Traceback (most recent call last):") is None
    assert f.content("") is None
    assert f.content("2024-05-01 10:00:00 INFO app: started") == "started"


@pytest.mark.timeout(60)  # a hang guard, not a speed check: lazy fields used to backtrack O(n^k)
def test_long_non_matching_line_is_linear() -> None:
    f = LogFormat.compile("<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>")
    g = LogFormat.compile("<Date> <Time> <Pid> <Level> <Component>: <Content>")
    for line in ("a " * 100_000, "a" * 1_000_000, "x " * 5000 + "\x00\xff"):
        assert g.content(line) is None
    assert f.content("a " * 100_000) == "a " * 99_991  # 9 one-word header fields
    assert f.content("a" * 1_000_000) is None


@pytest.mark.parametrize(
    ("fmt", "msg"),
    [
        ("<Date> <Time>", "no <Content>"),
        ("<Date> <Date> <Content>", "twice"),
        ("<Da te> <Content>", "not a valid name"),
        ("<Date> (<Content>", "not a valid pattern"),
    ],
)
def test_bad_formats_are_config_errors(fmt: str, msg: str) -> None:
    with pytest.raises(ConfigError, match=msg):
        LogFormat.compile(fmt)


def _settings() -> dict:
    return json.loads((LOGHUB / "settings.json").read_text())


@needs_loghub
def test_all_settings_formats_compile() -> None:
    for name, s in _settings().items():
        assert "Content" in LogFormat.compile(s["log_format"]).fields, name


def _system(name: str) -> tuple[list[str], list[str], list[str]]:
    """(raw lines, ground-truth Content, EventId) of a Loghub-2k system."""
    s = _settings()[name]
    raw = (LOGHUB / s["log_file"]).read_bytes().decode("utf-8", errors="replace").split("\n")
    lines = [ln.rstrip("\r") for ln in raw if ln.rstrip("\r")]
    with (LOGHUB / name / f"{name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return lines, [r["Content"] for r in rows], [r["EventId"] for r in rows]


@needs_loghub
@pytest.mark.parametrize("name", ["HDFS", "Hadoop", "Zookeeper", "BGL", "Apache", "OpenSSH", "HealthApp", "Spark"])
def test_formats_extract_loghub_content(name: str) -> None:
    if not (LOGHUB / name).is_dir():
        pytest.skip(f"{name} not present")
    fmt = LogFormat.compile(_settings()[name]["log_format"])
    lines, contents, _ = _system(name)
    assert len(lines) == len(contents) == 2000
    got = [fmt.content(ln) for ln in lines]
    assert all(c is not None for c in got)
    same = sum(1 for a, b in zip(got, contents, strict=True) if a.strip() == b.strip())
    assert same / len(contents) >= 0.99


@needs_loghub
@pytest.mark.parametrize(("name", "floor"), [("HDFS", 0.99), ("HealthApp", 0.95)])
def test_grouping_accuracy_floor_on_loghub(name: str, floor: float) -> None:
    s = _settings()[name]
    fmt = LogFormat.compile(s["log_format"])
    lines, _, truth = _system(name)
    m = TemplateMiner(masks=s["regex"])
    ids = [m.add_message(fmt.content(ln) or ln).template_id for ln in lines]
    assert grouping_accuracy(ids, truth) >= floor


def test_grouping_accuracy_definition() -> None:
    assert grouping_accuracy([1, 1, 2, 2], ["a", "a", "b", "b"]) == 1.0
    assert grouping_accuracy([1, 1, 1, 2], ["a", "a", "b", "b"]) == 0.0
    assert grouping_accuracy([1, 1, 2, 3], ["a", "a", "b", "b"]) == 0.5
    assert grouping_accuracy([], []) == 1.0
    with pytest.raises(ValueError):
        grouping_accuracy([1], [])


@needs_loghub
def test_fast_paths_change_nothing_on_loghub() -> None:
    """On real logs too, the shape/token caches are pure shortcuts."""
    for name in ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "Apache", "OpenSSH", "HealthApp"]:
        if not (LOGHUB / name).is_dir():
            continue
        s = _settings()[name]
        fmt = LogFormat.compile(s["log_format"])
        contents = [fmt.content(ln) or ln for ln in _system(name)[0]]
        fast = TemplateMiner(masks=s["regex"])
        slow = TemplateMiner(masks=s["regex"])
        slow._shape = None
        slow._token_local = False
        a = [(r.template_id, r.template) for r in map(fast.add_message, contents)]
        b = [(r.template_id, r.template) for r in map(slow.add_message, contents)]
        assert a == b, name
