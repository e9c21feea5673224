"""Fusion: one explained suggestion per catalogue entry, with evidence offsets into the original text."""

import re

import pytest

from nlp.catalogue import CatalogueEntry
from nlp.fusion import is_absence_worded

UNICODE_TEXT = (
    "  \n\t“Mum’s partner punched mum” – said Zoë 😢.\n"
    "Domestic violence reported again; police attended at 02:00.\n"
    "Café staff say she has been groomed by an older boyfriend 🙁."
)


def by_id(suggestion):
    return {indicator.id: indicator for indicator in suggestion.indicators}


@pytest.mark.parametrize(
    "text",
    [
        UNICODE_TEXT,
        "\n\n   Mum has missed the last three dental and hospital appointments.   ",
        "Referral:\r\n- smoking cannabis daily\r\n- persistent absence\r\n- punched mum in front of the kids",
        "Ms. Élodie N’Diaye (approx. 14 yrs) has an older boyfriend.\u00a0She is smoking cannabis. 👍",
    ],
)
def test_fusion_evidence_offsets_point_into_original_text(mini_pipeline, text):
    suggestion = mini_pipeline.suggest(text)
    assert suggestion.indicators, "expected at least one indicator"
    for indicator in suggestion.indicators:
        for evidence in indicator.evidence:
            assert text[evidence.start : evidence.end] == evidence.text, indicator.id
    for tool in suggestion.screening_tools:
        for evidence in tool.evidence:
            assert text[evidence.start : evidence.end] == evidence.text


def test_fusion_unicode_offsets_are_characters_not_bytes(mini_pipeline):
    indicators = by_id(mini_pipeline.suggest(UNICODE_TEXT))
    spans = {(e.start, e.end, e.text) for e in indicators["th.social.l4.cse"].evidence}
    start = UNICODE_TEXT.index("older boyfriend")
    assert (start, start + len("older boyfriend"), "older boyfriend") in spans
    start = UNICODE_TEXT.index("punched mum")
    assert (start, start + 11, "punched mum") in {
        (e.start, e.end, e.text) for e in indicators["th.parenting.l3.domestic_abuse"].evidence
    }


def test_fusion_one_suggestion_per_entry(mini_pipeline):
    text = (
        "Police were called after dad assaulted mum in front of the children. Domestic violence again last week; "
        "the domestic violence is getting worse and he punched mum."
    )
    suggestion = mini_pipeline.suggest(text)
    ids = [indicator.id for indicator in suggestion.indicators]
    assert len(ids) == len(set(ids))
    domestic = by_id(suggestion)["th.parenting.l3.domestic_abuse"]
    assert domestic.matched_by == ["embedding", "rule"]
    assert len(domestic.evidence) >= 3
    assert domestic.evidence == sorted(domestic.evidence, key=lambda e: (e.start, e.end))


def test_fusion_rule_and_embedding_agreement_scores_higher(mini_pipeline):
    both = by_id(mini_pipeline.suggest("Police were called after dad punched mum in front of the children."))
    rule_only = by_id(mini_pipeline.suggest("Punched mum."))
    assert both["th.parenting.l3.domestic_abuse"].matched_by == ["embedding", "rule"]
    assert rule_only["th.parenting.l3.domestic_abuse"].matched_by == ["rule"]
    assert both["th.parenting.l3.domestic_abuse"].score > rule_only["th.parenting.l3.domestic_abuse"].score


def test_fusion_negated_mention_is_shown_not_affirmed(mini_pipeline):
    drugs = by_id(mini_pipeline.suggest("No concerns about drug use."))["th.family.l2.drugs"]
    assert drugs.affirmed is False
    assert drugs.context.negated is True
    assert drugs.context.triggers == ["negated: No concerns about"]
    assert "shown but not counted (negated)" in drugs.explanation


@pytest.mark.parametrize(
    "text, entry_id, flag",
    [
        ("Mum used to drink heavily.", "th.family.l2.drugs", "historical"),
        ("Her older brother is in a gang.", "th.social.l4.gang", "other_person"),
        ("If this continues she may be drawn into a gang.", "th.social.l4.gang", "hypothetical"),
        ("He attends a gang-prevention football club.", "th.social.l4.gang", "non_concern"),
    ],
)
def test_fusion_non_affirmed_mentions_carry_their_flag(mini_pipeline, text, entry_id, flag):
    indicator = by_id(mini_pipeline.suggest(text))[entry_id]
    assert indicator.affirmed is False
    assert getattr(indicator.context, flag) is True
    assert flag.replace("_", " ") in indicator.explanation


def test_fusion_uncertain_mention_is_still_counted(mini_pipeline):
    cse = by_id(mini_pipeline.suggest("It is rumoured that she has an older boyfriend."))["th.social.l4.cse"]
    assert cse.affirmed is True
    assert cse.context.uncertain is True
    assert "noted: uncertain" in cse.explanation


def test_fusion_affirmed_evidence_leaves_out_negated_mentions(mini_pipeline):
    text = "She is smoking cannabis at weekends. Mum denies drinking."
    drugs = by_id(mini_pipeline.suggest(text))["th.family.l2.drugs"]
    assert drugs.affirmed is True
    assert "cannabis" in [e.text for e in drugs.evidence]
    assert all(e.end <= text.index("Mum denies") for e in drugs.evidence)  # not "drinking"
    assert drugs.context.negated is False
    assert drugs.context.triggers == []


def test_fusion_explanation_names_rule_phrase_and_score(mini_pipeline):
    drugs = by_id(mini_pipeline.suggest("She is smoking cannabis at weekends."))["th.family.l2.drugs"]
    assert 'keyword rule "cannabis"' in drugs.explanation
    assert f"score {drugs.score:.2f}" in drugs.explanation
    assert drugs.explanation.startswith("Level-2 indicator (Family and Environment)")


def test_fusion_explanation_names_similar_guidance_text_and_score(mini_pipeline):
    text = "Men in cars have been collecting her from the school gates and giving her alcohol and mobile phones."
    cse = by_id(mini_pipeline.suggest(text))["th.social.l4.cse"]
    match = re.search(r'similarity (0\.\d\d) to "([^"]+)"', cse.explanation)
    assert match, cse.explanation
    assert float(match.group(1)) == pytest.approx(cse.score, abs=0.005)
    assert match.group(2) == "She is being picked up from school by adult men in cars and given vodka and phones"
    assert cse.guidance_text == "Evidence of sexual exploitation"


def test_fusion_absence_worded_entry_is_not_negated_by_its_own_no(mini_pipeline):
    indicator = by_id(mini_pipeline.suggest("There is no parental support for her education at home."))[
        "th.education.l3.no_parental_support"
    ]
    assert indicator.affirmed is True
    assert indicator.context.negated is False
    assert not any(t.startswith("negated") for t in indicator.context.triggers)


def _entry(text: str) -> CatalogueEntry:
    return CatalogueEntry.model_validate(
        {
            "id": "t.entry",
            "framework": "pan_london_matrix",
            "domain": "Test",
            "level": 2,
            "text": text,
            "source": {"file": "x.txt", "section": "x"},
            "themes": ["neglect"],
        }
    )


def test_fusion_absence_worded_looks_at_the_opening_words():
    assert is_absence_worded(_entry("No parental support for education"))
    assert is_absence_worded(_entry("Child is not immunised"))
    assert not is_absence_worded(_entry("Parents struggle to provide care and there is no routine at all"))


def test_fusion_suggestions_sorted_affirmed_first_then_level(mini_pipeline):
    text = "Mum denies drinking. She has poor attendance. He is in a gang. Dad punched mum."
    indicators = mini_pipeline.suggest(text).indicators
    keys = [(not i.affirmed, -i.level) for i in indicators]
    assert keys == sorted(keys)
    assert indicators[-1].affirmed is False


def _spans_with_flags(entry_id: str):
    """A sentence-level similarity span and a keyword span inside it, for one entry."""
    import spacy

    from nlp.components.extensions import CandidateMatch, add_candidate, set_extensions

    set_extensions()
    doc = spacy.blank("en")("The family had a child protection plan that closed in 2015 and nothing since")
    sentence, keyword = doc[0 : len(doc)], doc[4:7]
    sentence.label_, keyword.label_ = entry_id, entry_id
    add_candidate(doc, sentence, CandidateMatch("embedding", 0.7, "guidance row"))
    add_candidate(doc, keyword, CandidateMatch("rule", 0.9, "child protection plan"))
    return doc, sentence, keyword


def _flags(**raised):
    return {name: raised.get(name, False) for name in ("negated", "historical", "hypothetical", "other_person", "uncertain", "non_concern")}


def test_fusion_sentence_match_inherits_a_set_aside_keyword_mention_of_the_same_entry():
    from nlp.fusion import inherit_keyword_flags, is_counted

    _, sentence, keyword = _spans_with_flags("s47.13_cp_plan_looked_after")
    flags = inherit_keyword_flags([sentence, keyword], [_flags(), _flags(historical=True)])
    assert flags[0]["historical"] and not is_counted(flags[0])  # the sentence is about the old plan
    assert flags[1] == _flags(historical=True)


def test_fusion_sentence_match_keeps_its_own_flags_when_a_keyword_mention_counts():
    from nlp.fusion import inherit_keyword_flags

    _, sentence, keyword = _spans_with_flags("s47.13_cp_plan_looked_after")
    assert inherit_keyword_flags([sentence, keyword], [_flags(), _flags(uncertain=True)])[0] == _flags()
    # a keyword mention outside the sentence span says nothing about it
    outside = sentence.doc[0:3]
    outside.label_ = sentence.label_
    from nlp.components.extensions import CandidateMatch, add_candidate

    add_candidate(sentence.doc, outside, CandidateMatch("embedding", 0.7, "guidance row"))
    assert inherit_keyword_flags([outside, keyword], [_flags(), _flags(historical=True)])[0] == _flags()


def test_fusion_a_dated_plan_in_a_long_sentence_is_shown_not_counted(full_pipeline):
    """With an annotated example like it, the whole sentence resembles the CP-plan criterion,
    but its keyword mention is dated: the sentence match follows it."""
    from nlp.embeddings.catalogue_index import embed_exemplars

    encoder = full_pipeline.nlp.get_pipe("indicator_embeddings").encoder
    example = ("s47.13_cp_plan_looked_after", "mum said on the admission form that the children were on a child protection plan", 4)
    text = (  # the date's scope reaches the keyword but not most of the sentence
        "Mum wrote on the nursery admission form, which she filled in with the manager on Tuesday morning after the"
        " settling-in session, that Kayden and his older sister were on a child protection plan in 2016."
    )
    full_pipeline.use_exemplars(embed_exemplars([example], encoder))
    try:
        plan = by_id(full_pipeline.suggest(text))["s47.13_cp_plan_looked_after"]
    finally:
        full_pipeline.use_exemplars(None)
    assert plan.matched_by == ["embedding", "rule"]
    assert plan.affirmed is False
    assert plan.context.historical is True
