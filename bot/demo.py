"""`renkei demo`: the sample project with weeks of realistic activity, played through the bot's own code.

Every step goes where a Slack request would go (`bot.interactions` for commands, buttons and forms: a form is opened
by pressing the button on the message that carries it, and submitted filled in) and every scheduled job fires through
`reminders.firing.fire` as the clock moves (stand-up prompts and reminders, meeting and review reminders,
waiting-issue nudges, the digest, the monthly report), on business days only, against `LocalSlack`. The result is a
database a newcomer can explore with `renkei console`, and a report that tells one story:

準備 — the lead runs a hearing (five departments answer, 福祉課 does not; the lead closes it anyway), then moves the
project to 設計 (`/renkei phase`). 設計 — two requirements are proposed from the hearing's answers; every department
rates #2, which the lead agrees with a reason true to the ratings; the design review is held (three departments sign
up and record their results); then 開発. 開発 — the lead schedules the acceptance test and the 運用開始の判定会議, the
departments sign up, IT fixes the test environment; then テスト. テスト — the acceptance test is held: 問題なし from four
departments, 問題あり from 国民健康保険課 (an issue waiting on IT, who own a session a lead added), which IT fixes the next
day before the 判定会議; the next morning the lead launches: 運用. 運用 — the stand-up turns weekly (先週やったこと・
今週やること), the admin sends the month's 振り返り (`renkei jobs run retro:moving --at …`: the monthly prompt came
before launch and was skipped), three departments answer it; IT schedules the design review of the next stage.
Throughout: issues between departments (one waiting long enough to reach the leads, one escalated to IT), wins, daily
stand-ups; requirement #1 stays disputed (必須 / 不要), waiting for the next 定例会議. The story is written in business
days from the first one (`Step.day`); tests/test_demo.py holds it to itself (`contradictions`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from bot import interactions
from bot.bootstrap import Services
from bot.clock import Clock
from bot.console import SAMPLE_PROJECT, local_services
from bot.i18n import Translator
from bot.localslack import LocalSlack, Seen
from bot.render import message_lines
from bot.settings import Settings
from commands import hearing as hearing_commands
from commands import retro as retro_commands
from commands import standup as standup_commands
from commands import uat as uat_commands
from commands.issue_blocks import IT_TAKE, TAKE
from commands.people import Names, known_names
from commands.report import digest_for, make_report, report_filename
from commands.standup import BLOCKER_BUTTON
from reminders.firing import fire
from storage.directory import (
    department_channel,
    department_of_slug,
    find_department,
    first_project,
    only_project,
    only_project_slug,
)
from storage.hearings import newest_hearing, newest_hearing_id
from storage.ids import id_of
from storage.issues import issue_id_titled
from storage.outbox import sent_payloads, sent_thread_on
from storage.phases import in_operation, standup_job_id
from storage.projectfile import load_project_file
from storage.standups import latest_answer_id
from storage.uat import session_id_titled

LEAD, IT, ADMIN = "U10LEAD", "U09IT", "U99ADMIN"
LIAISONS = {
    "shimin": "U01SHIMIN",
    "zeimu": "U02ZEIMU",
    "kokuho": "U03KOKUHO",
    "fukushi": "U04FUKUSHI",
    "kosodate": "U05KOSODATE",
    "it": IT,
}


@dataclass(frozen=True)
class Step:
    """Something a person does on the `day`-th business day at `time`."""

    day: int
    time: str
    user: str
    command: str = ""
    text: str = ""
    # an action id (the button pressed) or one of the demo's own kinds below; `issue` names what the button is on: an
    # issue or a /uat session by its title's start, or the department (slug) whose channel's requirement card is rated
    press: str = ""
    issue: str = ""


# The story: issues that wait on other departments (one long enough to reach the leads), one escalated to IT and
# answered, resolved ones, wins; the stand-ups are added day by day.
STORY = [
    Step(0, "10:15", "U01SHIMIN", "/issue", "転出届の異動情報が税務課のシステムに翌日まで反映されない to:zeimu !高"),
    Step(1, "11:00", "U03KOKUHO", "/issue", "転入時の本人確認書類の扱いが国保と市民課で違う to:shimin"),
    Step(2, "09:50", "U02ZEIMU", press=TAKE, issue="転出届の異動情報"),
    Step(3, "14:00", "U05KOSODATE", "/issue", "児童手当の転入手続きで所得情報の照会方法が決まっていない to:zeimu"),
    Step(4, "15:30", "U01SHIMIN", "/win", "転入届の入力項目を5つ減らせた"),
    Step(5, "10:30", "U04FUKUSHI", "/issue", "障害福祉サービスの住所変更を窓口で案内する文言がない"),
    Step(5, "10:45", "U04FUKUSHI", press=TAKE, issue="障害福祉サービス"),
    Step(5, "16:00", "U05KOSODATE", "/issue", "escalate {児童手当} 照会の仕組みをIT部門に相談したい"),
    Step(6, "09:40", IT, press=IT_TAKE, issue="児童手当"),
    Step(6, "15:10", IT, "/issue", "answer {児童手当} 庁内連携システムの照会画面で取得できます。手順書を共有します"),
    Step(7, "13:30", "U04FUKUSHI", "/issue", "close {障害福祉サービス} 案内文を窓口マニュアルに追加しました"),
    Step(8, "10:10", "U02ZEIMU", "/issue", "転出者の住民税の通知先の扱いを市民課と合わせたい to:shimin !低"),
    Step(8, "16:20", "U05KOSODATE", "/issue", "close {児童手当} 手順書どおりに照会できることを確認"),
    Step(9, "11:00", "U02ZEIMU", "/issue", "close {転出届の異動情報} 夜間処理を日に2回に増やして解消"),
    Step(9, "15:00", "U02ZEIMU", "/win", "市民課からの問い合わせが先週より3割減った"),
    Step(10, "10:20", "U01SHIMIN", "/issue", "窓口の受付票に部署ごとの手続き一覧を載せたい"),
    Step(10, "10:30", IT, "/issue", "テスト環境のアカウント発行が遅れている"),
    Step(11, "09:45", "U01SHIMIN", press=TAKE, issue="窓口の受付票"),
    Step(11, "11:15", IT, "/issue", "close {テスト環境} 発行手順を見直し、当日中に発行できるようにした"),
    Step(11, "14:00", IT, "/win", "テスト環境を全部署が使えるようになった"),
    Step(14, "16:30", "U01SHIMIN", "/issue", "close {窓口の受付票} 受付票の様式を更新しました"),
    Step(15, "10:05", "U05KOSODATE", "/issue", "保育所の転園手続きで案内している必要書類が古い to:fukushi"),
    Step(15, "15:00", "U05KOSODATE", "/win", "児童手当の転入手続きを1回の来庁で終えられるようになった"),
]

# --- 段階 (/renkei phase): the lead moves the project on as the story goes -----------------------------------------
LAUNCH_DAY = 14  # 運用 from this business day's morning, before its stand-up: from it on, the stand-ups are weekly
PHASE_STORY = [
    Step(6, "17:10", LEAD, "/renkei", "phase 設計"),  # the hearing is closed: the requirements are worked out
    Step(8, "17:00", LEAD, "/renkei", "phase 開発"),  # requirement #2 agreed and the design reviewed (/uat below)
    Step(11, "16:30", LEAD, "/renkei", "phase テスト"),  # the test environment works for every department
    Step(LAUNCH_DAY, "09:00", LEAD, "/renkei", "phase 運用"),  # test passed, its problem fixed, the 判定会議 said go
]

# --- ヒアリング (/hearing) -----------------------------------------------------------------------------------------
# The lead asks every department on the first day; five departments answer in the form (市民課 edits its answer
# later), 福祉課 does not and is reminded each business morning; the lead closes it (asked first, since 福祉課 has
# not answered: 「このまま締め切る」) and the summary goes to the leads.
HEARING_FORM = hearing_commands.MODAL_CALLBACK  # a Step's `press`: the hearing form sent by `user`, `text` by line
HEARING_CLOSE = hearing_commands.CLOSE_BUTTON  # 「このまま締め切る」 under the lead's question
SHIMIN_HEARING = [
    "転出・転入で同じ内容を何度も入力している",
    "入力を一度で済ませたい",
    "",
    "窓口担当の2名",
    "高齢の方は家族の付き添いで来庁する",
]
HEARING_STORY = [
    Step(0, "09:30", LEAD, "/hearing", "start 引越し手続きの現状と新しい仕組みへの期待"),
    Step(1, "10:20", "U01SHIMIN", press=HEARING_FORM, text="\n".join(SHIMIN_HEARING)),
    Step(
        1, "14:00", "U02ZEIMU", press=HEARING_FORM, text="\n".join(["住所異動の反映が翌日になる", "異動情報を当日に受け取りたい"])
    ),
    Step(
        2,
        "11:10",
        "U03KOKUHO",
        press=HEARING_FORM,
        text="\n".join(["資格確認書の再発行で住民を待たせている", "", "3月の切替は避けたい"]),
    ),
    Step(
        2,
        "15:30",
        "U05KOSODATE",
        press=HEARING_FORM,
        text="\n".join(["所得照会に時間がかかる", "", "", "", "保育所が未定の転入世帯"]),
    ),
    Step(
        3,
        "09:50",
        "U01SHIMIN",
        press=HEARING_FORM,
        text="\n".join([*SHIMIN_HEARING[:2], "操作を覚えられるか不安", *SHIMIN_HEARING[3:]]),
    ),
    Step(4, "10:40", IT, press=HEARING_FORM, text="\n".join(["", "", "既存システムとの連携の検証期間", "庁内ネットワーク担当"])),
    Step(6, "17:00", LEAD, "/hearing", "close"),
    Step(6, "17:02", LEAD, press=HEARING_CLOSE),
]
# --- end of ヒアリング ----------------------------------------------------------------------------------------------

# --- /req (要件): two requirements from the hearing's answers, rated on their cards in the departments' channels. #2
# is rated by every department and agreed by the lead (the reason says what the ratings say); #1 is disputed
# (必須 / 不要) and waits for the next 定例会議. A rating Step: `text` the requirement's number, `issue` the slug of the
# department whose channel's card is pressed.
REQ_STORY = [
    Step(
        7,
        "10:30",
        "U02ZEIMU",
        "/req",
        "add 転出届の内容を税務課にも共有する 影響: 税務課が転出者を毎月手入力で確認している",
    ),
    Step(
        7,
        "10:45",
        "U01SHIMIN",
        "/req",
        "add 窓口で手続きの進み具合を見られる 影響: 市民課が進み具合の問い合わせに答えられない",
    ),
    Step(7, "11:10", "U01SHIMIN", text="2", press="req_required", issue="shimin"),
    Step(7, "11:30", "U02ZEIMU", text="1", press="req_required", issue="zeimu"),
    Step(7, "14:00", "U03KOKUHO", text="2", press="req_required", issue="kokuho"),
    Step(7, "15:30", "U05KOSODATE", text="2", press="req_required", issue="kosodate"),
    Step(8, "09:40", "U02ZEIMU", text="2", press="req_nice", issue="zeimu"),
    Step(8, "10:00", IT, text="2", press="req_no_effect", issue="it"),
    Step(8, "10:30", "U04FUKUSHI", text="2", press="req_nice", issue="fukushi"),
    Step(
        8,
        "11:00",
        LEAD,
        "/req",
        "agree 2 市民課・国民健康保険課・子育て支援課が必須とし、不要とした部署はないため",
    ),
    Step(9, "15:00", "U01SHIMIN", text="1", press="req_nice", issue="shimin"),
    Step(16, "14:10", "U04FUKUSHI", text="1", press="req_not_needed", issue="fukushi"),
]
# The departments the agreement of #2 names as rating it 必須 (tests/test_demo.py holds the reason to the ratings).
REQ_AGREED, REQ_REQUIRED_BY = 2, ("市民課", "国民健康保険課", "子育て支援課")


def press_rating(services: Services, step: Step) -> None:
    """A liaison presses a rating button on a requirement's card in their department's channel."""
    with services.session() as session:
        project = first_project(session)
        department = find_department(session, step.issue)
        channel = department_channel(session, id_of(project), id_of(department)) if project and department else None
    interactions.button(
        services,
        user_id=step.user,
        channel_id=channel,
        action_id=step.press,
        value=step.text,
        trigger_id="demo",
        respond=lambda **_: None,
    )


# --- end of /req

# --- /uat (設計レビュー・受入テスト): the lead schedules the acceptance test; its cards reach every department channel,
# the departments sign up on them (参加を登録, its form), its reminders fire by the business calendar and, at its start,
# the cards offer 結果を記録 (its form): 問題なし, or 問題あり, which files an issue waiting on the department that owns
# the session (IT, for one a lead added). A sign-up Step: `text` who attends; a result Step: see `result`.
UAT_SIGNUP, UAT_RESULT = uat_commands.SIGNUP_BUTTON, uat_commands.RESULT_BUTTON
# the sessions' titles (the card says 設計レビュー or 受入テスト before them)
REVIEW, ACCEPTANCE, NEXT_REVIEW = "転入手続きの画面と連携の設計", "転入手続きの新しい窓口", "第2段階（転出手続き）の設計"


def signup(day: int, time: str, user: str, session: str, attendees: str) -> Step:
    """`user` presses 参加を登録 on the session's card in their department's channel and sends who attends."""
    return Step(day, time, user, text=attendees, press=UAT_SIGNUP, issue=session)


def result(day: int, time: str, user: str, session: str, note: str, *, problem: bool = False, requirement: int = 0) -> Step:
    """`user` presses 結果を記録 on the session's card and sends the outcome, the note (its first line the title of the
    issue a problem files) and the requirement it concerns (0: none)."""
    outcome = uat_commands.PROBLEM if problem else uat_commands.OK
    return Step(day, time, user, text=f"{outcome}\n{requirement or ''}\n{note}", press=UAT_RESULT, issue=session)


UAT_STORY = [  # the design review: the departments whose screens and systems it covers
    Step(6, "17:20", LEAD, "/uat", f"add {REVIEW} {{day:8}} 14:00 レビュー 場所:第3会議室"),
    signup(7, "13:00", "U01SHIMIN", REVIEW, "佐藤 花子"),
    signup(7, "13:30", IT, REVIEW, "渡辺 誠"),
    signup(7, "16:00", "U03KOKUHO", REVIEW, "高橋 美咲"),
    result(8, "15:10", "U01SHIMIN", REVIEW, "窓口の入力画面の流れを確認した"),
    result(8, "15:20", IT, REVIEW, "既存システムとの連携方式を確認した"),
    result(8, "15:40", "U03KOKUHO", REVIEW, "資格確認書の手続きの流れに問題はない"),
    Step(9, "10:40", LEAD, "/uat", f"add {ACCEPTANCE} {{day:12}} 14:00 テスト 場所:第3会議室"),
    Step(9, "10:50", LEAD, "/meeting", "add 運用開始の判定会議 {day:13} 15:00"),  # the day after the test: go or not
    signup(10, "11:30", "U01SHIMIN", ACCEPTANCE, "佐藤 花子、窓口担当2名"),
    signup(10, "14:00", IT, ACCEPTANCE, "渡辺 誠、システム担当1名"),
    signup(11, "10:10", "U02ZEIMU", ACCEPTANCE, "鈴木 一郎"),
    signup(11, "13:20", "U05KOSODATE", ACCEPTANCE, "伊藤 由美、児童手当担当1名"),
    signup(12, "09:15", "U03KOKUHO", ACCEPTANCE, "高橋 美咲"),
    result(12, "15:20", "U01SHIMIN", ACCEPTANCE, "転入届の入力から各課への連携まで、一度の入力で進められた"),
    result(12, "15:40", IT, ACCEPTANCE, "既存システムとの連携で異常なし"),
    result(12, "16:00", "U02ZEIMU", ACCEPTANCE, "異動情報が当日中に税務課に届くことを確認した"),
    result(
        12,
        "16:20",
        "U03KOKUHO",
        ACCEPTANCE,
        "進み具合の画面に国保の手続きが表示されない\n資格確認書の再発行を申請した転入者の状況が画面に出ない",
        problem=True,
        requirement=REQ_AGREED,
    ),
    result(12, "16:45", "U05KOSODATE", ACCEPTANCE, "児童手当の案内まで一度の来庁で進められた"),
    Step(13, "09:40", IT, press=TAKE, issue="進み具合の画面"),
    Step(13, "13:30", IT, "/issue", "close {進み具合の画面} 国保の手続きを進み具合の画面に追加し、国民健康保険課と再確認した"),
    Step(16, "16:00", IT, "/uat", f"add {NEXT_REVIEW} {{ahead:3}} 10:00 レビュー"),  # still to come at the end
    signup(16, "16:05", IT, NEXT_REVIEW, "渡辺 誠"),
    signup(16, "16:40", "U02ZEIMU", NEXT_REVIEW, "鈴木 一郎"),
    signup(16, "17:10", "U01SHIMIN", NEXT_REVIEW, "佐藤 花子"),
]
# --- end of /uat ---------------------------------------------------------------------------------------------------

# --- 運用 (after launch): the month's 振り返り. Its monthly prompt went out before launch (skipped: 運用開始前), so the
# admin sends this month's now, as `renkei jobs run retro:moving --at …` does; departments answer on its 回答する
# button (its form: `text` the answers, one line per question).
RUN_JOB = "renkei jobs run"  # a Step's `press`: the admin runs the firing of job `text` at the step's time
RETRO_FORM = retro_commands.ANSWER_BUTTON
LAUNCH_STORY = [
    Step(LAUNCH_DAY, "15:30", "U01SHIMIN", "/win", "新しい窓口で転入手続きの受付を始めた"),
    Step(LAUNCH_DAY + 2, "14:40", "U04FUKUSHI", "/win", "新しい窓口で転入者への案内時間が平均5分短くなった"),
    Step(LAUNCH_DAY + 1, "10:00", ADMIN, press=RUN_JOB, text="retro:moving"),
    Step(
        LAUNCH_DAY + 1,
        "14:30",
        "U01SHIMIN",
        press=RETRO_FORM,
        text="転入届の入力が一度で済み、窓口の待ち時間が短くなった\n転出の情報を税務課に渡すのはまだ手作業",
    ),
    Step(
        LAUNCH_DAY + 2,
        "11:00",
        "U05KOSODATE",
        press=RETRO_FORM,
        text="児童手当の手続きを転入の日に案内できるようになった\n保育所の転園手続きで案内する必要書類が古いまま",
    ),
    Step(
        LAUNCH_DAY + 2,
        "15:30",
        "U03KOKUHO",
        press=RETRO_FORM,
        text="進み具合の画面で国保の手続きも確かめられるようになった\n資格確認書の再発行で住民を待たせることがまだある",
    ),
]
# --- end of 運用 ----------------------------------------------------------------------------------------------------

DONE = [
    "転入届の画面確認",
    "税務課との打ち合わせ",
    "窓口マニュアルの見直し",
    "様式の洗い出し",
    "テストデータの準備",
    "住民向け案内文の作成",
    "業務フローの確認",
    "研修資料の作成",
]
# after launch the stand-up is weekly: what was done last week, what is planned this week (its form's questions)
DONE_WEEK = ["新しい窓口での受付", "住民からの問い合わせ対応", "操作マニュアルの修正", "窓口職員への説明会", "運用状況の集計"]
PLANNED_WEEK = ["問い合わせの傾向の整理", "操作マニュアルの改訂版の配布", "第2段階（転出手続き）の準備", "振り返りの共有"]
BLOCKERS = ["他課の回答待ちで様式が確定できない", "テスト環境に入れない職員がいる", "窓口の繁忙期で作業時間が取れない"]
BLOCKERS_LIVE = ["問い合わせが多く窓口が混み合っている", "操作マニュアルが窓口の手順と合わない箇所がある"]
STANDUP_FORM = standup_commands.ANSWER_BUTTON  # after launch: the weekly prompt's 回答する, its form by line
ALL_STEPS = [*STORY, *PHASE_STORY, *HEARING_STORY, *REQ_STORY, *UAT_STORY, *LAUNCH_STORY]
# The story's business days and one more: a demo of four weeks or more gets at least these (year-end and Golden Week
# holidays leave fewer in four weeks), so that the whole story is over before the last day, played only up to now.
STORY_DAYS = max(step.day for step in ALL_STEPS) + 2


def story_days(calendar: Any, today: dt.date, weeks: int) -> list[dt.date]:
    """The business days of the `weeks` weeks that end today; for four weeks or more, going further back when those
    hold fewer than the story needs."""
    days = business_days(calendar, today, weeks)
    first = days[0] if days else today
    while weeks >= 4 and len(days) < STORY_DAYS:
        first -= dt.timedelta(days=1)
        if calendar.is_business_day(first):
            days.insert(0, first)
    return days


def business_days(calendar: Any, today: dt.date, weeks: int) -> list[dt.date]:
    """The business days of the `weeks` weeks that end today."""
    first = today - dt.timedelta(days=7 * weeks - 1)
    return [
        first + dt.timedelta(days=n)
        for n in range((today - first).days + 1)
        if calendar.is_business_day(first + dt.timedelta(days=n))
    ]


class Player:
    """Plays the story and the stand-ups, day by day, as the people of the sample project."""

    def __init__(self, services: Services, days: list[dt.date], slack: LocalSlack | None = None, seed: int = 8):
        self.services = services
        self.days = days
        self.zone = ZoneInfo(services.project_file.timezone)
        self.clock = Clock(services, tick=False)
        self.random = random.Random(seed)
        self.real_now = dt.datetime.now(dt.timezone.utc)  # nothing is played after this moment
        self.forms: dict[str, dict[str, Any]] = {}  # the forms Slack opened, by the trigger_id of the press
        if slack is not None:
            slack.listeners.append(self.seen)

    def seen(self, seen: Seen) -> None:
        if seen.kind == "form" and seen.view is not None:
            self.forms[seen.channel] = seen.view  # a form's `channel` is the trigger_id it was opened with

    def at(self, day: int, time: str) -> dt.datetime:
        hour, minute = (int(x) for x in time.split(":"))
        date = self.days[day]
        return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=self.zone)

    def issue_number(self, title_start: str) -> int:
        with self.services.session() as session:
            found = issue_id_titled(session, title_start)
        return found or 0

    def fill(self, text: str) -> str:
        """`{転出届…}` → the issue's number; `{day:11}` → that business day's date; `{ahead:3}` → the third business day
        after the demo's last day (what is still to come when it ends)."""
        while "{" in text:
            start, end = text.index("{"), text.index("}")
            inner = text[start + 1 : end]
            if inner.startswith("day:"):
                value = self.days[min(int(inner[4:]), len(self.days) - 1)].isoformat()
            elif inner.startswith("ahead:"):
                day = self.days[-1]
                for _ in range(int(inner[6:])):
                    day = self.services.calendar.next_business_day(day + dt.timedelta(days=1))
                value = day.isoformat()
            else:
                value = str(self.issue_number(inner))
            text = text[:start] + value + text[end + 1 :]
        return text

    def play(self, step: Step) -> None:
        quiet = lambda **_: None  # noqa: E731 - what the person saw is in the database and the outbox
        if step.press:
            interactions.button(
                self.services,
                user_id=step.user,
                channel_id=None,
                action_id=step.press,
                value=str(self.issue_number(step.issue)),
                trigger_id="demo",
                respond=quiet,
            )
            return
        interactions.slash(
            self.services,
            user_id=step.user,
            channel_id=None,
            command=step.command,
            text=self.fill(step.text),
            trigger_id="demo",
            ack=quiet,
            respond=quiet,
        )

    def standups(self, day: int) -> list[Step]:
        """Most liaisons answer each morning's stand-up (typed, as the daily questions go); some miss a day, a few name
        a blocker. After launch the stand-up is weekly: on the day its prompt goes out, they answer its form."""
        steps = []
        for slug, user in LIAISONS.items():
            if self.random.random() < (0.18 if day < LAUNCH_DAY else 0.06):  # once a week: seldom missed
                continue
            blocker = self.random.choice(BLOCKERS) if self.random.random() < 0.08 else "なし"
            done, planned = self.random.choice(DONE), self.random.choice(DONE)
            minute = self.random.randint(35, 59)
            if day >= LAUNCH_DAY:
                blocker = self.random.choice(BLOCKERS_LIVE) if blocker != "なし" else blocker
                week = "\n".join([self.random.choice(DONE_WEEK), self.random.choice(PLANNED_WEEK), blocker])
                steps.append(Step(day, f"10:{minute:02d}", user, text=week, press=STANDUP_FORM))
            else:
                text = f"昨日: {done}\n今日: {planned}\n困っていること: {blocker}"
                steps.append(Step(day, f"10:{minute:02d}", user, "/standup", text))
            if blocker != "なし" and slug == "kokuho":  # 国保 files its blocker as an issue with the offered button
                steps.append(Step(day, f"11:{minute:02d}", user, press=BLOCKER_BUTTON))
        return steps

    def press_blocker(self, step: Step) -> None:
        """課題として登録 under the person's answer of today (none today, after launch on a day nobody is asked: none)."""
        today = self.clock.now().astimezone(self.zone).date()
        with self.services.session() as session:
            answer = latest_answer_id(session, step.user, today)
        if answer is None:
            return
        interactions.button(
            self.services,
            user_id=step.user,
            channel_id=None,
            action_id=BLOCKER_BUTTON,
            value=str(answer),
            trigger_id="demo",
            respond=lambda **_: None,
        )

    def answer_hearing(self, step: Step) -> None:
        """The hearing form sent by `step.user` from its department channel: `step.text`'s lines, question by question."""
        slug = next(s for s, user in LIAISONS.items() if user == step.user)
        with self.services.session() as session:
            hearing = newest_hearing(session)
            department = department_of_slug(session, slug)
            if hearing is None:
                return
            channel = department_channel(session, hearing.project_id, department.id or 0)
            view = hearing_commands.modal(self.services.translator(), hearing, department, {}, channel)
        values = {f"q{n}": {"value": {"type": "plain_text_input", "value": a}} for n, a in enumerate(step.text.split("\n"))}
        view = {**view, "id": f"demo-hearing-{step.day}-{step.user}", "state": {"values": values}}
        interactions.form(self.services, user_id=step.user, view=view, ack=lambda **_: None)

    def close_hearing(self, step: Step) -> None:
        """「このまま締め切る」, pressed by the lead under the question `/hearing close` asked."""
        with self.services.session() as session:
            hearing = newest_hearing_id(session)
        interactions.button(
            self.services,
            user_id=step.user,
            channel_id=None,
            action_id=step.press,
            value=str(hearing or 0),
            trigger_id=f"demo-{step.day}-{step.time}-{step.user}",
            respond=lambda **_: None,
        )

    # --- forms opened by a button on a message in the person's department channel --------------------------------

    def own_channel(self, user: str) -> str | None:
        """The channel of `user`'s department in the project."""
        slug = next(s for s, u in LIAISONS.items() if u == user)
        with self.services.session() as session:
            project = only_project(session)
            department = department_of_slug(session, slug)
            return department_channel(session, id_of(project), id_of(department))

    def press_for_form(self, step: Step, channel: str, value: str) -> dict[str, Any] | None:
        """Press the button `step.press` (its `value` as on the message) in `channel`: the form Slack opened, if any."""
        trigger = f"demo-{step.day}-{step.time}-{step.user}"
        interactions.button(
            self.services,
            user_id=step.user,
            channel_id=channel,
            action_id=step.press,
            value=value,
            trigger_id=trigger,
            respond=lambda **_: None,
        )
        return self.forms.pop(trigger, None)

    def send_form(self, step: Step, view: dict[str, Any], answers: dict[str, str]) -> None:
        """Submit the form as Slack would: each input's state as the person left it (a radio or a menu: the option whose
        value is given; a text box: the text), under a view id of its own."""
        values: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            block_id = block.get("block_id", "")
            if block.get("type") != "input" or not answers.get(block_id):
                continue
            element = block["element"]
            state: dict[str, Any] = {"type": element["type"]}
            if "options" in element:
                state["selected_option"] = next(o for o in element["options"] if o["value"] == answers[block_id])
            else:
                state["value"] = answers[block_id]
            values[block_id] = {element["action_id"]: state}
        view = {**view, "id": f"demo-{step.press}-{step.day}-{step.time}-{step.user}", "state": {"values": values}}
        interactions.form(self.services, user_id=step.user, view=view, ack=lambda **_: None)

    def button_on(self, key_start: str, channel: str, action_id: str) -> str | None:
        """The value of button `action_id` on the latest message posted (or updated) in `channel` under a key starting
        with `key_start`: the button as the person sees it now; None when it is not there."""
        with self.services.session() as session:
            rows = sent_payloads(session, key_start, channel)
        for payload in rows:
            for block in json.loads(payload).get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == action_id:
                        return element.get("value")
        return None

    def answer_on(self, step: Step, key_start: str, answers: dict[str, str]) -> None:
        """`step.user` presses `step.press` on the latest message under `key_start` in their department's channel, and
        sends the form it opens with `answers` (by block id); nothing when the button is not there."""
        channel = self.own_channel(step.user)
        value = self.button_on(key_start, channel, step.press) if channel else None
        view = self.press_for_form(step, channel, value) if channel and value else None
        if view is not None:
            self.send_form(step, view, answers)

    def uat_form(self, step: Step) -> None:
        """参加を登録 or 結果を記録 on the session's card, then its form: who attends, or the outcome, note, requirement."""
        with self.services.session() as session:
            number = session_id_titled(session, step.issue)
        if step.press == UAT_SIGNUP:
            answers = {uat_commands.ATTENDEES: step.text}
        else:
            outcome, requirement, note = step.text.split("\n", 2)
            answers = {uat_commands.OUTCOME: outcome, uat_commands.NOTE: note}
            answers[uat_commands.REQUIREMENT] = requirement or uat_commands.NO_REQUIREMENT
        self.answer_on(step, uat_commands.card_prefix(number or 0), answers)

    def answer_retro(self, step: Step) -> None:
        """回答する on the month's 振り返り prompt, the form filled line by line."""
        with self.services.session() as session:
            slug = only_project_slug(session)
        self.answer_on(step, f"retro:{slug}@", {f"q{n}": line for n, line in enumerate(step.text.split("\n"))})

    def answer_weekly_standup(self, step: Step) -> None:
        """After launch: on a day the weekly prompt went out, 回答する on it and its form (先週やったこと・今週やること・
        困っていること) filled line by line; on other days nobody is asked, and nobody answers."""
        channel = self.own_channel(step.user)
        with self.services.session() as session:
            project = only_project(session)
            prefix = f"{standup_job_id(project.slug, after_launch=True)}@"
            today = self.clock.now().astimezone(self.zone).date()
            prompt = None
            if channel is not None and in_operation(project):
                prompt = sent_thread_on(session, job_prefix=prefix, channel=channel, day=today, timezone=str(self.zone))
        if prompt is not None:
            self.answer_on(step, prefix, {f"q{n}": line for n, line in enumerate(step.text.split("\n"))})

    def run_job(self, step: Step) -> None:
        """`renkei jobs run <job> --at <the step's time>`: that firing, once."""
        fire(self.services, step.text, self.at(step.day, step.time))

    def run(self, progress: Callable[[str], None]) -> None:
        kinds: dict[str, Callable[[Step], None]] = {
            BLOCKER_BUTTON: self.press_blocker,
            HEARING_FORM: self.answer_hearing,
            HEARING_CLOSE: self.close_hearing,
            UAT_SIGNUP: self.uat_form,
            UAT_RESULT: self.uat_form,
            RETRO_FORM: self.answer_retro,
            STANDUP_FORM: self.answer_weekly_standup,
            RUN_JOB: self.run_job,
        }
        self.clock.set(self.at(0, "00:00"))
        try:
            for day in range(len(self.days)):
                story = [s for s in ALL_STEPS if s.day == day]
                steps = sorted(story + self.standups(day), key=lambda s: s.time)
                for step in steps:
                    if self.at(day, step.time) > self.real_now:
                        break
                    self.clock.advance(self.at(day, step.time))
                    if step.press in kinds:
                        kinds[step.press](step)
                    elif step.press.startswith("req_"):  # /req: a rating on a requirement's card
                        press_rating(self.services, step)
                    else:
                        self.play(step)
                self.clock.advance(min(self.at(day, "23:59"), self.real_now))
                if self.days[day].weekday() == 4 or day == len(self.days) - 1:
                    progress(self.days[day].isoformat())
        finally:
            self.clock.stop()


def renkei_command() -> str:
    """`renkei` when it is on PATH, else the path of the script installed beside this Python (a venv)."""
    beside = Path(sys.executable).with_name("renkei")
    return "renkei" if shutil.which("renkei") else str(beside) if beside.exists() else "renkei"


def run_demo(out: Path, *, weeks: int = 4, lang: str = "ja", echo: Callable[[str], None] = print, force: bool = False) -> int:
    """Write the sample project, play `weeks` weeks, print the digest, write the report; 0 when done."""
    t = Translator(lang)
    out = Path(out)
    database = out / "renkei.db"
    if database.exists() and not force:
        echo(t("demo.exists", folder=out, renkei=renkei_command()))
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for stale in (database, out / "renkei.db-wal", out / "renkei.db-shm"):
        stale.unlink(missing_ok=True)
    config = out / "renkei.yml"
    shutil.copyfile(SAMPLE_PROJECT, config)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
        renkei_config=str(config),
        renkei_lang=lang,
        renkei_reports_dir=str(out / "excel-reports"),
    )
    logging.disable(logging.ERROR)
    try:
        services, slack = local_services(settings, load_project_file(config))
        t = services.translator()
        today = dt.datetime.now(ZoneInfo(services.project_file.timezone)).date()
        days = story_days(services.calendar, today, weeks)
        echo(t("demo.playing", start=days[0].isoformat(), end=days[-1].isoformat(), days=len(days)))
        Player(services, days, slack).run(lambda day: echo(t("demo.week_done", day=day)))
        with services.session() as session:
            project = first_project(session)
            if project is None:
                raise RuntimeError(f"{SAMPLE_PROJECT} names no project")
            text, blocks = digest_for(
                session, project, project_file=services.project_file, calendar=services.calendar, t=t, today=today
            )
            person = Names(t, known_names(session, services.project_file.people, t))
            report = make_report(
                session,
                project,
                start=days[0],
                end=today,
                out=out / report_filename(project, days[0], today),
                calendar=services.calendar,
                project_file=services.project_file,
                t=t,
            )
        services.engine.dispose()
    finally:
        logging.disable(logging.NOTSET)
    echo("")
    lines, _ = message_lines(text, blocks, person=person, channel=lambda c: c)
    for line in lines:
        echo(line)
    echo("")
    echo(t("demo.done", config=config, database=database, report=report, folder=out, renkei=renkei_command()))
    return 0
