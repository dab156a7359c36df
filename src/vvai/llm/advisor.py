"""The monitor's :class:`~vvai.monitor.service.hooks.Advisor`: the rules first, the LLM after them.

``advise(bundle, incidents)`` returns the fused list (every rules incident kept, marked
``diagnosed_by``) and keeps the spec's top-level ``llm`` block of that pass in ``last_block``:
``{"mode", "calls", "accepted", "rejected": [{"reason"}], "fallback": null|"timeout"|"error"|"off"}``
(plus tokens, latency and notes). The LLM is consulted when the rules found an incident (to refine
and explain it) or when the window holds error signals no rule explained; otherwise not at all.
It never raises: whatever goes wrong, the rules' answer stands and the block says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from vvai.llm.advised import advised
from vvai.llm.fusion import fuse
from vvai.llm.grounding import Gate, engine_gate
from vvai.llm.hybrid import Hybrid
from vvai.llm.lines import source_lines
from vvai.llm.signals import unexplained
from vvai.monitor.incident import Incident

log = logging.getLogger("vvai.llm")


def off_block() -> dict[str, Any]:
    return {"mode": "off", "calls": 0, "accepted": 0, "rejected": [], "fallback": "off"}


class LLMAdvisor:
    def __init__(self, cfg: Any, *, local: Any = None, api: Any = None, gate: Gate = engine_gate,
                 clock: Callable[[], float] = time.time):
        from vvai.llm.providers.factory import build_api, build_local

        self.cfg = cfg
        if local is None and cfg.mode in ("local", "hybrid"):
            local = build_local(cfg)
        if api is None and cfg.mode in ("api", "hybrid"):
            api = build_api(cfg)
        self.hybrid = Hybrid(cfg, local=local, api=api, gate=gate, clock=clock)
        self.last_block: dict[str, Any] = off_block()
        self.last_round: Any = None
        self.totals = {"passes": 0, "calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "accepted": 0,
                       "rejected": 0, "latency_s": []}

    def advise(self, bundle: Any, incidents: list[Incident]) -> list[Incident]:
        t0 = time.perf_counter()
        block: dict[str, Any] = {"mode": self.cfg.mode, "calls": 0, "accepted": 0, "rejected": [], "fallback": None}
        fused: list[Incident] = [advised(i) for i in incidents]
        try:
            sigs = unexplained(bundle, incidents)
            real = [i for i in incidents if i.category != "healthy"]
            if not real and not sigs:
                block["notes"] = ["not consulted: no incident and no error signal the rules left unexplained"]
            else:
                sources = source_lines(bundle)
                rnd = self.hybrid.run(bundle, incidents, sigs, sources)
                self.last_round = rnd
                updates, fused = self._fill(rnd, incidents, sigs)
                block.update(updates)
        except Exception as e:  # noqa: BLE001 - the rules' answer must stand whatever happens here
            log.warning("LLM advice failed, the rules' answer stands: %s", e)
            block["fallback"] = "error"
            block["rejected"].append({"reason": f"internal error: {type(e).__name__}: {str(e)[:200]}"})
        block["latency_s"] = round(time.perf_counter() - t0, 3)
        self._count(block)
        self.last_block = block
        return fused

    def _fill(self, rnd: Any, incidents: list[Incident], sigs: list) -> tuple[dict[str, Any], list[Incident]]:
        calls = sum(o.calls for o in rnd.outcomes if not o.cached)
        rejected = [{"reason": r} for o in rnd.outcomes for r in o.rejected]
        final = rnd.final
        fallback = None
        if final is None:
            fallback = "off"
        elif final.status in ("timeout", "error"):
            fallback = final.status
        accepted_llm = final.accepted if final is not None and final.status == "ok" else []
        fused, refused = fuse(incidents, accepted_llm, sigs, self.cfg.min_confidence)
        rejected += [{"reason": r} for r in refused]
        taken = sum(1 for i in fused if getattr(i, "diagnosed_by", "rules") != "rules")
        return {"calls": calls, "accepted": taken, "rejected": rejected, "fallback": fallback,
                "providers": [{"name": o.provider, "status": o.status, "cached": o.cached,
                               "prompt_tokens": o.prompt_tokens, "completion_tokens": o.completion_tokens,
                               "latency_s": round(o.latency_s, 3), "grounding_s": round(o.grounding_s, 6)}
                              for o in rnd.outcomes],
                "prompt_tokens": sum(o.prompt_tokens for o in rnd.outcomes if not o.cached),
                "completion_tokens": sum(o.completion_tokens for o in rnd.outcomes if not o.cached),
                "notes": list(rnd.notes)}, list(fused)

    def _count(self, block: dict[str, Any]) -> None:
        t = self.totals
        t["passes"] += 1
        t["calls"] += block.get("calls", 0)
        t["prompt_tokens"] += block.get("prompt_tokens", 0)
        t["completion_tokens"] += block.get("completion_tokens", 0)
        t["accepted"] += block.get("accepted", 0)
        t["rejected"] += len(block.get("rejected", []))
        if block.get("calls"):
            t["latency_s"].append(block["latency_s"])

    def close(self) -> None:
        self.hybrid.close()


def build_advisor(cfg: Any) -> LLMAdvisor | None:
    """The advisor for a whole Config (its ``[llm]``, and its ``[actions]`` policy as the gate of
    the LLM's actions), or None when the mode is off."""
    llm = getattr(cfg, "llm", cfg)
    if llm.mode == "off":
        return None
    gate: Gate = engine_gate
    if getattr(cfg, "actions", None) is not None:
        from vvai.llm.grounding import policy_gate

        gate = policy_gate(cfg.actions)
    return LLMAdvisor(llm, gate=gate)
