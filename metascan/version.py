"""The version of metascan: the build reads it from here (`[tool.hatch.version]` in pyproject.toml)."""

__version__ = "0.1.0"
