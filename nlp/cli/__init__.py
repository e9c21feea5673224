"""The `threshold` command line."""
