"""indicator_keywords: catalogue patterns matched on stems, with lexicon abbreviations and exclusions."""

import pytest
import spacy

import nlp.components  # noqa: F401  (registers the factories)
from nlp.catalogue import Catalogue, CatalogueEntry
from nlp.components.extensions import CANDIDATES_GROUP, candidate_match, set_extensions
from nlp.components.keyword_matcher import RULE_SCORE, expand_abbreviations
from nlp.rules.loader import lexicon


def entry(entry_id: str, patterns: list[str], exclude: list[str] = ()) -> CatalogueEntry:
    return CatalogueEntry.model_validate(
        {
            "id": entry_id,
            "framework": "tower_hamlets_indicators",
            "domain": "Test",
            "level": 2,
            "text": f"Guidance text of {entry_id}",
            "source": {"file": "test.txt", "section": "Test"},
            "themes": ["behaviour"],
            "hints": {"patterns": list(patterns), "exclude": list(exclude)},
        }
    )


def make_nlp(*entries: CatalogueEntry, manifest):
    set_extensions()
    words = lexicon()
    nlp = spacy.blank("en")
    nlp.add_pipe("referral_sentencizer", config={"abbreviations": words["sentence_abbreviations"]})
    nlp.add_pipe("stem_normaliser", config={"spellings": words["spellings"]})
    keywords = nlp.add_pipe("indicator_keywords")
    catalogue = Catalogue(tuple(entries), manifest, "0" * 64, {e.id: e for e in entries})
    keywords.add_catalogue(catalogue, words["abbreviations"], words.get("capitals_only", []))
    return nlp


def hits(nlp, text: str) -> list[tuple[str, str]]:
    """(entry id, matched text) for each candidate, checking its offsets on the way."""
    doc = nlp(text)
    found = []
    for span in doc.spans[CANDIDATES_GROUP]:
        assert text[span.start_char : span.end_char] == span.text
        found.append((span.label_, span.text))
    return found


@pytest.fixture
def manifest(mini_catalogue):
    return mini_catalogue.manifest


def test_keyword_matcher_matches_inflections(manifest):
    nlp = make_nlp(entry("t.bruise", ["bruise"]), manifest=manifest)
    assert hits(nlp, "Bruising on arm. She was bruised. Two bruises.") == [
        ("t.bruise", "Bruising"),
        ("t.bruise", "bruised"),
        ("t.bruise", "bruises"),
    ]


def test_keyword_matcher_multiword_pattern_matches_inflected_words(manifest):
    nlp = make_nlp(entry("t.appointments", ["missed appointment"]), manifest=manifest)
    assert hits(nlp, "She has missed appointments again.") == [("t.appointments", "missed appointments")]


def test_keyword_matcher_american_pattern_matches_british_text(manifest):
    nlp = make_nlp(entry("t.behaviour", ["challenging behavior"]), manifest=manifest)
    assert hits(nlp, "Challenging behaviour at home.") == [("t.behaviour", "Challenging behaviour")]


def test_keyword_matcher_british_pattern_matches_american_text(manifest):
    nlp = make_nlp(entry("t.behaviour", ["challenging behaviour"]), manifest=manifest)
    assert hits(nlp, "Teacher reports challenging behaviors in class.") == [("t.behaviour", "challenging behaviors")]


def test_keyword_matcher_is_case_insensitive(manifest):
    nlp = make_nlp(entry("t.dv", ["domestic violence"]), manifest=manifest)
    assert hits(nlp, "DOMESTIC VIOLENCE reported.") == [("t.dv", "DOMESTIC VIOLENCE")]
    assert hits(nlp, "Domestic Violence reported.") == [("t.dv", "Domestic Violence")]


def test_keyword_matcher_abbreviation_dv_matches_domestic_violence_pattern(manifest):
    nlp = make_nlp(entry("t.dv", ["domestic violence incident"]), manifest=manifest)
    assert hits(nlp, "Police report a DV incident at home.") == [("t.dv", "DV incident")]


def test_keyword_matcher_abbreviation_cse(manifest):
    nlp = make_nlp(entry("t.cse", ["child sexual exploitation"]), manifest=manifest)
    assert hits(nlp, "Police have concerns about CSE.") == [("t.cse", "CSE")]
    assert hits(nlp, "Concerns about child sexual exploitation.") == [("t.cse", "child sexual exploitation")]


def test_keyword_matcher_abbreviation_neet(manifest):
    nlp = make_nlp(entry("t.neet", ["not in education, employment or training"]), manifest=manifest)
    assert hits(nlp, "He is 17 and NEET since the summer.") == [("t.neet", "NEET")]


def test_keyword_matcher_abbreviation_camhs(manifest):
    nlp = make_nlp(entry("t.camhs", ["referred to mental health services"]), manifest=manifest)
    assert hits(nlp, "She was referred to CAMHS in May.") == [("t.camhs", "referred to CAMHS")]


def test_keyword_matcher_abbreviation_does_not_match_inside_other_words(manifest):
    nlp = make_nlp(entry("t.dv", ["domestic violence"]), manifest=manifest)
    assert hits(nlp, "He watched a DVD with his dad.") == []


def test_keyword_matcher_exclude_suppresses_in_the_same_sentence_only(manifest):
    nlp = make_nlp(entry("t.cse", ["child sexual exploitation"], exclude=["awareness week"]), manifest=manifest)
    assert hits(nlp, "The school held a CSE awareness week.") == []
    assert hits(nlp, "The school held a CSE awareness week. Police now suspect CSE.") == [("t.cse", "CSE")]


def test_keyword_matcher_exclude_applies_to_its_own_entry_only(manifest):
    nlp = make_nlp(
        entry("t.cse", ["child sexual exploitation"], exclude=["awareness week"]),
        entry("t.cse_other", ["child sexual exploitation"]),
        manifest=manifest,
    )
    assert hits(nlp, "The school held a CSE awareness week.") == [("t.cse_other", "CSE")]


def test_keyword_matcher_candidate_offsets_and_match_detail(manifest):
    nlp = make_nlp(entry("t.gang", ["county lines"]), manifest=manifest)
    text = "  Police say he is\nrunning County Lines for an older male."
    doc = nlp(text)
    (span,) = doc.spans[CANDIDATES_GROUP]
    assert (span.start_char, span.end_char) == (text.index("County Lines"), text.index("County Lines") + 12)
    match = candidate_match(span)
    assert (match.source, match.score, match.detail) == ("rule", RULE_SCORE, "county lines")


def test_keyword_matcher_one_candidate_per_entry_and_position(manifest):
    nlp = make_nlp(entry("t.drugs", ["cannabis", "smoking cannabis"]), manifest=manifest)
    found = hits(nlp, "He is smoking cannabis daily.")
    assert sorted(found) == [("t.drugs", "cannabis"), ("t.drugs", "smoking cannabis")]
    assert len(found) == len(set(found))


def test_expand_abbreviations_replaces_each_known_expansion():
    abbreviations = lexicon()["abbreviations"]
    assert expand_abbreviations("domestic violence in the home", abbreviations) >= {
        "domestic violence in the home",
        "dv in the home",
        "ipv in the home",
    }
    assert expand_abbreviations("poor attendance", abbreviations) == {"poor attendance"}


def test_lexicon_neet_expansion_is_one_phrase():
    # A YAML flow list splits on commas: the phrase must be quoted to stay whole.
    assert lexicon()["abbreviations"]["neet"] == ["not in education, employment or training"]


def test_keyword_matcher_records_excluded_sentences_for_the_similarity_matcher(manifest):
    nlp = make_nlp(entry("t.cse", ["child sexual exploitation"], exclude=["awareness week"]), manifest=manifest)
    doc = nlp("Police now suspect CSE. The school held a CSE awareness week.")
    second = list(doc.sents)[1].start
    assert doc._.excluded_entries == {second: {"t.cse"}}


def test_keyword_matcher_takes_a_capitals_only_abbreviation_in_capitals_alone(manifest):
    assert "lac" in lexicon()["capitals_only"]
    nlp = make_nlp(entry("t.looked_after", ["looked after child"]), manifest=manifest)
    assert hits(nlp, "He is LAC, placed with foster carers.") == [("t.looked_after", "LAC")]
    assert hits(nlp, "Ambulance: 3cm lac to left palm, glued.") == []  # a laceration
    assert hits(nlp, "He is a looked after child.") == [("t.looked_after", "looked after child")]
