"""Training-side commands of `threshold`: evaluate, annotations."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional
from typing import NoReturn

import typer

annotations_app = typer.Typer(no_args_is_help=True, help="Annotated cases.")


def evaluate(
    input: Annotated[Path, typer.Option("--input", help="Annotated cases: a JSONL file, or a folder of them (the corpus).")],
    split: Annotated[Optional[str], typer.Option("--split", help="Only cases of this split.")] = None,
    json_output: Annotated[Optional[Path], typer.Option("--json", help="Also write the metrics as JSON here.")] = None,
    report_dir: Annotated[Optional[Path], typer.Option("--report", help="Write report.txt, metrics.json and plots here.")] = None,
    champion: Annotated[bool, typer.Option("--champion/--rules", help="Use the registered champion if any, or the guidance rules only.")] = True,
) -> None:
    """Evaluate the pipeline on annotated cases (metrics of DESIGN.md section 6)."""
    from training.evaluate import render_report

    cases, report, suggestions = _evaluated(input, champion=champion, split=split)
    text = render_report(report)
    typer.echo(text)
    if json_output:
        json_output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if report_dir:
        from training.plots import calibration_plot, confusion_plot

        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "report.txt").write_text(text + "\n", encoding="utf-8")
        (report_dir / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        confusion_plot(report["level"]["confusion"], "Level confusion", report_dir / "confusion.png")
        calibration_plot([s.level_probabilities for s in suggestions], [c.level for c in cases], "Calibration", report_dir / "calibration.png")
        typer.echo(f"report, metrics and plots written to {report_dir}", err=True)


def _evaluated(path: Path, champion: bool, split: str | None = None, champion_required: bool = False) -> tuple[list, dict, list]:
    """The annotated cases at `path` (of `split`, if given), the pipeline's evaluation report on
    them and its suggestions: the champion's, or the guidance rules' (champion=False, or no
    champion registered unless champion_required, which raises LookupError). Exit 1 without cases."""
    from nlp.catalogue import load_catalogue
    from nlp.pipeline import ThresholdAssist
    from training.evaluate import evaluate_cases

    cases = _read_cases(path, {e.id for e in load_catalogue()})  # before the slow pipeline load
    cases = [c for c in cases if c.split == split] if split else cases
    if not cases:
        typer.echo("error: no cases to evaluate", err=True)
        raise typer.Exit(1)
    pipeline = ThresholdAssist.load(champion=champion)
    if champion_required and pipeline.level_model is None:
        raise LookupError(f"no champion to evaluate on {path}")
    report, suggestions = evaluate_cases(pipeline, cases, with_suggestions=True)
    return cases, report, suggestions


def _read_cases(path: Path, catalogue_ids: set[str]) -> list:
    """The annotated cases of a JSONL file or of every JSONL file in a folder; a clear
    error (exit 1) when the path is missing or a file has problems."""
    from training.annotations import AnnotationError, load_cases
    from training.dataset import load_corpus

    try:
        if path.is_dir():
            return list(load_corpus(path, catalogue_ids).cases)
        if not path.is_file():
            typer.echo(f"error: {path} is neither a file nor a folder", err=True)
            raise typer.Exit(1)
        return load_cases(path, catalogue_ids)
    except AnnotationError as exc:
        typer.echo(f"error: {path} has problems:\n{exc}", err=True)
        raise typer.Exit(1)
    except ValueError as exc:  # a case id in two files of the folder
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)


@annotations_app.command("validate")
def validate(path: Annotated[Path, typer.Argument(help="Annotated cases (JSONL).")]) -> None:
    """Report every problem in an annotations file with its line number."""
    from nlp.catalogue import load_catalogue
    from training.annotations import validate_file

    if not path.is_file():
        typer.echo(f"error: no such file: {path}", err=True)
        raise typer.Exit(2)
    cases, problems = validate_file(path, {e.id for e in load_catalogue()})
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {path}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(cases)} case(s) ok")


@annotations_app.command("agreement")
def review_agreement(
    review: Annotated[Path, typer.Argument(help="A blind second annotator's labels (JSONL review lines).")],
    corpus: Annotated[Optional[Path], typer.Option(help="Annotated cases, file or folder (default annotations/).")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the report as JSON.")] = None,
) -> None:
    """Agreement of a blind second review with the corpus labels (GUIDELINES section 13): level,
    level 4, tools and immediate risk. Case ids only, never narrative text."""
    from training.review import agreement, read_review
    from training.settings import get_settings

    if not review.is_file():
        typer.echo(f"error: no such file: {review}", err=True)
        raise typer.Exit(2)
    cases = _read_cases(corpus or get_settings().threshold_annotations_dir, None)
    lines, problems = read_review(review, {c.id for c in cases})
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {review}", err=True)
        raise typer.Exit(1)
    report = agreement(cases, lines)
    if json_out:
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    def figure(value):
        return "n/a" if value is None else f"{value:.3f}"

    typer.echo(f"{report['n']} case(s) reviewed blind")
    typer.echo(f"level: exact {figure(report['level_exact'])}, within one {figure(report['level_within_one'])}, "
               f"quadratic weighted kappa {figure(report['level_quadratic_weighted_kappa'])}")
    typer.echo(f"level 4: {figure(report['level4_gold_found_by_second'])} of gold level-4 cases also level 4 in review; "
               f"{figure(report['level4_second_found_in_gold'])} of review level-4 cases level 4 in gold")
    typer.echo(f"immediate risk kappa {figure(report['immediate_risk_kappa'])}")
    for tool, values in report["tools"].items():
        typer.echo(f"{tool} required: agreement {figure(values['agreement'])}, kappa {figure(values['kappa'])}")
    if report["level_disagreements"]:
        typer.echo("level disagreements (id gold->review): " + ", ".join(
            f"{d['id']} {d['gold']}->{d['second']}" for d in report["level_disagreements"]))


@annotations_app.command("split")
def split(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder of annotation files (default annotations/).")] = None,
) -> None:
    """Assign fixed train/test splits, stratified by level, to cases marked "unassigned"."""
    from training.settings import get_settings
    from training.splits import write_splits

    directory = directory or get_settings().threshold_annotations_dir
    counts = write_splits(sorted(directory.glob("*.jsonl")))
    typer.echo(", ".join(f"{name}: {n}" for name, n in sorted(counts.items())))


def train(
    annotations: Annotated[Optional[Path], typer.Option("--annotations", help="Folder of annotation files.")] = None,
    held_out_only: Annotated[bool, typer.Option(
        "--held-out-only",
        help="Do not analyse or evaluate the test split: for trying settings on held-out figures without seeing test ones. "
        "Such a version cannot be promoted.",
    )] = False,
    fold_seed: Annotated[int, typer.Option(
        "--fold-seed", min=0,
        help="Shuffle the train split's cross-validation folds with this seed (0: every registered version's). "
        "A change chosen on held-out figures should hold under another seed too.",
    )] = 0,
) -> None:
    """Fit the models on the train split, tune on held-out cases (cross-validated train + dev), evaluate dev and test, log and register in MLflow."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nlp.catalogue import load_catalogue
    from training.annotations import AnnotationError
    from training.dataset import load_corpus
    from training.settings import get_settings
    from training.train import train as run_training

    settings = get_settings()
    directory = annotations or settings.threshold_annotations_dir
    try:
        corpus = load_corpus(directory, {e.id for e in load_catalogue()})
    except (AnnotationError, ValueError) as exc:
        typer.echo(f"error: the annotations have problems:\n{exc}", err=True)
        raise typer.Exit(1)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        def stage(description: str, total: int):
            task = bar.add_task(description, total=total)
            return lambda n=1: bar.advance(task, n)

        result = run_training(settings, corpus, stage, evaluate_test=not held_out_only, fold_seed=fold_seed)
    typer.echo(f"run {result['run_id']} registered as {settings.threshold_model_name} version {result['registered_version']}")
    typer.echo(f"chosen on held-out cases (cross-validated train + dev): {result['params']}")
    held = result["held_out"]
    typer.echo(
        f"held-out: QWK {held['quadratic_weighted_kappa']:.3f}, level-4 recall {held['level4_recall']:.3f}, "
        f"severe under-calls {held['severe_under_calls']} of {held['n']} cases"
    )
    for name, report in result["reports"].items():
        level = report["level"]
        rules = result["rules_reports"][name]["level"]
        typer.echo(
            f"{name}: accuracy {level['accuracy']:.3f} (rules {rules['accuracy']:.3f}), "
            f"QWK {level['quadratic_weighted_kappa']:.3f} (rules {rules['quadratic_weighted_kappa']:.3f}), "
            f"level-4 recall {level['level4_recall']:.3f}, severe under-calls {level['severe_under_calls']}"
        )


class InterchangeFormat(str, Enum):
    labelstudio = "labelstudio"
    docbin = "docbin"


def _fail_with(problems: list[str], message: str) -> NoReturn:
    """Print each problem, then the message, and exit 1."""
    for problem in problems:
        typer.echo(problem, err=True)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@annotations_app.command("export")
def annotations_export(
    input: Annotated[Path, typer.Argument(help="Annotated cases (JSONL).")],
    format: Annotated[InterchangeFormat, typer.Option("--format", help="Label Studio tasks (JSON) or spaCy DocBin.")],
    output: Annotated[Path, typer.Option("--output", help="Write the tasks (.json) or DocBin (.spacy) here.")],
) -> None:
    """Export annotated cases for Label Studio or spaCy, losing nothing."""
    from nlp.catalogue import load_catalogue
    from training.annotations import validate_file
    from training.interchange.common import InterchangeError

    if not input.is_file():
        typer.echo(f"error: no such file: {input}", err=True)
        raise typer.Exit(2)
    cases, problems = validate_file(input, {e.id for e in load_catalogue()})
    if problems:
        _fail_with(problems, f"{len(problems)} problem(s) in {input}; nothing written")
    try:
        if format is InterchangeFormat.labelstudio:
            from training.interchange.labelstudio import cases_to_labelstudio

            text = json.dumps(cases_to_labelstudio(cases), indent=2, ensure_ascii=False) + "\n"
            output.write_text(text, encoding="utf-8")
        else:
            from training.interchange.docbin import cases_to_docbin

            cases_to_docbin(cases).to_disk(output)
    except InterchangeError as exc:
        _fail_with(exc.problems, f"{len(exc.problems)} problem(s); nothing written")
    typer.echo(f"{len(cases)} case(s) written to {output}", err=True)


@annotations_app.command("import")
def annotations_import(
    path: Annotated[Path, typer.Argument(help="Label Studio tasks (JSON export) or spaCy DocBin.")],
    format: Annotated[InterchangeFormat, typer.Option("--format", help="What PATH holds.")],
    output: Annotated[Path, typer.Option("--output", help="Write the annotated cases (JSONL) here.")],
) -> None:
    """Import annotated cases from Label Studio or spaCy; every case is validated, nothing is written on failure."""
    from nlp.catalogue import load_catalogue
    from training.interchange.common import InterchangeError, check_cases, write_cases

    if not path.is_file():
        typer.echo(f"error: no such file: {path}", err=True)
        raise typer.Exit(2)
    unit = "task" if format is InterchangeFormat.labelstudio else "doc"
    try:
        cases = _read_interchange(path, format)
    except InterchangeError as exc:
        _fail_with(exc.problems, f"{len(exc.problems)} problem(s) in {path}; nothing written")
    problems = check_cases(((f"{unit} {i}", case) for i, case in enumerate(cases)), {e.id for e in load_catalogue()})
    if problems:
        _fail_with(problems, f"{len(problems)} problem(s) in {path}; nothing written")
    write_cases(cases, output)
    typer.echo(f"{len(cases)} case(s) written to {output}", err=True)


def _read_interchange(path: Path, format: InterchangeFormat) -> list:
    from training.interchange.common import InterchangeError

    if format is InterchangeFormat.docbin:
        from training.interchange.docbin import docbin_to_cases, read_docbin

        return docbin_to_cases(read_docbin(path))
    from training.interchange.labelstudio import labelstudio_to_cases

    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InterchangeError([f"{path.name}: not JSON ({exc})"]) from None
    return labelstudio_to_cases(tasks)


@annotations_app.command("labelstudio-config")
def annotations_labelstudio_config(
    output: Annotated[Optional[Path], typer.Option("--output", help="Default: annotations/labelstudio_config.xml.")] = None,
) -> None:
    """Write the Label Studio labelling config generated from the catalogue."""
    from nlp.catalogue import load_catalogue
    from training.interchange.labelstudio import CONFIG_PATH, labelstudio_config

    output = output or CONFIG_PATH
    output.write_text(labelstudio_config(load_catalogue()), encoding="utf-8")
    typer.echo(f"Label Studio config written to {output}", err=True)


def promote(version: Annotated[str, typer.Argument(help="Registered model version to promote.")]) -> None:
    """Make VERSION the champion if it is no worse on the safety gates (test split)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from training.registry import promote as run_promotion
    from training.settings import get_settings

    settings = get_settings()
    client = mlflow.MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    try:
        promoted, gates, against = run_promotion(client, settings.threshold_model_name, version)
    except MlflowException as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2)
    if all(g.candidate is None for g in gates):
        typer.echo(f"not promoted: version {version} has no test-split figures (trained with --held-out-only); "
                   "train without it to put a candidate to the gates", err=True)
        raise typer.Exit(1)
    typer.echo(f"{settings.threshold_model_name} version {version} compared with {against} on the test split:")
    for gate in gates:
        typer.echo(f"  {gate}")
    if not promoted:
        failed = ", ".join(g.metric for g in gates if not g.passed)
        typer.echo(f"not promoted: gate(s) failed: {failed}", err=True)
        raise typer.Exit(1)
    typer.echo(f"version {version} is now @champion")


def remeasure(
    annotations: Annotated[Optional[Path], typer.Option("--annotations", help="Folder of annotation files.")] = None,
) -> None:
    """Measure the champion on the current test split and log it: after the test split changes,
    `promote` compares candidates with this measurement."""
    from nlp.catalogue import load_catalogue
    from training.annotations import AnnotationError
    from training.dataset import load_corpus
    from training.evaluate import render_report
    from training.remeasure import remeasure_champion
    from training.settings import get_settings

    settings = get_settings()
    try:
        corpus = load_corpus(annotations or settings.threshold_annotations_dir, {e.id for e in load_catalogue()})
        result = remeasure_champion(settings, corpus)
    except (AnnotationError, ValueError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(render_report(result["report"]))
    typer.echo(f"champion version {result['version']} re-measured on {result['report']['level']['n']} test cases: run {result['run_id']}")


def model_card(
    output: Annotated[Optional[Path], typer.Option("--output", help="Where to write the card.")] = None,
    challenge: Annotated[Optional[Path], typer.Option(help="Challenge set to evaluate the champion on (default annotations/challenge if present).")] = None,
    with_challenge: Annotated[bool, typer.Option("--with-challenge/--without-challenge", help="Evaluate the champion on the challenge set for the card.")] = True,
) -> None:
    """Regenerate the champion's model card from the registry and its run (and, if there is one,
    the champion's evaluation on the challenge set, computed now)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from training.model_card import render_model_card
    from training.settings import REPO, get_settings

    settings = get_settings()
    client = mlflow.MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    folder = challenge or settings.threshold_annotations_dir / "challenge"
    challenge_report = None
    try:
        if with_challenge and folder.is_dir():
            report = _evaluated(folder, champion=True, champion_required=True)[1]
            challenge_report = (report, folder.relative_to(REPO).as_posix() if folder.is_relative_to(REPO) else str(folder))
        text = render_model_card(client, settings, challenge_report)
    except (MlflowException, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    target = output or REPO / "models" / "MODEL_CARD.md"
    target.write_text(text, encoding="utf-8")
    typer.echo(f"model card written to {target}")


def register(app: typer.Typer) -> None:
    app.command()(evaluate)
    app.command()(train)
    app.command()(promote)
    app.command()(remeasure)
    app.command("model-card")(model_card)
    app.add_typer(annotations_app, name="annotations")
