"""stem_normaliser: British spelling, then a Snowball stem, into token.norm_."""

import spacy

import nlp.components  # noqa: F401  (registers the factories)
from nlp.components.normaliser import normalise_word
from nlp.rules.loader import lexicon


def make_nlp(spellings=None):
    nlp = spacy.blank("en")
    nlp.add_pipe("stem_normaliser", config={"spellings": lexicon()["spellings"] if spellings is None else spellings})
    return nlp


def norms(text: str, **kwargs) -> list[str]:
    return [token.norm_ for token in make_nlp(**kwargs)(text)]


def test_normaliser_inflections_share_a_stem():
    assert len(set(norms("bruise bruises bruising bruised"))) == 1


def test_normaliser_is_case_insensitive():
    assert norms("BRUISING Bruising bruising") == ["bruis"] * 3


def test_normaliser_american_spelling_becomes_british():
    assert norms("behavior behaviors neighbor pediatrician") == norms("behaviour behaviours neighbour paediatrician")


def test_normaliser_spelling_map_comes_from_config():
    assert norms("behavior", spellings={}) != norms("behaviour", spellings={})
    assert norms("mom", spellings={"MOM": "Mum"}) == norms("mum", spellings={})


def test_normaliser_leaves_numbers_and_punctuation_alone():
    assert norms("84% 12/03/2015 .") == ["84", "%", "12/03/2015", "."]


def test_normaliser_keeps_text_and_offsets():
    doc = make_nlp()("Mum's behavior")
    assert doc.text == "Mum's behavior"
    assert [t.text for t in doc] == ["Mum", "'s", "behavior"]


def test_normalise_word_abbreviation_is_lower_cased():
    assert normalise_word("DV", {}) == "dv"
    assert normalise_word("CAMHS", {}) == normalise_word("camhs", {})
