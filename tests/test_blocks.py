"""Block Kit within Slack's limits (commands/blocks.py): long answers are split, never cut, and every builder uses it.

Slack refuses a message with a section over 3,000 characters or more than 50 blocks (the user sees an error, not
the answer); fakeslack would accept it, so these tests check the limits themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.i18n import Translator
from commands import blocks, issue, renkei
from commands.blocks import (
    MESSAGE_BLOCKS,
    MESSAGE_TEXT,
    SECTION_TEXT,
    actions,
    button,
    header,
    message,
    option,
    section,
    split_text,
    text_size,
)
from storage.db import make_engine
from storage.directory import apply_project_file
from storage.issues import NewIssue, create_issue
from storage.models import Department, Project
from storage.projectfile import parse_project_file
from tests.conftest import ROOT
from tests.test_context import context

T = Translator("ja")
DEPARTMENTS = 60
ADMIN, LIAISON = "U99ADMIN", "U0100"
NOTICE = re.compile(r"ほか (\d+) 行はこのメッセージに入りきりませんでした。")


def project_file_text(departments: int) -> str:
    """A renkei.yml of one project with `departments` departments, one liaison each, as a large city writes it."""
    lines = ["timezone: Asia/Tokyo", f"admins: [{ADMIN}]", "departments:"]
    lines += [f"  - {{slug: ka{n:02d}, name: 市民生活部第{n:02d}課, liaisons: [U01{n:02d}]}}" for n in range(departments)]
    lines += [
        "projects:",
        "  - slug: moving",
        "    name: 引越しワンストップ化",
        "    purpose: 手続きを一度で",
        f"    departments: [{', '.join(f'ka{n:02d}' for n in range(departments))}]",
        "    leads: [U10LEAD]",
    ]
    return "\n".join(lines) + "\n"


CITY = parse_project_file(project_file_text(DEPARTMENTS))


@pytest.fixture
def city(database_url):
    """A database holding the 60-department project."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        apply_project_file(session, parse_project_file(project_file_text(DEPARTMENTS)))
        session.commit()
        yield session
    engine.dispose()


def sections_of(built: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in built if b["type"] == "section"]


def assert_within_limits(built: list[dict]) -> None:
    assert len(built) <= MESSAGE_BLOCKS
    assert all(0 < len(text.strip()) and len(text) <= SECTION_TEXT for text in sections_of(built))
    assert text_size(built) <= MESSAGE_TEXT


def test_status_of_a_60_department_project_is_split_and_names_every_department(city):
    reply = renkei.handle(context(city, user_id=ADMIN, t=T, project_file=CITY), "status")
    assert len(reply.text) > SECTION_TEXT  # the answer one section could not hold (4,000+ characters)
    assert_within_limits(reply.blocks)
    shown = "\n".join(sections_of(reply.blocks))
    names = [f"市民生活部第{n:02d}課" for n in range(DEPARTMENTS)]
    assert [name for name in names if name not in shown] == []
    assert len(sections_of(reply.blocks)) >= 3  # the title, then the departments over at least two sections
    assert not NOTICE.search(shown)
    for text in sections_of(reply.blocks):  # split between lines: each line of a section is a whole line of the answer
        assert set(text.splitlines()) <= set(reply.text.splitlines())


def file_issues(session: Session, titles: list[str]) -> None:
    project = session.exec(select(Project)).one()
    department = session.exec(select(Department).where(Department.slug == "ka00")).one()
    for title in titles:
        create_issue(
            session=session,
            issue_in=NewIssue(project_id=project.id, department_id=department.id, reporter_id=LIAISON, title=title),
        )


def issue_list(session: Session) -> tuple[str, list[dict]]:
    reply = issue.handle(context(session, user_id=LIAISON, t=T, project_file=CITY), "list")
    return reply.text, reply.blocks


def test_a_long_issue_list_is_split_and_loses_no_issue(city):
    file_issues(city, [f"転入届{n}件目 & 住民票<写し>の連携 " + "確認事項" * 30 for n in range(30)])  # 150 characters
    text, built = issue_list(city)
    assert len(text) > SECTION_TEXT
    assert_within_limits(built)
    shown = "\n".join(sections_of(built))
    assert [n for n in range(30) if f"転入届{n}件目 &amp; 住民票&lt;写し&gt;" not in shown] == []
    assert len(sections_of(built)) >= 2 and not NOTICE.search(shown)


def test_an_issue_list_over_the_message_budget_says_how_many_lines_are_missing(city):
    file_issues(city, [f"{n}件目" + "&" * 140 for n in range(30)])  # each `&` is shown as `&amp;`: 700+ per line
    text, built = issue_list(city)
    assert len(text) > MESSAGE_TEXT
    assert_within_limits(built)
    *kept, notice = sections_of(built)
    missing = int(NOTICE.search(notice).group(1))
    shown_lines = [line for part in kept for line in part.splitlines()]
    assert len(shown_lines) + missing == len(text.splitlines())  # every line is shown or counted
    assert "`/issue list mine`" in notice


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.lists(
        st.builds(
            lambda piece, times: piece * times, st.text(alphabet="あ課 、。\u3000a&<@U1>;#\n", max_size=30), st.integers(0, 400)
        ),
        max_size=60,
    )
    .map("".join)
    .map(lambda text: text[: MESSAGE_BLOCKS * SECTION_TEXT])
)
def test_section_never_passes_the_limit_and_never_drops_text(text):
    built = section(text)
    pieces = [b["text"]["text"] for b in built]
    assert all(0 < len(piece.strip()) and len(piece) <= SECTION_TEXT for piece in pieces)
    end = 0
    for piece in pieces:  # the pieces are the text in order: only whitespace between them is left out
        start = text.find(piece, end)
        assert start >= 0 and text[end:start].strip() == ""
        for at in (start, start + len(piece)):  # and they meet at line breaks, unless a line is longer than a section
            line_start, line_end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
            line = text[line_start : len(text) if line_end < 0 else line_end]
            assert at in (line_start, line_start + len(line)) or len(line) > SECTION_TEXT
        end = start + len(piece)
    assert text[end:].strip() == ""
    fitted = message(built, t=T)
    assert len(fitted) <= MESSAGE_BLOCKS and text_size(fitted) <= MESSAGE_TEXT
    if text_size(built) <= MESSAGE_TEXT and len(built) <= MESSAGE_BLOCKS:  # the pieces, not the text: the line
        assert fitted == built  # breaks a split drops do not count; nothing is left out while the pieces fit
    else:
        *kept, notice = [b["text"]["text"] for b in fitted]
        assert kept == pieces[: len(kept)]
        assert int(NOTICE.search(notice).group(1)) == sum(p.count("\n") + 1 for p in pieces[len(kept) :])


def test_a_line_longer_than_a_section_is_split_outside_mentions_and_escapes():
    line = "あ" * 2997 + "<@U123>" + "い" * 10
    assert split_text(line) == ["あ" * 2997, "<@U123>" + "い" * 10]
    line = "あ" * 2998 + "&amp;" + "い" * 10
    assert split_text(line) == ["あ" * 2998, "&amp;" + "い" * 10]
    line = "あ" * 2900 + " " + "い" * 200
    assert split_text(line) == ["あ" * 2900 + " ", "い" * 200]


def test_message_keeps_50_blocks_and_names_where_the_rest_is():
    built = message(*(section(f"行{n}") for n in range(80)), t=T, where="`/dept list`")
    assert len(built) == MESSAGE_BLOCKS
    assert built[-1]["text"]["text"] == T("command.more_where", count=80 - 49, where="`/dept list`")
    assert [b["text"]["text"] for b in built[:-1]] == [f"行{n}" for n in range(49)]


def test_labels_are_cut_and_bad_values_refused():
    assert header("見" * 200)["text"]["text"] == "見" * 149 + "…"
    assert button("押" * 100, "a", value="1")["text"]["text"] == "押" * 74 + "…"
    assert option("課" * 100, "1")["text"]["text"] == "課" * 74 + "…"
    assert header("")["text"]["text"]  # Slack refuses an empty text object
    with pytest.raises(ValueError):
        button("ok", "a", value="1" * 2001)
    with pytest.raises(ValueError):
        actions(*(button(str(n), f"a{n}") for n in range(26)))


BLOCK_DICT = re.compile(r"""["'](?:type)["']\s*:\s*["'](section|header|actions|context|button|divider|mrkdwn|plain_text)["']""")


def test_every_builder_in_commands_goes_through_the_helpers():
    hand_written = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted((ROOT / "commands").glob("*.py"))
        if path.name != Path(blocks.__file__).name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BLOCK_DICT.search(line)
    ]
    assert hand_written == [], "build blocks with commands/blocks.py:\n" + "\n".join(hand_written)
