"""Completeness of section_47.yaml against the Sutton seed.

"Section 47, Children Act 1989: Child Protection enquiries (Tier 4)" (Sutton LSCB
threshold guidance, section 9) lists the circumstances which would lead to a S.47
assessment, one paragraph per criterion after an introductory paragraph. They are
re-extracted here from the seed text; every criterion must be a level-4 catalogue entry
with the verbatim text, in document order, and the file must hold nothing else. These
are the most safety-critical entries, so their matching hints are checked too.
"""

import re
from collections import Counter
from pathlib import Path

from nlp.catalogue import collapse_whitespace
from nlp.catalogue.loader import _parse_entries, _read_yaml

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO.parent / "shared" / "seeds"
SEED = SEEDS / "001_6ef1f265c129b2ac.txt"
CATALOGUE_DIR = REPO / "nlp" / "catalogue" / "data"
CATALOGUE_FILE = CATALOGUE_DIR / "section_47.yaml"

HEADING = "Section 47, Children Act 1989: Child Protection enquiries (Tier 4)"
DOMAIN = "Section 47 criteria"

# Counted by reading the list: from "Any allegation of abuse or neglect ..." to
# "A child at risk of FGM, honour based violence, or forced marriage."
EXPECTED_COUNTS = {(DOMAIN, 4): 19}
FIRST = "Any allegation of abuse or neglect or any suspicious injury in a pre- or non-mobile child."
LAST = "A child at risk of FGM, honour based violence, or forced marriage."


def _seed_criteria() -> list[str]:
    """The criteria paragraphs, in document order."""
    raw = SEED.read_text(encoding="utf-8")
    start = raw.index(HEADING)
    end = raw.index("Section 20, Children Act 1989", start)
    paragraphs = [collapse_whitespace(p) for p in re.split(r"\n\s*\n", raw[start:end])]
    intro = next(i for i, p in enumerate(paragraphs) if "London Child Protection Procedures" in p)
    criteria = []
    for paragraph in paragraphs[intro + 1 :]:
        if re.match(r"^\d+ ", paragraph):  # footnote ("2 Threshold document ...") ends the list
            break
        if paragraph:
            criteria.append(paragraph)
    return criteria


def _entries():
    manifest = _read_yaml(CATALOGUE_DIR / "manifest.yaml")
    theme_ids = frozenset(t["id"] for t in manifest["themes"])
    return _parse_entries(CATALOGUE_FILE, theme_ids)


def test_seed_extraction_finds_the_19_criteria():
    criteria = _seed_criteria()
    assert len(criteria) == 19, criteria
    assert criteria[0] == FIRST
    assert criteria[-1] == LAST


def test_section_47_has_exactly_19_criteria():
    entries = _entries()
    assert len(entries) == 19, [e.id for e in entries]
    assert dict(Counter((e.domain, e.level) for e in entries)) == EXPECTED_COUNTS


def test_every_criterion_is_an_entry_verbatim():
    entry_texts = {e.text for e in _entries()}
    missing = [c for c in _seed_criteria() if c not in entry_texts]
    assert not missing, f"S.47 criteria missing from the catalogue: {missing}"


def test_no_entries_outside_the_criteria_list():
    criteria = set(_seed_criteria())
    stray = [(e.id, e.text) for e in _entries() if e.text not in criteria]
    assert not stray, f"entries whose text is not a S.47 criterion: {stray}"


def test_every_criterion_is_level_4():
    wrong = [(e.id, e.level) for e in _entries() if e.level != 4]
    assert not wrong, f"S.47 criteria must all be level 4: {wrong}"


def test_entries_follow_document_order_and_id_scheme():
    entries = _entries()
    assert [e.text for e in entries] == _seed_criteria()
    problems = []
    for n, e in enumerate(entries, start=1):
        if not re.fullmatch(rf"s47\.{n:02d}_[a-z0-9]+(_[a-z0-9]+){{0,3}}", e.id):
            problems.append(f"{e.id}: expected s47.{n:02d}_<slug of 1-4 words>")
        if e.framework != "section_47" or e.domain != DOMAIN or e.subdomain is not None:
            problems.append(f"{e.id}: framework/domain/subdomain {e.framework}/{e.domain}/{e.subdomain}")
        if (e.source.file, e.source.section) != (SEED.name, HEADING):
            problems.append(f"{e.id}: source {e.source}")
    assert not problems, "\n".join(problems)


def test_every_criterion_has_rich_hints():
    problems = []
    for e in _entries():
        # up to 10: a criterion may need spelling variants ("non-mobile", "non mobile") beside its ideas;
        # up to 20 from catalogue 1.4.0, for a disclosure in children's own words ("secret game", "comes
        # in my bed"), each counted against level 1-3 train and dev cases first (test_keyword_precision)
        if not 3 <= len(e.hints.patterns) <= 20:
            problems.append(f"{e.id}: {len(e.hints.patterns)} patterns (want 3-20)")
        if not 3 <= len(e.hints.paraphrases) <= 4:
            problems.append(f"{e.id}: {len(e.hints.paraphrases)} paraphrases (want 3-4)")
        if len(set(p.lower() for p in e.hints.paraphrases)) != len(e.hints.paraphrases):
            problems.append(f"{e.id}: duplicate paraphrases")
        if e.text in e.hints.paraphrases:
            problems.append(f"{e.id}: a paraphrase repeats the guidance text")
    assert not problems, "\n".join(problems)


def test_exploitation_criterion_requires_the_cse_tool():
    by_text = {e.text: e for e in _entries()}
    cse = by_text["A child at risk of sexual exploitation or trafficking."]
    assert "CSE" in cse.screening_tools
