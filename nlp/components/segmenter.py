"""Sentence segmentation for referral writing: line breaks, bullets, missing full stops.

spaCy's sentencizer splits after every "." (so "approx. 3 yrs" breaks) and ignores
line structure (so bullet lists run together). Referrals are full of both.
"""


from spacy.language import Language
from spacy.tokens import Doc

_FINAL = {".", "!", "?", "..."}
_SHORT_LINE_CHARS = 45
_BULLETS = {"-", "*", "•", "·", "–", "—", ">", "o", "\uf0b7"}


@Language.factory(
    "referral_sentencizer",
    assigns=["token.is_sent_start"],
    default_config={"abbreviations": []},
)
class ReferralSentencizer:
    def __init__(self, nlp: Language, name: str, *, abbreviations: list[str]):
        """
        Args:
            abbreviations: lower-case tokens (without the final ".") after which a
                full stop does not end a sentence, e.g. "approx", "dob".
        """
        self.name = name
        self.abbreviations = {a.lower().rstrip(".") for a in abbreviations}

    def __call__(self, doc: Doc) -> Doc:
        starts = self._sentence_starts(doc)
        for token in doc:
            token.is_sent_start = token.i in starts
        return doc

    def _sentence_starts(self, doc: Doc) -> set[int]:
        starts = {0} if len(doc) else set()
        previous_content = None  # last non-space token before the current one
        for token in doc:
            if token.is_space:
                newlines = token.text.count("\n")
                nxt = token.i + 1
                if newlines and nxt < len(doc) and self._line_break_ends(doc, token, newlines, previous_content):
                    starts.add(nxt)
                continue
            if previous_content is not None and self._ends_sentence(doc, previous_content, token):
                starts.add(token.i)
            previous_content = token
        return starts

    def _line_break_ends(self, doc: Doc, space, newlines: int, previous) -> bool:
        following = doc[space.i + 1]
        if newlines >= 2 or previous is None:
            return True
        if previous.text in _FINAL or previous.text.endswith(":"):
            return True
        # A new line that opens a bullet, a number, a date or a capital starts a new
        # sentence, and so does any line after a short one (a note or list item);
        # a lower-case continuation of a long line is a hard wrap.
        line_start = doc.text.rfind("\n", 0, space.idx) + 1
        if space.idx - line_start < _SHORT_LINE_CHARS:
            return True
        return (
            following.text in _BULLETS
            or following.like_num
            or following.text[:1].isupper()
            or following.text[:1].isdigit()
        )

    def _ends_sentence(self, doc: Doc, previous, token) -> bool:
        if previous.text not in _FINAL and not (len(previous.text) > 1 and previous.text.endswith((".", "!", "?")) and previous.text.lower().rstrip(".") not in self.abbreviations and previous.text.count(".") == 1):
            return False
        if previous.text == "." and previous.i > 0:
            before = doc[previous.i - 1].text.lower().rstrip(".")
            if before in self.abbreviations:
                return False
        first = token.text[:1]
        if first.isupper() or first in {'"', "'", "‘", "“", "("} or token.text in _BULLETS:
            return True
        # Text-speak and self-referrals are often all lower case ("...in case. i dont want
        # to be here"): a word after a spaced full stop, not after an abbreviation, starts
        # a sentence too, so context cues do not reach across it.
        return previous.text in _FINAL and bool(previous.whitespace_) and token.is_alpha
