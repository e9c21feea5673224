"""Completeness of pan_london_development.yaml against the Sutton seed.

The Pan-London indicators of need matrix, "Development of the baby, child, or young
person" (Sutton LSCB threshold guidance, section 8), is re-extracted here from the
seed text with simple parsing: each matrix page starts with "Tier 1 Tier 2 Tier 3
Tier 4", cells are paragraphs separated by blank lines, and a sub-domain heading is
a paragraph of its own. Every cell must be a catalogue entry (same sub-domain, same
verbatim text) and vice versa, and the per-(sub-domain, tier) counts are checked
against counts taken by reading the document.
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
CATALOGUE_FILE = CATALOGUE_DIR / "pan_london_development.yaml"

DOMAIN = "Development of the baby, child, or young person"
APOS = "\u2019"  # the seed's typographic apostrophe
EDU = f"The child{APOS}s education and employment"
HEALTH = f"The child{APOS}s health"
EMO = f"The child{APOS}s emotional wellbeing"
SOC = f"The child{APOS}s social development"
BEH = f"The child{APOS}s behaviour"
ABN = "Abuse and neglect"
SUBDOMAINS = (EDU, HEALTH, EMO, SOC, BEH, ABN)

# Counted by reading the matrix: rows of four cells (Tier 1..4), except the EET row
# of "education and employment", whose Tier 4 cell is empty.
EXPECTED_COUNTS = {
    (EDU, 1): 3, (EDU, 2): 3, (EDU, 3): 3, (EDU, 4): 2,
    (HEALTH, 1): 4, (HEALTH, 2): 4, (HEALTH, 3): 4, (HEALTH, 4): 4,
    (EMO, 1): 6, (EMO, 2): 6, (EMO, 3): 6, (EMO, 4): 6,
    (SOC, 1): 4, (SOC, 2): 4, (SOC, 3): 4, (SOC, 4): 4,
    (BEH, 1): 13, (BEH, 2): 13, (BEH, 3): 13, (BEH, 4): 13,
    (ABN, 1): 4, (ABN, 2): 4, (ABN, 3): 4, (ABN, 4): 4,
}

_NOT_A_CELL = re.compile(
    r"^(\d+"  # page number
    r"|Children (with|in) .*"  # tier column headers on the first page
    r"|\d+ Threshold document.*"  # footnote
    r"|(file:|www\.|https?:).*)$"  # footnote URLs
)


def _section_text() -> str:
    raw = SEED.read_text(encoding="utf-8")
    start = raw.index("8. PAN-LONDON INDICATORS OF NEED MATRIX")
    end = re.compile(r"^Environmental factors\s*$", re.M).search(raw, start).start()
    return raw[start:end]


def _seed_cells() -> list[tuple[str, str]]:
    """(sub-domain, collapsed cell text) for every matrix cell, in document order."""
    pages = re.split(r"^\s*Tier 1 Tier 2 Tier 3 Tier 4\s*$", _section_text(), flags=re.M)
    cells: list[tuple[str, str]] = []
    subdomain = None
    for page in pages[1:]:  # pages[0] is the section's introduction
        for paragraph in re.split(r"\n[ \t]*\n", page):
            text = collapse_whitespace(paragraph)
            if not text or _NOT_A_CELL.match(text):
                continue
            if text in SUBDOMAINS:
                subdomain = text
                continue
            assert subdomain is not None, f"cell before any sub-domain heading: {text!r}"
            cells.append((subdomain, text))
    return cells


def _entries():
    manifest = _read_yaml(CATALOGUE_DIR / "manifest.yaml")
    theme_ids = frozenset(theme["id"] for theme in manifest["themes"])
    return _parse_entries(CATALOGUE_FILE, theme_ids)


def test_seed_parser_finds_every_subdomain_and_cell_count():
    cells = _seed_cells()
    per_subdomain = Counter(subdomain for subdomain, _ in cells)
    expected = Counter()
    for (subdomain, _tier), count in EXPECTED_COUNTS.items():
        expected[subdomain] += count
    assert per_subdomain == expected


def test_every_seed_cell_is_an_entry():
    seed = Counter(_seed_cells())
    catalogued = Counter((entry.subdomain, entry.text) for entry in _entries())
    missing = seed - catalogued
    assert not missing, "seed cells with no entry (sub-domain, text):\n" + "\n".join(
        f"  [{sd}] {text}" for (sd, text) in missing.elements()
    )


def test_no_entry_text_outside_seed_section():
    seed = Counter(_seed_cells())
    catalogued = Counter((entry.subdomain, entry.text) for entry in _entries())
    extra = catalogued - seed
    assert not extra, "entries not matching a seed cell (sub-domain, text):\n" + "\n".join(
        f"  [{sd}] {text}" for (sd, text) in extra.elements()
    )


def test_entry_counts_per_subdomain_and_tier_match_expected():
    counts = Counter((entry.subdomain, entry.level) for entry in _entries())
    assert dict(counts) == EXPECTED_COUNTS


def test_entries_carry_framework_domain_source_and_id_scheme():
    entries = _entries()
    ids = [entry.id for entry in entries]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    # slugs are 1-4 lowercase words, optionally followed by a _2/_3 disambiguation suffix
    slug = r"[a-z0-9]+(_[a-z0-9]+){0,3}"
    id_pattern = re.compile(rf"^pl\.dev\.{slug}\.t(?P<tier>[1-4])\.{slug}(_\d)?$")
    problems = []
    for entry in entries:
        match = id_pattern.match(entry.id)
        if not match or int(match.group("tier")) != entry.level:
            problems.append(f"{entry.id}: id does not follow pl.dev.<subdomain>.t<level>.<slug>")
        if entry.framework != "pan_london_matrix" or entry.domain != DOMAIN:
            problems.append(f"{entry.id}: framework/domain {entry.framework!r}/{entry.domain!r}")
        expected_section = f"Pan-London matrix - {DOMAIN} - {entry.subdomain}"
        if entry.source.file != SEED.name or entry.source.section != expected_section:
            problems.append(f"{entry.id}: source {entry.source}")
    assert not problems, "\n".join(problems)


def _expected_tiers(cells: list[tuple[str, str]]) -> list[int]:
    """Column of each seed cell: rows of four cells (Tier 1..4) in document order,
    except the last row of "education and employment" (EET), which has Tiers 1-3 only."""
    tiers = []
    position = Counter()
    education_total = sum(1 for subdomain, _ in cells if subdomain == EDU)
    for subdomain, _ in cells:
        index = position[subdomain]
        position[subdomain] += 1
        if subdomain == EDU and index >= education_total - 3:
            tiers.append(index - (education_total - 3) + 1)
        else:
            tiers.append(index % 4 + 1)
    return tiers


def test_entry_tiers_follow_matrix_column_order():
    cells = _seed_cells()
    by_cell: dict[tuple[str, str], list] = {}
    for entry in _entries():  # file order; repeated wordings are consumed in order
        by_cell.setdefault((entry.subdomain, entry.text), []).append(entry)
    wrong = []
    for (subdomain, text), tier in zip(cells, _expected_tiers(cells)):
        candidates = by_cell.get((subdomain, text))
        if not candidates:
            wrong.append(f"  no entry for [{subdomain}] {text}")
            continue
        entry = candidates.pop(0)
        if entry.level != tier:
            wrong.append(f"  {entry.id}: level {entry.level}, matrix column Tier {tier}")
    assert not wrong, "entries at the wrong tier:\n" + "\n".join(wrong)
