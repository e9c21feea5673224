"""Replace personal identifiers in narratives by typed placeholders, keeping offsets mappable.

Detection combines spaCy PERSON entities (ORG/FAC only where a school or address rule
agrees) with the patterns in nlp/rules/redaction.yaml. Narrative text is never logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.redaction.model import load_english_words, load_ner
from nlp.rules.loader import RulesError, read_rules

logger = logging.getLogger(__name__)

# A name word: Ella, O'Connor, McDonald, Ella-Rose; a surname in capitals: DUNN, O'CONNOR.
WORD = r"(?:Mc|Mac|O['’]|D['’])?[A-Z][a-z]+(?:-(?:Mc|O['’])?[A-Z][a-z]+)*"
CAPS = r"(?:Mc|Mac|O['’])?[A-Z]{2,}(?:-[A-Z]{2,})*"
NAMEW = rf"(?:{WORD}|{CAPS})"
AGE = r"\(\s*(?:aged?\s+)?\d{1,2}(?![\d/.:])"  # "(7)", "(3y 2m)", "(aged 4": not "(2019)"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Replacement:
    start: int  # in the ORIGINAL text
    end: int
    kind: str
    placeholder: str


@dataclass(frozen=True)
class Redacted:
    text: str
    replacements: tuple[Replacement, ...]

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets -> redacted offsets; partial overlaps widen to the placeholder."""
        return self._map(start, is_end=False), self._map(end, is_end=True)

    def _map(self, pos: int, is_end: bool) -> int:
        shift = 0  # length change from replacements wholly before pos
        for rep in self.replacements:
            if rep.end <= pos:
                shift += len(rep.placeholder) - (rep.end - rep.start)
            elif rep.start < pos:  # pos falls inside: snap outwards to the placeholder's edge
                return rep.start + shift + (len(rep.placeholder) if is_end else 0)
            else:
                break
        return pos + shift


def _alternation(words: Iterable[str]) -> str:
    # Longest first so "Primary School" wins over "Primary".
    return "|".join(_literal(w) for w in sorted(words, key=len, reverse=True))


def _norm(word: str) -> str:
    return re.sub(r"(?:['’]s)$", "", word.strip(".,;:()\"'“”‘’-")).lower()


class Rules:
    """redaction.yaml compiled into regexes and word sets."""

    def __init__(self, data: dict):
        self.version = str(data["version"])
        self.placeholders: dict[str, str] = data["placeholders"]
        self.priority: list[str] = data["priority"]
        rx = data["regex"]
        self.email = re.compile(rx["email"])
        self.postcode = re.compile(rx["postcode"])
        self.phones = [re.compile(p) for p in rx["phone"]]
        self.date = re.compile("|".join(f"(?:{d})" for d in rx["date"]))
        self.dob_cue = re.compile(rx["dob_cue"])
        nn = data["not_names"]
        for group, words in nn.items():  # YAML reads a bare No/On/Yes as a boolean
            if not all(isinstance(w, str) for w in words):
                raise RulesError(f"redaction.yaml: not_names.{group} has a non-string entry; quote it")
        self.places = {w.lower() for w in nn["places"]}
        self.calendar = {w.lower() for w in nn["days_months"]}
        self.not_names = {w.lower() for group in nn.values() for w in group}
        self.not_names |= {w.lower() for w in data["names"]["titles"]}
        # after a title, a capitalised word is a name unless it is one of these ("Mr Darren Ward":
        # a surname, though "Ward" is an agency word elsewhere)
        self.not_after_title = {w.lower() for g in ("relationship", "days_months", "common") for w in nn.get(g, [])}
        self.not_after_title |= {w.lower() for w in data["names"]["titles"]}
        self._compile_address(data["address"], rx["district"])
        self._compile_school(data["school"])
        self._compile_names(data["names"])

    def _compile_address(self, a: dict, district: str) -> None:
        units = _alternation(a["unit_words"])
        types = _alternation(a["street_types"])
        abbr = _alternation(a["street_abbreviations"])
        self.address = re.compile(
            rf"(?:(?<![\w])(?:{units})\s+\d+[A-Za-z]?,?\s+)?"  # Flat 4,
            rf"(?:(?<![\w/])\d+[A-Za-z]?(?:-\d+)?,?\s+)?"  # 14 / 14a / 3-5
            rf"(?P<words>(?:[A-Z][\w'’-]*\s+){{1,3}})"  # Cedar / Corbin
            rf"(?:(?:{types})(?!\w)|(?:{abbr})(?!\w)\.?(?!\s*[A-Z][a-z]))"  # Road / Rd (not St Mary's)
            rf"(?:,?\s+(?:{district}))?"  # , E3
        )
        self.unit_only = re.compile(rf"(?<![\w])(?:{units})\s+\d+[A-Za-z]?(?!\w)")
        self.not_addresses = {w.lower() for w in a["not_addresses"]}

    def _compile_school(self, s: dict) -> None:
        inner = _alternation(s["inner_words"])
        word = rf"(?:{inner}|[A-Z][\w'’.-]*)"
        self.school = re.compile(rf"(?<![\w])(?P<words>{word}(?:\s+{word}){{0,5}}?)\s+(?:{_alternation(s['school_words'])})(?!\w)")
        self.school_words = {w.lower() for sw in s["school_words"] for w in sw.split()}
        self.not_schools = {w.lower() for w in s["not_schools"]}
        self.school_context = re.compile(s["context"])

    def _compile_names(self, n: dict) -> None:
        titles = _alternation(n["titles"])
        names = rf"(?P<n>(?:[A-Z]\.\s*)*{NAMEW}(?:\s+{NAMEW}){{0,2}})"
        person = _alternation(n["person_words"])
        self.name_patterns = [
            re.compile(rf"(?<![\w])(?:{titles})\.?\s+{names}"),  # Ms Jodie PRICE, Mr P. Ferreira
            re.compile(rf"(?P<n>(?:{WORD}\s+(?:\(\s*{WORD}\s*\)\s+)?(?:and\s+)?){{1,2}}{CAPS})(?![\w])"),  # Reece ANDERSON
            re.compile(rf"(?P<n>{WORD})\s*{AGE}"),  # Leon (4)
            re.compile(rf"(?i:(?<![\w])(?:{person}))\s*\(?\s*(?P<n>{WORD}(?:\s+{NAMEW})?)"),  # sister Lacey
            re.compile(rf"(?i:(?<![\w])(?:{person}))\s+\(?[\"“](?P<n>[A-Z][\w'’-]*)[\"”]"),  # boyfriend "Jay"
            re.compile(rf"(?<![\w])(?:{_alternation(n['cues'])})\s+[\"“]?(?P<n>{WORD}(?:\s+{NAMEW})?)"),
            re.compile(rf"(?<![\w])(?i:{_alternation(n['field_labels'])})\s*:\s*(?P<n>{NAMEW}(?:\s+{NAMEW}){{0,3}})"),
        ]
        self.nickname = re.compile(rf"\s*\(\s*[\"“]?(?P<n>{WORD})[\"”]?\s*\)")  # Roxanne (Roxy)

    def is_not_name(self, word: str) -> bool:
        return _norm(word) in self.not_names or not re.search(r"[A-Za-z]", word)


class Redactor:
    def __init__(self, nlp, rules: Rules, english: tuple[frozenset[str], tuple[tuple[str, str], ...]]):
        self.nlp = nlp
        self.rules = rules
        self.words, self.suffix_rules = english

    @classmethod
    def load(cls) -> Redactor:
        nlp, fingerprint = load_ner()
        rules = Rules(read_rules("redaction.yaml"))
        logger.info("redactor ready (model %s, rules %s)", fingerprint, rules.version)
        return cls(nlp, rules, load_english_words())

    def is_english(self, word: str) -> bool:
        """True if the dictionary knows the word or a lemma of it ("Stopped" -> "stop")."""
        w = word.lower()
        if w in self.words or w in STOP_WORDS:  # WordNet has no function words ("Would")
            return True
        for old, new in self.suffix_rules:
            if old and w.endswith(old):
                stem = w[: -len(old)] + new
                if stem in self.words or (len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in self.words):
                    return True
        return False

    def redact(self, text: str, known: dict[str, list[str]] | None = None) -> Redacted:
        return self._redact(text, self.nlp(text), known)

    def redact_many(
        self, texts: Iterable[str], known: Sequence[dict[str, list[str]] | None] | None = None
    ) -> list[Redacted]:
        texts = list(texts)
        knowns = list(known) if known is not None else [None] * len(texts)
        docs = self.nlp.pipe(texts, batch_size=64)
        return [self._redact(t, d, k) for t, d, k in zip(texts, docs, knowns, strict=True)]

    # --- detection ---------------------------------------------------------------

    def _redact(self, text: str, doc, known: dict[str, list[str]] | None) -> Redacted:
        spans: list[tuple[int, int, str]] = []
        spans += self._fixed(text)
        spans += self._dobs(text)
        places = self._addresses(text) + self._schools(text)
        spans += places + self._agreeing_entities(doc, places)
        names = self._names(text, doc)
        spans += names + self._propagate(text, [text[s:e] for s, e, _ in names])
        spans += self._known(text, known or {})
        return self._build(text, spans)

    def _fixed(self, text: str) -> list[tuple[int, int, str]]:
        out = [(m.start(), m.end(), "EMAIL") for m in self.rules.email.finditer(text)]
        out += [(m.start(), m.end(), "POSTCODE") for m in self.rules.postcode.finditer(text)]
        for rx in self.rules.phones:
            out += [(m.start(), m.end(), "PHONE") for m in rx.finditer(text)]
        return out

    def _dobs(self, text: str) -> list[tuple[int, int, str]]:
        out = []
        for cue in self.rules.dob_cue.finditer(text):
            m = self.rules.date.match(text, cue.end())
            if m:
                out.append((m.start(), m.end(), "DOB"))
        return out

    def _trim(self, text: str, start: int, end: int, keep_places: bool) -> tuple[int, int] | None:
        """Drop non-name words from the edges of a span; None if nothing name-like is left."""
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]

        def droppable(ws) -> bool:  # ws: one word, or two words forming a phrase ("Mile End")
            phrase = " ".join(_norm(text[a:b]) for a, b in ws)
            if keep_places and phrase in self.rules.places:
                return False
            return phrase in self.rules.not_names or (len(ws) == 1 and self.rules.is_not_name(text[ws[0][0] : ws[0][1]]))

        while words:
            if len(words) > 1 and droppable(words[:2]):
                del words[:2]
            elif droppable(words[:1]):
                del words[:1]
            elif len(words) > 1 and droppable(words[-2:]):
                del words[-2:]
            elif droppable(words[-1:]):
                del words[-1:]
            else:
                break
        if not words:
            return None
        s, e = words[0][0], words[-1][1]
        while e > s and text[e - 1] in ",.;:)\"'”’-":
            e -= 1
        return (s, e) if e > s else None

    def _addresses(self, text: str) -> list[tuple[int, int, str]]:
        out = []
        for m in self.rules.address.finditer(text):
            words = m.group("words").split()
            phrase = " ".join(words + [text[m.end("words") :].split()[0].strip(",")]).lower()
            if phrase in self.rules.not_addresses or " ".join(words).lower() in self.rules.places:
                continue
            if all(self.rules.is_not_name(w) and _norm(w) not in self.rules.places for w in words):
                continue  # "Family Court", "The House"
            start = m.start() if m.start() < m.start("words") else m.start("words")
            out.append((start, m.end(), "ADDRESS"))
        # "Flat 22" on its own still locates a household.
        out += [(m.start(), m.end(), "ADDRESS") for m in self.rules.unit_only.finditer(text)]
        return out

    def _schools(self, text: str) -> list[tuple[int, int, str]]:
        out = []
        for m in self.rules.school.finditer(text):
            if any(m.group(0).lower().endswith(n) for n in self.rules.not_schools):
                continue
            span = self._trim(text, m.start("words"), m.end("words"), keep_places=True)
            if span is None:
                continue
            name_words = [w for w in text[span[0] : span[1]].split() if _norm(w) not in self.rules.school_words]
            if name_words:
                out.append((span[0], m.end(), "SCHOOL"))
        for m in self.rules.school_context.finditer(text):
            span = self._trim(text, m.start("n"), m.end("n"), keep_places=True)
            if span:
                out.append((*span, "SCHOOL"))
        return out

    def _agreeing_entities(self, doc, places) -> list[tuple[int, int, str]]:
        """ORG/FAC entities count only where they overlap a school or address match."""
        out = []
        for ent in doc.ents:
            if ent.label_ not in ("ORG", "FAC") or "\n" in ent.text:
                continue
            for s, e, kind in places:
                if ent.start_char < e and s < ent.end_char:
                    span = self._trim(doc.text, ent.start_char, ent.end_char, keep_places=True)
                    if span:
                        out.append((span[0], span[1], kind))
                    break
        return out

    def _names(self, text: str, doc) -> list[tuple[int, int, str]]:
        found, caps_only, titled = [], [], []
        for i, rx in enumerate(self.rules.name_patterns):
            for m in rx.finditer(text):
                (caps_only if i == 1 else found).append((m.start("n"), m.end("n")))
                if i == 0:  # words right after Mr/Ms/Dr are names even if also words ("Ms Ward", "Mr Darren Ward")
                    for word in re.finditer(r"\S+", text[m.start("n") : m.end("n")]):
                        if word.start() == 0 or _norm(word.group(0).rstrip(".,")) not in self.rules.not_after_title:
                            start = m.start("n") + word.start()
                            titled.append((start, start + len(word.group(0).rstrip(".,")), "NAME"))
        for s, e in caps_only:  # "Merlin PAC": a capitals word needs a real first name beside it
            span = self._trim(text, s, e, keep_places=False)
            if span and re.search(r"[a-z]", text[span[0] : span[1]]):
                found.append(span)
        for m in re.finditer(rf"(?<![\w'’-]){WORD}(?![\w-])", text):
            parts = m.group(0).split("-")  # Lily-Mae: a name if any part is unknown
            if len(m.group(0)) >= 3 and not any(self.rules.is_not_name(p) for p in parts + [m.group(0)]):
                if not all(self.is_english(p) for p in parts):
                    found.append((m.start(), m.end()))
        lower_words = set(re.findall(r"\b[a-z]+\b", text))
        for m in re.finditer(rf"(?<=[a-z,;] )(?P<n>{WORD})(?=['’]s\b)", text):  # mid-sentence "Elijah's"
            if m.group("n").lower() not in lower_words:
                found.append((m.start(), m.end()))
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            for part in re.finditer(r"[^\n]+", ent.text):  # NER can run across lines
                s, e = ent.start_char + part.start(), ent.start_char + part.end()
                words = part.group(0).split()
                if len(words) == 1 and words[0].lower() in lower_words:
                    continue  # "Attendance": the same word is used as an ordinary word here
                found.append((s, e))
        out = []
        for s, e in found:
            if _norm(text[s:e]) in self.rules.calendar and re.match(rf"\s*{AGE}", text[e:]):  # "Jan (6)"
                out.append((s, e, "NAME"))
                continue
            span = self._trim(text, s, e, keep_places=False)
            if span and not re.search(r"\d", text[span[0] : span[1]]):
                out.append((*span, "NAME"))
        out += [(s, e, kind) for s, e, kind in titled if not re.search(r"\d", text[s:e])]
        for s, e, _ in list(out):  # nicknames right after a name: Roxanne (Roxy)
            m = self.rules.nickname.match(text, e)
            if m and not self.rules.is_not_name(m.group("n")):
                out.append((m.start("n"), m.end("n"), "NAME"))
        return out

    def _propagate(self, text: str, names: list[str]) -> list[tuple[int, int, str]]:
        """Every later mention of a found name, whole or in parts, as Title case or CAPITALS."""
        forms, calendar = set(), set()
        for name in names:
            for part in [name, *re.split(r"[\s\-]+", name)]:
                part = part.strip(".,")
                if len(part) < 2 or re.fullmatch(r"[A-Z]\.?", part):
                    continue
                if _norm(part) in self.rules.calendar:  # "Jan (6)": a name, but not in "12 Jan 2024"
                    calendar |= {part, part.upper(), part.title()}
                elif not self.rules.is_not_name(part):
                    forms |= {part, part.upper(), part.title()}
        out = []
        for group, before, after in ((forms, "", ""), (calendar, r"(?<!\d )", r"(?!\s?\d)")):
            if group:
                rx = re.compile(rf"{before}(?<![\w])(?:{_alternation(group)})(?![\w]){after}")
                out += [(m.start(), m.end(), "NAME") for m in rx.finditer(text)]
        return out

    def _known(self, text: str, known: dict[str, list[str]]) -> list[tuple[int, int, str]]:
        out = []
        for kind, values in known.items():
            for value in values:
                for pattern in _known_patterns(kind, value):
                    out += [(m.start(), m.end(), kind) for m in re.finditer(pattern, text, re.IGNORECASE)]
        return out

    # --- assembly ----------------------------------------------------------------

    def _build(self, text: str, spans: list[tuple[int, int, str]]) -> Redacted:
        rank = {k: i for i, k in enumerate(self.rules.priority)}
        merged: list[list] = []  # [start, end, kind, best_len]
        for s, e, kind in sorted(spans):
            if s >= e:
                continue
            last = merged[-1] if merged else None
            joinable = last and (
                s < last[1]  # overlapping: one replacement covering both
                or (kind == last[2] in ("ADDRESS", "NAME") and re.fullmatch(r",? ?", text[last[1] : s]))
            )
            if joinable:
                if (e - s, -rank[kind]) > (last[3], -rank[last[2]]):
                    last[2], last[3] = kind, e - s
                last[1] = max(last[1], e)
            else:
                merged.append([s, e, kind, e - s])
        reps = tuple(Replacement(s, e, k, self.rules.placeholders[k]) for s, e, k, _ in merged)
        pieces, pos = [], 0
        for rep in reps:
            pieces += [text[pos : rep.start], rep.placeholder]
            pos = rep.end
        pieces.append(text[pos:])
        return Redacted("".join(pieces), reps)


def _known_patterns(kind: str, value: str) -> list[str]:
    """Regexes for an identifier known from a structured field."""
    value = value.strip()
    if not value:
        return []
    if kind == "NAME":
        parts = [p for p in re.split(r"[\s\-]+", value) if len(p) >= 3]
        return [rf"(?<![\w]){_literal(p)}(?![\w])" for p in [value, *parts]]
    if kind == "DOB":
        try:
            d = date.fromisoformat(value)
        except ValueError:
            return [re.escape(value)]
        day, mon, yr = rf"0?{d.day}", rf"0?{d.month}", rf"(?:{d.year}|{d.year % 100:02d})"
        mname = rf"{MONTHS[d.month - 1]}[a-z]*\.?"
        return [
            rf"(?<![\d/]){day}\s*[/.-]\s*{mon}\s*[/.-]\s*{yr}(?!\d)",
            rf"(?<!\d){d.year}-{mon}-{day}(?!\d)",
            rf"(?<!\d){day}(?:st|nd|rd|th)?\s+(?:of\s+)?{mname},?\s+{d.year}",
            rf"{mname}\s+{day}(?:st|nd|rd|th)?,?\s+{d.year}",
        ]
    if kind in ("PHONE", "POSTCODE"):
        chars = [re.escape(c) for c in re.sub(r"[\s()-]", "", value)]
        return [r"[\s()-]*".join(chars)]
    return [_literal(value)]


def _literal(value: str) -> str:
    return re.escape(value).replace(r"\ ", r"\s+")
