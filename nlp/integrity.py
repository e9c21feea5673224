"""File-by-file SHA-256 checks of pinned model packages (sentence model, NER model)."""

from __future__ import annotations

import hashlib
from pathlib import Path


class ModelIntegrityError(RuntimeError):
    """A model file is missing, unexpected, or its SHA-256 differs from the recorded one."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_recorded_files(root: Path, expected: dict[str, str], hashes_file: str, reinstall: str) -> str:
    """Check every recorded file under `root`; return a short fingerprint of the recorded set.

    Raises:
        ModelIntegrityError: naming the file that is missing or differs.
    """
    for relative, want in sorted(expected.items()):
        path = root / relative
        if not path.is_file():
            raise ModelIntegrityError(f"model file missing: {path}")
        got = sha256_file(path)
        if got != want:
            raise ModelIntegrityError(
                f"model file {relative} has SHA-256 {got[:16]}..., expected {want[:16]}... "
                f"(recorded in {hashes_file}); reinstall {reinstall}"
            )
    return hashlib.sha256("".join(sorted(expected.values())).encode()).hexdigest()[:12]
