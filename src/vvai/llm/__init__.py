"""The optional LLM layer: local, API and hybrid diagnosis that is grounded, redacted and never in charge.

The deterministic engine stays the default and the fallback. An LLM is consulted after the rules
(:mod:`.advisor`); its answer is parsed tolerantly (:mod:`.parse`), mapped back from the redaction
placeholders, checked against what the monitor read (:mod:`.grounding`) and fused with the rules'
incidents (:mod:`.fusion`) so that it can add and explain, never remove, downgrade or act.

Modules: ``providers/`` (one contract: an OpenAI-compatible server, or a GGUF in-process),
``spec`` (categories, action types, the answer schema), ``budget`` + ``prompt`` (a token-budgeted
prompt where everything from the box is marked as untrusted data), ``signals`` (error signals the
rules left unexplained), ``tools`` (read-only investigation tools), ``hybrid`` (local first,
escalation to the API, cache, hourly cap), ``advisor`` (the monitor's ``Advisor``), ``evaluate``
(rules-only vs rules+LLM side by side).
"""
