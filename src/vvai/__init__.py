"""vvai: the operations layer of the VV-Video-AI-System."""

__version__ = "0.1.0"
