"""Property-based tests (Hypothesis) of the pipeline's parsers: ``vv-signature.json`` (read by
verify and the exporter), the export ledger, and the export destination. Random and adversarial
documents give a result or the project's own error type, never anything else, and never make
verify read outside the root."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vvai.common.errors import ConfigError, VvaiError
from vvai.pipeline.layout import Layout
from vvai.pipeline.ledger import ExportLedger
from vvai.pipeline.signature import FORMAT, SignatureFile
from vvai.pipeline.targets import make_target
from vvai.pipeline.verifier import verify

FAST = settings(max_examples=200, deadline=timedelta(seconds=3),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=20)
rels = st.text(max_size=30) | st.sampled_from(["../../etc/shadow", "/etc/passwd", "processed/a.mp4", "a/../../x",
                                              "processed\\..\\..\\x", ""])
entries = st.dictionaries(rels, json_values | st.fixed_dictionaries(
    {"sha256": st.text(max_size=64), "size": st.integers() | st.booleans()}), max_size=4)


@FAST
@given(doc=json_values | st.fixed_dictionaries({"format": st.just(FORMAT), "files": entries | json_values}))
def test_signature_documents(tmp_path_factory, doc) -> None:
    root = tmp_path_factory.mktemp("sig")
    layout = Layout(root).ensure()
    layout.signature.write_text(json.dumps(doc))
    try:
        files = SignatureFile(layout.signature).files()
    except ConfigError:
        return
    for rel in files:
        assert (layout.root / rel).resolve().is_relative_to(layout.root.resolve())
    report = verify(layout)
    assert report.checked == len(files)


@FAST
@given(data=st.binary(max_size=2000))
def test_signature_and_ledger_random_bytes(tmp_path_factory, data: bytes) -> None:
    root = tmp_path_factory.mktemp("bytes")
    layout = Layout(root).ensure()
    for p in (layout.signature, layout.export_ledger):
        p.write_bytes(data)
    for read in (lambda: SignatureFile(layout.signature).files(), lambda: ExportLedger(layout.export_ledger).entries()):
        try:
            read()
        except ConfigError:
            pass


@FAST
@given(dest=st.text(max_size=40) | st.sampled_from(["", " ", ".", "..", "s3://", "s3://b", "s3://u:p@h/x",
                                                    "gopher://x", "processed", "./processed/../processed"]))
def test_export_destinations(tmp_path_factory, dest: str) -> None:
    root = tmp_path_factory.mktemp("dest")
    try:
        t = make_target(dest, source_root=root)
    except (ConfigError, VvaiError):
        return
    if hasattr(t, "dest"):
        real, src = Path(t.dest).resolve(), root.resolve()
        assert real != src and src not in real.parents
