"""Run the pipeline over annotated cases and report the metrics, as JSON and as text."""

from __future__ import annotations

from nlp.pipeline import ThresholdAssist
from training.annotations import AnnotatedCase
from training.metrics import evaluate_suggestions


def evaluate_cases(pipeline: ThresholdAssist, cases: list[AnnotatedCase], with_suggestions: bool = False):
    """The metrics report for these cases (and the Suggestions, if asked)."""
    suggestions = list(pipeline.suggest_many((case.text, case.id) for case in cases))
    report = evaluate_suggestions(cases, suggestions)
    report["model_version"] = pipeline.model_version
    report["catalogue_version"] = pipeline.catalogue.version
    report["level_errors"] = [
        {"id": c.id, "gold": c.level, "suggested": s.level}
        for c, s in zip(cases, suggestions)
        if c.level != s.level
    ]
    return (report, suggestions) if with_suggestions else report


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _interval(bounds) -> str:
    """A 95% interval as the report prints it, or nothing without one."""
    return f"(95% interval {bounds[0]:.3f}-{bounds[1]:.3f})" if bounds else ""


def render_report(report: dict) -> str:
    level = report["level"]
    lines = [
        f"Evaluation on {level['n']} cases (model {report['model_version']}, catalogue {report['catalogue_version']})",
        "",
        "Level",
        f"  accuracy {_fmt(level['accuracy'])}   macro-F1 {_fmt(level['macro_f1'])}   "
        f"quadratic weighted kappa {_fmt(level['quadratic_weighted_kappa'])} {_interval(level.get('quadratic_weighted_kappa_ci95'))}",
        f"  level-4 recall {_fmt(level['level4_recall'])} {_interval(level.get('level4_recall_ci95'))}   under-call rate {_fmt(level['under_call_rate'])}   "
        f"severe under-calls (2+ levels) {level['severe_under_calls']}   over-call rate {_fmt(level['over_call_rate'])}",
        "  per-level recall " + "  ".join(f"L{k} {_fmt(v)}" for k, v in level["per_level_recall"].items()),
        "  confusion (rows gold L1-L4, columns suggested L1-L4): " + " ".join(str(row) for row in level["confusion"]),
        f"  calibration: expected calibration error {_fmt(report['calibration_ece'])}",
        "",
        "Indicators (affirmed)",
    ]
    ind = report["indicators"]
    lines.append(
        f"  micro precision {_fmt(ind['micro_precision'])}  micro recall {_fmt(ind['micro_recall'])}  "
        f"macro precision {_fmt(ind['macro_precision'])}  macro recall {_fmt(ind['macro_recall'])}  "
        f"({ind['gold_concerns']} gold concerns, {ind['suggested_affirmed']} suggested)"
    )
    lines += ["", "Screening tools"]
    for tool, m in report["screening_tools"].items():
        lines.append(
            f"  {tool}: missing precision {_fmt(m['missing_precision'])}  missing recall {_fmt(m['missing_recall'])}  "
            f"required recall {_fmt(m['required_recall'])}  already-completed suppression {_fmt(m['completed_suppression'])}  "
            f"(gold missing {m['gold_missing']}, required {m['gold_required']}, completed {m['gold_completed']})"
        )
    traps = report["traps"]
    lines += ["", f"Traps: false-affirmation rate overall {_fmt(traps['overall'])}"]
    for kind, rate in traps["false_affirmation_rate"].items():
        lines.append(f"  {kind}: {_fmt(rate)} of {traps['mentions'][kind]} mentions")
    risk = report["immediate_risk"]
    lines += ["", f"Immediate risk: recall {_fmt(risk['recall'])}  precision {_fmt(risk['precision'])}"]
    return "\n".join(lines)
