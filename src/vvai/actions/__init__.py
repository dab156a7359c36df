"""Remediation: the one write path of vvai, behind policy, approvals and circuit breakers.

Pure parts: :mod:`requests` (typed requests, outcomes), :mod:`policy`, :mod:`safety`,
:mod:`sizing`, :mod:`gate`, :mod:`build`. State: :mod:`journal` (SQLite), :mod:`breakers`,
:mod:`approvals`. Reads: :mod:`checks`. Writes: :mod:`effectors` (imported only by
:mod:`executor`). Offline: :mod:`plan`. Commands: :mod:`cli`.
"""
