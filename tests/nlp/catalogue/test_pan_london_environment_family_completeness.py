"""Completeness of the Pan-London matrix catalogue file for Environmental factors and
Parental and family factors (Sutton LSCB threshold guidance, 001_6ef1f265c129b2ac.txt).

The seed is read independently of the catalogue: every matrix cell (a paragraph block
between blank lines) of the two sections is extracted and must be the text of exactly
one entry, and the per (domain, subdomain, level) counts must match a table counted by
hand from the document.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from nlp.catalogue import collapse_whitespace
from nlp.catalogue.loader import _parse_entries, _read_yaml
from nlp.catalogue.schema import Manifest

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO.parent / "shared" / "seeds"
SEED_FILE = "001_6ef1f265c129b2ac.txt"
DATA = REPO / "nlp" / "catalogue" / "data"
CATALOGUE_FILE = DATA / "pan_london_environment_family.yaml"

ENV = "Environmental factors"
FAMILY = "Parental and family factors"

# Row headings of the Parental and family factors matrix, as written in the seed.
# The Environmental factors matrix has no row headings (subdomain null).
FAMILY_SUBDOMAINS = (
    "Parenting during pregnancy and infancy",
    "Meeting the health needs of the child",
    "Meeting the educational and employment needs of the child",
    "Meeting the emotional needs of the child",
    "Meeting the practical needs of the child",
    "Domestic abuse",
    "Parental and family health issues and disability",
    "Protection from harm: physical or sexual abuse",
    "Criminal or anti-social behaviour",
)

# Tier descriptions at the top of each section's first matrix page: column headers.
COLUMN_HEADER_STARTS = (
    "Children with no additional needs",
    "Children with additional needs",
    "Children with complex multiple needs",
    "Children in acute need",
)

# Counted by reading the document: (domain, subdomain, tier) -> number of cells.
# "Meeting the emotional needs of the child" has three extremism rows with an empty
# Tier 1 cell, hence 5 at Tier 1 and 8 at Tiers 2-4.
EXPECTED_COUNTS = {
    (ENV, None, 1): 10,
    (ENV, None, 2): 10,
    (ENV, None, 3): 10,
    (ENV, None, 4): 10,
    (FAMILY, "Parenting during pregnancy and infancy", 1): 3,
    (FAMILY, "Parenting during pregnancy and infancy", 2): 3,
    (FAMILY, "Parenting during pregnancy and infancy", 3): 3,
    (FAMILY, "Parenting during pregnancy and infancy", 4): 3,
    (FAMILY, "Meeting the health needs of the child", 1): 2,
    (FAMILY, "Meeting the health needs of the child", 2): 2,
    (FAMILY, "Meeting the health needs of the child", 3): 2,
    (FAMILY, "Meeting the health needs of the child", 4): 2,
    (FAMILY, "Meeting the educational and employment needs of the child", 1): 3,
    (FAMILY, "Meeting the educational and employment needs of the child", 2): 3,
    (FAMILY, "Meeting the educational and employment needs of the child", 3): 3,
    (FAMILY, "Meeting the educational and employment needs of the child", 4): 3,
    (FAMILY, "Meeting the emotional needs of the child", 1): 5,
    (FAMILY, "Meeting the emotional needs of the child", 2): 8,
    (FAMILY, "Meeting the emotional needs of the child", 3): 8,
    (FAMILY, "Meeting the emotional needs of the child", 4): 8,
    (FAMILY, "Meeting the practical needs of the child", 1): 3,
    (FAMILY, "Meeting the practical needs of the child", 2): 3,
    (FAMILY, "Meeting the practical needs of the child", 3): 3,
    (FAMILY, "Meeting the practical needs of the child", 4): 3,
    (FAMILY, "Domestic abuse", 1): 3,
    (FAMILY, "Domestic abuse", 2): 3,
    (FAMILY, "Domestic abuse", 3): 3,
    (FAMILY, "Domestic abuse", 4): 3,
    (FAMILY, "Parental and family health issues and disability", 1): 6,
    (FAMILY, "Parental and family health issues and disability", 2): 6,
    (FAMILY, "Parental and family health issues and disability", 3): 6,
    (FAMILY, "Parental and family health issues and disability", 4): 6,
    (FAMILY, "Protection from harm: physical or sexual abuse", 1): 5,
    (FAMILY, "Protection from harm: physical or sexual abuse", 2): 5,
    (FAMILY, "Protection from harm: physical or sexual abuse", 3): 5,
    (FAMILY, "Protection from harm: physical or sexual abuse", 4): 5,
    (FAMILY, "Criminal or anti-social behaviour", 1): 2,
    (FAMILY, "Criminal or anti-social behaviour", 2): 2,
    (FAMILY, "Criminal or anti-social behaviour", 3): 2,
    (FAMILY, "Criminal or anti-social behaviour", 4): 2,
}


def _section_bounds(lines: list[str]) -> tuple[int, int, int]:
    """Line indexes of the matrix's Environmental factors heading, its Parental and
    family factors heading, and the Section 47 heading that ends the matrix."""
    env_start = next(
        i
        for i, line in enumerate(lines)
        if line.strip() == ENV
        and any(x.strip().startswith("Including access to and use of") for x in lines[i + 1 : i + 4])
    )
    family_start = next(i for i in range(env_start + 1, len(lines)) if lines[i].strip() == FAMILY)
    end = next(
        i for i in range(family_start + 1, len(lines)) if lines[i].strip().startswith("9. THRESHOLD CRITERIA")
    )
    return env_start, family_start, end


def _cells(lines: list[str], domain: str) -> list[tuple[str, str | None, str]]:
    """Paragraph blocks of one matrix section, as (domain, subdomain, collapsed text)."""
    cells: list[tuple[str, str | None, str]] = []
    subdomain: str | None = None
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        text = collapse_whitespace("\n".join(block))
        block.clear()
        if re.fullmatch(r"\d+", text):  # page number
            return
        if text.startswith("Including ") or text.startswith(COLUMN_HEADER_STARTS):
            return  # section introduction, tier column headers
        cells.append((domain, subdomain, text))

    for line in lines:
        stripped = line.strip()
        if (
            not stripped
            or stripped in (ENV, FAMILY)
            or re.fullmatch(r"Tier 1 Tier 2 Tier 3 Tier 4", stripped)
            # Repeated footnote URLs are whole-line full addresses; an inline link inside a cell
            # wraps after the host ("https://www.gov.uk/") and stays part of that cell.
            or re.fullmatch(r"https?://[^/\s]+/\S+", stripped)
        ):
            flush()
            continue
        if domain == FAMILY and stripped in FAMILY_SUBDOMAINS:
            flush()
            subdomain = stripped
            continue
        block.append(line)
    flush()
    return cells


def _seed_cells() -> list[tuple[str, str | None, str]]:
    lines = (SEEDS / SEED_FILE).read_text(encoding="utf-8").split("\n")
    env_start, family_start, end = _section_bounds(lines)
    return _cells(lines[env_start:family_start], ENV) + _cells(lines[family_start:end], FAMILY)


def _entries():
    manifest = Manifest.model_validate(_read_yaml(DATA / "manifest.yaml"))
    return _parse_entries(CATALOGUE_FILE, frozenset(t.id for t in manifest.themes))


def test_seed_extraction_finds_all_matrix_cells():
    cells = _seed_cells()
    assert len(cells) == sum(EXPECTED_COUNTS.values()) == 177
    texts = [text for _, _, text in cells]
    assert not [t for t in texts if t.startswith(("Tier 1", "https://www.gov.uk/government/"))]
    assert not [t for t in texts if t.startswith(COLUMN_HEADER_STARTS)]
    assert {sub for domain, sub, _ in cells if domain == FAMILY} == set(FAMILY_SUBDOMAINS)
    assert {sub for domain, sub, _ in cells if domain == ENV} == {None}


def test_every_seed_cell_is_an_entry_text():
    seed = Counter(_seed_cells())
    catalogue = Counter((e.domain, e.subdomain, e.text) for e in _entries())
    missing = seed - catalogue
    assert not missing, "seed cells with no catalogue entry:\n" + "\n".join(
        f"[{d} / {s}] x{n}: {t}" for (d, s, t), n in missing.items()
    )
    catalogue_texts = {e.text for e in _entries()}
    assert all(text in catalogue_texts for _, _, text in seed)


def test_no_entry_text_outside_the_seed_sections():
    seed = Counter(_seed_cells())
    catalogue = Counter((e.domain, e.subdomain, e.text) for e in _entries())
    extra = catalogue - seed
    assert not extra, "catalogue entries not found as cells of the seed sections:\n" + "\n".join(
        f"[{d} / {s}] x{n}: {t}" for (d, s, t), n in extra.items()
    )


def test_entry_counts_per_subdomain_and_level_match_expected():
    counts = Counter((e.domain, e.subdomain, e.level) for e in _entries())
    assert dict(counts) == EXPECTED_COUNTS


def test_expected_counts_add_up_to_seed_cells_per_subdomain():
    seed_per_row_group = Counter((d, s) for d, s, _ in _seed_cells())
    expected_per_row_group = Counter()
    for (domain, subdomain, _level), n in EXPECTED_COUNTS.items():
        expected_per_row_group[(domain, subdomain)] += n
    assert seed_per_row_group == expected_per_row_group


def test_entries_have_matrix_framework_source_and_id_prefix():
    problems = []
    for e in _entries():
        prefix = {ENV: "pl.env.", FAMILY: "pl.family."}.get(e.domain)
        section = f"Pan-London matrix - {e.domain}" + (f" - {e.subdomain}" if e.subdomain else "")
        if e.framework != "pan_london_matrix":
            problems.append(f"{e.id}: framework {e.framework}")
        if prefix is None or not e.id.startswith(prefix) or f".t{e.level}." not in e.id:
            problems.append(f"{e.id}: id does not match domain/level")
        if e.source.file != SEED_FILE or e.source.section != section:
            problems.append(f"{e.id}: source {e.source}")
    ids = [e.id for e in _entries()]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert not problems, "\n".join(problems)
