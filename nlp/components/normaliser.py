"""Token normalisation for rule matching: British spelling, then a Snowball stem, into NORM.

Keyword rules match on NORM, so "bruise", "bruising" and "bruised" are one rule,
and "behavior" matches "behaviour".
"""

from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from spacy.language import Language
from spacy.tokens import Doc

_STEMMER = SnowballStemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stem(word)


def normalise_word(word: str, spellings: dict[str, str]) -> str:
    lower = word.lower()
    lower = spellings.get(lower, lower)
    if not any(ch.isalpha() for ch in lower):
        return lower
    return _stem(lower)


@Language.factory("stem_normaliser", assigns=["token.norm"], default_config={"spellings": {}})
class StemNormaliser:
    def __init__(self, nlp: Language, name: str, *, spellings: dict[str, str]):
        """
        Args:
            spellings: lower-case variant -> preferred (British) spelling.
        """
        self.name = name
        self.spellings = {k.lower(): v.lower() for k, v in spellings.items()}

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if not token.is_space:
                token.norm_ = normalise_word(token.text, self.spellings)
        return doc
