"""The version of kwaliteitscan (read by setuptools and shown by `kwaliteitscan --version`)."""

__version__ = "0.1.0"
