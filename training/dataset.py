"""The annotated corpus: every JSONL file under annotations/, validated, with content hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from training.annotations import AnnotatedCase, load_cases


@dataclass(frozen=True)
class Corpus:
    cases: tuple[AnnotatedCase, ...]
    file_hashes: dict[str, str]

    def split(self, name: str) -> list[AnnotatedCase]:
        return [c for c in self.cases if c.split == name]

    @property
    def split_hashes(self) -> dict[str, str]:
        """A hash per split of its cases' content, logged with every training run."""
        hashes = {}
        for name in ("train", "dev", "test"):
            digest = hashlib.sha256()
            for case in sorted(self.split(name), key=lambda c: c.id):
                digest.update(case.model_dump_json().encode())
            hashes[name] = digest.hexdigest()
        return hashes


def corpus_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.jsonl") if p.is_file())


def load_corpus(directory: Path, catalogue_ids: set[str] | None = None) -> Corpus:
    cases: list[AnnotatedCase] = []
    hashes = {}
    seen: dict[str, str] = {}
    for path in corpus_files(directory):
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        for case in load_cases(path, catalogue_ids):
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} is in both {seen[case.id]} and {path.name}")
            seen[case.id] = path.name
            cases.append(case)
    return Corpus(tuple(cases), hashes)
