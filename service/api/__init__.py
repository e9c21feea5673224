"""HTTP API, version 1."""
