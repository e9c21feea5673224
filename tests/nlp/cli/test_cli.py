"""The installed `threshold` console script, run as a user runs it (real catalogue, real model).

Each call loads the pipeline (5-10 s), so the calls are few and each checks a lot. The
`full_pipeline` fixture is requested first so the default embedding cache is warm.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.catalogue import load_catalogue
from nlp.pipeline import MAX_NARRATIVE_CHARS

THRESHOLD = Path(sys.executable).parent / "threshold"
DISCLOSURE = "She told her teacher that her stepdad comes into her room at night and touches her."
SUGGESTION_FIELDS = {
    "id",
    "level",
    "level_probabilities",
    "level_explanation",
    "indicators",
    "screening_tools",
    "immediate_risk",
    "model_version",
    "catalogue_version",
}
INDICATOR_FIELDS = {"id", "level", "domain", "score", "evidence", "context", "affirmed", "explanation"}
CONTEXT_FIELDS = {"negated", "historical", "hypothetical", "other_person", "uncertain", "triggers"}


@pytest.fixture(scope="module")
def warm_cache(full_pipeline):
    """The real catalogue's embeddings are in the default cache the subprocesses read."""
    return full_pipeline


def threshold(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [str(THRESHOLD), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def check_suggestion(data: dict) -> None:
    assert SUGGESTION_FIELDS <= set(data)
    assert data["level"] in (1, 2, 3, 4)
    assert set(data["level_probabilities"]) == {"1", "2", "3", "4"}
    assert sum(data["level_probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert data["level_explanation"].startswith(f"Level {data['level']} ")
    assert set(data["immediate_risk"]) >= {"flag", "reason"}
    for indicator in data["indicators"]:
        assert INDICATOR_FIELDS <= set(indicator)
        assert CONTEXT_FIELDS <= set(indicator["context"])
        assert all(set(e) == {"start", "end", "text"} for e in indicator["evidence"])
    for tool in data["screening_tools"]:
        assert set(tool) >= {"tool", "status", "reason", "evidence"}
        assert tool["status"] in ("missing", "completed")


def test_cli_suggest_argument_prints_readable_explanation(warm_cache, tmp_path):
    result = threshold("suggest", DISCLOSURE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Suggested level: 4" in out
    assert "IMMEDIATE RISK" in out
    assert "Indicators counted" in out
    assert "s47." in out and "touches her" in out
    assert "the screener decides" in out
    assert re.search(r"model guidance-rules, catalogue \d+\.\d+\.\d+\+[0-9a-f]{8}\.", out)


def test_cli_suggest_reads_stdin(warm_cache, tmp_path):
    text = "No concerns about drug use.\nHer older brother is in a gang.\n"
    result = threshold("suggest", "--json", cwd=tmp_path, stdin=text)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_suggestion(data)
    assert data["level"] == 1
    assert data["immediate_risk"]["flag"] is False
    shown = [i for i in data["indicators"] if not i["affirmed"]]
    assert any(i["context"]["negated"] for i in shown)
    assert any(i["context"]["other_person"] for i in shown)
    for indicator in data["indicators"]:
        for evidence in indicator["evidence"]:
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]


def test_cli_suggest_jsonl_reports_bad_lines_and_writes_good_ones(warm_cache, tmp_path):
    lines = [
        json.dumps({"id": "good-1", "text": DISCLOSURE}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "no-text", "narrative": "Mum drinking."}),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "huge", "text": "a" * (MAX_NARRATIVE_CHARS + 1)}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "good-2", "text": "Her attendance is 82% and she has missed appointments."}),
    ]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"

    result = threshold("suggest", "--input", str(cases), "--output", str(output), cwd=tmp_path)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, result.stderr
    assert "line 2: bad JSON" in errors[0]
    assert "line 3: missing field(s) 'text'" in errors[1]
    assert "line 4: text is empty" in errors[2]
    assert "line 5: text is 50001 characters" in errors[3]
    assert "line 6: expected a JSON object" in errors[4]
    assert "2 suggestion(s) written, 5 line(s) rejected" in result.stderr

    written = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [s["id"] for s in written] == ["good-1", "good-2"]
    for suggestion in written:
        check_suggestion(suggestion)
        assert suggestion["model_version"] == "guidance-rules"
        assert suggestion["catalogue_version"].startswith("1.")
    assert written[0]["level"] == 4
    assert written[0]["immediate_risk"]["flag"] is True


def test_cli_context_prints_flags_per_line(tmp_path):
    lines = [
        {"id": "neg", "text": "Mum denies drinking.", "target": "drinking"},
        {"id": "hist", "text": "DV in 2019, none since.", "target": "DV"},
        {"id": "other", "text": "Her older brother is in a gang.", "target": "gang"},
        {"id": "plain", "text": "He was not brought to appointments.", "target": "appointments"},
    ]
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    result = threshold("context", "--input", str(path), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["neg", "hist", "other", "plain"]
    for row in rows:
        assert CONTEXT_FIELDS <= set(row)
        assert all(isinstance(row[flag], bool) for flag in CONTEXT_FIELDS - {"triggers"})
    neg, hist, other, plain = rows
    assert neg["negated"] and neg["triggers"] == ["negated: denies"]
    assert hist["historical"] and not hist["negated"]
    assert other["other_person"] and other["triggers"] == ["other_person: older brother"]
    assert not any(plain[flag] for flag in CONTEXT_FIELDS - {"triggers"})


def test_cli_catalogue_export_writes_every_entry(tmp_path):
    output = tmp_path / "x.json"
    result = threshold("catalogue", "export", "--output", str(output), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    entries = json.loads(output.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    catalogue = load_catalogue()
    assert len(entries) == len(catalogue)
    assert {e["id"] for e in entries} == {e.id for e in catalogue}
    for entry in entries:
        assert {"id", "framework", "domain", "subdomain", "level", "text", "source", "themes", "screening_tools"} <= set(
            entry
        )
        assert {"patterns", "paraphrases"} <= set(entry["hints"])
        assert set(entry["source"]) == {"file", "section"}
        assert 1 <= entry["level"] <= 4
    assert f"{len(entries)} entries (catalogue {catalogue.version})" in result.stderr
