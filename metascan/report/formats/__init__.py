"""Output formats: one pure `render(report, options) -> str` per format."""
