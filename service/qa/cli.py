"""`threshold qa sample`, `threshold qa report`, `threshold qa seed-demo`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

qa_app = typer.Typer(no_args_is_help=True, help="Quality assurance: samples, blind second reviews, the QA report.")


def _context():
    from service.cli import _context as context

    return context()


def _catalogue(ctx):
    from nlp.catalogue import load_catalogue
    from nlp.catalogue.loader import DEFAULT_CATALOGUE_DIR

    return load_catalogue(ctx.settings.threshold_catalogue_dir or DEFAULT_CATALOGUE_DIR)


@qa_app.command("sample")
def sample(
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day (UTC) of decisions to sample.")],
    end: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), inclusive.")],
    size: Annotated[int, typer.Option(min=1, help="Referrals to sample.")],
    stratify_by: Annotated[Optional[list[str]], typer.Option(
        "--stratify-by", help="final_level, screener, team, referrer_agency, overrode or tool_flag; repeatable.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Same seed, criteria and data: same sample. Generated when omitted.")] = None,
    oversample_disagreement: Annotated[bool, typer.Option(help="Weight strata where screener and suggestion disagree x2.")] = True,
    unsure_below: Annotated[Optional[float], typer.Option(help="Also weight referrals whose top level probability is below this.")] = None,
) -> None:
    """Draw a stratified sample of decided referrals and assign blind second reviews."""
    from pydantic import ValidationError

    from service.qa.schemas import SampleCreate
    from service.qa.store import SampleInvalid, draw_sample

    try:
        payload = SampleCreate(period_start=start.date(), period_end=end.date(), size=size, stratify_by=stratify_by or [],
                               seed=seed, oversample_disagreement=oversample_disagreement, unsure_below=unsure_below)
    except ValidationError as exc:
        typer.echo("error: " + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'criteria'}: {e['msg']}" for e in exc.errors()), err=True)
        raise typer.Exit(2)
    try:
        drawn = draw_sample(_context(), None, payload)
    except SampleInvalid as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"sample {drawn.id}: {len(drawn.items)} of {drawn.population} decided referrals, seed {drawn.seed}")
    for item in drawn.items:
        stratum = ", ".join(f"{k}={v}" for k, v in item.stratum.items()) or "-"
        typer.echo(f"  review {item.review_id}  referral {item.referral_id}  reviewer {item.reviewer}  [{stratum}]")


@qa_app.command("report")
def report(
    output: Annotated[Path, typer.Option(help="Directory for report.html and figures.csv.")],
    period: Annotated[Optional[str], typer.Option(help="2026-05, 2026-Q2, 2026 or 2026-01-01..2026-03-31.")] = None,
    start: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="First day (UTC), instead of --period.")] = None,
    end: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), inclusive.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")] = 0,
) -> None:
    """Write the QA report (report.html) and its figures (figures.csv) for a period."""
    from service.qa.period import parse_period
    from service.qa.store import SampleInvalid, qa_report

    if period is not None:
        try:
            first, last = parse_period(period)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
    elif start is not None and end is not None:
        first, last = start.date(), end.date()
    else:
        typer.echo("error: give --period, or both --start and --end", err=True)
        raise typer.Exit(2)
    ctx = _context()
    try:
        result = qa_report(ctx, "cli", first, last, catalogue=_catalogue(ctx), seed=seed)
    except SampleInvalid as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.html").write_text(result.html, encoding="utf-8")
    (output / "figures.csv").write_text(result.csv, encoding="utf-8")
    typer.echo(f"wrote {output / 'report.html'} and {output / 'figures.csv'} ({len(result.findings)} findings)")
    for finding in result.findings:
        typer.echo(f"  [{finding.severity}] {finding.message}")


@qa_app.command("seed-demo")
def seed_demo(
    referrals: Annotated[int, typer.Option(min=1, help="Simulated referrals to store.")] = 400,
    months: Annotated[int, typer.Option(min=1, help="Months of history.")] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 7,
    start: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="First day; default: `months` months ago.")] = None,
) -> None:
    """Store a simulated history (staff, referrals, decisions with planted tendencies, QA samples
    and second reviews) in the configured database, for demonstrations."""
    import pandas as pd

    from service.qa.seed import seed_history

    if start is None:
        first = pd.Timestamp.now(tz="UTC").normalize().replace(day=1) - pd.DateOffset(months=months)
        start = first.to_pydatetime()
    elif start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    summary = seed_history(_context(), seed, referrals, months, start)
    typer.echo(f"stored {summary.referrals} referrals and decisions, {summary.reviews} second reviews in {summary.samples} "
               f"samples, staff {', '.join(summary.users)}; decided {summary.start.date()} to {summary.end.date()}")


def register(app: typer.Typer) -> None:
    app.add_typer(qa_app, name="qa")
