"""placeholder"""
from .generate import generate  # noqa: F401
