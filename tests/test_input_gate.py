"""The input gate (commands.text.gate at bot.interactions) and the storage guard behind it.

Every text a person gives (slash command text, every form value) is cleaned (NFKC, no NUL or other character XML
or PostgreSQL refuse, no zero-width characters), capped, and refused when it holds a My Number in any spelling:
the command does not run, nothing is stored anywhere, nothing reaches Slack. Behind the gate, the storage guard
refuses a My Number in any row and the outbox refuses it in any payload. User text reaches Slack escaped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import text as sql
from sqlmodel import SQLModel, func, select

from bot import interactions
from bot.i18n import Translator
from commands import standup
from commands.issue_blocks import FIELDS
from commands.issue_blocks import MODAL_CALLBACK as ISSUE_FORM
from commands.report import make_report
from commands.text import (
    FIELD_LIMIT,
    MY_NUMBER,
    SLASH_TEXT_LIMIT,
    TOO_LONG,
    gate,
    plain_text,
    read_id,
)
from reminders.firing import fire
from reports.tables import cell
from storage import outbox
from storage.guard import ResidentsDataRefused
from storage.models import Department, Issue, IssueEvent, Meeting, OutboxMessage, Project, Win
from storage.privacy import clean, contains_my_number, folded, my_number_check_digit, strip_xml_invalid
from storage.projectfile import parse_project_file
from tests.conftest import channel_id

T = Translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday, a business day

# --- My Numbers in every spelling ---------------------------------------------------------------

HYPHENS = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\u30fc", "\uff0d", "\u2015", "\ufe63"]
SEPARATORS = [*HYPHENS, ".", "/", " ", "  ", "\t", "\n", "\u200b", "\u3000", " - ", "\r\n"]
GROUPINGS = [(12,), (4, 4, 4), (6, 6), (3, 3, 3, 3), (1,) * 12, (2,) * 6]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
FROM_KANJI = str.maketrans("〇一二三四五六七八九", "0123456789")


def valid(first_eleven: str) -> str:
    """A My Number: eleven digits and the check digit of the official rule."""
    return first_eleven + str(my_number_check_digit(first_eleven))


@st.composite
def spelled_my_numbers(draw) -> tuple[str, str]:
    """(the 12 digits, the number as a person might write it)."""
    # varied digits: `000000000000` would be found in any table's timestamps once every non-digit is taken out
    number = valid(draw(st.text("0123456789", min_size=11, max_size=11).filter(lambda d: len(set(d)) >= 5)))
    grouping = draw(st.sampled_from(GROUPINGS))
    groups, start = [], 0
    for size in grouping:
        groups.append(number[start : start + size])
        start += size
    if grouping[0] <= 2:  # digit by digit, or in pairs: one way throughout, as people write them
        separators = [draw(st.sampled_from(SEPARATORS))] * (len(groups) - 1)
    else:  # longer groups: any separator between any two
        separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(groups) - 1, max_size=len(groups) - 1))
    spelled = groups[0] + "".join(s + g for s, g in zip(separators, groups[1:]))
    # the one shape let through on purpose: four dotted groups as an IPv4 address writes them (192.168.100.200)
    assume(not re.fullmatch(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}", spelled))
    spelled = spelled.translate(draw(st.sampled_from([{}, FULL_WIDTH, KANJI])))
    if draw(st.booleans()):  # a zero-width space (or joiner, or BOM) somewhere inside
        at = draw(st.integers(1, len(spelled) - 1))
        spelled = spelled[:at] + draw(st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])) + spelled[at:]
    return number, spelled


PREFIXES = ["住民の番号は", "番号: ", "", "ID ", "（", "転出者 "]
SUFFIXES = ["です", " の件", "", "。確認お願いします", "）", "\n詳細は窓口で"]


SEPARATOR_OR_INVISIBLE = re.compile("[" + re.escape("".join(SEPARATORS)) + r"\s\u200b-\u200d\u2060\ufeff]")


def strings_in(value) -> list[str]:
    """A stored text and, when it is JSON (the outbox's payloads, stand-up answers), every string inside it."""
    found = [value]
    try:
        decoded = json.loads(value)
    except ValueError:
        return found
    stack = [decoded]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return found


def digits_of(text: str) -> str:
    """The text with separators taken out and any digit read as 0-9: where a stored number would show."""
    return SEPARATOR_OR_INVISIBLE.sub("", unicodedata.normalize("NFKC", text).translate(FROM_KANJI))


def stored_digits(services) -> list[str]:
    """Every text value of every row of every table (the outbox's payloads included), separators taken out."""
    found = []
    with services.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(select(table)):
                found += [digits_of(text) for value in row if isinstance(value, str) for text in strings_in(value)]
    return found


def sent_digits(fakeslack) -> list[str]:
    """What fakeslack received, the same way."""
    return [digits_of(text) for text in strings_in(json.dumps([c.params for c in fakeslack.calls], ensure_ascii=False))]


# --- sending through the real entry points ---------------------------------------------------------


class Recorder:
    """ack and respond as Bolt gives them: what the user was told."""

    def __init__(self):
        self.acks: list[dict] = []
        self.responds: list[dict] = []

    def ack(self, **kwargs) -> None:
        self.acks.append(kwargs)

    def respond(self, **kwargs) -> None:
        self.responds.append(kwargs)


SLASH = {  # kind: (command, text around the user's words, who)
    "issue": ("/issue", "{}", "U01SHIMIN"),
    "issue_body": ("/issue", "転出届の連携データの件\n{}", "U01SHIMIN"),
    "meeting": ("/meeting", "add 打ち合わせ{} 2026-12-02 10:00", "U01SHIMIN"),
    "win": ("/win", "{}", "U01SHIMIN"),
    "standup": ("/standup", "{}", "U01SHIMIN"),
    "close": ("/issue", "close 1 {}", "U01SHIMIN"),
    "answer": ("/issue", "answer 1 {}", "U09IT"),
}
FORM_KINDS = ["issue_form_title", "issue_form_body", "standup_form"]


def slash(services, command: str, text: str, user: str = "U01SHIMIN") -> Recorder:
    said = Recorder()
    interactions.slash(
        services, user_id=user, channel_id=None, command=command, text=text, trigger_id="t", ack=said.ack, respond=said.respond
    )
    return said


def ids(services) -> tuple[int, int]:
    with services.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        return project.id, shimin.id


def issue_form(services, *, title: str, body: str) -> dict:
    project_id, shimin = ids(services)
    values = {
        FIELDS["title"]: {"value": {"type": "plain_text_input", "value": title}},
        FIELDS["body"]: {"value": {"type": "plain_text_input", "value": body}},
        FIELDS["department"]: {"value": {"type": "static_select", "selected_option": {"value": str(shimin)}}},
        FIELDS["waiting_on"]: {"value": {"type": "static_select", "selected_option": None}},
        FIELDS["severity"]: {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
        FIELDS["due"]: {"value": {"type": "datepicker", "selected_date": None}},
    }
    return {
        "id": "V1",
        "callback_id": ISSUE_FORM,
        "state": {"values": values},
        "private_metadata": json.dumps({"project_id": project_id, "channel_id": None}),
    }


def standup_form(services, answers: list[str]) -> dict:
    project_id, _ = ids(services)
    questions = list(standup.DEFAULT_QUESTIONS)
    values = {f"q{n}": {"value": {"type": "plain_text_input", "value": a}} for n, a in enumerate(answers)}
    return {
        "id": "V2",
        "callback_id": standup.MODAL_CALLBACK,
        "state": {"values": values},
        "private_metadata": json.dumps({"project_id": project_id, "channel_id": None, "questions": questions}),
    }


def send(services, kind: str, words: str) -> tuple[Recorder, str | None]:
    """Send `words` through the entry point of `kind`; what was said, and the form field they were in."""
    if kind in SLASH:
        command, around, user = SLASH[kind]
        return slash(services, command, around.format(words), user), None
    said = Recorder()
    if kind == "issue_form_title":
        view, field = issue_form(services, title=f"窓口{words}", body="詳細"), FIELDS["title"]
    elif kind == "issue_form_body":
        view, field = issue_form(services, title="転出データの件", body=words), FIELDS["body"]
    else:
        view, field = standup_form(services, ["窓口の調整", words, "なし"]), "q1"
    interactions.form(services, user_id="U01SHIMIN", view=view, ack=said.ack)
    return said, field


@pytest.fixture
def world(synced):
    """The sample project on a business day, with issue #1 reported by 市民課 and sent to the IT department."""
    with time_machine.travel(TODAY, tick=False):
        assert "#1" in slash(synced, "/issue", "窓口予約システムの更新時期").acks[0]["text"]
        slash(synced, "/issue", "escalate 1")
        with synced.session() as session:
            assert session.get(Issue, 1).escalated
        yield synced


@pytest.mark.parametrize("kind", [*SLASH, *FORM_KINDS])
def test_every_road_stores_what_it_is_given(world, fakeslack, kind):
    """The control: without a My Number, each road used below does store the words (so a refusal is the gate's)."""
    with time_machine.travel(TODAY, tick=False):
        said, _ = send(world, kind, "住民票の写しの件 919")
    assert said.acks and "errors" not in said.acks[0]
    assert any("住民票の写しの件 919" in value for value in stored_values(world)), kind


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spelled=spelled_my_numbers(),
    kind=st.sampled_from([*SLASH, *FORM_KINDS]),
    prefix=st.sampled_from(PREFIXES),
    suffix=st.sampled_from(SUFFIXES),
)
def test_a_my_number_in_any_spelling_on_any_road_is_refused_and_stored_nowhere(world, fakeslack, spelled, kind, prefix, suffix):
    number, written = spelled
    rows_before = table_sizes(world)
    calls_before = len(fakeslack.calls)
    with time_machine.travel(TODAY, tick=False):
        said, field = send(world, kind, f"{prefix}{written}{suffix}")
    if field is None:
        assert said.acks == [{"response_type": "ephemeral", "text": T("privacy.my_number")}]
    else:
        assert said.acks == [{"response_action": "errors", "errors": {field: T("privacy.my_number")}}]
    assert said.responds == []
    assert table_sizes(world) == rows_before  # the command did not run: nothing changed
    assert len(fakeslack.calls) == calls_before  # nothing went to Slack
    assert not any(number in digits for digits in stored_digits(world))
    assert not any(number in digits for digits in sent_digits(fakeslack))


def table_sizes(services) -> dict[str, int]:
    with services.session() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in SQLModel.metadata.sorted_tables
        }


@settings(max_examples=50, deadline=None)
@given(spelled=spelled_my_numbers(), prefix=st.sampled_from(PREFIXES), suffix=st.sampled_from(SUFFIXES))
def test_the_gate_refuses_every_spelling(spelled, prefix, suffix):
    _, written = spelled
    assert gate(f"{prefix}{written}{suffix}").problem == MY_NUMBER
    assert gate(f"{prefix}{written}{suffix}", FIELD_LIMIT).problem == MY_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "法人番号 1234567890123 の事業者",  # 13 digits: a corporate number
        "T1234567890123 の請求書",  # an invoice registration number
        "電話 0312345678901",  # a longer run
        "電話 03-1234-5678、FAX 03-1234-5679",  # phone numbers
        "携帯 090-1234-5678",
        "定例 2026-12-02 10:00 から",  # a date and a time
        "予算 1,234,567,890 円",
        "番号 123456789012 です",  # twelve digits, wrong check digit
        "1234 5678 9012",  # grouped, wrong check digit
    ],
)
def test_numbers_that_are_no_my_number_pass(text):
    assert gate(text).problem is None


@pytest.mark.parametrize(
    "text,twelve",
    [
        ("サーバ 201.138.159.138 を再起動しました", "201138159138"),  # an IP address
        ("法人番号 5-7146-4932-6900", "714649326900"),  # the end of a hyphenated 13-digit number
        ("候補日 10/14 10/08 06/22", "101410080622"),  # dates
        ("期間 2027/07/09 - 2027/12/25", "202707092027"),  # a date range
    ],
)
def test_twelve_digits_with_a_valid_check_digit_written_as_something_else_pass(text, twelve):
    assert twelve == valid(twelve[:11])  # they would be a My Number, written as one
    assert gate(text).problem is None


def test_my_number_spellings_named_in_the_policy():
    number = valid("12345678901")  # 123456789018
    for written in [
        "123456789018",
        "1234 5678 9018",
        "1234-5678-9018",
        "１２３４５６７８９０１８",
        "1234‐5678‐9018",
        "1234ー5678ー9018",
        "1234－5678－9018",
        "1234−5678−9018",
        "1234–5678–9018",
        "1234—5678—9018",
        "1234.5678.9018",
        "1234/5678/9018",
        "1234  5678  9018",
        "1234\t5678\t9018",
        "1234\n5678\n9018",
        "1234\u200b5678\u200b9018",
        "123456-789018",
        "123-456-789-018",
        "1 2 3 4 5 6 7 8 9 0 1 8",
        "一二三四五六七八九〇一八",
        "&#49;23456789018",
        "12345678 9018 の件ではなく 1234 5678 9018",
        "7\u200b1234 5678 9018",
        "12\u200b34-56 78-90\u200b18",
    ]:
        assert contains_my_number(f"住民 {written} です"), written
    assert number == "123456789018"


# --- what the gate cleans ------------------------------------------------------------------------


def test_the_gate_removes_what_xml_and_databases_refuse_and_what_nobody_sees():
    assert clean("a\x00b\x01c\x1fd\x7fe") == "abcde"
    assert clean("窓口\ufffe\uffff\ud800\udfffの件") == "窓口の件"  # U+FFFE, U+FFFF, lone surrogates
    assert clean("転\u200b出\u200c届\u200d\u2060の\ufeff件") == "転出届の件"  # zero-width characters
    assert clean("1行目\r\n2行目\r3行目\tタブ") == "1行目\n2行目\n3行目\tタブ"
    assert clean("（第3版）ＡＢＣ　１２３ ｶﾀｶﾅ") == "（第3版）ＡＢＣ　１２３ ｶﾀｶﾅ"  # as typed: width and kana kept
    assert folded("（第3版）ＡＢＣ　１２３ ｶﾀｶﾅ") == "(第3版)ABC 123 カタカナ"  # the form checked and matched (NFKC)
    assert gate("ok\x00").text == "ok" and gate("ok\x00").problem is None
    assert strip_xml_invalid("a\x00b\ufffe\ud800c\td\ne") == "abc\td\ne"


def test_nul_ufffe_and_lone_surrogates_never_reach_the_database(world):
    with time_machine.travel(TODAY, tick=False):
        slash(world, "/win", "窓口の\x00待ち時間が\ufffe半分に\ud800なった\u200b")
        slash(world, "/meeting", "add 調整\x00会議\ufffe 2026-12-02 10:00")
    with world.session() as session:
        assert session.exec(select(Win.text)).one() == "窓口の待ち時間が半分になった"
        assert session.exec(select(Meeting.title).where(Meeting.source != "config")).one() == "調整会議"
    for values in stored_values(world):
        assert not re.search("[\x00\ufffe\uffff\ud800-\udfff]", values)


def stored_values(services) -> list[str]:
    with services.session() as session:
        return [
            v
            for table in SQLModel.metadata.sorted_tables
            for row in session.execute(select(table))
            for v in row
            if isinstance(v, str)
        ]


def test_too_long_a_text_is_refused_with_its_length_and_runs_nothing(world):
    before = table_sizes(world)
    said = slash(world, "/issue", "あ" * (SLASH_TEXT_LIMIT + 1))
    assert said.acks == [
        {"response_type": "ephemeral", "text": T("input.too_long", length=SLASH_TEXT_LIMIT + 1, limit=SLASH_TEXT_LIMIT)}
    ]
    assert gate("\ufdfa" * 300).problem == TOO_LONG  # 300 characters NFKC makes 5,400
    said = Recorder()
    interactions.form(
        world, user_id="U01SHIMIN", view=issue_form(world, title="件名", body="い" * (FIELD_LIMIT + 1)), ack=said.ack
    )
    assert said.acks == [
        {"response_action": "errors", "errors": {FIELDS["body"]: T("input.too_long", length=FIELD_LIMIT + 1, limit=FIELD_LIMIT)}}
    ]
    assert table_sizes(world) == before


def test_button_values_are_ids_only():
    assert read_id("12") == "12" and read_id("moving:3") == "moving:3"
    assert read_id("1 OR 1=1") == read_id("<!channel>") == read_id(None) == read_id("１２") == read_id("x" * 101) == ""


def test_a_forged_button_value_changes_nothing(world):
    before = table_sizes(world)
    pressed = interactions.press(world, user_id="U01SHIMIN", channel_id=None, action_id="issue_take", value="1;2")
    assert pressed.replace is None
    assert table_sizes(world) == before


# --- behind the gate: the storage guard and the outbox ---------------------------------------------


def test_the_storage_guard_refuses_a_my_number_in_any_row(world):
    number = valid("98765432109")
    project_id, shimin = ids(world)
    with world.session() as session:
        session.add(
            Issue(
                project_id=project_id,
                department_id=shimin,
                reporter_id="U01SHIMIN",
                title="窓口の件",
                body=f"住民 {number[:4]}-{number[4:8]}-{number[8:]}",
            )
        )
        with pytest.raises(ResidentsDataRefused) as refused:
            session.commit()
        assert number not in str(refused.value)  # the refusal (and so the log) does not repeat the number
        session.rollback()
    with world.session() as session:  # a change to a stored row, too
        event = session.exec(select(IssueEvent)).first()
        event.note = f"回答 {number}"
        session.add(event)
        with pytest.raises(ResidentsDataRefused):
            session.commit()
        session.rollback()
    assert not any(number in digits for digits in stored_digits(world))
    with world.session() as session:  # and a NUL is dropped, whatever road it came by
        session.add(Win(project_id=project_id, department_id=shimin, reporter_id="U01SHIMIN", text="成功\x00です\ufffe"))
        session.commit()
        assert session.exec(select(Win.text)).one() == "成功です"


def test_the_outbox_refuses_a_payload_holding_a_my_number(world, fakeslack):
    number = valid("11122233344")
    written = f"{number[:4]} {number[4:8]} {number[8:]}"
    with world.session() as session:
        with pytest.raises(ResidentsDataRefused):
            outbox.enqueue(
                session,
                key="test:1",
                method="chat.postMessage",
                payload={"channel": "C1", "blocks": [{"type": "section", "text": {"text": written}}]},
            )
    calls = len(fakeslack.calls)
    with pytest.raises(ResidentsDataRefused):
        world.gateway.post_message(key="test:2", channel="C1", text=f"住民 {written}")
    assert len(fakeslack.calls) == calls
    with world.session() as session:
        assert session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("test:%"))).all() == []
    assert not any(number in digits for digits in stored_digits(world))


# --- out to Slack: escaped ---------------------------------------------------------------------------


def test_a_meeting_title_with_a_mention_reaches_the_leads_escaped_on_a_closed_day(world, fakeslack):
    with time_machine.travel(TODAY, tick=False):  # as Slack sends `<!channel>` typed as text
        said = slash(world, "/meeting", "add &lt;!channel&gt; 定例 2026-12-29 10:00 --force", user="U10LEAD")
    assert "&lt;!channel&gt; 定例" in said.acks[0]["text"] and "<!channel>" not in said.acks[0]["text"]
    with world.session() as session:
        meeting = session.exec(select(Meeting).where(Meeting.source != "config")).one()
    assert meeting.title == "<!channel> 定例"  # stored as the plain text the user wrote
    result = fire(world, f"meeting:moving:{meeting.id}:1d", dt.datetime(2026, 12, 28, 10, tzinfo=TOKYO))
    assert result.reason == "closed_day_leads_warned"
    leads = channel_id(fakeslack, "moving-leads")
    [warning] = [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == leads]
    assert "&lt;!channel&gt; 定例" in warning.params["text"] and "<!channel>" not in warning.params["text"]


def test_a_user_group_mention_is_stored_as_plain_text_and_never_pings(world, fakeslack):
    assert plain_text("<!subteam^S0IT|@it-team> と <!subteam^S0ZEIMU>") == "@it-team と @S0ZEIMU"
    with time_machine.travel(TODAY, tick=False):
        slash(world, "/win", "<!subteam^S0IT|@it-team> のおかげで &lt;!subteam^S0IT&gt; 申請が速くなった")
    with world.session() as session:
        assert session.exec(select(Win.text)).one() == "@it-team のおかげで <!subteam^S0IT> 申請が速くなった"
    posted = json.dumps([c.params for c in fakeslack.calls_to("chat.postMessage")], ensure_ascii=False)
    assert "&lt;!subteam^S0IT&gt;" in posted and "<!subteam" not in posted


# --- Excel: a stray U+FFFE never breaks the report ----------------------------------------------------


def test_excel_cells_drop_what_xml_refuses():
    ws = Workbook(write_only=True).create_sheet()
    assert cell(ws, "窓口\ufffe\uffff\x00\x01の件\ud800") == "窓口の件"
    formula = cell(ws, "=\ufffe1+1")
    assert formula.value == "=1+1" and formula.quotePrefix
    assert cell(ws, "改行\nとタブ\tは残る") == "改行\nとタブ\tは残る"


def test_a_report_with_invalid_characters_in_storage_opens(world, tmp_path):
    with time_machine.travel(TODAY, tick=False):
        slash(world, "/win", "成功\ufffeしました")  # through the gate
        project_id, shimin = ids(world)
        with world.session() as session:  # and past every check, as an old database or a manual fix could hold it
            session.execute(
                sql(
                    "INSERT INTO win (project_id, department_id, reporter_id, text, created_at) "
                    "VALUES (:p, :d, 'U01SHIMIN', :t, :c)"
                ),
                {"p": project_id, "d": shimin, "t": "古い\ufffe記録\x01", "c": dt.datetime.now(dt.timezone.utc)},
            )
            session.execute(sql("UPDATE issue SET title = :t WHERE id = 1"), {"t": "窓口\ufffe予約\x02"})
            session.commit()
            project = session.get(Project, project_id)
            path = make_report(
                session,
                project,
                start=dt.date(2026, 11, 1),
                end=dt.date(2026, 11, 30),
                out=tmp_path / "report.xlsx",
                calendar=world.calendar,
                project_file=world.project_file,
                t=T,
            )
    workbook = load_workbook(path)
    texts = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "成功しました" in texts and "古い記録" in texts and "窓口予約" in texts
    assert not any("\ufffe" in t for t in texts)


def test_renkei_yml_texts_are_cleaned_like_user_input():
    sample = (Path(__file__).resolve().parent.parent / "bot" / "sample" / "renkei.yml").read_text(encoding="utf-8")
    sample = sample.replace("title: 定例会議", 'title: "定例\\x00会議\\ufffe\\u200b"')
    sample = sample.replace("name: 引越しワンストップ化", 'name: "引越し\\u200bワンストップ化"')
    parsed = parse_project_file(sample)
    assert parsed.projects[0].meetings[0].title == "定例会議"
    assert parsed.projects[0].name == "引越しワンストップ化"


def test_a_dotted_my_number_with_zero_padded_groups_is_no_ip_address():
    """Found by hypothesis: 000.003.001.245 (a valid My Number in four dotted groups, each under 256) passed as an
    IP address; an address never zero-pads its groups, so it is refused, and 192.168.100.200 still is not."""
    assert gate("住民の番号は000.003.001.245です").problem == "my_number"
    assert gate("サーバーは 192.168.100.200 です").problem is None
