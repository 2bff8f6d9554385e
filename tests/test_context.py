"""CommandContext: every field is required and typed; `context()` builds one for tests that run a command without
the services (and without Slack)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import pytest

from bot.i18n import Translator
from commands.base import ApiResult, CommandContext, Outcome, Translate
from reminders.calendar import BusinessCalendar, calendar_for
from storage.projectfile import ProjectFile, load_project_file
from tests.conftest import SAMPLE


class NoSlack:
    """A SlackPort for commands that must answer without Slack: any call fails the test."""

    def api(self, method: str, **params: Any) -> ApiResult:
        raise AssertionError(f"unexpected Slack call {method}")

    def post_message(self, *, key: str, channel: str, text: str, blocks: list[dict] | None = None, **extra: Any) -> Outcome:
        raise AssertionError(f"unexpected message to {channel}: {text}")

    def update_message(self, *, key: str, card_key: str, text: str, blocks: list[dict] | None = None) -> Outcome:
        raise AssertionError(f"unexpected update of {card_key}: {text}")

    def upload_file(self, *, key: str, user: str, path: Any, title: str, comment: str) -> Outcome:
        raise AssertionError(f"unexpected upload to {user}: {title}")


@functools.cache
def sample_project_file() -> ProjectFile:
    return load_project_file(SAMPLE)


def context(
    session: Any,
    *,
    user_id: str,
    channel_id: str | None = None,
    t: Translate | None = None,
    project_file: ProjectFile | None = None,
) -> CommandContext:
    """A CommandContext without the services: no Slack, the sample project file (or the one given) and its calendar."""
    project_file = project_file or sample_project_file()
    return CommandContext(
        session=session,
        user_id=user_id,
        channel_id=channel_id,
        t=t or Translator("ja"),
        slack=NoSlack(),
        timezone=project_file.timezone,
        project_file=project_file,
        calendar=calendar_for(project_file),
        reports_dir="excel-reports",
    )


def test_every_field_is_required():
    assert all(
        f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in dataclasses.fields(CommandContext)
    )
    with pytest.raises(TypeError):
        CommandContext(session=None, user_id="U1", channel_id=None, t=Translator("ja"))


def test_the_services_fill_every_field(services):
    with services.session() as session:
        ctx = services.context(session, user_id="U01SHIMIN", channel_id="C1")
    assert ctx.slack is services.gateway and ctx.project_file is services.project_file
    assert ctx.timezone == services.project_file.timezone == "Asia/Tokyo"
    assert isinstance(ctx.calendar, BusinessCalendar) and ctx.reports_dir == services.settings.renkei_reports_dir


def test_the_helper_gives_a_full_context_that_keeps_slack_out():
    ctx = context(None, user_id="U1")
    assert ctx.timezone == "Asia/Tokyo" and isinstance(ctx.calendar, BusinessCalendar)
    with pytest.raises(AssertionError, match="unexpected Slack call"):
        ctx.slack.api("auth.test")
