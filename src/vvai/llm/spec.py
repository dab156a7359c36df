"""What an LLM answer may contain: the spec's categories, action types and severities, and the JSON
schema the providers ask for (JSON mode / grammar where the server supports it)."""

from __future__ import annotations

from typing import Any

CATEGORIES = ("oom_kill", "crash_loop", "poison_input", "disk_full", "export_failure", "pipeline_stall",
              "orphan_outputs", "resource_saturation", "performance_degradation", "integrity_mismatch",
              "deployment_regression", "model_failure", "dependency_failure")
ACTION_TYPES = ("alert", "restart", "cleanup", "quarantine", "suggest_limits", "suggest_rollback", "rollback_model")
SEVERITIES = ("info", "warning", "error", "critical")


def answer_schema(components: list[str] | None = None) -> dict[str, Any]:
    """``{"incidents": [incident...]}`` in the spec's incident shape (an empty list: healthy).

    Enums restrict a grammar-constrained model to valid words; the grounding check still verifies
    everything, since a server may ignore the schema."""
    comp: dict[str, Any] = {"type": "string", "maxLength": 60}
    if components:
        comp["enum"] = list(components)
    incident = {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "component": comp,
            "file": {"type": "string", "maxLength": 120},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "confidence": {"type": "number"},
            "root_cause": {"type": "string", "maxLength": 240},
            "evidence": {
                "type": "array", "minItems": 1, "maxItems": 3,
                "items": {"type": "object",
                          "properties": {"source": {"type": "string", "maxLength": 80},
                                         "text": {"type": "string", "maxLength": 240}},
                          "required": ["source", "text"]},
            },
            "actions": {
                "type": "array", "maxItems": 3,
                "items": {"type": "object",
                          "properties": {"type": {"type": "string", "enum": list(ACTION_TYPES)},
                                         "target": {"type": "string", "maxLength": 120}},
                          "required": ["type"]},
            },
        },
        "required": ["category", "component", "severity", "confidence", "root_cause", "evidence", "actions"],
    }
    return {"type": "object", "properties": {"incidents": {"type": "array", "maxItems": 2, "items": incident}},
            "required": ["incidents"]}
