"""The weekly digest for leads: who needs attention first, a table per department, the week's wins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from commands.base import Translate, escape, format_table
from commands.blocks import MESSAGE_BLOCKS, header, message, section
from storage.projectfile import EscalationSpec
from storage.summary import DepartmentSummary, Figures, ProjectSummary, Wait
from words.names import Names

MAX_BLOCKS = MESSAGE_BLOCKS
TABLE_ROWS_PER_BLOCK = 20  # keeps each code block well under a section's 3,000 characters: never split inside ```
LOW_ANSWER_RATE = 0.5
BLOCKER_LINES = 10  # the week's latest blockers; a count says how many more there were


@dataclass(frozen=True)
class Blocker:
    """A blocker named in a stand-up answer of the week (困っていること)."""

    day: dt.date
    department: str
    user_id: str
    text: str


def rate_text(figures: Figures) -> str:
    """The stand-up answer rate as a percentage, or '-' when no answer was expected."""
    rate = figures.answer_rate
    return "-" if rate is None else f"{rate:.0%}"


Owed = Sequence[tuple[Wait, str]]  # issues waiting on a department, each with the department that waits


def need(department: DepartmentSummary, *, standup_running: bool = True, owed: Owed = ()) -> tuple:
    """How much a department needs the leads, as a sort key (neediest first): the longest wait, then overdue issues,
    then a low stand-up answer rate, then escalations; renkei.yml's order among equals (the sort is stable).

    A department with no data yet (no liaisons, no stand-up running) sorts as one that answers everything.
    """
    f = department.figures
    rate = f.answer_rate if standup_running and f.answer_rate is not None else 1.0
    owed_longest = max((wait.business_days for wait, _ in owed), default=0)
    checking = max((c.business_days for c in department.checks), default=0)
    longest = max(f.longest_wait, owed_longest, checking)  # waiting, waited on, or to check IT's answer
    return (-longest, owed_longest < longest, -f.overdue, rate, -f.escalations)  # the one waited on first


def attention(
    t: Translate,
    department: DepartmentSummary,
    escalation: EscalationSpec,
    *,
    standup_running: bool = True,
    owed: Owed = (),
) -> list[str]:
    """Why a department needs the leads' attention: long waits, overdue issues, unanswered stand-ups, escalations.

    The answer rate is judged only once the project's stand-ups are asked (from its first prompt, or `start:`, this
    week or the one before): a department that simply has no data yet is not flagged, one nobody answers is.
    """
    reasons, f = [], department.figures
    owed_days = max((wait.business_days for wait, _ in owed), default=0)
    if owed_days >= escalation.nudge_after:  # the department others wait on: the one to ask first
        reasons.append(t("digest.reason_owed", count=len(owed), days=owed_days))
    if f.waiting and f.longest_wait >= escalation.nudge_after:
        reasons.append(t("digest.reason_wait", count=f.waiting, days=f.longest_wait))
    checking = max((c.business_days for c in department.checks), default=0)
    if checking >= escalation.nudge_after:  # IT answered: its reporters are to check and close
        reasons.append(t("digest.reason_check", count=len(department.checks), days=checking))
    if f.overdue:
        reasons.append(t("digest.reason_overdue", count=f.overdue))
    if standup_running and f.answer_rate is not None and f.answer_rate < LOW_ANSWER_RATE:
        reasons.append(t("digest.reason_standup", rate=rate_text(f)))
    if f.escalations:
        reasons.append(t("digest.reason_escalation", count=f.escalations))
    return reasons


def _change(t: Translate, now: int, before: int | None) -> str:
    if before is None:
        return str(now)
    return t("digest.change", value=now, delta=f"{now - before:+d}")


WAIT_LINES = 2  # issues listed under a department in the attention section; the count says how many more there are


def _more(t: Translate, count: int) -> list[str]:
    """`ほか N 件あります。` under a list cut at WAIT_LINES, so that the lines add up to the count above them."""
    return [t("digest.wait_more", count=count - WAIT_LINES)] if count > WAIT_LINES else []


def build_digest(
    t: Translate,
    summary: ProjectSummary,
    escalation: EscalationSpec,
    *,
    names: Names,
    blockers: Sequence[Blocker] = (),
    steps: Sequence[str] = (),
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text (for the CLI and notifications) and Block Kit (at most 50 blocks) of one period.

    People are named as renkei.yml's `people:` names them (`names`); the week's stand-up blockers follow the wins.
    `steps` are the rollout's sections (commands.report.rollout_sections: hearings awaiting answers, requirements
    awaiting agreement, the next review or test, the 振り返り), worded already; they follow what needs attention.
    """
    period = t("digest.period", start=summary.start.strftime("%m/%d"), end=summary.end.strftime("%m/%d"))
    head = t("digest.title", project=escape(summary.name), period=period)
    totals, previous = summary.totals, summary.previous
    # stand-ups are asked (from the project's first prompt or `start:`): 0 % is then a figure, not "no data yet"
    running = bool(totals.standup_expected or (previous and previous.standup_expected))
    overview = t(
        "digest.totals",
        opened=_change(t, totals.opened, previous.opened if previous else None),
        resolved=_change(t, totals.resolved, previous.resolved if previous else None),
        open=_change(t, totals.open, previous.open if previous else None),
        overdue=totals.overdue,
        escalations=totals.escalations,
        wins=_change(t, totals.wins, previous.wins if previous else None),
        rate=rate_text(totals) if running else "-",
    )

    owed: dict[str, list[tuple[Wait, str]]] = {}  # by the name of the department waited on
    for waiting in summary.departments:
        for wait in waiting.waits:
            owed.setdefault(wait.waiting_on, []).append((wait, waiting.name))
    for pairs in owed.values():
        pairs.sort(key=lambda pair: -pair[0].business_days)
    departments = sorted(summary.departments, key=lambda d: need(d, standup_running=running, owed=owed.get(d.name, [])))
    attention_lines = []
    for department in departments:
        owes = owed.get(department.name, [])
        reasons = attention(t, department, escalation, standup_running=running, owed=owes)
        if not reasons:
            continue
        attention_lines.append(t("digest.attention_line", department=escape(department.name), reasons="、".join(reasons)))
        if owes and owes[0][0].business_days >= escalation.nudge_after:  # what it is asked for, and by whom
            attention_lines += [
                t(
                    "digest.owed_line",
                    number=wait.number,
                    title=escape(wait.title),
                    waiting=escape(waiting),
                    days=wait.business_days,
                )
                for wait, waiting in owes[:WAIT_LINES]
            ] + _more(t, len(owes))
        attention_lines += (
            [  # its own waits, under it
                t(
                    "digest.wait_line",
                    number=wait.number,
                    title=escape(wait.title),
                    waiting_on=escape(wait.waiting_on),
                    days=wait.business_days,
                )
                for wait in department.waits[:WAIT_LINES]
            ]
            + (_more(t, len(department.waits)) if department.waits else [])
        )
        if department.checks and department.checks[0].business_days >= escalation.nudge_after:
            attention_lines += (
                [  # its reporters' move: IT has answered
                    t("digest.check_line", number=c.number, title=escape(c.title), days=c.business_days)
                    for c in department.checks[:WAIT_LINES]
                ]
                + _more(t, len(department.checks))
            )
    attention_text = "\n".join([t("digest.attention_title"), *(attention_lines or [t("digest.attention_none")])])

    columns = [
        t(f"digest.col_{c}")
        for c in ("department", "rate", "opened", "resolved", "open", "overdue", "waiting", "escalations", "wins")
    ]
    rows = [
        [
            d.name,
            rate_text(d.figures) if running else "-",
            d.figures.opened,
            d.figures.resolved,
            d.figures.open,
            d.figures.overdue,
            d.figures.waiting,
            d.figures.escalations,
            d.figures.wins,
        ]
        for d in departments
    ]
    tables = [format_table(columns, rows[i : i + TABLE_ROWS_PER_BLOCK]) for i in range(0, len(rows), TABLE_ROWS_PER_BLOCK)]

    win_lines = [
        t(
            "digest.win_line",
            department=escape(w.department) or t("win.from_leads"),
            user=names(w.user_id),
            text=escape(w.text[:200]),
        )
        for w in summary.wins[-10:]
    ]
    wins_text = "\n".join([t("digest.wins_title"), *(win_lines or [t("digest.wins_none")])])
    blocker_lines = [
        t(
            "digest.blocker_line",
            day=t("dates.short", month=b.day.month, day=b.day.day),
            department=escape(b.department),
            user=names(b.user_id),
            text=escape(b.text[:200]),
        )
        for b in blockers[-BLOCKER_LINES:]
    ]
    if len(blockers) > BLOCKER_LINES:
        blocker_lines.append(t("digest.blockers_more", count=len(blockers) - BLOCKER_LINES))
    blockers_text = "\n".join([t("digest.blockers_title"), *(blocker_lines or [t("digest.blockers_none")])])

    blocks = message(
        header(head),
        section(overview),
        section(attention_text),
        *(section(step) for step in steps),
        section(t("digest.table_title")),
        *(section(f"```\n{table}\n```") for table in tables),
        section(wins_text),
        section(blockers_text),
        t=t,
        where="`/report`",
    )
    text = "\n\n".join([head, overview, attention_text, *steps, t("digest.table_title"), *tables, wins_text, blockers_text])
    return text, blocks
