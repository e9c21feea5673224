"""Keyword patterns of the real catalogue that matched ordinary wording in annotated train and
dev cases, now narrowed (catalogue 1.2.0), beside the wording each must still catch.

A keyword match of a Section 47 criterion or an immediate-risk indicator can count without the
narrative's corroboration, so such a pattern must not fire on everyday phrases."""

import pytest

from nlp.pipeline import PipelineSettings, ThresholdAssist


@pytest.fixture(scope="module")
def keyword_pipeline():
    return ThresholdAssist.load(PipelineSettings(), embeddings=False)


def affirmed_ids(pipeline, text: str) -> set[str]:
    return {i.id for i in pipeline.suggest(text).indicators if i.affirmed}


@pytest.mark.parametrize(
    "text, not_this",
    [
        ("She cries in some lessons and has asked to leave class a few times.", "pl.dev.health.t4.dependency_specialist_resources"),
        ("Dad admits his care package was cut in the spring.", "pl.family.protection_from_harm.t4.harmful_practices_evidence"),
        ("Leo has been cutting his forearms with a sharpener blade.", "pl.family.protection_from_harm.t4.harmful_practices_evidence"),
        ("Someone at church said I have to register as a private foster carer.", "s47.13_cp_plan_looked_after"),
        ("Precious (15) attended drop-in, positive pregnancy test, about 9 weeks.", "s47.18_pregnancy_under_13"),
        ("Referral from the Early Intervention in Psychosis team about mum's recovery.", "s47.16_parental_delusions"),
    ],
)
def test_everyday_wording_is_not_a_level_4_keyword_match(keyword_pipeline, text, not_this):
    assert not_this not in affirmed_ids(keyword_pipeline, text)


@pytest.mark.parametrize(
    "text, still_this",
    [
        ("He has been dealing class A drugs for an older male.", "pl.dev.health.t4.dependency_specialist_resources"),
        ("The 12 year old is pregnant and will not say who the father is.", "s47.18_pregnancy_under_13"),
        ("She is subject to a child protection plan under the category of neglect.", "s47.13_cp_plan_looked_after"),
        ("Mum is psychotic and believes the children are possessed.", "s47.16_parental_delusions"),
    ],
)
def test_the_narrowed_entries_still_catch_their_concern(keyword_pipeline, text, still_this):
    assert still_this in affirmed_ids(keyword_pipeline, text)
