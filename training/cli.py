"""Training-side commands of `threshold`: evaluate, annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

annotations_app = typer.Typer(no_args_is_help=True, help="Annotated cases.")


def evaluate(
    input: Annotated[Path, typer.Option("--input", help="Annotated cases (JSONL).")],
    split: Annotated[Optional[str], typer.Option("--split", help="Only cases of this split.")] = None,
    json_output: Annotated[Optional[Path], typer.Option("--json", help="Also write the metrics as JSON here.")] = None,
) -> None:
    """Evaluate the pipeline on annotated cases (metrics of DESIGN.md section 6)."""
    from nlp.pipeline import ThresholdAssist
    from training.annotations import AnnotationError, load_cases
    from training.evaluate import evaluate_cases, render_report

    pipeline = ThresholdAssist.load()
    try:
        cases = load_cases(input, {e.id for e in pipeline.catalogue})
    except AnnotationError as exc:
        typer.echo(f"error: {input} has problems:\n{exc}", err=True)
        raise typer.Exit(1)
    if split:
        cases = [c for c in cases if c.split == split]
    if not cases:
        typer.echo("error: no cases to evaluate", err=True)
        raise typer.Exit(1)
    report = evaluate_cases(pipeline, cases)
    typer.echo(render_report(report))
    if json_output:
        json_output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


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


def register(app: typer.Typer) -> None:
    app.command()(evaluate)
    app.add_typer(annotations_app, name="annotations")
