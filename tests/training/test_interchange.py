"""Annotation interchange: dev.jsonl through Label Studio tasks and spaCy DocBins, and back, losing nothing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp.catalogue import load_catalogue
from training.annotations import AnnotatedCase, load_cases
from training.interchange.common import InterchangeError
from training.interchange.labelstudio import (
    CONFIG_PATH,
    cases_to_labelstudio,
    labelstudio_config,
    labelstudio_to_cases,
)

ROOT = Path(__file__).resolve().parents[2]
DEV_PATH = ROOT / "annotations" / "dev.jsonl"
THRESHOLD = Path(sys.executable).parent / "threshold"
HEAVY_MODULE = re.compile(r"\|\s+(sentence_transformers|transformers)$", re.MULTILINE)
SPACY_MODULE = re.compile(r"\|\s+(spacy|torch)$", re.MULTILINE)
TEXT = "Mum said she hit him. No bruises were seen at school."


@pytest.fixture(scope="module")
def dev_cases() -> list[AnnotatedCase]:
    return load_cases(DEV_PATH)


def assert_same_cases(actual: list[AnnotatedCase], expected: list[AnnotatedCase]) -> None:
    assert [c.id for c in actual] == [c.id for c in expected]
    for got, want in zip(actual, expected):
        assert got.model_dump() == want.model_dump(), got.id


def span(region_id: str, start: int, end: int, label: str, text: str | None = None) -> dict:
    value = {"start": start, "end": end, "labels": [label], "text": TEXT[start:end] if text is None else text}
    return {"id": region_id, "from_name": "indicator", "to_name": "text", "type": "labels", "value": value}


def region_choice(region_id: str, control: str, choices: list[str]) -> dict:
    return {"id": region_id, "from_name": control, "to_name": "text", "type": "choices", "value": {"choices": choices}}


def case_choice(control: str, choices: list[str]) -> dict:
    value = {"choices": choices}
    return {"id": f"x-{control}", "from_name": control, "to_name": "text", "type": "choices", "value": value}


def task(result: list[dict], **annotation) -> dict:
    data = {"text": TEXT, "case_id": "hand-1", "split": "dev", "provenance": "synthetic", "annotator": "tester"}
    return {"id": 7, "data": data, "annotations": [{"id": 1, "result": result, **annotation}]}


def threshold(*args: str) -> subprocess.CompletedProcess:
    """Run the console script; PYTHONPROFILEIMPORTTIME logs every module it imports on stderr."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPROFILEIMPORTTIME": "1"}
    return subprocess.run([str(THRESHOLD), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_labelstudio_round_trip_keeps_every_dev_case(dev_cases):
    tasks = json.loads(json.dumps(cases_to_labelstudio(dev_cases)))

    assert_same_cases(labelstudio_to_cases(tasks), dev_cases)


def test_labelstudio_task_links_evidence_of_one_indicator(dev_cases):
    case = next(c for c in dev_cases if any(len(i.evidence) > 1 for i in c.indicators))
    result = cases_to_labelstudio([case])[0]["annotations"][0]["result"]

    relations = [r for r in result if r["type"] == "relation"]
    regions = [r for r in result if r.get("from_name") == "indicator"]
    assert len(regions) == sum(len(i.evidence) for i in case.indicators)
    assert len(relations) == len(regions) - len(case.indicators)
    assert all(r["labels"] == ["same indicator"] for r in relations)


def test_labelstudio_rejects_span_text_not_matching_offsets():
    result = [
        span("r1", 25, 32, "th.health.l4.fgm", text="bruise"), region_choice("r1", "affirmed", ["affirmed"]),
        case_choice("level", ["3"]), case_choice("immediate_risk", ["no"]),
    ]

    with pytest.raises(InterchangeError) as error:
        labelstudio_to_cases([task(result)])

    assert error.value.problems == [
        "task 0 (case hand-1): region 'r1': offsets 25-32 cover 'bruises', but its text is 'bruise'"
    ]


def test_labelstudio_reads_label_studio_export_with_relations():
    negated, hit = "th.parenting.l4.allegation_abuse_nai", "th.family.l3.domestic_abuse"
    result = [
        case_choice("level", ["3"]), case_choice("immediate_risk", ["no"]),
        {**span("Ab3xYz01", 13, 16, hit), "origin": "manual"}, region_choice("Ab3xYz01", "affirmed", ["affirmed"]),
        span("Qq9", 25, 32, negated), region_choice("Qq9", "affirmed", ["not affirmed"]),
        region_choice("Qq9", "context", ["negated"]),
        span("Zz1", 0, 3, hit), region_choice("Zz1", "affirmed", ["affirmed"]),
        {"type": "relation", "from_id": "Zz1", "to_id": "Ab3xYz01", "direction": "right", "labels": []},
    ]
    cancelled = {"id": 2, "result": [], "was_cancelled": True}
    exported = task(result, completed_by=3)
    exported["annotations"].append(cancelled)

    (case,) = labelstudio_to_cases([exported])

    assert [(i.id, [e.text for e in i.evidence], i.affirmed) for i in case.indicators] == [
        (hit, ["hit", "Mum"], True),
        (negated, ["bruises"], False),
    ]
    assert case.indicators[1].context.negated and not case.indicators[0].context.negated
    assert (case.level, case.immediate_risk, case.notes) == (3, False, "")


def test_labelstudio_rejects_linked_regions_that_disagree():
    label = "th.family.l3.domestic_abuse"
    result = [
        case_choice("level", ["3"]), case_choice("immediate_risk", ["yes"]),
        span("a", 13, 16, label), region_choice("a", "affirmed", ["affirmed"]),
        span("b", 0, 3, label), region_choice("b", "affirmed", ["not affirmed"]),
        {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right", "labels": ["same indicator"]},
    ]

    with pytest.raises(InterchangeError, match=r"task 0 \(case hand-1\): regions \['a', 'b'\] .* disagree"):
        labelstudio_to_cases([task(result)])


def test_labelstudio_reports_missing_level_and_unknown_control():
    result = [case_choice("immediate_risk", ["no"]), case_choice("sentiment", ["happy"])]

    with pytest.raises(InterchangeError) as error:
        labelstudio_to_cases([task(result)])

    assert error.value.problems == [
        "task 0 (case hand-1): result 'x-sentiment': unknown control 'sentiment'",
        "task 0 (case hand-1): level: needs one of ['1', '2', '3', '4'], has []",
    ]


def test_docbin_round_trip_keeps_every_dev_case(dev_cases):
    from training.interchange.docbin import cases_to_docbin, docbin_from_bytes, docbin_to_cases

    data = cases_to_docbin(dev_cases).to_bytes()

    assert_same_cases(docbin_to_cases(docbin_from_bytes(data)), dev_cases)


def test_docbin_spans_are_the_evidence_labelled_with_catalogue_ids(dev_cases):
    import spacy

    from training.interchange.docbin import cases_to_docbin

    docs = list(cases_to_docbin(dev_cases[:5]).get_docs(spacy.blank("en").vocab))

    for doc, case in zip(docs, dev_cases):
        expected = [(e.start, e.end, i.id) for i in case.indicators for e in i.evidence]
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["gold_indicators"]] == expected
        assert doc.user_data["gold_case"]["level"] == case.level


def test_docbin_rejects_span_off_token_boundaries(dev_cases):
    from training.interchange.docbin import cases_to_docbin

    case = AnnotatedCase.model_validate({
        "id": "hand-2", "text": TEXT, "level": 2, "split": "dev", "provenance": "synthetic", "annotator": "tester",
        "indicators": [{"id": "th.family.l3.domestic_abuse", "affirmed": True,
                        "evidence": [{"start": 26, "end": 32, "text": "ruises"}]}],
    })

    with pytest.raises(InterchangeError) as error:
        cases_to_docbin([dev_cases[0], case])

    assert error.value.problems == [
        "case hand-2: indicator th.family.l3.domestic_abuse: evidence 26-32 'ruises' does not fall on token "
        "boundaries (tokens cover 'bruises')"
    ]


def test_docbin_without_user_data_is_rejected(dev_cases):
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from training.interchange.docbin import cases_to_docbin, docbin_from_bytes, docbin_to_cases

    docs = cases_to_docbin(dev_cases[:1]).get_docs(Vocab())
    written_without_user_data = DocBin(docs=docs).to_bytes()

    with pytest.raises(InterchangeError, match=r"doc 0: no annotated case .*store_user_data=True"):
        docbin_to_cases(docbin_from_bytes(written_without_user_data))


def test_labelstudio_config_committed_equals_generated():
    generated = labelstudio_config(load_catalogue())

    assert CONFIG_PATH.read_text(encoding="utf-8") == generated, (
        "annotations/labelstudio_config.xml is stale: run `threshold annotations labelstudio-config`"
    )


def test_cli_labelstudio_export_import_round_trip(tmp_path):
    tasks, cases = tmp_path / "tasks.json", tmp_path / "cases.jsonl"

    exported = threshold("annotations", "export", str(DEV_PATH), "--format", "labelstudio", "--output", str(tasks))
    imported = threshold("annotations", "import", str(tasks), "--format", "labelstudio", "--output", str(cases))

    assert exported.returncode == 0, exported.stderr[-2000:]
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert cases.read_bytes() == DEV_PATH.read_bytes()
    for run in (exported, imported):
        assert not HEAVY_MODULE.search(run.stderr) and not SPACY_MODULE.search(run.stderr)


def test_cli_docbin_export_import_round_trip(tmp_path):
    docbin, cases = tmp_path / "dev.spacy", tmp_path / "cases.jsonl"

    exported = threshold("annotations", "export", str(DEV_PATH), "--format", "docbin", "--output", str(docbin))
    imported = threshold("annotations", "import", str(docbin), "--format", "docbin", "--output", str(cases))

    assert exported.returncode == 0, exported.stderr[-2000:]
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert cases.read_bytes() == DEV_PATH.read_bytes()
    assert not HEAVY_MODULE.search(exported.stderr) and not HEAVY_MODULE.search(imported.stderr)


def test_cli_import_with_problems_exits_1_and_writes_nothing(tmp_path):
    from nlp.cli.main import app

    tasks, output = tmp_path / "tasks.json", tmp_path / "cases.jsonl"
    good = cases_to_labelstudio(load_cases(DEV_PATH)[:2])
    good[1]["annotations"][0]["result"][0]["value"]["choices"] = ["5"]  # the level
    tasks.write_text(json.dumps(good), encoding="utf-8")

    arguments = ["annotations", "import", str(tasks), "--format", "labelstudio", "--output", str(output)]
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 1
    assert "task 1 (case dev-a-002): level: needs one of ['1', '2', '3', '4'], has ['5']" in result.output
    assert not output.exists()
