"""Nothing secret leaves the box: every shape of the project's secret corpus (tests/common) is in
the bundle, and none reaches the API server; placeholders are consistent and mapped back."""

from __future__ import annotations

import json

from tests.common.secret_corpus import SHAPES
from tests.llm.conftest import ts, write_bundle
from tests.llm.helpers import KEY_ENV, advise, answer, api_config, quote_from
from vvai.testing.fake_openai import FakeOpenAI, Script


def test_no_secret_of_the_corpus_reaches_the_api(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    assert len(SHAPES) >= 100
    lines = []
    for n, shape in enumerate(SHAPES):
        first, *rest = shape.line.split("\n")
        lines.append(f"{ts(n // 60, n % 60)} ERROR exporter: {first}")
        lines += [f"{ts(n // 60, n % 60)} {more}" for more in rest]  # a PEM block: one log line per line
    path = write_bundle(tmp_path / "secrets", logs={"log_exporter": lines, "scene_scanner": [f"{ts(1)} INFO ok"]})

    def cite(body):
        src, text = quote_from(body, "exporter:")
        return answer({"category": "export_failure", "component": "log_exporter", "severity": "error",
                       "confidence": 0.9, "root_cause": "credentials printed while uploads fail",
                       "evidence": [{"source": src, "text": text}], "actions": []})

    with FakeOpenAI([Script(reply=cite)]) as api:
        adv, _rules, fused = advise(path, api_config(api.base_url, max_prompt_tokens=40000))
        sent = json.dumps(api.requests, ensure_ascii=False)
        user = api.requests[0]["messages"][1]["content"]
    leaked = [s.name for s in SHAPES if s.secret in sent]
    assert leaked == []
    # the lines themselves were sent (redacted), not dropped
    assert user.count("ERROR exporter:") >= 0.9 * len(SHAPES)
    assert user.count("«SECRET_") >= len(SHAPES) * 0.9
    # the model cited a redacted line; the evidence is the original, verbatim
    llm = [i for i in fused if i.diagnosed_by == "llm"]
    assert llm and "«SECRET_" not in llm[0].evidence[0].text
    assert any(s.secret in llm[0].evidence[0].text for s in SHAPES) or "ERROR exporter:" in llm[0].evidence[0].text
