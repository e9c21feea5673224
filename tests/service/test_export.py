"""Redacted export of decided referrals in the annotation format, for retraining."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from servicekit import accept_all, referral_body

from training.annotations import AnnotatedCase

NARRATIVE = ("Referral from Bow Primary School. Kai DUNN (7), DOB 03/04/2019, of 14 Cedar Road, London E3 4AB "
             "told his teacher that mum's boyfriend Darren hit him with a belt; he has bruises on his legs. "
             "Mum (Stacey Dunn, 07700 900123, stacey.dunn@example.com) says Kai fell over. Kai is frightened to go home.")
IDENTIFIERS = ("Bow Primary", "Kai", "DUNN", "Dunn", "03/04/2019", "Cedar Road", "E3 4AB", "Darren", "Stacey",
               "07700 900123", "stacey.dunn@example.com")


def decided(api) -> dict:
    referral = api.post("/api/v1/referrals", "screener", json=referral_body(NARRATIVE, child_date_of_birth="2019-04-03")).json()
    start = NARRATIVE.index("frightened to go home")
    decision = accept_all(referral, final_level=4, outcome="strategy_s47", rationale="Injury with an implement; child afraid.",
                          added=[{"id": "pl.family.protection_from_harm.t4.significant_physical_harm",
                                  "evidence": [{"start": start, "end": start + len("frightened to go home")}]}])
    if any(i["id"] == "pl.family.protection_from_harm.t4.significant_physical_harm" for i in referral["suggestion"]["indicators"]):
        decision["added"][0]["id"] = "th.family.l4.severe_domestic_abuse"
    response = api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener", json=decision)
    assert response.status_code == 201, response.text
    return referral


def check_case(record: dict) -> None:
    for identifier in IDENTIFIERS:
        assert identifier not in record["text"], identifier
    for placeholder in ("[NAME]", "[SCHOOL]", "[DOB]", "[ADDRESS]", "[POSTCODE]", "[PHONE]", "[EMAIL]"):
        assert placeholder in record["text"], placeholder
    assert record["level"] == 4 and record["provenance"] == "redacted decision export" and record["split"] == "unassigned"
    added = [i for i in record["indicators"] if i["evidence"][0]["text"] == "frightened to go home"]
    assert added and added[0]["affirmed"]
    for indicator in record["indicators"]:
        for evidence in indicator["evidence"]:
            assert record["text"][evidence["start"]:evidence["end"]] == evidence["text"]
    AnnotatedCase.model_validate({**record, "split": "train"})  # valid once `annotations split` places it


def test_data_scientists_export_redacted_decided_cases(api):
    decided(api)
    api.post("/api/v1/referrals", "screener", json=referral_body("Undecided: neglect concerns."))
    response = api.get("/api/v1/exports/annotations", "data_scientist")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert len(records) == 1  # only decided referrals
    check_case(records[0])
    assert api.get("/api/v1/exports/annotations", "screener").status_code == 403


def test_threshold_export_annotations_writes_the_same_cases(api, database_url, tmp_path):
    decided(api)
    output = tmp_path / "export.jsonl"
    env = {**os.environ, "DATABASE_URL": database_url, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "nlp.cli.main", "export-annotations", "--output", str(output)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "wrote 1 redacted cases" in result.stdout
    records = [json.loads(line) for line in output.read_text().splitlines()]
    check_case(records[0])
    assert "Kai" not in result.stdout + result.stderr
