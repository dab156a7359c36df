"""Detectors: small pure functions ``detect(ctx) -> list[Finding]``, one module per family.

Each looks at one kind of signal in a :class:`~vvai.monitor.bundle.Bundle`; the correlator and the
knowledge base turn their findings into incidents. ``run_all`` runs them in a fixed order.
"""

from __future__ import annotations

from vvai.monitor.bundle import Bundle
from vvai.monitor.detect.context import Context
from vvai.monitor.detect.settings import DetectorSettings
from vvai.monitor.incident import Finding


def run_all(bundle: Bundle, settings: DetectorSettings | None = None) -> list[Finding]:
    from vvai.monitor.detect import (
        containers,
        dependency,
        deploy,
        diskspace,
        exporter,
        inputs,
        integrity,
        logs,
        performance,
        pipeline,
        resources,
    )

    ctx = Context(bundle, settings or DetectorSettings())
    findings: list[Finding] = []
    for mod in (containers, inputs, logs, resources, performance, pipeline, diskspace, exporter, integrity, deploy,
                dependency):
        findings.extend(mod.detect(ctx))
    findings.sort(key=lambda f: f.ts)
    return findings
