"""Redaction of training exports: real spaCy model, real rules, real annotation corpus."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from nlp.redaction import ModelIntegrityError, Redacted, Redactor, Replacement, verify_model_files
from nlp.redaction.model import package_dir, recorded_hashes

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor.load()


@pytest.fixture(scope="session")
def corpus(redactor):
    cases = [
        json.loads(line)
        for path in sorted(ANNOTATIONS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return _Quiet(zip(cases, redactor.redact_many(c["text"] for c in cases)))


class _Quiet(list):
    """Keeps narrative text out of pytest's failure reports (GUIDELINES.md section 12)."""

    def __repr__(self) -> str:
        return f"<{len(self)} redacted corpus cases>"


# --- model integrity ---------------------------------------------------------------


@pytest.fixture
def model_copy(tmp_path):
    """The installed package with small files copied and big weights symlinked."""
    source, target = package_dir(), tmp_path / "pkg"
    for relative in recorded_hashes():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if (source / relative).stat().st_size > 1_000_000:
            os.symlink(source / relative, destination)
        else:
            shutil.copyfile(source / relative, destination)
    return target


def test_installed_model_matches_recorded_hashes():
    assert len(verify_model_files(package_dir())) == 12


def test_changed_model_file_is_named(model_copy):
    config = next(p for p in recorded_hashes() if p.endswith("config.cfg"))
    (model_copy / config).write_text((model_copy / config).read_text() + "\n# changed\n")
    with pytest.raises(ModelIntegrityError, match=re.escape(config)):
        verify_model_files(model_copy)


def test_unrecorded_file_in_model_package_is_refused(model_copy):
    (model_copy / "extra.py").write_text("print('hi')\n")
    with pytest.raises(ModelIntegrityError, match="extra.py"):
        verify_model_files(model_copy)


def test_only_ner_is_loaded(redactor):
    assert redactor.nlp.pipe_names == ["ner"]


# --- what is replaced -----------------------------------------------------------------

POSITIVE = [
    # (text, identifying text that must disappear, placeholder that must appear)
    ("Seen by Ms Jodie PRICE at home.", ["Jodie", "PRICE"], "[NAME]"),
    ("Letter from Mr P. Ferreira, DSL.", ["Ferreira"], "[NAME]"),
    ("Referral from Dr Amara Okafor, paediatrician.", ["Amara", "Okafor"], "[NAME]"),
    ("Reported by PC Hollis on Friday.", ["Hollis"], "[NAME]"),
    ("Child: Reece ANDERSON, Y8", ["Reece", "ANDERSON"], "[NAME]"),
    ("Subj Kai DUNN stopped by police. DUNN was with friends.", ["Kai", "DUNN"], "[NAME]"),
    ("Child: Roxanne (Roxy) PEREIRA, Year 8", ["Roxanne", "Roxy", "PEREIRA"], "[NAME]"),
    ("Her boyfriend \"Trigga\" is believed to be 21.", ["Trigga"], "[NAME]"),
    ("She goes out with a boy called Jay from the estate.", ["Jay"], "[NAME]"),
    ("Leon (4) and Summer (2) were asleep.", ["Leon", "Summer"], "[NAME]"),
    ("Spoke to Callum's mum (Jo). Jo says she knows them.", ["Callum", "Jo "], "[NAME]"),
    ("Child DOB 03/04/2015, Y5.", ["03/04/2015"], "[DOB]"),
    ("Mother's d.o.b. 3rd April 2015 recorded.", ["3rd April 2015"], "[DOB]"),
    ("Baby was born on 4 March 2015 at the Royal London.", ["4 March 2015"], "[DOB]"),
    ("Date of birth: 2015-03-04.", ["2015-03-04"], "[DOB]"),
    ("Family live at 14 Cedar Road with gran.", ["14 Cedar Road", "Cedar"], "[ADDRESS]"),
    ("Address: Flat 4, Corbin House, E3", ["Flat 4", "Corbin", "E3"], "[ADDRESS]"),
    ("Visited 19 Bruce Rd E3 at 0930.", ["Bruce", "E3"], "[ADDRESS]"),
    ("Postcode E1 6AN on the form.", ["E1 6AN"], "[POSTCODE]"),
    ("Moved to SM1 1EA last year.", ["SM1 1EA"], "[POSTCODE]"),
    ("Caller gave e3 4ab as the address.", ["e3 4ab"], "[POSTCODE]"),
    ("Mum's mobile 07700 900123, call after 3.", ["07700 900123"], "[PHONE]"),
    ("School office 020 7946 0321.", ["020 7946 0321"], "[PHONE]"),
    ("Dad on +44 7700 900123 (WhatsApp).", ["+44 7700 900123", "7700"], "[PHONE]"),
    ("Email jo.smith@example.org for updates.", ["jo.smith@example.org", "example.org"], "[EMAIL]"),
    ("She attends Bow Primary School in Y5.", ["Bow Primary School"], "[SCHOOL]"),
    ("Pupil at St Mary's C of E Primary since Reception.", ["Mary's", "C of E"], "[SCHOOL]"),
    ("Referral from DSL, Morpeth Academy.", ["Morpeth"], "[SCHOOL]"),
    ("Info from Little Stars Nursery - logged.", ["Little Stars"], "[SCHOOL]"),
    ("Follow-up with school (Stepney All Saints): no concerns.", ["All Saints"], "[SCHOOL]"),
]


@pytest.mark.parametrize(("text", "gone", "placeholder"), POSITIVE, ids=[p[0][:30] for p in POSITIVE])
def test_identifiers_are_replaced(redactor, text, gone, placeholder):
    out = redactor.redact(text)
    assert placeholder in out.text
    for fragment in gone:
        assert fragment not in out.text


def test_age_stays_next_to_the_name(redactor):
    assert redactor.redact("Ella (7) told her teacher.").text == "[NAME] (7) told her teacher."


def test_name_found_once_is_replaced_everywhere(redactor):
    text = "Police notes: Kai DUNN arrested. Later Kai said Dunn was not his real surname; KAI refused."
    out = redactor.redact(text).text
    assert not re.search(r"\b(?:Kai|KAI|DUNN|Dunn)\b", out)
    assert out.count("[NAME]") == 4


def test_a_surname_after_a_title_is_replaced_even_when_it_is_also_a_word(redactor):
    out = redactor.redact("Baby on the ward with mum. Ms Ward has asked about housing; Dr Church agreed.").text
    assert "Ms [NAME] has asked" in out and "Dr [NAME] agreed" in out
    assert "on the ward with mum" in out
    # a first name and a surname after the title: the surname is a name too
    out = redactor.redact("Baby back on the ward. Mr Darren Ward pushed Ms Kelly Green at the door.").text
    assert not re.search(r"\b(?:Darren|Ward|Kelly|Green)\b", out)
    assert "back on the ward" in out


def test_incident_dates_are_kept(redactor):
    out = redactor.redact("DOB 03/04/2015. Incident on 05/06/2024 at 21:00.").text
    assert out == "DOB [DOB]. Incident on 05/06/2024 at 21:00."


def test_known_identifiers_are_replaced_case_insensitively(redactor):
    text = "ELLA SMITH (7) and ella; smith family. Born 4th March 2015 (04/03/15)."
    out = redactor.redact(text, known={"NAME": ["Ella Smith"], "DOB": ["2015-03-04"]}).text
    assert not re.search(r"(?i)\b(?:ella|smith)\b", out)
    assert "March" not in out and "04/03/15" not in out
    assert out.count("[DOB]") == 2


NEGATIVE = [
    "Mum and dad were seen with her older brother.",
    "Referral passed to MASH; CAMHS and GP informed.",
    "Police called at 23:00 and attended.",
    "The family moved to Mile End in the summer.",
    "Baby is 4 months old, sibling aged 7.",
    "Met police and CSC strategy discussion on Monday.",
    "Safer Schools officer spoke to the class about knife crime.",
    "Case heard at the Family Court in March.",
]


@pytest.mark.parametrize("text", NEGATIVE, ids=[t[:30] for t in NEGATIVE])
def test_non_identifiers_are_kept(redactor, text):
    out = redactor.redact(text)
    assert out.text == text, [(text[r.start : r.end], r.kind) for r in out.replacements]


# --- offsets ---------------------------------------------------------------------------


def test_map_span_shifts_and_widens():
    original = "Ms Jo Bloggs hit Kai."
    red = Redacted(
        "Ms [NAME] hit [NAME].",
        (Replacement(3, 12, "NAME", "[NAME]"), Replacement(17, 20, "NAME", "[NAME]")),
    )
    assert red.map_span(13, 16) == (10, 13) and red.text[10:13] == original[13:16] == "hit"
    assert red.map_span(0, 2) == (0, 2)
    assert red.map_span(6, 16) == (3, 13)  # starts inside "Jo Bloggs": widened to "[NAME] hit"
    assert red.map_span(13, 18) == (10, 20)  # ends inside "Kai": widened to "hit [NAME]"
    assert red.map_span(20, 21) == (20, 21)


def test_replacements_are_sorted_and_disjoint(corpus):
    for case, red in corpus:
        spans = [(r.start, r.end) for r in red.replacements]
        assert spans == sorted(spans), case["id"]
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), case["id"]


def test_redact_many_equals_redact(redactor, corpus):
    for case, red in corpus[:20]:
        assert redactor.redact(case["text"]) == red


def test_evidence_spans_map_onto_the_redacted_text(corpus):
    checked, bad = 0, []  # failures are reported by case id only
    for case, red in corpus:
        text = case["text"]
        for indicator in case.get("indicators", []):
            for ev in indicator.get("evidence", []):
                start, end = ev["start"], ev["end"]
                ns, ne = red.map_span(start, end)
                overlaps = [r for r in red.replacements if r.start < end and start < r.end]
                if overlaps:
                    ok = all(r.placeholder in red.text[ns:ne] for r in overlaps)
                else:
                    ok = red.text[ns:ne] == ev["text"] == text[start:end]
                if not ok:
                    bad.append(case["id"])
                checked += 1
    assert checked > 500
    assert not bad, sorted(set(bad))


# --- no names survive in the personal-details cases -----------------------------------

# Reference check, independent of the redactor: names in the structured shapes referrers
# use most ("Leon (4)", "Ms Jodie PRICE").
AGE_NAME = re.compile(r"(?<![\w'’-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?) \((?:aged? )?\d{1,2}\)")
TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr) ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
NOT_A_NAME = {  # words the reference shapes catch that are not names ("Sister (8)")
    "Year", "Reception", "Baby", "Mum", "Dad", "Twins", "Sibling", "Sister", "Brother", "Grandmother",
    "Grandfather", "Nan", "Grandad", "Uncle", "Aunt", "Auntie", "Cousin", "Stepdad", "Stepmum", "Son", "Daughter",
}


def test_no_structured_name_survives_in_personal_details_cases(corpus):
    cases = [(c, r) for c, r in corpus if "personal_details" in c.get("traps", [])]
    assert len(cases) > 100
    leaks = []
    for case, red in cases:
        names = {m.group(1) for rx in (AGE_NAME, TITLE_NAME) for m in rx.finditer(case["text"])}
        for name in names - NOT_A_NAME:
            if re.search(rf"(?<![\w'’-]){re.escape(name)}(?![\w'’-])", red.text):
                leaks.append(case["id"])  # ids only: never narrative text in test output
    assert not leaks, sorted(set(leaks))
