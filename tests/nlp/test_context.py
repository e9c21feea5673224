"""Context of a mention: negated, historical, hypothetical, other person, uncertain, not a concern.

Each trap of DESIGN.md principle 3 through the rules pipeline's `context_of(text, target)`,
and the look-alikes that must stay affirmed.
"""

import json
from collections import Counter

import pytest

from nlp.pipeline import NarrativeError
from nlp.rules.loader import RULES_DIR

FLAGS = ("negated", "historical", "hypothetical", "other_person", "uncertain", "non_concern")


def raised(flags: dict) -> set[str]:
    return {name for name in FLAGS if flags[name]}


@pytest.mark.parametrize(
    "text, target",
    [
        ("No concerns about drug use.", "drug use"),
        ("Mum denies drinking.", "drinking"),
        ("No marks seen.", "marks"),
        ("Bruise on her shin from football; no marks seen on her back.", "marks"),
        ("No bruising was seen.", "bruising"),
        ("There was no disclosure of abuse.", "disclosure"),
        ("Drug use: no concerns.", "Drug use"),
        ("She has not been sexually abused.", "sexually abused"),
        ("Nobody has touched him.", "touched him"),
    ],
)
def test_context_negation(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == {"negated"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("DV in 2019, none since.", "DV"),
        ("Mum used to drink heavily.", "drink"),
        ("Mum was previously a victim of domestic abuse.", "domestic abuse"),
        ("Previously there was domestic abuse in the home.", "domestic abuse"),
        ("There was domestic abuse in the home previously.", "domestic abuse"),
        ("She self-harmed when she was younger.", "self-harmed"),
        # a parent's own childhood: the guidance weighs it, but not as the child's current harm
        ("Mrs C disclosed that she underwent FGM as a child in the Gambia.", "FGM"),
        ("Mum has FGM Type 3, done in Somalia when she was 6.", "FGM"),
        ("He strangled me once in front of Leo when he was 4.", "strangled"),
        ("I was sexually abused by my stepfather from age 8 to 13.", "sexually abused"),
        # "back in" looks both ways: after a year it dates what came before it
        ("From old paperwork the family had a CP plan back in 2016, before she was born.", "CP plan"),
        ("Back in 2016 mum was using cannabis daily.", "cannabis"),
    ],
)
def test_context_historical(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == {"historical"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("If this continues she may be at risk of CSE.", "CSE"),
        ("He could be drawn into gangs.", "gangs"),
    ],
)
def test_context_hypothetical(rules_pipeline, text, target):
    assert "hypothetical" in raised(rules_pipeline.context_of(text, target))


@pytest.mark.parametrize(
    "text, target",
    [
        ("Her older brother is in a gang.", "gang"),
        ("A friend at school self-harms.", "self-harms"),
        ("The neighbour's son was stabbed.", "stabbed"),
        ("Her friend is in a gang and cuts herself.", "cuts"),
    ],
)
def test_context_other_person(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == {"other_person"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("It is rumoured that she has an older boyfriend.", "older boyfriend"),
        ("She is possibly being groomed.", "groomed"),
    ],
)
def test_context_uncertain(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == {"uncertain"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("The school held a CSE awareness week.", "CSE"),
        ("He attends a gang-prevention football club.", "gang"),
        ("The class attended a knife crime workshop.", "knife crime"),
        ("The family are strongly against FGM.", "FGM"),
        # advice-seeking and paperwork name the concern they ask about (context rules 1.4.0)
        ("Last week the session covered online grooming and CSE.", "online grooming"),
        ("She asked a lot of questions about what counts as grooming.", "grooming"),
        ("Mum has read about online grooming and wanted advice.", "online grooming"),
        ("Mum applied under the Child Sex Offender Disclosure Scheme about her new partner.", "Sex Offender"),
    ],
)
def test_context_non_concern(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == {"non_concern"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("She came in covered in bruises and said dad hit her.", "bruises"),  # "covered" alone is not a topic
        ("She had a bruise which covered most of her cheek.", "bruise"),
        ("The disclosure to her teacher was about online grooming by a man she met on Snapchat.", "online grooming"),
        ("Under the disclosure scheme police told mum that her partner is a registered sex offender.", "registered sex offender"),
    ],
)
def test_context_advice_seeking_look_alikes_stay_affirmed(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == set()


@pytest.mark.parametrize(
    "text, target",
    [
        ("There is no food in the house.", "no food"),
        ("There is no food in the house.", "food"),
        ("He was not brought to appointments.", "was not brought to appointments"),
        ("He was not brought to appointments.", "appointments"),
        ("She has been seen with older males.", "older males"),
        ("Mum says he was hit when he was crying last night.", "hit"),  # "when he was" + a verb is not an age
    ],
)
def test_context_concern_worded_with_negation_is_not_negated(rules_pipeline, text, target):
    assert raised(rules_pipeline.context_of(text, target)) == set()


@pytest.mark.parametrize("target", ["hit", "hit her", "brother hit her"])
def test_context_child_harmed_by_other_person_is_about_the_child(rules_pipeline, target):
    assert rules_pipeline.context_of("Her brother hit her.", target)["other_person"] is False


def test_context_keyword_naming_the_child_is_about_the_child(rules_pipeline):
    flags = rules_pipeline.context_of("Her brother touched her private parts.", "touched her private")
    assert flags["other_person"] is False


def test_context_but_terminates_negation(rules_pipeline):
    text = "He was not involved in the fight, but he was carrying a knife."
    assert raised(rules_pipeline.context_of(text, "carrying a knife")) == set()
    assert raised(rules_pipeline.context_of(text, "fight")) == {"negated"}


def test_context_subject_shift_ends_other_person(rules_pipeline):
    text = "Her brother is in a gang and she has been seen with older males."
    assert rules_pipeline.context_of(text, "older males")["other_person"] is False
    assert rules_pipeline.context_of(text, "gang")["other_person"] is True


def test_context_sentence_boundary_ends_scope(rules_pipeline):
    text = "No concerns about school. Mum is drinking daily."
    assert raised(rules_pipeline.context_of(text, "drinking")) == set()


def test_context_triggers_name_the_trigger_words(rules_pipeline):
    assert rules_pipeline.context_of("Mum denies drinking.", "drinking")["triggers"] == ["negated: denies"]
    assert rules_pipeline.context_of("Her older brother is in a gang.", "gang")["triggers"] == [
        "other_person: older brother"
    ]
    triggers = rules_pipeline.context_of("If this continues she may be at risk of CSE.", "CSE")["triggers"]
    assert "hypothetical: If this continues" in triggers


def test_context_of_rejects_target_not_in_text(rules_pipeline):
    with pytest.raises(NarrativeError, match="not a substring"):
        rules_pipeline.context_of("Mum denies drinking.", "cannabis")
    with pytest.raises(NarrativeError, match="not a substring"):
        rules_pipeline.context_of("Mum denies drinking.", "")


def test_context_of_rejects_empty_text(rules_pipeline):
    with pytest.raises(NarrativeError, match="empty"):
        rules_pipeline.context_of("   ", " ")


def test_context_rules_no_literal_is_shadowed():
    """Two rules with one literal match the same words; medspaCy keeps only one of them,
    so the other (e.g. the backward reading of "previously") would silently never apply."""
    rules = json.loads((RULES_DIR / "context_rules.json").read_text(encoding="utf-8"))["context_rules"]
    literals = Counter(rule["literal"].lower() for rule in rules if "pattern" not in rule)
    assert [literal for literal, count in literals.items() if count > 1] == []
