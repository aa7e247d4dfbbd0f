"""Structural checks (data-protection posture): how a resource is set up, not what its text says."""
