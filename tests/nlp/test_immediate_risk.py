"""Immediate risk: raised by an affirmed indicator listed in the risk rules or themed immediate_risk."""

from nlp.immediate_risk import RiskRules, immediate_risk
from nlp.rules.loader import read_rules
from nlp.suggestion import IndicatorSuggestion
from testkit import make_indicator

DISCLOSURE = "She told her teacher that her stepdad sexually abused her."


def indicator(entry_id: str, themes, *, affirmed: bool = True, level: int = 4) -> IndicatorSuggestion:
    return make_indicator(
        entry_id, level, themes=themes, affirmed=affirmed, flag=None if affirmed else "negated", framework="section_47", start=3
    )


def test_immediate_risk_raised_by_affirmed_s47_entry(mini_pipeline):
    suggestion = mini_pipeline.suggest(DISCLOSURE)
    risk = suggestion.immediate_risk
    assert risk.flag is True
    assert risk.reason.startswith("Refer to MASH immediately (999 in an emergency)")
    assert "allegation or suspicion of serious injury or sexual abuse" in risk.reason
    assert any(DISCLOSURE[e.start : e.end] == e.text == "sexually abused" for e in risk.evidence)
    assert suggestion.level == 4


def test_immediate_risk_not_raised_by_negated_mention(mini_pipeline):
    suggestion = mini_pipeline.suggest("There is no suggestion that she has been sexually abused.")
    assert suggestion.immediate_risk.flag is False
    assert suggestion.immediate_risk.reason == ""
    (s47,) = [i for i in suggestion.indicators if i.id == "s47.02_serious_injury_sexual_abuse"]
    assert s47.affirmed is False


def test_immediate_risk_raised_when_other_person_harms_the_child(mini_pipeline):
    suggestion = mini_pipeline.suggest("Her brother touched her private parts.")
    assert suggestion.immediate_risk.flag is True
    assert suggestion.level == 4


def test_immediate_risk_not_raised_for_level_4_without_risk_theme(mini_pipeline):
    suggestion = mini_pipeline.suggest("He is in a gang and was stabbed last week.")
    assert suggestion.level == 4
    assert suggestion.immediate_risk.flag is False


def test_immediate_risk_by_theme_uses_guidance_text_as_reason():
    rules = RiskRules.from_dict({"themes": ["immediate_risk"], "entries": {}})
    risk = immediate_risk([indicator("t.urgent", ["immediate_risk"])], rules)
    assert risk.flag is True
    assert "Guidance for t.urgent" in risk.reason
    assert [(e.start, e.end) for e in risk.evidence] == [(3, 8)]


def test_immediate_risk_by_listed_entry_uses_its_reason():
    rules = RiskRules.from_dict({"themes": [], "entries": {"t.listed": "a baby with a fracture"}})
    risk = immediate_risk([indicator("t.listed", ["physical_abuse"]), indicator("t.other", ["neglect"])], rules)
    assert risk.flag is True
    assert risk.reason == "Refer to MASH immediately (999 in an emergency): a baby with a fracture."


def test_immediate_risk_ignores_unaffirmed_and_unlisted():
    rules = RiskRules.from_dict(read_rules("immediate_risk.yaml"))
    indicators = [
        indicator("s47.02_serious_injury_sexual_abuse", ["sexual_abuse", "immediate_risk"], affirmed=False),
        indicator("th.social.l4.gang", ["gangs_youth_violence"]),
    ]
    risk = immediate_risk(indicators, rules)
    assert risk.flag is False
    assert risk.evidence == []


def test_immediate_risk_rules_read_from_data():
    rules = RiskRules.from_dict(read_rules("immediate_risk.yaml"))
    assert "immediate_risk" in rules.themes
    assert "s47.02_serious_injury_sexual_abuse" in rules.entries
