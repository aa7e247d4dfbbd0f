"""Where responses come from: saved files (`files`) and live AWS accounts (`aws`)."""
