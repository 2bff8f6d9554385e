"""The one place that builds every dependency; each can be overridden (tests pass their own)."""

from __future__ import annotations

import contextlib
import functools
import logging
from dataclasses import dataclass
from typing import Any, Iterator

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.gateway import INLINE_WORKERS, LATER, SlackGateway, make_web_client
from bot.i18n import Translator
from bot.settings import Settings
from commands import later
from commands.base import CommandContext, Reply
from commands.people import names_later
from reminders.calendar import BusinessCalendar, calendar_for
from storage import migrate, outbox
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

    def __post_init__(self) -> None:
        self.gateway.jobs = self.run_later  # the gateway runs the follow-ups it finds stored, with these services

    @functools.cached_property
    def request_engine(self) -> Engine:
        """The same database for work a person waits on: a lock is waited for one second, not five, so that the
        person is told to try again (bot.interactions.Answer) well within Slack's three seconds."""
        url = self.engine.url.render_as_string(hide_password=False)
        return make_engine(url, lock_wait_ms=REQUEST_LOCK_WAIT_MS)

    def close(self) -> None:
        """Give back what the services hold: both engines' connections."""
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
        """Run a reply's follow-up here and now, with a fresh context for the same user and channel, in a session of
        its own; what it has to say later (None when it has nothing to say, or no follow-up). A failure is raised.

        Slack's requests do not come here: they store the follow-up with the action (bot.interactions.Answer.keep) and
        the gateway runs it (`run_later`). This is for callers that hold no request: tests, scripts."""
        if reply.followup is None:
            return None
        with self.work() as session:
            return later.run(self.context(session, user_id=user_id, channel_id=channel_id), reply.followup.as_json())

    def run_later(self, message_id: int, attempt: int, payload: dict[str, Any]) -> bool:
        """Run a stored follow-up (the gateway's `jobs`, for a row it claimed under `attempt`): what its jobs store,
        the reply they have for the person (bot.gateway.SlackGateway.reply_later) and the row marked sent, in one
        commit; False, keeping nothing, when the claim was lost meanwhile (another sender took it over)."""
        with self.gateway.batch() as batch, names_later() as unnamed:
            with self.session() as session:
                ctx = self.context(session, user_id=payload["user"], channel_id=payload.get("channel"))
                reply = later.run(ctx, payload["steps"])
                # The unnamed are asked of Slack by a follow-up of their own (the cards are stored without waiting),
                # once: one Slack could not answer is not asked again and again (the next card asks).
                if unnamed.ids and not payload.get("naming"):
                    names = {**payload, "steps": unnamed.then().as_json(), "naming": True}
                    names |= {"key": f"{payload['key']}:names", "reply_to": None}
                    self.gateway.call(key=names["key"], method=LATER, payload=names)
                if reply is not None:
                    self.gateway.reply_later(
                        key=f"{payload['key']}:later",
                        user=payload["user"],
                        url=payload.get("reply_to"),
                        text=reply.text,
                        blocks=reply.blocks,
                    )
                batch.store(session)
                if not outbox.done_with(session, message_id, attempt):
                    session.rollback()
                    return False
                session.commit()
        batch.send(jobs=True)  # after the ack already: the names' follow-up may run here too (no courier)
        return True

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
