"""The command-line interface: a thin layer over the library (see app.py)."""

from .app import app, run

__all__ = ["app", "run"]
