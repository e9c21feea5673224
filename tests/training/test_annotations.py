"""The annotated-case schema and validate_file: every problem reported with its line number."""

import json

import pytest
from pydantic import ValidationError

from training.annotations import AnnotatedCase, AnnotationError, load_cases, validate_file

TEXT = "Mum denies drinking. Dad punched mum last night."
CATALOGUE_IDS = {"th.parenting.l3.domestic_abuse", "th.family.l2.drugs", "st.family.t3.domestic_abuse"}


def case(**changes) -> dict:
    data = {
        "id": "case-1",
        "text": TEXT,
        "level": 3,
        "indicators": [
            {
                "id": "th.parenting.l3.domestic_abuse",
                "also": ["st.family.t3.domestic_abuse"],
                "affirmed": True,
                "evidence": [{"start": 25, "end": 36, "text": "punched mum"}],
            },
            {
                "id": "th.family.l2.drugs",
                "affirmed": False,
                "evidence": [{"start": 11, "end": 19, "text": "drinking"}],
                "context": {"negated": True},
            },
        ],
        "screening_tools": {"required": [], "completed": []},
        "split": "test",
        "provenance": "synthetic",
        "annotator": "tester",
    }
    data.update(changes)
    return data


def write(tmp_path, records) -> object:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def with_evidence(start: int, end: int, text: str) -> dict:
    data = case()
    data["indicators"][0]["evidence"] = [{"start": start, "end": end, "text": text}]
    return data


def test_annotations_good_case_parses():
    parsed = AnnotatedCase.model_validate(case())
    assert parsed.indicators[0].ids == {"th.parenting.l3.domestic_abuse", "st.family.t3.domestic_abuse"}
    assert parsed.indicators[1].context.negated is True
    assert TEXT[25:36] == "punched mum"


def test_annotations_rejects_span_out_of_range():
    with pytest.raises(ValidationError, match="out of range"):
        AnnotatedCase.model_validate(with_evidence(40, 400, "punched mum last night."))


def test_annotations_rejects_empty_span():
    with pytest.raises(ValidationError, match="out of range"):
        AnnotatedCase.model_validate(with_evidence(25, 25, "x"))


def test_annotations_rejects_span_not_matching_its_text():
    with pytest.raises(ValidationError, match="is 'punched mu', not 'punched mum'"):
        AnnotatedCase.model_validate(with_evidence(25, 35, "punched mum"))


def test_annotations_rejects_level_5():
    with pytest.raises(ValidationError, match="level"):
        AnnotatedCase.model_validate(case(level=5))


def test_annotations_rejects_unknown_tool_and_split():
    with pytest.raises(ValidationError):
        AnnotatedCase.model_validate(case(screening_tools={"required": ["FGM"]}))
    with pytest.raises(ValidationError):
        AnnotatedCase.model_validate(case(split="holdout"))


def test_annotations_validate_file_reports_each_problem_with_its_line(tmp_path):
    unknown = case(id="case-unknown")
    unknown["indicators"][0]["also"] = ["xx.not.in_catalogue"]
    path = write(
        tmp_path,
        [
            case(),  # 1 good
            with_evidence(40, 400, "x") | {"id": "case-range"},  # 2
            with_evidence(25, 35, "punched mum") | {"id": "case-mismatch"},  # 3
            case(id="case-level", level=5),  # 4
            case(),  # 5 duplicate of line 1
            unknown,  # 6
            "{not json",  # 7
            "",  # 8 blank lines are skipped
            case(id="case-ok-2"),  # 9 good
        ],
    )
    cases, problems = validate_file(path, CATALOGUE_IDS)

    assert [c.id for c in cases] == ["case-1", "case-1", "case-unknown", "case-ok-2"]
    assert len(problems) == 6, problems
    assert problems[0].startswith("cases.jsonl:2: ") and "out of range" in problems[0]
    assert problems[1].startswith("cases.jsonl:3: ") and "not 'punched mum'" in problems[1]
    assert problems[2].startswith("cases.jsonl:4: level:")
    assert problems[3] == "cases.jsonl:5: duplicate id 'case-1' (first on line 1)"
    assert problems[4] == "cases.jsonl:6: unknown catalogue id 'xx.not.in_catalogue'"
    assert problems[5].startswith("cases.jsonl:7: bad JSON")


def test_annotations_validate_file_without_catalogue_skips_id_check(tmp_path):
    unknown = case()
    unknown["indicators"][0]["id"] = "xx.not.in_catalogue"
    cases, problems = validate_file(write(tmp_path, [unknown]))
    assert problems == []
    assert len(cases) == 1


def test_annotations_validate_file_reports_invalid_utf8(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_bytes(json.dumps(case()).encode() + b"\n" + b'{"id": "\xff"}\n')
    _, problems = validate_file(path)
    assert problems == ["cases.jsonl:2: not valid UTF-8"]


def test_annotations_load_cases_raises_with_all_problems(tmp_path):
    path = write(tmp_path, [case(level=0), case(id="case-2", split="nope")])
    with pytest.raises(AnnotationError) as raised:
        load_cases(path)
    assert len(raised.value.problems) == 2
    assert "cases.jsonl:1: level" in str(raised.value)
    assert "cases.jsonl:2: split" in str(raised.value)


def test_annotations_load_cases_returns_good_cases(tmp_path):
    cases = load_cases(write(tmp_path, [case(), case(id="case-2")]), CATALOGUE_IDS)
    assert [c.id for c in cases] == ["case-1", "case-2"]
