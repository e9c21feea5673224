"""ThresholdAssist end to end on the real catalogue, and the narrative checks."""

import pytest

from nlp.pipeline import MAX_NARRATIVE_CHARS, NarrativeError, check_narrative

DESIGN_TRAPS = [
    "No concerns about drug use.",
    "DV in 2019, none since.",
    "Her older brother is in a gang.",
    "If this continues she may be at risk of CSE.",
    "The school's CSE awareness week was last month.",
    "No bruising was seen.",
    "There was no disclosure of abuse.",
    "A friend at school self-harms.",
]


@pytest.mark.parametrize("text", DESIGN_TRAPS)
def test_pipeline_design_traps_are_shown_not_counted(full_pipeline, text):
    suggestion = full_pipeline.suggest(text)
    assert suggestion.level == 1, [(i.id, i.affirmed) for i in suggestion.indicators]
    assert [i.id for i in suggestion.indicators if i.affirmed and i.level > 1] == []
    assert suggestion.screening_tools == []
    assert suggestion.immediate_risk.flag is False


def test_pipeline_disclosure_is_level_4_with_immediate_risk(full_pipeline):
    text = "She told her teacher that her stepdad comes into her room at night and touches her."
    suggestion = full_pipeline.suggest(text, narrative_id="ref-1")
    assert suggestion.id == "ref-1"
    assert suggestion.level == 4
    assert suggestion.immediate_risk.flag is True
    assert any(i.id.startswith("s47.") and i.affirmed for i in suggestion.indicators)
    assert suggestion.catalogue_version == full_pipeline.catalogue.version
    assert suggestion.model_version == full_pipeline.model_version


def test_pipeline_child_harmed_by_sibling_is_counted(full_pipeline):
    suggestion = full_pipeline.suggest("Her brother touched her private parts.")
    assert suggestion.level == 4
    assert suggestion.immediate_risk.flag is True


def test_pipeline_suggestion_serialises_with_design_fields(full_pipeline):
    data = full_pipeline.suggest("She has an older boyfriend aged 24 who buys her vodka.").model_dump(mode="json")
    assert {
        "level",
        "level_probabilities",
        "level_explanation",
        "indicators",
        "screening_tools",
        "immediate_risk",
        "model_version",
        "catalogue_version",
    } <= set(data)
    assert data["level"] == 4
    assert {t["tool"]: t["status"] for t in data["screening_tools"]}["CSE"] == "missing"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        (" \n\t ", "empty"),
        ("a" * (MAX_NARRATIVE_CHARS + 1), "limit is"),
        (b"bytes are not text", "must be a string"),
        (None, "must be a string"),
    ],
)
def test_pipeline_rejects_bad_narratives(rules_pipeline, text, message):
    with pytest.raises(NarrativeError, match=message):
        rules_pipeline.suggest(text)


def test_pipeline_accepts_narrative_at_the_limit():
    text = "a" * MAX_NARRATIVE_CHARS
    assert check_narrative(text) is text


def test_pipeline_rules_only_finds_keywords_without_embeddings(rules_pipeline):
    assert "indicator_embeddings" not in rules_pipeline.nlp.pipe_names
    suggestion = rules_pipeline.suggest("Dad punched mum in front of the children.")
    (domestic,) = suggestion.indicators
    assert domestic.id == "th.parenting.l3.domestic_abuse"
    assert domestic.matched_by == ["rule"]
    assert suggestion.level == 3
