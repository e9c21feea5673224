"""The champion's model card, regenerated from the registry and its run (never by hand)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import mlflow

from training.metrics import level_intervals
from training.settings import TrainingSettings


def _fmt(value) -> str:
    return "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def level4_hits(level: dict) -> str:
    """Level-4 recall as counts ("32 of 33 level-4 cases"): with a few dozen cases a rounded
    recall can read as a target met when it is one case short."""
    row = level["confusion"][3]
    return f"{row[3]} of {sum(row)} level-4 cases"


def _failure_modes(report: dict, where: str = "the test split") -> list[str]:
    """Plain statements drawn from the errors on `where`."""
    level = report["level"]
    confusion = level["confusion"]
    modes = []
    for gold in range(4):
        for suggested in range(4):
            count = confusion[gold][suggested]
            # Under-calls that matter most are always listed; other patterns from 3 cases up.
            worst = suggested < gold and (gold == 3 or gold - suggested >= 2)
            if gold != suggested and count and (count >= 3 or worst):
                direction = "over-called" if suggested > gold else "under-called"
                cases = "case was" if count == 1 else "cases were"
                modes.append(f"{count} level-{gold + 1} {cases} {direction} as level {suggested + 1}.")
    for kind, rate in report["traps"]["false_affirmation_rate"].items():
        if rate and rate > 0.1:
            modes.append(f"{rate:.0%} of {kind.replace('_', ' ')} mentions were still counted as current concerns.")
    for tool, values in report["screening_tools"].items():
        if values["missing_precision"] is not None and values["missing_precision"] < 0.5:
            modes.append(f"The {tool} tool is often flagged as missing when the gold says it is not needed (precision {values['missing_precision']:.2f}).")
    if report["indicators"]["micro_precision"] is not None and report["indicators"]["micro_precision"] < 0.5:
        modes.append(
            f"Indicator suggestions are broad: {report['indicators']['micro_precision']:.0%} of affirmed suggestions match a gold "
            "concern (the catalogue's frameworks overlap, and similar guidance rows at other levels are suggested too)."
        )
    return modes or [f"No error pattern reached the reporting threshold on {where}."]


_ALWAYS_COUNTING = {  # nlp.verifier's kinds, in words
    "found_twice": "found by both a keyword and similarity",
    "section_47": "a Section 47 criterion",
    "immediate_risk": "an immediate-risk indicator",
    "section_47_keyword": "a Section 47 criterion found by a keyword",
    "immediate_risk_keyword": "an immediate-risk indicator found by a keyword",
}


def _level3_floor(threshold: str | None) -> str:
    if threshold in (None, "None"):  # runs before the level-3 floor existed, or tuning left it off
        return "no level-3 floor"
    return f"level 3 at least when P(level >= 3) reaches {threshold}"


def _level1_veto(veto: str | None) -> str:
    if veto in (None, "None"):  # runs before the veto existed, or tuning left it off
        return "no level-1 veto"
    return f"the level-4 threshold stands aside when P(level 1) reaches {veto} (the safety floor never does)"


def _always_counting(params: dict) -> str:
    kinds = params.get("counts_on_its_own", "found_twice").split(",")  # runs before catalogue 1.1.0 lack it
    return ", or ".join(_ALWAYS_COUNTING.get(kind, kind) for kind in kinds)


def _own_bar(params: dict) -> str:
    minimum = float(params.get("counts_on_its_own_minimum", 0.0))  # runs before the lower bar lack it
    if minimum <= 0:
        return "always counts"
    return (f"counts unless the narrative model gives level 4 a probability below {minimum:g} "
            "(one found by both a keyword and similarity always counts)")


def _universal_need_veto(params: dict) -> str:
    veto = float(params.get("universal_need_veto", 0.0))  # runs before the veto lack it
    if veto <= 0:
        return ""
    return (f"; any level-4 match, found twice included, is set aside when the narrative model gives level 1 "
            f"(universal need) at least {veto:g}")


def _uncertainty(level: dict) -> str:
    """How far the test figures could move on another sample of referrals (from the confusion
    matrix, so runs logged before intervals existed get them too)."""
    intervals = level_intervals(level)
    kappa, recall = intervals["quadratic_weighted_kappa_ci95"], intervals["level4_recall_ci95"]
    parts = [f"kappa {kappa[0]:.3f} to {kappa[1]:.3f} (bootstrap over cases)"] if kappa else []
    parts += [f"level-4 recall {recall[0]:.3f} to {recall[1]:.3f} (Wilson)"] if recall else []
    if not parts:
        return "No intervals: the split has no cases."
    return (
        f"95% intervals from these {level['n']} cases: {', '.join(parts)}. "
        "A target inside an interval is neither clearly met nor clearly missed on referrals like these."
    )


def challenge_section(report: dict, source: str) -> list[str]:
    """The champion on the challenge set: hard referrals by authors no model has read, outside
    the corpus (never fitted or tuned on); its errors are failure modes too."""
    level = report["level"]
    tools = ", ".join(f"{tool} {_fmt(values['required_recall'])}" for tool, values in report["screening_tools"].items())
    return [
        f"## On the challenge set (`{source}`, {level['n']} cases)",
        "",
        "Hard referrals written to defeat the model (alarming words in cleared contacts, understated child protection)",
        "by authors whose writing no model has read; outside the training corpus, never used to fit or choose anything.",
        "",
        f"Level: quadratic weighted kappa {_fmt(level['quadratic_weighted_kappa'])}, level-4 recall {_fmt(level['level4_recall'])} "
        f"({level4_hits(level)}), severe under-calls {level['severe_under_calls']}; required recall of the tools: {tools}; "
        f"trap false-affirmation rate {_fmt(report['traps']['overall'])}.",
        "",
        *[f"- {mode}" for mode in _failure_modes(report, "the challenge set")],
        "",
    ]


def render_model_card(client: mlflow.MlflowClient, settings: TrainingSettings, challenge: tuple[dict, str] | None = None) -> str:
    """`challenge`: the champion's evaluation report on the challenge set and where it came from."""
    name = settings.threshold_model_name
    version = client.get_model_version_by_alias(name, "champion")
    run = client.get_run(version.run_id)
    # the test figures: from the latest re-measurement on a changed test split, if any
    from training.remeasure import remeasured_run

    measured = remeasured_run(client, run.info.experiment_id, str(version.version)) or run
    local = Path(mlflow.artifacts.download_artifacts(run_id=measured.info.run_id, artifact_path="metrics", tracking_uri=settings.mlflow_tracking_uri))
    report = json.loads((local / "metrics_test.json").read_text(encoding="utf-8"))
    params, tags = {**run.data.params, **{k: v for k, v in measured.data.params.items() if k in ("n_test", "dataset_test_sha256")}}, run.data.tags
    level = report["level"]
    trained = datetime.fromtimestamp(run.info.start_time / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Model card: {name} version {version.version} (@champion)",
        "",
        f"Generated by `threshold model-card` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; do not edit by hand.",
        "",
        f"- Run id: `{run.info.run_id}`, trained {trained}",
        f"- Git commit: `{tags.get('git_commit', 'unknown')}`; catalogue version `{tags.get('catalogue_version', 'unknown')}`",
        *([] if measured is run else [
            f"- Test figures re-measured on the current test split ({params.get('n_test')} cases) by `threshold remeasure`, run "
            f"`{measured.info.run_id}`, {datetime.fromtimestamp(measured.info.start_time / 1000, tz=timezone.utc):%Y-%m-%d %H:%M UTC}, "
            f"at commit `{measured.data.tags.get('git_commit', 'unknown')}`; the training run measured {run.data.params.get('n_test')} test cases"
        ]),
        f"- Level classifier: feature set {params.get('feature_set')}, C={params.get('C')}, calibration={params.get('calibration')}, "
        f"under-call cost={params.get('under_call_cost')}, level-4 probability threshold={params.get('level4_threshold')}, "
        f"{_level3_floor(params.get('level3_threshold'))}, {_level1_veto(params.get('level1_veto'))}",
        f"- Matches counted: similarity bar {params.get('similarity_bar')}, verifier threshold {params.get('verifier_threshold')}, "
        f"narrative corroboration {params.get('corroboration')} (a level-k match counts only if the narrative model gives level k or above "
        f"at least this probability; a level-4 match {_own_bar(params)} when it is {_always_counting(params)}"
        f"{_universal_need_veto(params)})",
        f"- Narrative models: TF-IDF character and word n-grams; for the level, "
        f"{'cumulative (ordinal) logistic regressions' if params.get('narrative_ordinal') == 'True' else 'a multinomial logistic regression'} "
        f"(C={params.get('narrative_C')}), and a logistic regression for each tool ({params.get('narrative_tools')}); "
        "all settings chosen on held-out cases (cross-validated train + dev)",
        "",
        "## Intended use",
        "",
        "Decision **support** for MASH screeners: it suggests a level of need (1-4), indicators of need from the",
        "Tower Hamlets and Sutton/Pan-London threshold guidance, missing CSE/COG screening tools and an immediate-risk",
        "flag, each with its evidence. It never decides: the screener accepts, rejects or overrides, with a rationale.",
        "The suggested level is never below the level of an affirmed indicator (safety floor). Not for use without a",
        "screener, for adult safeguarding, or on narratives outside MASH referrals.",
        "",
        "## Data",
        "",
        "Synthetic referral narratives written by hand for this project (no real data), annotated with gold level,",
        "indicators (catalogue ids with evidence spans and context), screening tools and immediate risk; varied on",
        "purpose (referrer voices, one-liners, long chronologies, typos, abbreviations) with traps (negation, historical,",
        "hypothetical, other person, reported speech, minimising, keyword without concern). Fixed splits, stratified by level:",
        f"train {params.get('n_train')}, dev {params.get('n_dev')} (tuning, with cross-validated train), test {params.get('n_test')} (reported here, never used to fit or choose).",
        f"Dataset hashes (SHA-256): train `{params.get('dataset_train_sha256', '')[:16]}`, dev `{params.get('dataset_dev_sha256', '')[:16]}`, test `{params.get('dataset_test_sha256', '')[:16]}`.",
        "",
        "## Metrics on the test split",
        "",
        f"Level: accuracy {_fmt(level['accuracy'])}, macro-F1 {_fmt(level['macro_f1'])}, quadratic weighted kappa "
        f"{_fmt(level['quadratic_weighted_kappa'])}, level-4 recall {_fmt(level['level4_recall'])} ({level4_hits(level)}), under-call rate "
        f"{_fmt(level['under_call_rate'])}, severe under-calls {level['severe_under_calls']}, calibration error {_fmt(report['calibration_ece'])}.",
        "",
        _uncertainty(level),
        "",
        "| gold level | recall | cases |",
        "|---|---|---|",
    ]
    for k in range(4):
        lines.append(f"| {k + 1} | {_fmt(level['per_level_recall'][str(k + 1)])} | {sum(level['confusion'][k])} |")
    lines += ["", "| tool | required recall | missing precision | missing recall | already-completed suppression |", "|---|---|---|---|---|"]
    for tool, values in report["screening_tools"].items():
        lines.append(
            f"| {tool} | {_fmt(values['required_recall'])} | {_fmt(values['missing_precision'])} | "
            f"{_fmt(values['missing_recall'])} | {_fmt(values['completed_suppression'])} |"
        )
    traps = report["traps"]
    lines += [
        "",
        f"Trap false-affirmation rate: {_fmt(traps['overall'])} overall; "
        + ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in traps["false_affirmation_rate"].items()) + ".",
        f"Indicators (affirmed): micro precision {_fmt(report['indicators']['micro_precision'])}, micro recall {_fmt(report['indicators']['micro_recall'])}.",
        "",
        "## Known failure modes (from the test-split errors)",
        "",
        *[f"- {mode}" for mode in _failure_modes(report)],
        "",
    ]
    if challenge is not None:
        lines += challenge_section(*challenge)
    return "\n".join(lines)
