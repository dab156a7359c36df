"""The incident bundle (`vvai-bundle/1`): :mod:`.types` (the in-memory Bundle and its records),
:mod:`.normalize` (record hygiene), :mod:`.read` (folder / .tar.gz reader), :mod:`.write`
(folder / .tar.gz writer). Import from here: ``from vvai.monitor.bundle import Bundle, load_bundle``.
"""

from __future__ import annotations

from vvai.common.sizes import parse_mem
from vvai.monitor.bundle.read import load_bundle, problem_summary
from vvai.monitor.bundle.types import FORMAT, AppRecord, Bundle, ComponentSpec, Event, JsonRecord, Line
from vvai.monitor.bundle.write import Parts, bundle_files, write_bundle

__all__ = ["FORMAT", "AppRecord", "Bundle", "ComponentSpec", "Event", "JsonRecord", "Line", "Parts", "bundle_files",
           "load_bundle", "parse_mem", "problem_summary", "write_bundle"]
