"""Sign-in, tokens and who may call what."""
