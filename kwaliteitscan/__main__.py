"""`python -m kwaliteitscan`: the same as the `kwaliteitscan` command."""

from .cli.app import run

run()
