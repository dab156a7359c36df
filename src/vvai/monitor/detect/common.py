"""Transition only: the old grab-bag module, split into :mod:`.context` (roles, Context),
:mod:`.errorlines` (error-line classifier), :mod:`.evidence` (evidence builders, file names) and
:func:`vvai.common.sizes.fmt_bytes`. Kept so code written against it keeps importing; import from
the new modules (nothing in the monitor uses this one)."""

from vvai.common.sizes import fmt_bytes
from vvai.monitor.detect.context import Context, ErrorLine, infer_role
from vvai.monitor.detect.errorlines import NETWORK_RE, error_headlines, error_lines, is_error_line
from vvai.monitor.detect.evidence import EVIDENCE_CHARS, clip, ev_app, ev_event, ev_file, ev_line, ev_record, first_file

__all__ = ["EVIDENCE_CHARS", "NETWORK_RE", "Context", "ErrorLine", "clip", "error_headlines", "error_lines", "ev_app",
           "ev_event", "ev_file", "ev_line", "ev_record", "first_file", "fmt_bytes", "infer_role", "is_error_line"]
