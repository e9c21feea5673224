"""`threshold serve`, `threshold users add`, `threshold audit verify`, `threshold export-annotations`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
users_app = typer.Typer(no_args_is_help=True, help="Service accounts.")


def _context(load_pipeline: bool = False):
    """A service context on the configured database (DATABASE_URL), migrated to head."""
    from service.context import ServiceContext
    from service.db.engine import make_engine, make_sessions
    from service.db.migrate import upgrade
    from service.metrics import ServiceMetrics
    from service.settings import ServiceSettings

    settings = ServiceSettings()
    engine = make_engine(settings)
    upgrade(engine)
    pipeline = None
    if load_pipeline:
        from service.app import load_pipeline as load

        pipeline = load(settings)
    return ServiceContext(settings=settings, engine=engine, sessions=make_sessions(engine), pipeline=pipeline,
                          metrics=ServiceMetrics())


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the screener service (uvicorn) on the configured database."""
    import uvicorn

    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, log_level="info")


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[list[str], typer.Option("--role", help="screener, manager, qa, data_scientist or admin; repeatable.")],
    team: Annotated[Optional[str], typer.Option(help="Team code, e.g. mash-a.")] = None,
    password: Annotated[Optional[str], typer.Option(help="At least 12 characters; omit to be asked.", prompt=True, hide_input=True, confirmation_prompt=True)] = None,
) -> None:
    """Create an account."""
    from pydantic import ValidationError

    from service.db.tables import User
    from service.schemas import UserCreate
    from service.users import UserConflict, create_user

    try:
        payload = UserCreate(username=username, password=password, roles=role, team=team)
    except ValidationError as exc:
        typer.echo("error: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), err=True)
        raise typer.Exit(2)
    ctx = _context()
    try:
        created = create_user(ctx, User(id=0, username="cli", roles=["admin"]), payload)
    except UserConflict as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"created {created.username} with roles {', '.join(created.roles)}")


@audit_app.command("verify")
def verify() -> None:
    """Check the audit chain: exit 1 naming every altered or deleted event."""
    from service.audit import verify_chain

    ctx = _context()
    with ctx.sessions() as session:
        report = verify_chain(session)
    if report.intact:
        typer.echo(f"audit trail intact: {report.events} events")
        return
    for problem in report.problems:
        typer.echo(f"TAMPERED: {problem}", err=True)
    raise typer.Exit(1)


def export_annotations(
    output: Annotated[Path, typer.Option("--output", help="JSONL file to write.")],
) -> None:
    """Decided referrals as redacted annotated cases (names, DOBs, addresses... replaced)."""
    from nlp.redaction import Redactor
    from service.export import export_annotations as export

    cases = export(_context(), "cli", Redactor.load())
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {len(cases)} redacted cases to {output}")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("export-annotations")(export_annotations)
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
