"""Completeness of sutton_tier_summaries.yaml against the Sutton seed.

Section 7 of the Sutton LSCB threshold guidance ("Sutton threshold guidance (based on
London SCB threshold guidance)") summarises each tier under three domains as bulleted
lists (bullet marker U+F0B7). Section 5 ("The four levels of need framework") has one
summary paragraph per tier. Both are re-extracted here from the seed text with simple
parsing; every bullet / paragraph must be a catalogue entry with the same domain, tier
and verbatim text, the file must hold nothing else, and the per-(domain, tier) counts
are checked against counts taken by reading the document.
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
CATALOGUE_FILE = CATALOGUE_DIR / "sutton_tier_summaries.yaml"

BULLET = "\uf0b7"
DEV = "Development of the baby, child, or young person"
ENV = "Environmental factors"
FAM = "Parental and family factors"
SUMMARY = "Tier summary"
DOMAIN_KEYS = {DEV: "dev", ENV: "env", FAM: "family"}

# Counted by reading section 7 (bullets per domain under each tier heading) and
# section 5 (one summary paragraph per tier).
EXPECTED_COUNTS = {
    (DEV, 1): 5, (ENV, 1): 5, (FAM, 1): 6,
    (DEV, 2): 7, (ENV, 2): 5, (FAM, 2): 9,
    (DEV, 3): 9, (ENV, 3): 6, (FAM, 3): 9,
    (DEV, 4): 8, (ENV, 4): 6, (FAM, 4): 11,
    (SUMMARY, 1): 1, (SUMMARY, 2): 1, (SUMMARY, 3): 1, (SUMMARY, 4): 1,
}

_TIER_HEADING = re.compile(r"^\s*Tier (\d): ([^\n]+?)\s*$", re.M)
_DOMAIN_HEADING = re.compile(r"^(" + "|".join(map(re.escape, DOMAIN_KEYS)) + r")\s*$", re.M)


def _raw() -> str:
    return SEED.read_text(encoding="utf-8")


def _split_by_heading(text: str, pattern: re.Pattern) -> list[tuple[re.Match, str]]:
    """(heading match, body up to the next heading) for each heading in text."""
    matches = list(pattern.finditer(text))
    return [
        (m, text[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)])
        for i, m in enumerate(matches)
    ]


def _seed_bullets() -> list[tuple[str, int, str]]:
    """(domain, tier, text) for every bullet of section 7, in document order."""
    raw = _raw()
    start = raw.index("7. SUTTON THRESHOLD GUIDANCE")
    end = raw.index("8. PAN-LONDON INDICATORS OF NEED MATRIX", start)
    bullets = []
    for tier_match, tier_body in _split_by_heading(raw[start:end], _TIER_HEADING):
        tier = int(tier_match.group(1))
        for domain_match, domain_body in _split_by_heading(tier_body, _DOMAIN_HEADING):
            for item in domain_body.split(BULLET)[1:]:
                text = collapse_whitespace(item)
                text = re.sub(r";(\s*(and|or))?$", "", text)  # list joiner, not guidance words
                bullets.append((domain_match.group(1), tier, text))
    return bullets


def _seed_summaries() -> list[tuple[str, int, str]]:
    """(SUMMARY, tier, paragraph) for the four tier paragraphs of section 5."""
    raw = _raw()
    start = raw.index("Tier 1: No additional needs")
    end = raw.index("6. THE ASSESSMENT TRIANGLE", start)
    return [
        (SUMMARY, int(m.group(1)), collapse_whitespace(body))
        for m, body in _split_by_heading(raw[start:end], _TIER_HEADING)
    ]


def _seed_items() -> list[tuple[str, int, str]]:
    return _seed_bullets() + _seed_summaries()


def _entries():
    manifest = _read_yaml(CATALOGUE_DIR / "manifest.yaml")
    theme_ids = frozenset(t["id"] for t in manifest["themes"])
    return _parse_entries(CATALOGUE_FILE, theme_ids)


def _entry_items() -> list[tuple[str, int, str]]:
    return [(e.domain, e.level, e.text) for e in _entries()]


def test_seed_extraction_matches_hand_count():
    # Guards the parser itself: if it found more or fewer bullets than a reader
    # counts, the comparisons below would be meaningless.
    counts = Counter((domain, tier) for domain, tier, _ in _seed_items())
    assert dict(counts) == EXPECTED_COUNTS
    assert all(BULLET not in text and text for _, _, text in _seed_items())


def test_every_seed_bullet_is_an_entry():
    entry_texts = {text for _, _, text in _entry_items()}
    missing = [item for item in _seed_items() if item[2] not in entry_texts]
    assert not missing, f"seed bullets/paragraphs missing from the catalogue: {missing}"


def test_every_seed_bullet_is_an_entry_with_its_domain_and_tier():
    seed = Counter(_seed_items())
    entries = Counter(_entry_items())
    missing = seed - entries
    extra = entries - seed
    assert not missing, f"not catalogued under the right domain/tier: {sorted(missing)}"
    assert not extra, f"entries whose (domain, tier, text) is not in the seed: {sorted(extra)}"


def test_no_entries_outside_the_seed_section():
    seed_texts = {text for _, _, text in _seed_items()}
    stray = [e.id for e in _entries() if e.text not in seed_texts]
    assert not stray, f"entries whose text is not a bullet of the section: {stray}"


def test_entry_counts_per_domain_and_tier():
    counts = Counter((e.domain, e.level) for e in _entries())
    assert dict(counts) == EXPECTED_COUNTS


def test_entries_framework_source_and_ids_are_consistent():
    problems = []
    ids = [e.id for e in _entries()]
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate ids: {[i for i, n in Counter(ids).items() if n > 1]}")
    for e in _entries():
        if e.framework != "sutton_tier_summary":
            problems.append(f"{e.id}: framework {e.framework}")
        if e.subdomain is not None:
            problems.append(f"{e.id}: subdomain should be null")
        if e.source.file != SEED.name:
            problems.append(f"{e.id}: source file {e.source.file}")
        if e.domain == SUMMARY:
            if e.id != f"st.summary.t{e.level}":
                problems.append(f"{e.id}: summary id should be st.summary.t{e.level}")
            if e.hints.patterns:
                problems.append(f"{e.id}: summary paragraphs take no patterns")
        else:
            prefix = f"st.{DOMAIN_KEYS[e.domain]}.t{e.level}."
            if not re.fullmatch(re.escape(prefix) + r"[a-z0-9]+(_[a-z0-9]+){0,3}", e.id):
                problems.append(f"{e.id}: id should be {prefix}<slug of 1-4 words>")
            section = re.compile(rf"Sutton threshold guidance - Tier {e.level}: .+ - {re.escape(e.domain)}")
            if not section.fullmatch(e.source.section):
                problems.append(f"{e.id}: source section {e.source.section!r}")
        if not 2 <= len(e.hints.paraphrases) <= 4:
            problems.append(f"{e.id}: {len(e.hints.paraphrases)} paraphrases")
        if len(e.hints.patterns) > 8:
            problems.append(f"{e.id}: {len(e.hints.patterns)} patterns")
        if e.level == 1 and "no_additional_needs" not in e.themes:
            problems.append(f"{e.id}: level-1 descriptor without no_additional_needs")
    assert not problems, "\n".join(problems)
