"""`python -m kwaliteitscan.cli`: the same as the `kwaliteitscan` command."""

from .app import run

run()
