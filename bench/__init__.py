"""metascan's benchmark: a corpus generator, the runner, and the passes it compares (see bench/README.md)."""
