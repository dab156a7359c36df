"""Knowledge-base patterns are user regexes: they run on the linear-time engine, and one that
cannot be made safe is refused at load with a one-line error naming the signature."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.monitor.test_bundle_builders import app, build, meta
from vvai.common.errors import ConfigError
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.kb import load_kb

HOSTILE = """format: vvai-kb/1
signatures:
  - id: catastrophic
    category: crash_loop
    priority: 99
    trigger: error_burst
    when: {{pattern: "{pattern}"}}
    severity: critical
    confidence: 0.5
    root_cause: "x"
    actions: [{{type: alert}}]
"""


def test_a_catastrophic_kb_pattern_cannot_hang_the_diagnosis(tmp_path):
    kb = tmp_path / "kb.yaml"
    kb.write_text(HOSTILE.format(pattern="(a+)+$"))
    bundle = build(meta(), app_log=[app(10 + k, "log_exporter", "a" * 30000 + "!", level="error")
                                    for k in range(8)])
    incidents = Diagnoser(kb=load_kb([kb])).diagnose(bundle)  # backtracking would take hours here
    assert all(i.signature != "catastrophic" for i in incidents)


def test_a_kb_pattern_that_does_not_compile_is_a_one_line_error(tmp_path):
    kb = tmp_path / "kb.yaml"
    kb.write_text(HOSTILE.format(pattern="(unclosed"))
    with pytest.raises(ConfigError, match="signature catastrophic"):
        load_kb([kb])
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bundle.json").write_text(json.dumps(meta()))
    r = subprocess.run([sys.executable, "-m", "vvai", "monitor", "diagnose", str(tmp_path / "b"), "--kb", str(kb)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "catastrophic" in r.stderr
