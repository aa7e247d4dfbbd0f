"""The report and its workflow: the report itself, baselines, suppressions, and its output formats."""
