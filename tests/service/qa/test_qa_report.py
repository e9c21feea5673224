"""The QA report: figures table and CSV, a self-contained accessible HTML page, and nothing in
it beyond ids, codes, catalogue terms and numbers."""

from __future__ import annotations

import base64
import io
import re
import struct
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import service.qa.findings
import service.qa.report
from service.qa.agreement import FIGURE_COLUMNS
from service.qa.frames import OUTCOMES, TOOLS, URGENCIES
from service.qa.report import TEMPLATES, build_report
from service.qa.simulation import simulate_history

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SECTION_HEADINGS = ["Findings", "Consistency of decisions", "Decision patterns", "Timeliness", "Change over time"]
SENTINELS = {
    "narrative": "Jane Zebedee-Smith (DOB 02/03/2015) disclosed bruising at 12 Acacia Avenue",
    "child_name": "Jane Zebedee-Smith",
    "referrer_name": "PC Quentin Blackwood",
    "address": "12 Acacia Avenue, E1 4XY",
}


@pytest.fixture(scope="module")
def history():
    return simulate_history(0)


@pytest.fixture(scope="module")
def report(history):
    return build_report(*history, seed=0)


def test_figures_are_one_long_table_and_the_csv_is_that_table(report, history):
    figures = report.figures
    assert list(figures.columns) == FIGURE_COLUMNS
    assert {"level_kappa_quadratic", "level_alpha_ordinal", "override_rate", "on_time_rate",
            "tool_not_required_rate", "indicator_positive_agreement", "level_mix_change_p_value"} <= set(figures["metric"])
    rates = figures[figures["metric"].str.endswith(("_rate", "_agreement"))].dropna(subset=["ci_low"])
    assert ((rates["ci_low"] <= rates["value"] + 1e-12) & (rates["value"] <= rates["ci_high"] + 1e-12)).all()
    back = pd.read_csv(io.StringIO(report.csv), dtype={"group": str})
    assert list(back.columns) == FIGURE_COLUMNS and len(back) == len(figures)
    pd.testing.assert_series_equal(back["value"], figures["value"].astype(float), check_names=False)
    decisions, reviews = history
    assert figures.query("metric == 'override_rate' and group_by == 'all'")["n"].item() == len(decisions)
    assert figures.query("metric == 'level_agreement' and group_by == 'all'")["n"].item() == len(reviews)


def test_findings_open_the_report(report):
    assert report.findings, "the planted history should produce findings"
    html = report.html
    first_section = html.index('<h2 id="findings">')
    assert first_section < html.index("<h2 id=\"section-1\">")
    for finding in report.findings:
        position = html.find(finding.message.replace("'", "&#39;").replace('"', "&#34;"))
        assert first_section < position < html.index('id="section-1"')


def test_report_holds_no_narrative_or_personal_details(history):
    decisions, reviews = history
    clean = build_report(decisions, reviews, seed=0, n_resamples=200)
    dirty = build_report(decisions.assign(**SENTINELS), reviews.assign(**SENTINELS), seed=0, n_resamples=200)
    assert dirty.html == clean.html and dirty.csv == clean.csv
    for text in SENTINELS.values():
        for part in re.split(r"[ ,()]+", text):
            if len(part) > 3:
                assert part not in dirty.html and part not in dirty.csv

    # Every word a reader sees was written in our code or template, or is a code from the data.
    codes = set(decisions["screener"]) | set(decisions["team"]) | set(URGENCIES) | set(TOOLS) | set(OUTCOMES)
    for ids in decisions["indicator_domains"]:
        codes |= set(ids) | set(ids.values())
    sources = [Path(service.qa.report.__file__), Path(service.qa.findings.__file__), TEMPLATES / "report.html.j2"]
    vocabulary = set(re.findall(r"[A-Za-z]+", " ".join(p.read_text() for p in sources)))
    visible = re.sub(r"<style.*?</style>|<[^>]+>", " ", clean.html, flags=re.S)
    visible = re.sub(r'src="data:image/png;base64,[^"]+"', " ", visible)
    for code in sorted(codes, key=len, reverse=True):
        visible = visible.replace(code, " ")
    unknown = set(re.findall(r"[A-Za-z]+", visible)) - vocabulary
    assert not unknown, unknown
    groups = set(clean.figures["group"])
    allowed = codes | {"all"} | {str(level) for level in range(1, 5)}
    months = {g for g in groups if re.fullmatch(r"\d{4}-\d{2}( vs \d{4}-\d{2})?", g)}
    pairs = {g for g in groups if "|" in g and set(g.split("|")) <= allowed | months}
    assert groups - allowed - months - pairs == set()


def test_renaming_codes_changes_nothing_but_the_codes(history):
    decisions, reviews = history
    rename = {f"S0{i}": f"scr_{i}" for i in range(1, 7)}  # "_" never occurs in the base64 images
    renamed = build_report(
        decisions.replace({"screener": rename}), reviews.replace({"screener": rename, "reviewer": rename}),
        seed=0, n_resamples=200,
    )
    original = build_report(decisions, reviews, seed=0, n_resamples=200)
    html = renamed.html
    for old, new in rename.items():
        html = html.replace(new, old)
    assert html == original.html


def test_html_is_self_contained_and_accessible(report):
    html = report.html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert html.count("<h1>") == 1
    assert "http://" not in html and "https://" not in html and "<script" not in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 4
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag).group(1)
        assert len(alt) > 30
        data = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    tables = re.findall(r"<table>.*?</table>", html, flags=re.S)
    assert len(tables) >= 10
    for table in tables:
        assert re.search(r"<table>\s*<caption>[^<]{30,}</caption>", table)
        assert '<th scope="col">' in table
    assert html.count("<figcaption>") == 4
    # severity is written out, not carried by colour alone
    for finding in report.findings:
        assert f'<span class="severity">{finding.severity}</span>' in html


def test_period_restricts_the_report(history):
    decisions, reviews = history
    february = build_report(decisions, reviews, period=(date(2025, 2, 1), date(2025, 2, 28)), n_resamples=200)
    in_feb = decisions["decided_at"].dt.strftime("%Y-%m") == "2025-02"
    assert february.figures.query("metric == 'override_rate' and group_by == 'all'")["n"].item() == in_feb.sum()
    assert set(february.figures.query("group_by == 'month' and metric == 'override_rate'")["group"]) == {"2025-02"}
    assert "2025-02-01 to 2025-02-28" in february.html


def test_report_builds_without_any_second_reviews(history):
    decisions, reviews = history
    result = build_report(decisions, reviews.iloc[0:0], n_resamples=200)
    assert "No second reviews in this period" not in result.html  # the empty plot is an image
    assert not result.figures["metric"].str.startswith("level_kappa").any()
    assert all(f.kind != "low_kappa" for f in result.findings)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_report_renders_in_headless_chromium(report):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "qa_report.png"
    shot.unlink(missing_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.set_content(report.html)
            assert page.get_by_role("heading", level=1).inner_text().startswith("Threshold Assist")
            assert page.locator("h2").all_inner_texts()[: len(SECTION_HEADINGS)] == SECTION_HEADINGS
            assert page.get_by_role("img").count() == 4
            assert all(page.get_by_role("img").nth(i).evaluate("img => img.naturalWidth > 100") for i in range(4))
            assert page.locator("ul.findings li").count() == len(report.findings)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    data = shot.read_bytes()
    width, height = _png_size(data)
    assert len(data) > 50_000 and width >= 1000 and height > 3000
