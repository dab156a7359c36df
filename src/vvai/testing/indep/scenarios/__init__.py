"""Scenario builders, one module per family of categories; each registers its variants."""
from . import changes, deps, disk, flowfaults, healthy, integrity, model, poison, resources, slow  # noqa: F401  (registration)
from .registry import REGISTRY, Variant  # noqa: F401
