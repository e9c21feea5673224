"""A mother's own FGM, and the FGM pathway's paperwork, are not the child's FGM (GUIDELINES 6.3,
catalogue 1.4.0): the child's level-4 entries are ruled out in such sentences, for similarity as
for keywords, while the child's own risk or disclosure still affirms them."""

import pytest

CHILD_FGM = {"th.health.l4.fgm", "s47.19_fgm_hbv_forced_marriage"}


def affirmed_ids(pipeline, text: str) -> set[str]:
    return {i.id for i in pipeline.suggest(text).indicators if i.affirmed}


@pytest.mark.parametrize(
    "text",
    [
        "Mum has type 2 FGM, identified at booking, done at age 9 in Kenema.",
        "Mum has FGM (documented at the birth of her first baby).",
        "Mother had FGM herself as a child and was deinfibulated in her first pregnancy.",
        "Both parents signed the statement opposing FGM and took the FGM leaflet.",
        "Midwife (FGM clinic) notification following the birth of a baby girl.",
        "Her hours at work are going to be cut and money is tight.",  # "to be cut", not of a child
    ],
)
def test_a_mothers_own_fgm_is_not_the_childs(full_pipeline, text):
    assert not CHILD_FGM & affirmed_ids(full_pipeline, text)


@pytest.mark.parametrize(
    "text",
    [
        "She told the school nurse that her aunties cut her down there last summer in Hargeisa.",
        "The 8 year old said she is going to have the special ceremony when they get to Somalia.",
        "School are worried the girls will be taken abroad for FGM over the summer holidays.",
        "Examination found scarring consistent with FGM type 1 in the 7 year old.",
        "Dad says the baby will be taken to Somalia to be cut.",  # no "FGM": caught by nothing before 1.4.0
    ],
)
def test_the_childs_own_fgm_risk_still_counts(full_pipeline, text):
    assert CHILD_FGM & affirmed_ids(full_pipeline, text)


def test_an_exclusion_rules_out_similarity_matches_in_its_sentence_only(full_pipeline):
    """Similarity alone once affirmed the child's entry from the mother's record (catalogue 1.3.0);
    now the mother's sentence is ruled out and the next one, about the child, is still read."""
    mothers_record = "Mum has type 2 FGM, identified at booking."
    doc = full_pipeline.nlp(mothers_record)
    assert not [s for s in doc.spans["indicator_candidates"] if s.label_ == "th.health.l4.fgm"]

    text = mothers_record + " Dad says the baby will be taken to Somalia to be cut."
    fgm = [i for i in full_pipeline.suggest(text).indicators if i.id == "th.health.l4.fgm"]
    assert fgm and fgm[0].affirmed
    assert all(e.start >= text.index("Dad") for e in fgm[0].evidence)
