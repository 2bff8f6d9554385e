"""People by name: what `people:` of renkei.yml calls each Slack user, else the name Slack gives (users.info, cached
for a day), for the workbook and the digest.

Slack ids (`U01SHIMIN`) mean nothing on paper. A person renkei.yml does not name is still told apart, politely:
in Slack by a mention (Slack shows the name), in a file as 名前未登録 with the id, so an administrator can add it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from commands.base import SlackPort, Translate, escape
from storage.issues import BOT_ACTOR
from storage.people import cached_names, remember, stale

if TYPE_CHECKING:
    from storage.db import Session


class Names:
    """A person's name by Slack id, with the fallback for people `people:` does not list; each id worded once."""

    def __init__(self, t: Translate, people: Mapping[str, str], *, in_slack: bool = False):
        self._t = t
        self._people = people
        self._in_slack = in_slack
        self._said: dict[str, str] = {}

    def __call__(self, user_id: str | None) -> str:
        """The name of `user_id`; empty for nobody."""
        if not user_id:
            return ""
        name = self._said.get(user_id)
        if name is None:
            known = self._people.get(user_id)
            if known is not None:
                name = escape(known) if self._in_slack else known  # a name is text in mrkdwn, like any user text
            elif user_id == BOT_ACTOR:
                name = self._t("people.bot")
            elif self._in_slack:
                name = f"<@{user_id}>"
            else:
                name = self._t("people.unknown", user=user_id)
            self._said[user_id] = name
        return name


def known_names(session: Session, people: Mapping[str, str]) -> dict[str, str]:
    """Names by Slack id: renkei.yml's `people:` first, else the users.info cache."""
    return {**cached_names(session), **people}


def refresh_names(session: Session, slack: SlackPort, user_ids: set[str]) -> None:
    """Ask Slack (users.info) for the names of `user_ids` not cached or cached more than a day ago; a user Slack
    does not answer for keeps the old name (or none). Never in a command's ack: follow-ups and jobs call this."""
    for user_id in stale(session, user_ids):
        answer = slack.api("users.info", user=user_id)
        if not answer.ok:
            continue
        user = answer.data.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name") or ""
        remember(session, user_id, str(name), deleted=bool(user.get("deleted")))
