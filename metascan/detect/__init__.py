"""Detection: rules as data (`patterns/*.toml`) and the engine that runs them over a text."""
