"""App Home: a pure function from HomeData to a Block Kit view (at most 100 blocks)."""

from __future__ import annotations

from typing import Any

from commands.base import Translate, escape, when_text
from storage.home import HomeData

MAX_BLOCKS = 100
SECTION_LIMIT = 3000


def _section(text: str) -> dict[str, Any]:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def build_home(t: Translate, data: HomeData) -> dict[str, Any]:
    """The Home tab of one user: departments, issues, meetings, wins; a first-steps guide when empty."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": t("home.title")}}]
    newcomer = not data.departments and not data.issues and not data.wins
    if newcomer:
        blocks += [_section(t("home.welcome")), _section(t("home.first_steps")), {"type": "divider"}]

    lines = [t("home.department_line", department=escape(d.department), project=escape(d.project),
               channel=f"<#{d.channel_id}>" if d.channel_id else "") for d in data.departments]
    blocks.append(_section("\n".join([t("home.my_departments"), *(lines or [t("home.no_departments")])])))

    lines = [t("home.issue_line", number=i.number, title=escape(i.title), status=t(f"status.{i.status}"),
               waiting=t("home.waiting_on_you", department=escape(i.waiting_on)) if i.waiting_on else "")
             for i in data.issues]
    if data.more_issues:
        lines.append(t("home.more", count=data.more_issues))
    blocks.append(_section("\n".join([t("home.my_issues"), *(lines or [t("home.no_issues")])])))

    lines = [t("home.meeting_line", when=when_text(t, m.starts_at, year=False), title=escape(m.title),
               project=escape(m.project)) for m in data.meetings]
    blocks.append(_section("\n".join([t("home.next_meetings"), *(lines or [t("home.no_meetings")])])))

    lines = [t("home.win_line", text=escape(w.text), department=escape(w.department), user=w.user_id) for w in data.wins]
    blocks.append(_section("\n".join([t("home.latest_wins"), *(lines or [t("home.no_wins")])])))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}
