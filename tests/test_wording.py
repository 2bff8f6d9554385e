"""The Japanese catalog keeps docs/glossary.md: the rules a machine can check, over every sentence of ja.yml.

What staff read is Japanese first: one word per idea (連絡担当 is never 担当者, 解決済み, 優先度, 依頼先部署,
回答待ち, 朝会, 週次まとめ), durations in words (前日, 15分前), no English but the allowed names, no space between
a name and its particle.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.dispatch import run_command
from bot.i18n import Translator, catalog
from commands.families import families
from storage.models import Meeting
from tests.conftest import ROOT
from words.durations import AFTER, BEFORE, duration_text, durations_text, read_duration, schedule_text

JA, EN = catalog("ja"), catalog("en")

# What users type after a slash command: the English words of each family's grammar, its module's WORDS, for every
# command of manifest.yml (code, so always in step with it).
COMMAND_WORDS = {word for family in families() for word in family.words if word.isascii()}
ALLOWED_ASCII = COMMAND_WORDS | {
    # the 課題管理表's number column, as municipal offices head it
    "No",
    # names staff know
    "Renkei",
    "renkei",
    "Slack",
    "Excel",
    "PDF",
    "IT",
    "DM",
    "ID",
    "URL",
    # department slugs in examples (`/dept who zeimu`, `to:zeimu`, `departments: [shimin, zeimu]`)
    "zeimu",
    "shimin",
    # setup messages for the administrator: Slack's own (English) screen names, files, tools, renkei.yml keys
    "OAuth",
    "Permissions",
    "Bot",
    "User",
    "Token",
    "Basic",
    "Information",
    "Signing",
    "Secret",
    "HTTP",
    "Socket",
    "Mode",
    "PostgreSQL",
    "pg_dump",
    "README",
    "YAML",
    "ISO",
    "cron",
    "renkei.yml",
    "manifest.yml",
    "renkei.sql",
    "env",
    "healthz",
    "x-oauth-scopes",
    "xoxb-",
    "xapp-",
    "U",
    "U01ABC",
    "U01ABCDEF",
    "MM-DD",
    "mon-fri",
    "Asia",
    "Tokyo",
    "timezone",
    "departments",
    "projects",
    "department_roles",
    "closed_days",
    # file kinds and text encodings staff meet in Excel and Windows (`.xlsx`, UTF-8, Shift_JIS)
    "xlsx",
    "UTF-8",
    "Shift_JIS",
    "standup.extra",
    "admins",
    "role",
    "it",
    # the operator's command line (`renkei sync`, `renkei jobs list`, `--at`, `--manifest`, `renkei demo --out … --force`)
    "jobs",
    "at",
    "console",
    "demo",
    "serve",
    "http",  # `renkei serve --http`, `--socket`
    "socket",
    "out",
    "force",
    "cd",
    "manifest",
    "outbox",  # `renkei outbox list --failed`, `renkei outbox retry --all`
    "retry",
    "failed",
    "all",
    # the console's own actions (`:user`, `:who`, `:press`, `:time`, `:cancel`, `:quit`) and the Enter key
    "user",
    "press",
    "time",
    "cancel",
    "quit",
    "Enter",
}
ENVIRONMENT_VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
EMOJI = re.compile(r":[a-z0-9_+\-]+:")
URL = re.compile(r"https?://\S+")
SLASH_COMMAND = re.compile(r"(?<![\w.])/[a-z]+")
ASCII_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_.\-]*")
# a placeholder that is a department's, a project's or a person's name, then a space, then a particle
NAME_SPACE_PARTICLE = re.compile(r"(\{(?:name|department|waiting_on|project)\}|<@\{user\}>)[ \u3000]+(の|が|を|に|へ|で|と|は)")
SHORT_DURATION = re.compile(r"(?<![0-9A-Za-z])\d+[mhd](?![A-Za-z])")
# sentences that teach the short form people must write themselves: renkei.yml and the console's clock
DURATION_SYNTAX_KEYS = {"config.bad_duration", "console.help", "console.time_usage"}


def english_words(sentence: str) -> list[str]:
    """The ASCII words of a Japanese sentence that the allow-list does not cover."""
    for pattern in (URL, PLACEHOLDER, EMOJI, SLASH_COMMAND):
        sentence = pattern.sub(" ", sentence)
    return [
        word
        for word in ASCII_WORD.findall(sentence)
        if word not in ALLOWED_ASCII and word.rstrip(".") not in ALLOWED_ASCII and not ENVIRONMENT_VARIABLE.fullmatch(word)
    ]


def english(key: str) -> str:
    """The en sentence of a key without its placeholders (`{waiting}` is no word), in lower case."""
    return PLACEHOLDER.sub("", EN[key]).lower()


def offenders(rule) -> dict[str, str]:
    """Every ja sentence the rule finds fault with, by key: the failure message names them all at once."""
    return {key: sentence for key, sentence in JA.items() if rule(key, sentence)}


def test_resolved_is_kaiketsuzumi_never_kaiketsu_ni_shimashita():
    assert offenders(lambda _, s: re.search(r"解決に(し|する|なり)", s)) == {}
    assert JA["status.resolved"] == "解決済み"


def test_the_status_and_priority_words_are_the_glossarys():
    assert {k: JA[f"status.{k}"] for k in ("open", "in_progress", "resolved")} == {
        "open": "未対応",
        "in_progress": "対応中",
        "resolved": "解決済み",
    }
    assert [JA[f"severity.{k}"] for k in ("high", "normal", "low")] == ["高", "中", "低"]
    assert offenders(lambda _, s: "重要度" in s or "【重要】" in s) == {}
    assert offenders(lambda k, s: "severit" in english(k) and "優先度" not in s) == {}


def test_the_department_an_issue_waits_on_has_one_name():
    assert offenders(lambda _, s: re.search(r"依頼先(?!部署)", s)) == {}
    assert offenders(lambda _, s: "対応待ち" in s) == {}  # an issue waits for an answer: 回答待ち
    assert offenders(lambda k, s: re.search(r"\bwait", english(k), re.I) and not re.search("回答待ち|依頼先部署", s)) == {}


def test_liaison_and_assignee_are_never_confused():
    """連絡担当 (a department's liaison, renkei.yml `liaisons`) and 担当者 (who handles an issue) never stand for each other."""
    assert offenders(lambda k, s: "liaison" in english(k) and "連絡担当" not in s) == {}
    assert offenders(lambda k, s: "連絡担当" in s and "liaison" not in english(k)) == {}
    assert offenders(lambda k, s: "担当者" in s.replace("連絡担当", "") and "assign" not in english(k)) == {}
    assert offenders(lambda _, s: "連絡担当者" in s) == {}


def test_loan_words_staff_would_not_know_are_japanese():
    assert offenders(lambda _, s: "ダイジェスト" in s or "エスカレーション" in s or "サブコマンド" in s) == {}
    assert offenders(lambda _, s: "スタンドアップ" in s.replace("朝会（スタンドアップ）", "")) == {}
    assert "朝会（スタンドアップ）" in JA["help.standup"]  # explained once, where /standup is introduced


def test_no_english_words_but_the_allowed_ones():
    assert offenders(lambda _, s: english_words(s)) == {}


def test_durations_are_words_not_1d_or_15m():
    assert offenders(lambda k, s: k not in DURATION_SYNTAX_KEYS and SHORT_DURATION.search(s)) == {}


def test_no_space_between_a_name_and_its_particle():
    assert offenders(lambda _, s: NAME_SPACE_PARTICLE.search(s)) == {}


@pytest.mark.parametrize(
    "sentence,words",
    [
        ("`/issue list` で一覧を表示", []),
        ("{department}の回答待ち", []),
        ("remind 1d", ["remind"]),
        ("理由: closed day", ["closed", "day"]),
        ("SLACK_BOT_TOKEN を設定", []),
        (":sos: *相談*", []),
        ("http://0.0.0.0:8000/slack/events", []),
        ("`/issue show N`", ["N"]),
    ],
)
def test_the_english_rule_itself(sentence, words):
    assert english_words(sentence) == words


@pytest.mark.parametrize(
    "sentence,caught",
    [
        ("福祉課 の担当者", False),
        ("{department} の担当者", True),
        ("{name}の連絡担当", False),
        ("<@{user}> を招待", True),
        ("*{project}* の朝会", False),  # Slack needs the space after bold text
    ],
)
def test_the_space_rule_itself(sentence, caught):
    assert bool(NAME_SPACE_PARTICLE.search(sentence)) is caught


@pytest.mark.parametrize(
    "short,direction,ja,en",
    [
        ("1d", BEFORE, "前日", "the day before"),
        ("15m", BEFORE, "15分前", "15 min before"),
        ("2d", BEFORE, "2日前", "2 days before"),
        ("3h", AFTER, "3時間後", "3 h after"),
        ("1d", AFTER, "翌日", "the day after"),
        ("前日", BEFORE, "前日", "前日"),
    ],
)
def test_a_duration_is_worded_once_in_each_language(short, direction, ja, en):
    assert duration_text(Translator("ja"), short, direction) == ja
    assert duration_text(Translator("en"), short, direction) == en


def test_several_offsets_read_as_a_japanese_list():
    assert durations_text(Translator("ja"), "1d,15m", BEFORE) == "前日、15分前"


@pytest.mark.parametrize(
    "typed,short",
    [
        ("前日", "1d"),
        ("1日前", "1d"),
        ("15分前", "15m"),
        ("１５分", "15m"),
        ("3時間", "3h"),
        ("1d", "1d"),
        ("30M", "30m"),
        ("3時間後", None),
        ("soon", None),
        ("", None),
    ],
)
def test_what_people_type_as_an_offset(typed, short):
    assert read_duration(typed) == short


def test_the_japanese_usage_example_works_as_typed(services):
    example = re.search(r"`(リマインド [^`]+)`", JA["meeting.problem_offsets"]).group(1)
    assert example in JA["meeting.usage"].replace("[", "`").replace("]", "`")
    with services.session() as session:
        ctx = services.context(session, user_id="U10LEAD", channel_id=None)
        reply = run_command(ctx, "/meeting", f"add 様式の確認会 毎週木曜 15:00 {example}").text
        stored = session.exec(select(Meeting).where(Meeting.title == "様式の確認会")).one()
    assert stored.remind_before == "1d,15m" and "リマインド: 前日、15分前" in reply


@pytest.mark.parametrize(
    "cron,ja,en",
    [
        ("0 10 * * wed", "毎週水曜 10:00", "every Wed at 10:00"),
        ("0 10 * * 3", "毎週水曜 10:00", "every Wed at 10:00"),  # crontab numbers: 3 is Wednesday
        ("30 9 * * mon-fri", "平日 9:30", "weekdays at 9:30"),
        ("30 9 * * 1-5", "平日 9:30", "weekdays at 9:30"),
        ("0 9 * * *", "毎日 9:00", "every day at 9:00"),
        ("0 8 1 * *", "毎月1日 8:00", "day 1 of every month at 8:00"),
        ("5 14 * * mon,thu", "毎週月・木曜 14:05", "every Mon, Thu at 14:05"),
        ("0 10 * * 0", "毎週日曜 10:00", "every Sun at 10:00"),
        ("0 10 * * 7", "毎週日曜 10:00", "every Sun at 10:00"),
        ("0 10 * * sat-sun", "毎週土・日曜 10:00", "every Sat, Sun at 10:00"),
        ("*/15 9-17 * * *", "「*/15 9-17 * * *」（cron 形式の予定）", '"*/15 9-17 * * *" (a cron schedule)'),
        ("0 10 1 4 *", "「0 10 1 4 *」（cron 形式の予定）", '"0 10 1 4 *" (a cron schedule)'),
        ("0 10 15 * mon", "「0 10 15 * mon」（cron 形式の予定）", '"0 10 15 * mon" (a cron schedule)'),
    ],
)
def test_a_schedule_is_worded_once_in_each_language(cron, ja, en):
    assert schedule_text(Translator("ja"), cron) == ja
    assert schedule_text(Translator("en"), cron) == en


def test_every_reason_a_job_gives_is_in_both_catalogs():
    """`renkei jobs run` prints a firing's reason through `jobs.reason.<code>`: no code may reach a person as is."""
    codes = {
        code
        for path in (ROOT / "reminders").rglob("*.py")
        for code in re.findall(r'reason="([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert {"closed_day", "meeting_skipped", "missed"} <= codes
    for language in (JA, EN):
        assert sorted(code for code in codes if f"jobs.reason.{code}" not in language) == []


def test_help_names_the_newer_subcommands_and_the_department_token():
    """`/renkei help` says how to write what was added later: `/meeting skip|edit`, `/issue answer`, `場所:`, `部署:`."""
    for language, words in ((JA, ["部署:", "場所:"]), (EN, ["dept:", "place:"])):
        help_text = " ".join(value for key, value in language.items() if key.startswith("help."))
        for command in ["/meeting skip", "/meeting edit", "/issue answer", "/standup status", "/win list", *words]:
            assert command in help_text, command
