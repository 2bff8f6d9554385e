"""App Home: a pure function from HomeData to a Block Kit view (at most 100 blocks)."""

from __future__ import annotations

from typing import Any, Callable

from commands.base import Translate, escape, when_text
from commands.blocks import VIEW_BLOCKS, divider, header, section, view_blocks
from storage.home import HomeData

MAX_BLOCKS = VIEW_BLOCKS


def build_home(t: Translate, data: HomeData, name: Callable[[str], str]) -> dict[str, Any]:
    """The Home tab of one user: departments, issues, meetings, wins (people by `name`: commands.people.Names); a
    first-steps guide when empty."""
    blocks: list[dict[str, Any]] = [header(t("home.title"))]
    newcomer = not data.departments and not data.issues and not data.wins
    if newcomer:
        blocks += [*section(t("home.welcome")), *section(t("home.first_steps")), divider()]

    lines = [
        t(
            "home.department_line",
            department=escape(d.department),
            project=escape(d.project),
            channel=f"<#{d.channel_id}>" if d.channel_id else "",
        )
        for d in data.departments
    ]
    blocks += section("\n".join([t("home.my_departments"), *(lines or [t("home.no_departments")])]))

    lines = [
        t(
            "home.issue_line",
            number=i.number,
            title=escape(i.title),
            status=t(f"status.{i.status}"),
            waiting=t("home.waiting_on_you", department=escape(i.waiting_on)) if i.waiting_on else "",
        )
        for i in data.issues
    ]
    if data.more_issues:
        lines.append(t("home.more", count=data.more_issues))
    blocks += section("\n".join([t("home.my_issues"), *(lines or [t("home.no_issues")])]))

    lines = [
        t("home.meeting_line", when=when_text(t, m.starts_at, year=False), title=escape(m.title), project=escape(m.project))
        for m in data.meetings
    ]
    blocks += section("\n".join([t("home.next_meetings"), *(lines or [t("home.no_meetings")])]))

    lines = [
        t("home.win_line", text=escape(w.text), department=escape(w.department) or t("win.from_leads"), user=name(w.user_id))
        for w in data.wins
    ]
    blocks += section("\n".join([t("home.latest_wins"), *(lines or [t("home.no_wins")])]))
    return {"type": "home", "blocks": view_blocks(blocks, t=t)}
