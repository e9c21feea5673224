"""Completeness of the Tower Hamlets "Indicators of need" catalogue file.

The seed is read independently of the catalogue: every "}}" bullet of the six domain
tables is extracted with plain text parsing and compared with the entries of
nlp/catalogue/data/tower_hamlets.yaml (exact text, multiplicity, domain) and with the
per-level counts read off the document by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from nlp.catalogue.loader import _parse_entries
from nlp.catalogue.schema import collapse_whitespace

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO.parent / "shared" / "seeds"
SEED_NAME = "000_b720b3c33bc704f4.txt"
CATALOGUE_FILE = REPO / "nlp" / "catalogue" / "data" / "tower_hamlets.yaml"
MANIFEST = REPO / "nlp" / "catalogue" / "data" / "manifest.yaml"

DOMAINS = (
    "Health",
    "Education",
    "Social and Neighbourhood",
    "Parents/Parenting",
    "Family and Environment",
    "Emotional health, wellbeing and behaviour",
)

# Counted by reading the flattened tables (see the comments in tower_hamlets.yaml for the
# cells whose column needed a judgement).
EXPECTED_LEVEL_COUNTS = {
    ("Health", 1): 5,
    ("Health", 2): 11,
    ("Health", 3): 9,
    ("Health", 4): 9,
    ("Education", 1): 5,
    ("Education", 2): 8,
    ("Education", 3): 7,
    ("Education", 4): 3,
    ("Social and Neighbourhood", 1): 6,
    ("Social and Neighbourhood", 2): 10,
    ("Social and Neighbourhood", 3): 9,
    ("Social and Neighbourhood", 4): 13,
    ("Parents/Parenting", 1): 3,
    ("Parents/Parenting", 2): 10,
    ("Parents/Parenting", 3): 10,
    ("Parents/Parenting", 4): 9,
    ("Family and Environment", 1): 6,
    ("Family and Environment", 2): 8,
    ("Family and Environment", 3): 8,
    ("Family and Environment", 4): 9,
    ("Emotional health, wellbeing and behaviour", 1): 2,
    ("Emotional health, wellbeing and behaviour", 2): 11,
    ("Emotional health, wellbeing and behaviour", 3): 6,
    ("Emotional health, wellbeing and behaviour", 4): 8,
}

_NOISE_LINE = re.compile(
    r"^\s*(LEVEL 1 NEEDS LEVEL 2 NEEDS LEVEL 3 NEEDS LEVEL 4 NEEDS"
    r"|MULTI-AGENCY SAFEGUARDING THRESHOLDS GUIDANCE \d+)\s*$",
    re.MULTILINE,
)


def _seed_bullets() -> list[tuple[str, str]]:
    """(domain, collapsed text) for every "}}" bullet of the Indicators of need tables."""
    text = (SEEDS / SEED_NAME).read_text(encoding="utf-8")
    start = re.search(r"^Indicators of need\s*$", text, re.MULTILINE)
    end = re.search(r"^\s*1\. Purpose of this Protocol", text, re.MULTILINE)
    assert start and end and start.end() < end.start(), "section boundaries not found in the seed"
    section = _NOISE_LINE.sub("", text[start.end() : end.start()])

    headings = []
    for domain in DOMAINS:
        match = re.search(rf"^[ \t]*{re.escape(domain)}[ \t]*$", section, re.MULTILINE)
        assert match, f"domain heading {domain!r} not found"
        headings.append((match.start(), match.end(), domain))
    headings.sort()
    assert [h[2] for h in headings] == list(DOMAINS), "domain headings out of order"

    bullets = []
    for i, (_, body_start, domain) in enumerate(headings):
        body_end = headings[i + 1][0] if i + 1 < len(headings) else len(section)
        # A bullet runs to the next marker: blank lines inside it are only layout
        # (e.g. "Inadequate/overcrowded \n\nhousing" after a merged line).
        for chunk in section[body_start:body_end].split("}}")[1:]:
            bullet = collapse_whitespace(chunk)
            assert bullet, f"empty bullet in {domain}"
            bullets.append((domain, bullet))
    return bullets


def _catalogue_entries():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    theme_ids = frozenset(theme["id"] for theme in manifest["themes"])
    return _parse_entries(CATALOGUE_FILE, theme_ids)


def test_seed_extraction_finds_every_domain_table():
    per_domain = Counter(domain for domain, _ in _seed_bullets())
    expected = Counter()
    for (domain, _level), count in EXPECTED_LEVEL_COUNTS.items():
        expected[domain] += count
    assert per_domain == expected


def test_every_seed_bullet_is_catalogued():
    seed = Counter(_seed_bullets())
    catalogued = Counter((e.domain, e.text) for e in _catalogue_entries())
    missing = seed - catalogued
    assert not missing, "seed bullets without a catalogue entry (domain, text, times):\n" + "\n".join(
        f"  {domain} | {text!r} x{n}" for (domain, text), n in sorted(missing.items())
    )


def test_catalogue_has_no_text_outside_seed_section():
    seed = Counter(_seed_bullets())
    catalogued = Counter((e.domain, e.text) for e in _catalogue_entries())
    extra = catalogued - seed
    assert not extra, "catalogue entries not found as bullets of the seed tables:\n" + "\n".join(
        f"  {domain} | {text!r} x{n}" for (domain, text), n in sorted(extra.items())
    )


def test_level_counts_match_reading_of_document():
    counts = Counter((e.domain, e.level) for e in _catalogue_entries())
    assert dict(counts) == EXPECTED_LEVEL_COUNTS


def test_entries_have_framework_source_and_unique_ids():
    entries = _catalogue_entries()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)), "duplicate ids"
    domain_keys = {
        "Health": "health",
        "Education": "education",
        "Social and Neighbourhood": "social",
        "Parents/Parenting": "parenting",
        "Family and Environment": "family",
        "Emotional health, wellbeing and behaviour": "emotional",
    }
    for e in entries:
        assert e.framework == "tower_hamlets_indicators", e.id
        assert e.subdomain is None, e.id
        assert e.source.file == SEED_NAME, e.id
        assert e.source.section == f"Indicators of need - {e.domain}", e.id
        assert re.fullmatch(
            rf"th\.{domain_keys[e.domain]}\.l{e.level}\.[a-z0-9]+(_[a-z0-9]+){{0,3}}(_\d+)?", e.id
        ), e.id


def test_repeated_bullet_is_catalogued_at_each_level():
    unborn = [
        e.level
        for e in _catalogue_entries()
        if e.domain == "Health" and e.text.startswith("Unborn child vulnerable")
    ]
    assert sorted(unborn) == [3, 4]


def test_level1_entries_are_positive_descriptors():
    for e in _catalogue_entries():
        if e.level == 1:
            assert "no_additional_needs" in e.themes, e.id
            assert not e.hints.patterns, e.id
