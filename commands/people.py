"""People by name: what `people:` of renkei.yml calls each Slack user, else the name Slack gives (users.info, cached
for a day), a deleted user marked (退職・削除済み); for replies, cards, lists, App Home, the digest, the workbook and
the console.

Slack ids (`U01SHIMIN`) mean nothing to a reader. A person neither renkei.yml nor the cache names is still told apart,
politely: in Slack by a mention (Slack shows the name, and a follow-up asks users.info so the next reply names them),
in a file or the console as 名前未登録 with the id, so an administrator can add it.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from commands.base import SlackPort, Translate
from commands.later import Later, job, later
from storage.issues import BOT_ACTOR
from storage.people import cached_names, listed_people, remember, stale
from words.names import Names

if TYPE_CHECKING:
    from commands.base import CommandContext
    from storage.db import Session


def warm(names: Names) -> Later | None:
    """A follow-up asking Slack the names this reply could only mention (`names.missing`), so the next one names
    them; None when every name was known. Kept out of the acknowledgement: users.info is a call to Slack per person."""
    return later(ask_names, user_ids=sorted(names.missing)) if names.missing else None


@job
def ask_names(ctx: CommandContext, user_ids: list[str]) -> None:
    """The job of `Names.warm` and of names a follow-up left for later: ask Slack the names of `user_ids` nobody has
    named yet (never deferred: this is where they are asked)."""
    ask_unknown(ctx.session, ctx.slack, ctx.project_file.people, user_ids)


@dataclass
class Unnamed:
    """What a follow-up's cards could not name yet: the ids to ask Slack, and the jobs that show the cards again."""

    ids: set[str] = field(default_factory=set)
    refresh: list[Later] = field(default_factory=list)

    def then(self) -> Later:
        """The follow-up of its own: the names asked, then every card that mentioned them shown again, by name."""
        steps = later(ask_names, user_ids=sorted(self.ids))
        for again in self.refresh:
            steps = steps + again
        return steps


def renaming() -> str:
    """A version for a card shown again with names (`<card key>:vn<letters>`): unique, of letters only, so that a
    numbered version (a change) stored or sent after it supersedes it and it never reads as digits."""
    return uuid.uuid4().hex[:12].translate(str.maketrans("0123456789", "ghijklmnop"))


_UNNAMED: ContextVar[Unnamed | None] = ContextVar("renkei_unnamed", default=None)


@contextlib.contextmanager
def names_later() -> Iterator[Unnamed]:
    """Inside the block, `warm_names` asks Slack nothing: it notes the ids neither renkei.yml nor the cache names, and
    the job that shows their cards again, for a follow-up of their own (`Unnamed.then`) stored with the cards — so a
    follow-up's cards never wait on users.info: they mention such a person (Slack shows the name) until the names
    are known, then are updated in place."""
    unnamed = Unnamed()
    token = _UNNAMED.set(unnamed)
    try:
        yield unnamed
    finally:
        _UNNAMED.reset(token)


def known_names(session: Session, people: Mapping[str, str], t: Translate) -> dict[str, str]:
    """Names by Slack id: renkei.yml's `people:` first, else the users.info cache; a user Slack says is deleted is
    marked (佐藤 花子（退職・削除済み）). Reads the database only: safe in an acknowledgement."""
    cached = cached_names(session)
    names = {user_id: name for user_id, (name, _) in cached.items()} | dict(people)
    return {
        user_id: t("people.deleted", name=name) if cached.get(user_id, ("", False))[1] else name
        for user_id, name in names.items()
    }


def ask_unknown(session: Session, slack: SlackPort, people: Mapping[str, str], user_ids: Iterable[str | None]) -> None:
    """Ask Slack the names of those of `user_ids` neither renkei.yml nor the cache knows, before a card or a post
    names them. Calls users.info: for follow-ups and jobs only, never a command's acknowledgement."""
    unknown = unknown_ids(session, people, user_ids)
    if unknown:
        refresh_names(session, slack, unknown)


def unknown_ids(session: Session, people: Mapping[str, str], user_ids: Iterable[str | None]) -> set[str]:
    """Those of `user_ids` neither renkei.yml nor the cache names (the bot itself is named by the catalog)."""
    known = {**cached_names(session), **people}
    return {u for u in user_ids if u and u != BOT_ACTOR and u not in known}


def warm_names(ctx: CommandContext, user_ids: Iterable[str | None], refresh: Later | None = None) -> None:
    """`ask_unknown` in a command's context. Inside `names_later` (a follow-up) the unnamed ids are only noted, with
    `refresh`: the job that shows the card naming them again once Slack has named them."""
    unnamed = _UNNAMED.get()
    if unnamed is None:
        ask_unknown(ctx.session, ctx.slack, ctx.project_file.people, user_ids)
        return
    missing = unknown_ids(ctx.session, ctx.project_file.people, user_ids)
    unnamed.ids |= missing
    if missing and refresh is not None and refresh not in unnamed.refresh:
        unnamed.refresh.append(refresh)


def names_in_slack(ctx: CommandContext) -> Names:
    """Names for a Slack message from the command's context: known ones as text, the others as mentions."""
    return Names(ctx.t, known_names(ctx.session, ctx.project_file.people, ctx.t), in_slack=True)


MAX_LOOKUPS = 200  # users.info calls one refresh makes at most (Tier 4: about 100 a minute); the rest wait a day


def name_everyone(session: Session, slack: SlackPort, people: Mapping[str, str]) -> None:
    """Ask Slack the name of everyone who holds a role and whom renkei.yml's `people:` does not name (bounded, cached
    for a day): done at `renkei sync`, at `renkei serve`'s start and twice a day after, so that a name never depends
    on whether some earlier job happened to look the person up."""
    refresh_names(session, slack, listed_people(session) - set(people))


def refresh_names(session: Session, slack: SlackPort, user_ids: set[str], limit: int = MAX_LOOKUPS) -> None:
    """Ask Slack (users.info) for the names of `user_ids` not cached or cached more than a day ago, at most `limit`
    of them (the longest unnamed first: never cached, then the oldest); a user Slack does not answer for keeps the
    old name (or none). Never in a command's ack: follow-ups and jobs call this."""
    for user_id in stale(session, user_ids)[:limit]:
        answer = slack.api("users.info", user=user_id)
        if not answer.ok:
            continue
        user = answer.data.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name") or ""
        remember(session, user_id, str(name), deleted=bool(user.get("deleted")))
