"""People by name: what `people:` of renkei.yml calls each Slack user, else the name Slack gives (cached), else a
mention in Slack or 名前未登録 in a file (commands/people.py asks Slack; this only words what is known)."""

from __future__ import annotations

from typing import Iterable, Mapping

from storage.issues import BOT_ACTOR
from words.base import Translate, escape


class Names:
    """A person's name by Slack id, with the fallback for people `people:` does not list; each id worded once."""

    def __init__(self, t: Translate, people: Mapping[str, str], *, in_slack: bool = False):
        self._t = t
        self._people = people
        self._in_slack = in_slack
        self._said: dict[str, str] = {}
        self.missing: set[str] = set()  # the ids named by a fallback: the ones users.info may still name

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
                self.missing.add(user_id)
            else:
                name = self._t("people.unknown", user=user_id)
                self.missing.add(user_id)
            self._said[user_id] = name
        return name

    def join(self, user_ids: Iterable[str], nobody: str) -> str:
        """`佐藤 花子, 鈴木 一郎`: the names of `user_ids` in their order, or `nobody`."""
        return ", ".join(self(u) for u in user_ids) or nobody
