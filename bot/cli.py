"""The `renkei` command line: serve, console, check, db.

Every message is in the configured language, typer's own usage errors (a missing option, an unknown one, a bad
value, an unknown command) included: `main` runs the command line without typer's standalone handling and words
click's exception (its class and fields: the option, the value's type, the command) from the catalog's `cli.*`.
"""

from __future__ import annotations

import difflib
import gc
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
import yaml

from bot.i18n import LANGUAGES, Translator
from bot.messages import project_file_problems
from bot.settings import Settings, SettingsError, load_settings
from storage.enums import OutboxStatus
from storage.projectfile import ProjectFileError, declared_language, load_project_file

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="Renkei (連携): the departments' coordination bot.")
db_cli = typer.Typer(no_args_is_help=True, help="Database: migrations and backups.")
cli.add_typer(db_cli, name="db")
jobs_cli = typer.Typer(no_args_is_help=True, help="Scheduled jobs: list them, run one firing.")
cli.add_typer(jobs_cli, name="jobs")
outbox_cli = typer.Typer(no_args_is_help=True, help="Messages to Slack not sent yet: list them, send failed ones again.")
cli.add_typer(outbox_cli, name="outbox")


def _translator() -> Translator:
    """The configured language before the project file is loaded (bot.bootstrap.effective_language, read leniently):
    RENKEI_LANG from the environment or `.env`, else `language:` of `renkei.yml`, else Japanese."""
    try:
        settings: Settings | None = load_settings()
    except SettingsError:  # said in the configured language as far as it can be read
        settings = None
    lang = settings.renkei_lang if settings else os.environ.get("RENKEI_LANG")
    if lang not in LANGUAGES:
        config = settings.renkei_config if settings else os.environ.get("RENKEI_CONFIG", "renkei.yml")
        lang = declared_language(config)  # within the project file's limits; a file that cannot be read: None
    return Translator(lang if isinstance(lang, str) and lang in LANGUAGES else "ja")


def _fail(lines: list[str] | str, code: int = 1) -> NoReturn:
    """Say why, and stop: exit status 1 when the world is not as the command needs (a setting, the project file,
    Slack, a failed write)."""
    for line in [lines] if isinstance(lines, str) else lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _refuse(lines: list[str] | str) -> NoReturn:
    """A value given on the command line that cannot be used, found before any work: exit status 2, as click's own
    usage errors."""
    _fail(lines, 2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(_translator()(exc.key, **exc.params))
        raise  # unreachable: _fail exits


@cli.command()
def serve(
    http: bool = typer.Option(False, "--http", help="Serve signed HTTP requests (default without SLACK_APP_TOKEN)."),
    socket: bool = typer.Option(False, "--socket", help="Use Socket Mode (default with SLACK_APP_TOKEN)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="HTTP port (default: PORT or 3000)."),
) -> None:
    """Run the listeners and the scheduler."""
    if http and socket:
        _refuse(_translator()("serve.both_modes"))

    from bot.app import MAX_REQUEST_BYTES, create_app, create_wsgi
    from bot.bootstrap import bootstrap
    from bot.courier import Courier
    from bot.scheduler import add_jobs, add_outbox_watch, make_scheduler
    from reminders.firing import catch_up

    settings = _settings()
    socket_mode = socket or (bool(settings.slack_app_token) and not http)
    t = _translator()
    try:
        settings.require_for_serve(socket_mode=socket_mode)
        services = bootstrap(settings)
    except SettingsError as exc:
        _fail(t(exc.key, **exc.params))
    except ProjectFileError as exc:
        _fail(project_file_problems(t, exc))
    t = services.translator()
    from bot.workspace import resume_if_allowed

    if resume_if_allowed(services):  # reinstalled after app_uninstalled / tokens_revoked: what waited goes out now
        typer.echo(t("serve.resumed"))
    app = create_app(services)
    # The courier sends what commands and firings store and runs the follow-ups they stored, on threads of its own;
    # what a previous run stored but could not send or run goes out first.
    courier = Courier(services.gateway, workers=settings.renkei_delivery_workers).start()
    scheduler = make_scheduler(services.project_file.timezone)
    add_outbox_watch(scheduler, services)
    catch_up(services)  # firings missed while no instance ran, once, if still useful
    add_jobs(scheduler, services)
    scheduler.start()
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            typer.echo(t("serve.starting_socket"))
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            from waitress import serve as waitress_serve

            port = port or settings.port
            typer.echo(t("serve.starting_http", port=port))
            waitress_serve(
                create_wsgi(app, services),
                host="0.0.0.0",
                port=port,
                threads=8,
                ident="renkei",
                max_request_body_size=MAX_REQUEST_BYTES,
            )  # 413 on a larger declared body, unread
    finally:
        scheduler.shutdown(wait=False)
        courier.stop()
        services.close()  # the follow-ups finish; the database connections are given back


@cli.command()
def console(user: str = typer.Option(None, "--user", help="Slack user id to act as (default: the first person).")) -> None:
    """The bot in the terminal, without Slack: what each command and job posts where (sample project if no renkei.yml)."""
    from bot.console import run_console

    def prompt(text: str) -> None:
        typer.echo(text, nl=False)

    run_console(_settings(), user=user, stdin=sys.stdin, out=typer.echo, prompt=prompt if sys.stdin.isatty() else None)


@cli.command()
def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Folder for renkei.yml, the database and the report."),
    weeks: int = typer.Option(4, "--weeks", min=1, max=12, help="How many weeks of activity to play."),
    force: bool = typer.Option(False, "--force", help="Replace a demo database already in the folder."),
) -> None:
    """A sample 引越しワンストップ化 project with weeks of activity, its digest and its Excel report."""
    from bot.demo import run_demo

    code = run_demo(out, weeks=weeks, lang=_settings().renkei_lang or "ja", echo=typer.echo, force=force)
    if code:
        raise typer.Exit(code)


@cli.command()
def sync() -> None:
    """Apply renkei.yml in Slack: channels per project department and for leads, purposes, invitations."""
    from bot.bootstrap import bootstrap
    from commands.channels import format_report, sync_channels
    from commands.people import name_everyone

    settings = _settings()
    t = _translator()
    if not settings.slack_bot_token:
        _fail(t("settings.missing_bot_token"))
    try:
        services = bootstrap(settings)
    except ProjectFileError as exc:
        _fail(project_file_problems(t, exc))
    t = services.translator()
    with services.session() as session:
        report = sync_channels(session, services.gateway, t)
        name_everyone(session, services.gateway, services.project_file.people)  # everyone listed, named by Slack
    typer.echo(format_report(t, report))
    if not report.ok:
        raise typer.Exit(1)


@cli.command()
def check(manifest: Path = typer.Option(None, "--manifest", help="manifest.yml whose bot scopes the token needs.")) -> None:
    """Validate renkei.yml (every problem at once) and, with a token, the token and its scopes."""
    settings = _settings()
    t = _translator()
    failed = False
    try:
        project_file = load_project_file(settings.renkei_config)
        typer.echo(
            t(
                "config.ok",
                file=settings.renkei_config,
                departments=len(project_file.departments),
                projects=len(project_file.projects),
            )
        )
    except ProjectFileError as exc:
        failed = True
        for line in project_file_problems(t, exc):
            typer.echo(line, err=True)
    if not settings.slack_bot_token:
        typer.echo(t("check.no_token"))
    else:
        from bot.resources import manifest_path
        from bot.slack_check import check_token

        path = manifest or manifest_path()
        try:
            wanted = yaml.safe_load(path.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"]
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            _fail(t("check.manifest_unreadable", file=path))
        ok, lines = check_token(settings, t, wanted)
        failed = failed or not ok
        for line in lines:
            typer.echo(line, err=not ok)
    if failed:
        raise typer.Exit(1)


def _services(*, need_token: bool):
    from bot.bootstrap import bootstrap

    settings = _settings()
    t = _translator()
    if need_token and not settings.slack_bot_token:
        _fail(t("settings.missing_bot_token"))
    try:
        return bootstrap(settings)
    except ProjectFileError as exc:
        _fail(project_file_problems(t, exc))


def _slack(services):
    """Slack, for the names a file or digest lacks (users.info, bounded and cached), when a token is set; else None:
    renkei.yml's `people:` and the cache name people, the others are 名前未登録."""
    return services.gateway if services.settings.slack_bot_token else None


def _project(services, slug: str):
    from storage.directory import find_project

    t = services.translator()
    with services.session() as session:
        project = find_project(session, slug)
    if project is None or services.project_file.project(slug) is None:
        _refuse(t("digest.unknown_project", project=slug, known=", ".join(p.slug for p in services.project_file.projects)))
    return project


# The days a report can cover: none before 2000 (no municipality ran Renkei then), none past the century, and at
# most REPORT_YEARS in one export (five fiscal years: 2021/4/1 to 2026/3/31).
EARLIEST_DAY, LATEST_DAY, REPORT_YEARS = (2000, 1, 1), (2099, 12, 31), 5


def _date(t, value: str | None, today):
    """A `--from`/`--to` day as people write it (commands.dates.read_date); a date without its year lies in this
    fiscal year (`--from 4/1 --to 3/31`). One outside EARLIEST_DAY … LATEST_DAY is refused with the range."""
    import datetime as dt

    from words.dates import AmbiguousDate, ambiguous_text, date_text, read_date

    if value is None:
        return None
    try:
        day = read_date(value, today, fiscal=True)
    except AmbiguousDate as problem:
        _refuse(ambiguous_text(t, problem))
    except (ValueError, OverflowError):  # a year no calendar reaches (`令和9999年`)
        day = None
    if day is None:
        first = today.replace(day=1)  # examples computed from today, never a date that will pass
        _refuse(t("report.bad_date", value=value, examples=f"`{first.month}/1`・`{date_text(t, 'wareki', first)}`・`今日`"))
    earliest, latest = dt.date(*EARLIEST_DAY), dt.date(*LATEST_DAY)
    if not earliest <= day <= latest:
        _refuse(t("report.day_out_of_range", value=value, day=day, earliest=earliest, latest=latest))
    return day


def _years_later(day, years: int):
    """The same day `years` later (29 February: 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


def _output(t, out: Path, *, force: bool) -> Path:
    """`--out`, checked before any work: an .xlsx file in a folder that exists, not a folder, and not a file that
    exists unless `--force` says to replace it."""
    if out.is_dir():
        _refuse(t("report.out_is_folder", file=out, example=out / "進捗.xlsx"))
    if out.suffix.lower() != ".xlsx":
        _refuse(t("report.out_not_xlsx", file=out, example=out.with_suffix(".xlsx") if out.suffix else f"{out}.xlsx"))
    folder = out.parent
    if not folder.is_dir():
        _refuse(t("report.out_no_folder", folder=folder))
    if (out.exists() or out.is_symlink()) and not force:
        _refuse(t("report.out_exists", file=out))
    return out


@cli.command()
def export(
    project: str = typer.Option(..., "--project", help="Project slug from renkei.yml."),
    start: str = typer.Option(
        None, "--from", help="First day: 4/1, 令和8年4月1日, 2026-04-01, 今日 … (no year: this fiscal year); default: this month."
    ),
    end: str = typer.Option(
        None, "--to", help="Last day (as --from); default: today. With neither, until a business day has ended: last month."
    ),
    out: Path = typer.Option(..., "--out", help="The .xlsx file to write, in a folder that exists."),
    detail: bool = typer.Option(False, "--detail", help="Add one row per stand-up answer."),
    force: bool = typer.Option(False, "--force", help="Replace the --out file if it exists."),
) -> None:
    """Write the Excel progress report of a project."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from commands.report import make_report, report_period

    out = _output(_translator(), out, force=force)
    services = _services(need_token=False)
    t = services.translator()
    found = _project(services, project)
    today = dt.datetime.now(ZoneInfo(services.project_file.timezone)).date()
    if start is None and end is None:
        first, last = report_period(today, services.calendar)  # this month, or last month on its first business day
    else:
        first, last = _date(t, start, today) or today.replace(day=1), _date(t, end, today) or today
    if first > last:
        _refuse(t("report.bad_range", start=first, end=last))
    if last >= _years_later(first, REPORT_YEARS):
        _refuse(t("report.period_too_long", start=first, end=last, years=REPORT_YEARS))
    existed = out.exists() or out.is_symlink()
    failure, hook = None, sys.unraisablehook
    try:
        with services.session() as session:
            path = make_report(
                session,
                found,
                start=first,
                end=last,
                out=out,
                calendar=services.calendar,
                project_file=services.project_file,
                t=t,
                detail=detail,
                slack=_slack(services),
            )
    except OSError as exc:  # the disk is full (/dev/full), the folder went away or may not be written to …
        # the half-built workbook's own clean-up (its zip file, its sheets' writers) fails the same way when the
        # exception lets go of it: said once, below, not as Python's "Exception ignored" tracebacks
        sys.unraisablehook = lambda _: None
        failure = exc.strerror or type(exc).__name__
    if failure is not None:
        gc.collect()  # what the workbook left in cycles goes now, quietly
        sys.unraisablehook = hook
        if not existed:
            out.unlink(missing_ok=True)  # no half-written workbook left behind
        _fail(t("report.write_failed", file=out, detail=failure))
    typer.echo(t("report.written", file=path, project=found.name, start=first, end=last))


@cli.command()
def digest(
    project: str = typer.Option(..., "--project", help="Project slug from renkei.yml."),
    post: bool = typer.Option(False, "--post", help="Post it to the leads channel instead of printing it."),
) -> None:
    """Print this week's digest, or post it to the leads channel."""
    from bot.render import message_lines
    from commands.people import Names, known_names
    from commands.report import digest_for

    services = _services(need_token=post)
    t = services.translator()
    found = _project(services, project)
    with services.session() as session:
        text, blocks = digest_for(
            session, found, project_file=services.project_file, calendar=services.calendar, t=t, slack=_slack(services)
        )
        person = Names(t, known_names(session, services.project_file.people, t))
    if not post:  # as people read it: no Slack markup, names for mentions (as `renkei demo` prints it)
        lines, _ = message_lines(text, blocks, person=person, channel=lambda c: c)
        typer.echo("\n".join(lines))
        return
    if not found.leads_channel_id:
        _fail(t("digest.no_leads_channel"))
    import datetime as dt

    stamp = dt.datetime.now(dt.timezone.utc).isoformat()
    outcome = services.gateway.post_message(
        key=f"digest-cli:{found.slug}:{stamp}", channel=found.leads_channel_id, text=text, blocks=blocks
    )
    if outcome.status == OutboxStatus.FAILED:
        _fail(outcome.error or "failed")
    typer.echo(t("digest.posted"))


@jobs_cli.command("list")
def jobs_list() -> None:
    """Every scheduled job: id, what it does, next run in local time (a firing moved off a closed day says so)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from commands.base import format_table, when_text
    from reminders.firing import describe, job_specs, moved_note, upcoming

    services = _services(need_token=False)
    t = services.translator()
    zone = ZoneInfo(services.project_file.timezone)
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for spec in job_specs(services):
        moment = upcoming(spec, now)
        what = describe(services, spec)
        local = moment.astimezone(zone) if moment else None
        rows.append([spec.id, what, when_text(t, local) + moved_note(services, spec, local) if local else t("jobs.no_next")])
    typer.echo(format_table([t("jobs.header_id"), t("jobs.header_what"), t("jobs.header_next")], rows))
    from storage.deliveries import failed_firings
    from storage.models import as_utc

    with services.session() as session:
        failed = failed_firings(session)
    if failed:  # what did not go out, and why: each is run again by its rule (catch-up, `renkei jobs run --at`)
        typer.echo(t("jobs.failed_header", count=len(failed)))
        for row in failed:
            when = when_text(t, as_utc(row.scheduled_at).astimezone(zone))
            typer.echo(t("jobs.failed_line", job=row.job_id, when=when, error=(row.error or "")[:200]))


@jobs_cli.command("run")
def jobs_run(
    job_id: str = typer.Argument(..., help="e.g. standup:moving"),
    at: str = typer.Option(
        None,
        "--at",
        help="Run as the firing scheduled at this time: '今日 09:30', '昨日 9時', 2026-12-01T09:30 … (default: now).",
    ),
) -> None:
    """Run one firing now; a firing already delivered is not delivered again."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from reminders.firing import fire, silent_reason
    from storage import outbox
    from words.dates import AmbiguousDate, ambiguous_text, read_moment

    services = _services(need_token=True)
    t = services.translator()
    zone = ZoneInfo(services.project_file.timezone)
    scheduled = None
    if at:
        try:
            scheduled = read_moment(at, dt.datetime.now(zone))
        except AmbiguousDate as problem:
            _refuse(ambiguous_text(t, problem))
        if scheduled is None:
            _refuse(t("jobs.bad_at", example=dt.datetime.now(zone).strftime("%Y-%m-%dT09:30")))
        earliest, latest = dt.date(*EARLIEST_DAY), dt.date(*LATEST_DAY)
        if not earliest <= scheduled.date() <= latest:
            _refuse(t("jobs.at_out_of_range", value=at, earliest=earliest, latest=latest))
    result = fire(services, job_id, scheduled)
    if result.status == "unknown" or result.scheduled_at is None:  # only an unknown job has no time
        _refuse(t("jobs.unknown", job=job_id))
    finished = services.gateway.flush_pending()  # e.g. what a run cut short stored but did not send
    when = result.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    silent = silent_reason(result)  # a firing that sends nothing always says why
    if silent is None:
        typer.echo(t("jobs.delivered", job=job_id, when=when, count=result.channels))
    elif result.status == "delivered":  # it ran and found nothing to send
        typer.echo(t("jobs.nothing_sent", job=job_id, when=when, reason=t(f"jobs.reason.{silent}")))
    else:
        typer.echo(t(f"jobs.{result.status}", job=job_id, when=when, reason=t(f"jobs.reason.{silent}")))
    if result.status == "duplicate" and finished:
        typer.echo(t("jobs.finished", count=finished))
    with services.session() as session:
        left = outbox.waiting(session, f"{job_id}@{result.scheduled_at.astimezone(dt.timezone.utc).isoformat()}")
    if left:
        typer.echo(t("jobs.unsent", count=left))


@outbox_cli.command("list")
def outbox_list(failed: bool = typer.Option(False, "--failed", help="Only messages given up on.")) -> None:
    """Messages not sent yet (waiting, being sent, failed), newest first, with Slack's last error."""
    from zoneinfo import ZoneInfo

    from commands.base import format_table
    from storage import outbox

    services = _services(need_token=False)
    t = services.translator()
    zone = ZoneInfo(services.project_file.timezone)
    with services.session() as session:
        rows = outbox.messages(session, failed_only=failed)
    if not rows:
        typer.echo(t("outbox.none_failed" if failed else "outbox.none"))
        return
    table = [
        (
            row.id,
            t(f"outbox.status.{row.status}"),
            row.attempts,
            _local(row.created_at, zone),
            _local(row.next_attempt_at, zone) if row.next_attempt_at and row.status == "pending" else "",
            row.last_error or "",
            row.idempotency_key,
        )
        for row in rows
    ]
    header = [t(f"outbox.header_{name}") for name in ("id", "status", "attempts", "created", "next", "error", "key")]
    typer.echo(format_table(header, table))


@outbox_cli.command("retry")
def outbox_retry(
    ids: list[int] = typer.Argument(None, help="Ids from `renkei outbox list`."),
    all_failed: bool = typer.Option(False, "--all", help="Every failed message."),
) -> None:
    """Send failed messages again (after fixing the cause: the bot invited, a channel restored …)."""
    from storage import outbox

    services = _services(need_token=True)
    t = services.translator()
    if bool(ids) == all_failed:
        _refuse(t("outbox.retry_usage"))
    with services.session() as session:
        again = outbox.retry(session, None if all_failed else list(ids))
    if ids and len(again) < len(set(ids)):
        typer.echo(t("outbox.not_failed", ids=", ".join(str(i) for i in sorted(set(ids) - set(again)))))
    if not again:
        _fail(t("outbox.nothing_to_retry"))
    sent = services.gateway.flush_pending()
    typer.echo(t("outbox.retried", count=len(again), sent=sent))


def _local(moment, zone) -> str:
    from storage.models import as_utc

    return as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    typer.echo(_translator()("db.upgraded", url=engine.url.render_as_string(hide_password=True)))


@db_cli.command("backup")
def db_backup(file: Path = typer.Argument(..., help="Where to write the copy.")) -> None:
    """Copy a live SQLite database safely (online backup API); PostgreSQL users get pg_dump advice."""
    import sqlite3

    from storage.db import backup_sqlite, is_sqlite, make_engine

    t = _translator()
    engine = make_engine(_settings().database_url)
    if not is_sqlite(engine):
        _fail(t("db.backup_postgres"))
    if file.exists() or file.is_symlink():
        _refuse(t("db.backup_exists", file=file))
    if not file.parent.is_dir():
        _refuse(t("db.backup_no_folder", folder=file.parent))
    try:
        backup_sqlite(engine, file)
    except FileExistsError:  # made meanwhile
        _refuse(t("db.backup_exists", file=file))
    except (OSError, sqlite3.Error) as exc:
        _fail(t("db.backup_failed", file=file, detail=str(exc)))
    typer.echo(t("db.backup_done", file=file))


@db_cli.command("revision")
def db_revision(message: str = typer.Argument(..., help="What the migration does, in English; it names the file.")) -> None:
    """Write the next migration (from a checkout): what storage/models.py changed, autogenerated by Alembic.

    The models are compared with a fresh SQLite file migrated to the head (never the configured database), so the
    operations come out in batch mode, which works on SQLite and PostgreSQL alike. The revision is the next number
    (0005 after 0004). With no model change the file is empty, ready for a hand-written data migration. Prints the
    new file's path: read it, and keep what Alembic cannot see (server defaults for existing rows, data) by hand.
    """
    import tempfile

    from alembic import command
    from alembic.script import Script, ScriptDirectory

    from storage.db import make_engine
    from storage.migrate import alembic_config, upgrade

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        try:
            upgrade(engine)
            config = alembic_config(engine)
            head = ScriptDirectory.from_config(config).get_current_head()
            script = command.revision(config, message=message, autogenerate=True, rev_id=f"{int(head or 0) + 1:04d}")
        finally:
            engine.dispose()
    assert isinstance(script, Script), "one head: one new revision file"
    typer.echo(script.path)


# click's exceptions, as the installed typer raises them (its own copy of click, or click itself)
errors: Any = sys.modules[typer.BadParameter.__module__]


def program() -> str:
    """How to type `renkei` here: `renkei` when it is on PATH, else the script as it was typed (`.venv/bin/renkei`)."""
    return "renkei" if shutil.which("renkei") else (sys.argv[0] or "renkei")


def main() -> None:
    """Console-script entry point: the command line, its usage errors worded in the configured language."""
    logging.basicConfig(
        level=os.environ.get("RENKEI_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations speak only when something is wrong
    command = typer.main.get_command(cli)
    args = sys.argv[1:]
    try:
        code = command.main(args, prog_name=program(), standalone_mode=False)
    except errors.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `renkei` alone: the help, already shown (as typer does)
            if exc.format_message():
                typer.echo(exc.format_message(), err=True)
        else:
            for line in usage_problem(_translator(), command, args, exc):
                typer.echo(line, err=True)
        sys.exit(exc.exit_code)
    except errors.ClickException as exc:  # a file typer could not open …: click's own words
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Abort:  # Ctrl-C at a prompt, end of input
        typer.echo(_translator()("cli.aborted"), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def usage_problem(t: Translator, root: Any, args: list[str], exc: Any) -> list[str]:
    """A usage error as lines to print: what is wrong (the option, the argument, the command), then how to see the
    command's usage (`renkei digest --help`). Read from the exception's class and fields, never from its English text."""
    path, command, rest, unknown = locate(root, args)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:  # the command that refused, as typer names it
        path, command = ctx.command_path.split(" "), ctx.command
    if isinstance(exc, errors.MissingParameter) and exc.param is not None:
        problem = _missing(t, exc.param)
    elif isinstance(exc, errors.BadParameter):
        problem = _bad_value(t, exc.param, exc.param_hint)
    elif isinstance(exc, errors.NoSuchOption):
        choices = ", ".join(sorted(exc.possibilities or ()))
        problem = t("cli.no_such_option_choices" if choices else "cli.no_such_option", option=exc.option_name, options=choices)
    elif isinstance(exc, errors.BadOptionUsage):
        option = next((p for p in command.params if exc.option_name in (*p.opts, *p.secondary_opts)), None)
        flag = getattr(option, "is_flag", False)
        problem = t("cli.takes_no_value" if flag else "cli.needs_value", option=exc.option_name)
    elif unknown is not None:  # a word that is no command of the group it was given to
        close = ", ".join(difflib.get_close_matches(unknown, list(command.commands)))
        problem = t("cli.no_such_command_close" if close else "cli.no_such_command", command=unknown, commands=close)
    elif getattr(command, "commands", None) is not None:
        problem = t("cli.missing_command")
    elif extra := _extra_arguments(command, path, rest):
        problem = t("cli.extra_arguments", arguments=" ".join(extra))
    else:
        problem = t("cli.usage_error", message=exc.format_message())
    return [problem, t("cli.help_hint", help=" ".join([*path, "--help"]))]


def locate(root: Any, args: list[str]) -> tuple[list[str], Any, list[str], str | None]:
    """Where `args` lead in the command tree: the command path (`renkei jobs run`), the command, the arguments after
    its name, and the first word that names no command of its group (None when every one does)."""
    path, command, rest = [program()], root, list(args)
    while getattr(command, "commands", None) is not None:
        words = [arg for arg in rest if not arg.startswith("-")]
        if not words:
            break
        sub = command.commands.get(words[0])
        if sub is None:
            return path, command, rest, words[0]
        rest = rest[rest.index(words[0]) + 1 :]
        path, command = [*path, words[0]], sub
    return path, command, rest, None


def _extra_arguments(command: Any, path: list[str], rest: list[str]) -> list[str]:
    """The arguments a command was given beyond the ones it takes (parsed again leniently, as click parsed them)."""
    try:
        ctx = command.make_context(" ".join(path), list(rest), resilient_parsing=True)
    except Exception:  # noqa: BLE001 - only to name the extra words; the error is said without them
        return []
    return [str(arg) for arg in ctx.args]


def _param_name(param: Any, hint: Any = None) -> str:
    """An option as typed (`--project`), an argument as the usage shows it (`JOB_ID`)."""
    if hint:
        return hint if isinstance(hint, str) else " / ".join(hint)
    if getattr(param, "param_type_name", "") == "option":
        return " / ".join(param.opts)
    return str(getattr(param, "metavar", None) or param.name or "").upper()


def _missing(t: Translator, param: Any) -> str:
    if getattr(param, "param_type_name", "") == "option":
        return t("cli.missing_option", option=_param_name(param))
    return t("cli.missing_argument", argument=_param_name(param))


def _bad_value(t: Translator, param: Any, hint: Any) -> str:
    """`--weeks の値が正しくありません。1 から 12 までの整数で指定してください。`: which option, and what it takes."""
    problem = t("cli.bad_value", param=_param_name(param, hint) if param is not None or hint else "?")
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    kind = getattr(getattr(param, "type", None), "name", "")  # click itself: "integer", "integer range"
    if annotation is int or int in getattr(annotation, "__args__", ()) or str(kind).startswith("integer"):
        if low is not None and high is not None:
            problem += t("cli.expect_range", low=low, high=high)
        elif low is not None:
            problem += t("cli.expect_min", low=low)
        elif high is not None:
            problem += t("cli.expect_max", high=high)
        else:
            problem += t("cli.expect_integer")
    return problem
