"""Read the rule data files under nlp/rules/ (lexicon, context, tools, levels, risk)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

RULES_DIR = Path(__file__).parent


class RulesError(ValueError):
    """A rules file is malformed; the message names the file and key."""


def read_rules(name: str, rules_dir: Path | str = RULES_DIR) -> dict:
    path = Path(rules_dir) / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"rules file missing: {path}") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path.name}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=8)
def lexicon(rules_dir: str = str(RULES_DIR)) -> dict:
    data = read_rules("lexicon.yaml", rules_dir)
    for key in ("sentence_abbreviations", "spellings", "abbreviations"):
        if key not in data:
            raise RulesError(f"lexicon.yaml: missing key '{key}'")
    return data
