"""`python -m metascan` runs the command-line interface."""

from .cli import run

run()
