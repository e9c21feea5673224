"""`threshold`: suggest, test context rules, export the catalogue, evaluate."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never wait on a model hub at run time

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Threshold Assist: explained suggestions for MASH screening.")
catalogue_app = typer.Typer(no_args_is_help=True, help="The indicator catalogue.")
app.add_typer(catalogue_app, name="catalogue")

PROGRESS_MIN_LINES = 20


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _load_pipeline():
    from nlp.pipeline import ThresholdAssist

    return ThresholdAssist.load()


@app.command()
def suggest(
    text: Annotated[Optional[str], typer.Argument(help="The narrative; omit to read it from stdin.")] = None,
    input: Annotated[Optional[Path], typer.Option("--input", help="JSON lines {\"id\": ..., \"text\": ...}.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", help="Write one Suggestion per line here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Suggestion as JSON.")] = False,
) -> None:
    """Suggest indicators, a level and missing screening tools, each explained."""
    from nlp.pipeline import NarrativeError, check_narrative

    if input is not None:
        _suggest_file(input, output)
        return
    if text is None:
        text = sys.stdin.read()
    try:
        check_narrative(text)
    except NarrativeError as exc:
        _fail(str(exc))
    suggestion = _load_pipeline().suggest(text)
    if as_json:
        typer.echo(suggestion.model_dump_json(indent=2))
    else:
        from nlp.cli.render import render_suggestion

        typer.echo(render_suggestion(suggestion))


def _suggest_file(input: Path, output: Path | None) -> None:
    from tqdm import tqdm

    from nlp.cli.jsonl import LineError, read_records

    if not input.is_file():
        _fail(f"no such file: {input}")
    records, errors = [], []
    for item in read_records(input):
        if isinstance(item, LineError):
            errors.append(item)
            typer.echo(f"error: {input.name} {item}", err=True)
        else:
            number, record = item
            records.append((str(record.get("id", f"line-{number}")), record["text"]))
    pipeline = _load_pipeline()
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        progress = tqdm(total=len(records), unit="referral", disable=len(records) < PROGRESS_MIN_LINES, file=sys.stderr)
        for suggestion in pipeline.suggest_many((text, narrative_id) for narrative_id, text in records):
            sink.write(suggestion.model_dump_json() + "\n")
            progress.update(1)
        progress.close()
    finally:
        if output:
            sink.close()
    typer.echo(f"{len(records)} suggestion(s) written, {len(errors)} line(s) rejected", err=True)
    if errors:
        raise typer.Exit(1)


@app.command()
def context(
    input: Annotated[Path, typer.Option("--input", help="JSON lines {\"id\", \"text\", \"target\"}.")],
) -> None:
    """Print the context flags the rules give each target (for rule authors)."""
    from nlp.cli.jsonl import LineError, read_records
    from nlp.pipeline import NarrativeError, ThresholdAssist

    if not input.is_file():
        _fail(f"no such file: {input}")
    pipeline = ThresholdAssist.load(embeddings=False)  # context needs no embeddings
    failed = 0
    for item in read_records(input, required=("text", "target")):
        if isinstance(item, LineError):
            failed += 1
            typer.echo(f"error: {input.name} {item}", err=True)
            continue
        number, record = item
        try:
            flags = pipeline.context_of(record["text"], str(record["target"]))
        except NarrativeError as exc:
            failed += 1
            typer.echo(f"error: {input.name} line {number}: {exc}", err=True)
            continue
        typer.echo(json.dumps({"id": record.get("id", f"line-{number}"), **flags}))
    if failed:
        raise typer.Exit(1)


@catalogue_app.command("export")
def catalogue_export(
    output: Annotated[Path, typer.Option("--output", help="Write the catalogue as a JSON list here.")],
) -> None:
    """Export every catalogue entry as a JSON list."""
    from nlp.catalogue import CatalogueError, load_catalogue

    try:
        catalogue = load_catalogue()
    except CatalogueError as exc:
        _fail(str(exc))
    entries = [entry.model_dump(mode="json") for entry in catalogue]
    output.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"{len(entries)} entries (catalogue {catalogue.version}) written to {output}", err=True)


@catalogue_app.command("validate")
def catalogue_validate() -> None:
    """Load the catalogue and report the first problem, naming the entry and field."""
    from nlp.catalogue import CatalogueError, load_catalogue

    try:
        catalogue = load_catalogue()
    except CatalogueError as exc:
        _fail(str(exc), code=1)
    typer.echo(f"catalogue {catalogue.version}: {len(catalogue)} entries ok")


def _register_training_commands() -> None:
    from training.cli import register

    register(app)


def _register_service_commands() -> None:
    from service.cli import register

    register(app)


def _register_qa_commands() -> None:
    from service.qa.cli import register

    register(app)


_register_training_commands()
_register_service_commands()
_register_qa_commands()

if __name__ == "__main__":
    app()
