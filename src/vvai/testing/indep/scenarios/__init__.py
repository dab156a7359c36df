"""Scenario builders, one module per family of categories; each registers its variants."""
from . import changes, deps, flowfaults, healthy, model, resources, slow, state  # noqa: F401  (registration)
from .registry import REGISTRY, Variant  # noqa: F401
