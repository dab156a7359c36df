"""Transition only: the thresholds moved to :mod:`vvai.monitor.detect.settings` (the detectors
own them; diagnose imports detect, never the other way). Import from there."""

from vvai.monitor.detect.settings import DetectorSettings

__all__ = ["DetectorSettings"]
