"""spaCy pipeline components of Threshold Assist, registered by importing this package."""

from nlp.components import (  # noqa: F401  (imports register the factories)
    context,
    embedding_matcher,
    keyword_matcher,
    normaliser,
    segmenter,
)
from nlp.components.extensions import set_extensions

__all__ = ["set_extensions"]
