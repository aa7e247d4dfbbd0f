"""`python -m metascan` runs the command-line interface."""

from .cli import main

main()
