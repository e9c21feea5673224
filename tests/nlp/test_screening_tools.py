"""Screening tools: CSE/COG missing when affirmed concerns call for them, unless the referral says done."""

import pytest

from nlp.rules.loader import read_rules
from nlp.screening_tools import ToolRules

CSE_CONCERN = "She has an older boyfriend aged 24 who buys her vodka."
GANG_CONCERN = "He is in a gang and was stabbed last week."


def tools(suggestion) -> dict[str, str]:
    return {tool.tool: tool.status for tool in suggestion.screening_tools}


def test_screening_tools_cse_missing_when_cse_concern_affirmed(mini_pipeline):
    suggestion = mini_pipeline.suggest(CSE_CONCERN)
    assert tools(suggestion) == {"CSE": "missing"}
    (cse,) = suggestion.screening_tools
    assert "CSE screening tool" in cse.reason
    assert "Evidence of sexual exploitation" in cse.reason
    assert any(CSE_CONCERN[e.start : e.end] == e.text == "older boyfriend" for e in cse.evidence)


def test_screening_tools_cog_missing_when_gang_concern_affirmed(mini_pipeline):
    suggestion = mini_pipeline.suggest(GANG_CONCERN)
    assert tools(suggestion) == {"COG": "missing"}
    assert "Co-offending Groups (COG) screening tool" in suggestion.screening_tools[0].reason


def test_screening_tools_cse_completed_and_attached(mini_pipeline):
    text = CSE_CONCERN + " CSE screening tool completed and attached."
    suggestion = mini_pipeline.suggest(text)
    assert tools(suggestion) == {"CSE": "completed"}
    (evidence,) = suggestion.screening_tools[0].evidence
    assert text[evidence.start : evidence.end] == evidence.text == "CSE screening tool"


def test_screening_tools_cog_done_by_yot(mini_pipeline):
    suggestion = mini_pipeline.suggest(GANG_CONCERN + " COG tool done by YOT.")
    assert tools(suggestion) == {"COG": "completed"}
    assert "already been completed" in suggestion.screening_tools[0].reason


def test_screening_tools_not_yet_completed_is_still_missing(mini_pipeline):
    suggestion = mini_pipeline.suggest(CSE_CONCERN + " CSE screening tool not yet completed.")
    assert tools(suggestion) == {"CSE": "missing"}


@pytest.mark.parametrize(
    "sentence",
    [
        "The CSE screening tool needs to be completed by the school.",
        "Awaiting the CSE risk assessment.",
        "School have not done the CSE screening.",
    ],
)
def test_screening_tools_pending_wording_is_still_missing(mini_pipeline, sentence):
    assert tools(mini_pipeline.suggest(f"{CSE_CONCERN} {sentence}")) == {"CSE": "missing"}


def test_screening_tools_completion_in_another_sentence_does_not_count(mini_pipeline):
    text = CSE_CONCERN + " A CSE screening tool will be needed. The referral form was completed by her teacher."
    assert tools(mini_pipeline.suggest(text)) == {"CSE": "missing"}


def test_screening_tools_both_tools_tracked_separately(mini_pipeline):
    text = f"{CSE_CONCERN} {GANG_CONCERN} CSE screening tool attached."
    assert tools(mini_pipeline.suggest(text)) == {"CSE": "completed", "COG": "missing"}


@pytest.mark.parametrize(
    "text",
    [
        "The school held a CSE awareness week.",
        "He attends a gang-prevention football club.",
        "Her older brother is in a gang.",
        "If this continues she may be at risk of CSE.",
        "She was groomed online in 2019, none since.",
    ],
)
def test_screening_tools_mentions_without_affirmed_concern_trigger_nothing(mini_pipeline, text):
    suggestion = mini_pipeline.suggest(text)
    assert suggestion.screening_tools == []
    assert suggestion.level == 1


def test_screening_tools_rules_read_from_data():
    rules = ToolRules.from_dict(read_rules("screening_tools.yaml"))
    by_tool = {rule.tool: rule for rule in rules.tools}
    assert set(by_tool) == {"CSE", "COG"}
    assert by_tool["CSE"].trigger_themes == {"cse"}
    assert by_tool["COG"].trigger_themes == {"gangs_youth_violence"}
    assert by_tool["COG"].mention.search("cog screening tool")
    assert rules.pending.search("cse screening tool not yet completed")
    assert not rules.pending.search("cse screening tool completed and attached")
