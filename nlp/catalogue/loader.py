"""Load and validate the indicator catalogue from its versioned YAML files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from nlp.catalogue.schema import CatalogueEntry, Manifest

DEFAULT_CATALOGUE_DIR = Path(__file__).parent / "data"


class CatalogueError(ValueError):
    """The catalogue files are malformed; the message names the entry and field."""


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]
    manifest: Manifest
    content_hash: str
    by_id: dict[str, CatalogueEntry] = field(repr=False, default_factory=dict)

    @property
    def version(self) -> str:
        """Semantic version from the manifest plus a short content hash."""
        return f"{self.manifest.version}+{self.content_hash[:8]}"

    @cached_property
    def theme_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.manifest.themes)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def get(self, entry_id: str) -> CatalogueEntry:
        try:
            return self.by_id[entry_id]
        except KeyError:
            raise KeyError(f"unknown catalogue id {entry_id!r}") from None


def _describe_error(error: ValidationError, where: str) -> str:
    problems = []
    for item in error.errors():
        field_path = ".".join(str(part) for part in item["loc"]) or "(entry)"
        problems.append(f"field '{field_path}': {item['msg']}")
    return f"{where}: " + "; ".join(problems)


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"catalogue file missing: {path}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from None


def _parse_entries(path: Path, theme_ids: frozenset[str]) -> list[CatalogueEntry]:
    document = _read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise CatalogueError(f"{path.name}: expected a mapping with an 'entries' list")
    entries = []
    for position, raw in enumerate(document["entries"], start=1):
        raw_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
        where = f"{path.name} entry #{position} (id {raw_id!r})"
        try:
            entry = CatalogueEntry.model_validate(raw)
        except ValidationError as exc:
            raise CatalogueError(_describe_error(exc, where)) from None
        unknown = [t for t in entry.themes if t not in theme_ids]
        if unknown:
            raise CatalogueError(f"{where}: field 'themes': unknown theme(s) {unknown}")
        entries.append(entry)
    return entries


def load_catalogue(directory: Path | str = DEFAULT_CATALOGUE_DIR) -> Catalogue:
    """Read the manifest and every catalogue file it lists, validating each entry.

    Raises:
        CatalogueError: naming the file, entry and field at fault.
    """
    directory = Path(directory)
    raw_manifest = _read_yaml(directory / "manifest.yaml")
    try:
        manifest = Manifest.model_validate(raw_manifest)
    except ValidationError as exc:
        raise CatalogueError(_describe_error(exc, "manifest.yaml")) from None
    theme_ids = frozenset(t.id for t in manifest.themes)

    digest = hashlib.sha256()
    entries: list[CatalogueEntry] = []
    for name in manifest.files:
        path = directory / name
        entries.extend(_parse_entries(path, theme_ids))
        digest.update(path.read_bytes())

    by_id: dict[str, CatalogueEntry] = {}
    for entry in entries:
        if entry.id in by_id:
            raise CatalogueError(f"entry {entry.id!r}: field 'id': duplicate id")
        by_id[entry.id] = entry
    return Catalogue(tuple(entries), manifest, digest.hexdigest(), by_id)
