"""Annotated cases to and from a spaCy DocBin, losslessly.

Each case is one Doc (tokenised by `nlp.make_doc`, no other component runs):

- `doc.spans["gold_indicators"]`: one span per evidence span, label = catalogue id, in case
  order (indicator by indicator, evidence by evidence). Offsets must fall on token
  boundaries; a span that does not is an error, never silently moved.
- `doc.user_data["gold_case"]`: every other case field (id, level, screening_tools,
  immediate_risk, traps, split, provenance, annotator, notes).
- `doc.user_data["gold_indicators"]`: per indicator {id, also, affirmed, context, spans},
  `spans` being the indices of its evidence spans in the span group.

The DocBin is written with store_user_data=True: one written without it has lost the case
fields. `docbin_from_bytes` and `read_docbin` read one back ready to be written again.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from training.annotations import AnnotatedCase
from training.interchange.common import InterchangeError, validate_case

if TYPE_CHECKING:
    from spacy.language import Language

SPAN_KEY = "gold_indicators"
CASE_KEY = "gold_case"
INDICATORS_KEY = "gold_indicators"


def cases_to_docbin(cases: Iterable[AnnotatedCase], nlp: Language | None = None) -> DocBin:
    """A DocBin of one Doc per case.

    Args:
        cases: the annotated cases.
        nlp: its tokenizer splits the text; defaults to `spacy.blank("en")`.

    Raises:
        InterchangeError: naming every case and evidence span that is not on token boundaries.
    """
    nlp = nlp if nlp is not None else spacy.blank("en")
    docbin, problems = DocBin(store_user_data=True), []
    for case in cases:
        doc, case_problems = case_to_doc(case, nlp)
        problems.extend(case_problems)
        if doc is not None:
            docbin.add(doc)
    if problems:
        raise InterchangeError(problems)
    return docbin


def case_to_doc(case: AnnotatedCase, nlp: Language) -> tuple[Doc | None, list[str]]:
    doc = nlp.make_doc(case.text)
    spans, indicators, problems = [], [], []
    for indicator in case.indicators:
        span_indices = []
        for evidence in indicator.evidence:
            span = doc.char_span(evidence.start, evidence.end, label=indicator.id, alignment_mode="strict")
            if span is None:
                problems.append(_misaligned(case, indicator.id, evidence.start, evidence.end, doc))
                continue
            span_indices.append(len(spans))
            spans.append(span)
        indicators.append({**indicator.model_dump(exclude={"evidence"}), "spans": span_indices})
    if problems:
        return None, problems
    doc.spans[SPAN_KEY] = spans
    doc.user_data[CASE_KEY] = case.model_dump(exclude={"text", "indicators"})
    doc.user_data[INDICATORS_KEY] = indicators
    return doc, []


def _misaligned(case: AnnotatedCase, indicator_id: str, start: int, end: int, doc: Doc) -> str:
    tokens = doc.char_span(start, end, alignment_mode="expand")
    return (
        f"case {case.id}: indicator {indicator_id}: evidence {start}-{end} {case.text[start:end]!r} "
        f"does not fall on token boundaries (tokens cover {tokens.text!r})"
    )


def docbin_from_bytes(data: bytes) -> DocBin:
    """The DocBin, set to keep its user data (the case fields) if it is written again.

    Raises:
        InterchangeError: the bytes are not a DocBin.
    """
    try:
        return DocBin(store_user_data=True).from_bytes(data)
    except (ValueError, zlib.error) as exc:
        raise InterchangeError([f"not a spaCy DocBin ({exc})"]) from None


def read_docbin(path: Path) -> DocBin:
    return docbin_from_bytes(path.read_bytes())


def docbin_to_cases(docbin: DocBin, vocab: Vocab | None = None) -> list[AnnotatedCase]:
    """Rebuild and validate the case of every Doc.

    Args:
        docbin: made by `cases_to_docbin`, or read back from its bytes.
        vocab: for the Docs; defaults to a new, empty Vocab.

    Raises:
        InterchangeError: every problem found, each naming its doc index (and case id).
    """
    cases, problems = [], []
    for index, doc in enumerate(docbin.get_docs(vocab if vocab is not None else Vocab())):
        case, doc_problems = doc_to_case(doc, f"doc {index}")
        problems.extend(doc_problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise InterchangeError(problems)
    return cases


def doc_to_case(doc: Doc, where: str) -> tuple[AnnotatedCase | None, list[str]]:
    """The Doc's case, or None and its problems (each prefixed with `where`)."""
    fields, indicators = doc.user_data.get(CASE_KEY), doc.user_data.get(INDICATORS_KEY)
    if not isinstance(fields, dict) or SPAN_KEY not in doc.spans:
        return None, [f"{where}: no annotated case (user_data[{CASE_KEY!r}] or spans[{SPAN_KEY!r}] missing; "
                      "was the DocBin written with store_user_data=True?)"]
    where = f"{where} (case {fields.get('id')})"
    problems: list[str] = []
    evidence = [
        {"start": s.start_char, "end": s.end_char, "text": s.text, "label": s.label_} for s in doc.spans[SPAN_KEY]
    ]
    rebuilt = [_indicator(indicator, evidence, problems) for indicator in indicators or ()]
    unused = set(range(len(evidence))) - {i for indicator in indicators or () for i in indicator.get("spans", ())}
    if unused:
        problems.append(f"spans {sorted(unused)} of {SPAN_KEY!r} belong to no indicator")
    if problems:
        return None, [f"{where}: {problem}" for problem in problems]
    return validate_case({**fields, "text": doc.text, "indicators": rebuilt}, where)


def _indicator(indicator: dict, evidence: list[dict], problems: list[str]) -> dict:
    """The indicator with its evidence taken from the span group (user data lists come back as tuples)."""
    fields = {name: list(value) if isinstance(value, tuple) else value for name, value in indicator.items()}
    spans = fields.pop("spans", [])
    if any(not 0 <= i < len(evidence) or evidence[i]["label"] != fields.get("id") for i in spans):
        problems.append(f"indicator {fields.get('id')}: spans {spans} are not spans labelled with its id")
        return fields
    fields["evidence"] = [{name: evidence[i][name] for name in ("start", "end", "text")} for i in spans]
    return fields
