"""The one place that builds every dependency; each can be overridden (tests pass their own)."""

from __future__ import annotations

import contextlib
import functools
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Iterator

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.gateway import INLINE_WORKERS, SlackGateway, make_web_client
from bot.i18n import Translator
from bot.settings import Settings
from commands.base import CommandContext, Reply
from reminders.calendar import BusinessCalendar, calendar_for
from storage import migrate
from storage.db import REQUEST_LOCK_WAIT_MS, make_engine, new_session
from storage.directory import apply_project_file
from storage.projectfile import ProjectFile, load_project_file

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a listener, job or CLI command needs, built once."""

    settings: Settings
    engine: Engine
    project_file: ProjectFile
    client: WebClient
    gateway: SlackGateway
    lang: str
    # `renkei serve`'s own bounded threads for follow-ups (slow work after an ack: a workbook, a sync), so that they
    # never hold Bolt's listener threads; None runs them in the listener's thread (CLI, console, tests).
    background: Executor | None = None

    @functools.cached_property
    def request_engine(self) -> Engine:
        """The same database for work a person waits on: a lock is waited for one second, not five, so that the
        person is told to try again (bot.interactions.Answer) well within Slack's three seconds."""
        url = self.engine.url.render_as_string(hide_password=False)
        return make_engine(url, lock_wait_ms=REQUEST_LOCK_WAIT_MS)

    def close(self) -> None:
        """Give back what the services hold: the follow-up threads (after their work) and both engines' connections."""
        if self.background is not None:
            self.background.shutdown(wait=True)
        if "request_engine" in self.__dict__:  # made on first use (functools.cached_property)
            self.request_engine.dispose()
        self.engine.dispose()

    @functools.cached_property
    def calendar(self) -> BusinessCalendar:
        """The municipality's business days, from the project file."""
        return calendar_for(self.project_file)

    def translator(self, lang: str | None = None) -> Translator:
        """A translator for `lang`, or for the configured language."""
        return Translator(lang or self.lang)

    def context(self, session: Session, *, user_id: str, channel_id: str | None) -> CommandContext:
        """What a command function needs to answer this user in this channel."""
        return CommandContext(
            session=session,
            user_id=user_id,
            channel_id=channel_id,
            t=self.translator(),
            slack=self.gateway,
            timezone=self.project_file.timezone,
            project_file=self.project_file,
            calendar=self.calendar,
            reports_dir=self.settings.renkei_reports_dir,
        )

    def follow_up(self, reply: Reply, *, user_id: str, channel_id: str | None) -> Reply | None:
        """Run a reply's follow-up (slow Slack work after the ack) with a fresh context for the same user and channel,
        in a session of its own; what it has to say later (None when it has nothing to say, or no follow-up).

        A failure is raised: the caller's wrapper (bot.interactions.Answer) logs it and tells the user.
        """
        if reply.followup is None:
            return None
        with self.work() as session:
            return reply.followup(self.context(session, user_id=user_id, channel_id=channel_id))

    @contextlib.contextmanager
    def work(self) -> Iterator[Session]:
        """A session for one piece of work that may post (a command, a button, a form, a follow-up).

        What it posts is collected (bot.gateway.SlackGateway.batch) and stored in the outbox by this session's last
        commit, right after the work's own writes and with no Slack call in between; it is sent after that (by the
        courier in `renkei serve`). Work that raises stores no message.
        """
        with self.gateway.batch() as batch:
            with self.request_session() as session:
                yield session
                batch.store(session)
                session.commit()
        batch.send()

    @contextlib.contextmanager
    def request_session(self) -> Iterator[Session]:
        """A session on `request_engine` (short lock waits), closed afterwards."""
        with new_session(self.request_engine) as session:
            yield session

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A database session, closed afterwards."""
        with new_session(self.engine) as session:
            yield session


def effective_language(settings: Settings, project_file: ProjectFile | None) -> str:
    """RENKEI_LANG when set, else the project file's `language`, else Japanese."""
    return settings.renkei_lang or (project_file.language if project_file else None) or "ja"


def bootstrap(
    settings: Settings,
    *,
    project_file: ProjectFile | None = None,
    engine: Engine | None = None,
    client: WebClient | None = None,
    upgrade: bool = True,
) -> Services:
    """Build the services: load and apply the project file, migrate the database, make the Slack client."""
    project_file = project_file or load_project_file(settings.renkei_config)
    engine = engine or make_engine(settings.database_url)
    if upgrade:
        migrate.upgrade(engine)
    with new_session(engine) as session:
        apply_project_file(session, project_file)
    if client is None:  # Slack itself; deliveries get a client that hands a 429 back to the outbox instead of sleeping
        client = make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        sender = make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_url, wait_on_429=False)
        workers = INLINE_WORKERS
    else:  # an in-memory Slack (console, demo): posts in the order they were made, as the console shows them
        sender, workers = client, 1
    gateway = SlackGateway(engine=engine, client=client, sender=sender, inline_workers=workers)
    return Services(
        settings=settings,
        engine=engine,
        project_file=project_file,
        client=client,
        gateway=gateway,
        lang=effective_language(settings, project_file),
    )
