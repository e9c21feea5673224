"""referral_sentencizer: sentences as referrals are written, not as prose is."""

import spacy

import nlp.components  # noqa: F401  (registers the factories)
from nlp.rules.loader import lexicon


def make_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("referral_sentencizer", config={"abbreviations": lexicon()["sentence_abbreviations"]})
    return nlp


def sentences(text: str) -> list[str]:
    return [sent.text.strip() for sent in make_nlp()(text).sents]


def test_segmenter_splits_dash_bullets():
    text = "Concerns raised:\n- bruising to left arm\n- not brought to dental appointments\n- mum drinking daily"
    assert sentences(text) == [
        "Concerns raised:",
        "- bruising to left arm",
        "- not brought to dental appointments",
        "- mum drinking daily",
    ]


def test_segmenter_splits_bullet_symbols():
    assert sentences("• Bruise on cheek\n• Poor attendance\n* Mum not engaging") == [
        "• Bruise on cheek",
        "• Poor attendance",
        "* Mum not engaging",
    ]


def test_segmenter_splits_lines_without_full_stops():
    assert sentences("Mum drinking daily\nDad left in March\nNo food in the house") == [
        "Mum drinking daily",
        "Dad left in March",
        "No food in the house",
    ]


def test_segmenter_splits_short_note_lines_even_in_lower_case():
    assert sentences("rang mum\nno answer\nleft message with gran") == ["rang mum", "no answer", "left message with gran"]


def test_segmenter_blank_line_ends_a_sentence():
    assert sentences("Referral from the school nurse about her weight and\n\nmum says she eats well") == [
        "Referral from the school nurse about her weight and",
        "mum says she eats well",
    ]


def test_segmenter_keeps_hard_wrapped_lines_together():
    text = (
        "The class teacher reported that she has been arriving at school hungry and in\n"
        "unwashed uniform for several weeks, and that she has told friends mum sleeps all day."
    )
    assert sentences(text) == [text]


def test_segmenter_approx_does_not_end_a_sentence():
    assert sentences("She is approx. 3 yrs old and lives with mum. Mum is unwell.") == [
        "She is approx. 3 yrs old and lives with mum.",
        "Mum is unwell.",
    ]


def test_segmenter_dob_with_dots_does_not_end_a_sentence():
    assert sentences("D.O.B. 12/03/2015. Lives with mum and two siblings.") == [
        "D.O.B. 12/03/2015.",
        "Lives with mum and two siblings.",
    ]


def test_segmenter_doctor_title_does_not_end_a_sentence():
    assert sentences("Seen by Dr. Patel at the clinic. She had bruises on both arms.") == [
        "Seen by Dr. Patel at the clinic.",
        "She had bruises on both arms.",
    ]


def test_segmenter_splits_ordinary_sentences():
    assert sentences('She said dad hit her. He denies it! "I never touched her," he said.') == [
        "She said dad hit her.",
        "He denies it!",
        '"I never touched her," he said.',
    ]


def test_segmenter_abbreviations_come_from_config():
    nlp = spacy.blank("en")
    nlp.add_pipe("referral_sentencizer", config={"abbreviations": []})
    assert [s.text for s in nlp("Seen by Dr. Patel today.").sents] == ["Seen by Dr.", "Patel today."]


def test_segmenter_empty_doc_has_no_sentences():
    assert list(make_nlp()("").sents) == []


def test_segmenter_splits_all_lower_case_text_at_full_stops():
    text = "my counsellor gave me this number in case. i dont want to be here anymore. approx. 3 weeks now"
    assert sentences(text) == [
        "my counsellor gave me this number in case.",
        "i dont want to be here anymore.",
        "approx. 3 weeks now",
    ]


def test_segmenter_keeps_a_lower_case_word_after_an_abbreviation_in_its_sentence():
    assert sentences("seen by dr. patel today, mum present etc. and no concerns") == [
        "seen by dr. patel today, mum present etc. and no concerns",
    ]
