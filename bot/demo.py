"""`renkei demo`: the sample project with weeks of realistic activity, played through the bot's own code.

Every step goes where a Slack request would go (`bot.interactions` for commands, buttons and forms)
and every scheduled job fires through `reminders.firing.fire` as the clock moves (stand-up prompts and
reminders, meeting reminders, waiting-issue nudges, the digest, the monthly report), on business
days only, against `LocalSlack`. The result is a database a newcomer can explore with `renkei console`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot import interactions
from bot.bootstrap import Services
from bot.clock import Clock
from bot.console import SAMPLE_PROJECT, local_services
from bot.i18n import Translator
from bot.render import message_lines
from bot.settings import Settings
from commands import hearing as hearing_commands
from commands.issue_blocks import IT_TAKE, TAKE
from commands.people import Names, known_names
from commands.report import digest_for, make_report, report_filename
from commands.standup import BLOCKER_BUTTON
from storage.directory import department_channel
from storage.ids import id_of
from storage.models import Department, Hearing, Issue, Project, StandupAnswer
from storage.projectfile import load_project_file

LEAD, IT = "U10LEAD", "U09IT"
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
    press: str = ""  # an action id; `issue` names the issue (by its title's start) whose button is pressed
    issue: str = ""


# The story: issues that wait on other departments (one long enough to reach the leads), one escalated
# to IT and answered, resolved ones, wins, a design review; the stand-ups are added day by day.
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
    Step(6, "11:20", LEAD, "/meeting", "add 設計レビュー（転入手続き） {day:11} 14:00"),
    Step(6, "15:10", IT, "/issue", "answer {児童手当} 庁内連携システムの照会画面で取得できます。手順書を共有します"),
    Step(7, "13:30", "U04FUKUSHI", "/issue", "close {障害福祉サービス} 案内文を窓口マニュアルに追加しました"),
    Step(8, "10:10", "U02ZEIMU", "/issue", "転出者の住民税の通知先の扱いを市民課と合わせたい to:shimin !低"),
    Step(8, "16:20", "U05KOSODATE", "/issue", "close {児童手当} 手順書どおりに照会できることを確認"),
    Step(9, "11:00", "U02ZEIMU", "/issue", "close {転出届の異動情報} 夜間処理を日に2回に増やして解消"),
    Step(9, "15:00", "U02ZEIMU", "/win", "市民課からの問い合わせが先週より3割減った"),
    Step(10, "10:20", "U01SHIMIN", "/issue", "窓口の受付票に部署ごとの手続き一覧を載せたい"),
    Step(11, "09:45", "U01SHIMIN", press=TAKE, issue="窓口の受付票"),
    Step(13, "14:40", "U04FUKUSHI", "/win", "転入者への案内時間が平均5分短くなった"),
    Step(14, "16:30", "U01SHIMIN", "/issue", "close {窓口の受付票} 受付票の様式を更新しました"),
    Step(15, "10:05", "U05KOSODATE", "/issue", "保育所の転園手続きで案内している必要書類が古い to:fukushi"),
    Step(15, "15:00", "U05KOSODATE", "/win", "児童手当の転入手続きを1回の来庁で終えられるようになった"),
    Step(16, "10:30", IT, "/issue", "テスト環境のアカウント発行が遅れている"),
    Step(17, "11:15", IT, "/issue", "close {テスト環境} 発行手順を見直し、当日中に発行できるようにした"),
    Step(17, "14:00", IT, "/win", "テスト環境を全部署が使えるようになった"),
]

# --- ヒアリング (/hearing) -----------------------------------------------------------------------------------------
# The lead asks every department on the first day; five departments answer in the form (市民課 edits its answer
# later), 福祉課 does not and is reminded each business morning; the lead closes it and the summary goes to the leads.
HEARING_FORM = hearing_commands.MODAL_CALLBACK  # a Step's `press`: the hearing form sent by `user`, `text` by line
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
]
# --- end of ヒアリング ----------------------------------------------------------------------------------------------

# --- /uat (設計レビュー・受入テスト): the lead schedules an acceptance test; its cards reach every department channel,
# its reminders fire by the business calendar and, at its start, the cards offer 結果を記録 -----------------------------
STORY += [Step(12, "10:40", LEAD, "/uat", "add 転入手続きの受入テスト {day:16} 14:00 テスト 場所:第3会議室")]
STORY += [Step(15, "16:00", LEAD, "/uat", "add 転出画面の設計レビュー {ahead:3} 10:00 レビュー")]  # still to come at the end
# --- end of /uat ---------------------------------------------------------------------------------------------------

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
BLOCKERS = ["他課の回答待ちで様式が確定できない", "テスト環境に入れない職員がいる", "窓口の繁忙期で作業時間が取れない"]

# --- /req (要件): two requirements, rated on their cards in the departments' channels; #1 disagrees (必須 / 不要) and
# waits for the 定例会議, #2 is agreed by the lead. A rating Step: `text` the requirement's number, `issue` the slug of
# the department whose channel's card is pressed.
REQ_STORY = [
    Step(
        12,
        "10:00",
        "U02ZEIMU",
        "/req",
        "add 転出届の内容を税務課にも共有する 影響: 税務課が転出者を毎月手入力で確認している",
    ),
    Step(12, "11:30", "U02ZEIMU", text="1", press="req_required", issue="zeimu"),
    Step(12, "14:10", "U04FUKUSHI", text="1", press="req_not_needed", issue="fukushi"),
    Step(12, "15:00", "U01SHIMIN", text="1", press="req_nice", issue="shimin"),
    Step(
        13,
        "10:20",
        "U01SHIMIN",
        "/req",
        "add 窓口で手続きの進み具合を見られる 影響: 市民課が進み具合の問い合わせに答えられない",
    ),
    Step(13, "11:00", "U01SHIMIN", text="2", press="req_required", issue="shimin"),
    Step(13, "13:00", "U05KOSODATE", text="2", press="req_nice", issue="kosodate"),
    Step(14, "10:00", LEAD, "/req", "agree 2 窓口の負担が大きく、全部署で必要と確認できたため"),
]


def press_rating(services: Services, step: Step) -> None:
    """A liaison presses a rating button on a requirement's card in their department's channel."""
    with services.session() as session:
        project = session.exec(select(Project)).first()
        department = session.exec(select(Department).where(Department.slug == step.issue)).first()
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

    def __init__(self, services: Services, days: list[dt.date], seed: int = 8):
        self.services = services
        self.days = days
        self.zone = ZoneInfo(services.project_file.timezone)
        self.clock = Clock(services, tick=False)
        self.random = random.Random(seed)
        self.real_now = dt.datetime.now(dt.timezone.utc)  # nothing is played after this moment

    def at(self, day: int, time: str) -> dt.datetime:
        hour, minute = (int(x) for x in time.split(":"))
        date = self.days[day]
        return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=self.zone)

    def issue_number(self, title_start: str) -> int:
        with self.services.session() as session:
            found = session.exec(select(Issue.id).where(Issue.title.startswith(title_start))).first()
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
        """Most liaisons answer each morning; some miss a day, a few name a blocker."""
        steps = []
        for slug, user in LIAISONS.items():
            if self.random.random() < 0.18:
                continue
            blocker = self.random.choice(BLOCKERS) if self.random.random() < 0.08 else "なし"
            text = f"昨日: {self.random.choice(DONE)}\n今日: {self.random.choice(DONE)}\n困っていること: {blocker}"
            minute = self.random.randint(35, 59)
            steps.append(Step(day, f"10:{minute:02d}", user, "/standup", text))
            if blocker != "なし" and slug == "kokuho":  # 国保 files its blocker as an issue with the offered button
                steps.append(Step(day, f"11:{minute:02d}", user, press=BLOCKER_BUTTON))
        return steps

    def press_blocker(self, step: Step) -> None:
        with self.services.session() as session:
            answer = session.exec(
                select(StandupAnswer.id).where(StandupAnswer.user_id == step.user).order_by(col(StandupAnswer.id).desc())
            ).first()
        interactions.button(
            self.services,
            user_id=step.user,
            channel_id=None,
            action_id=BLOCKER_BUTTON,
            value=str(answer or 0),
            trigger_id="demo",
            respond=lambda **_: None,
        )

    def answer_hearing(self, step: Step) -> None:
        """The hearing form sent by `step.user` from its department channel: `step.text`'s lines, question by question."""
        slug = next(s for s, user in LIAISONS.items() if user == step.user)
        with self.services.session() as session:
            hearing = session.exec(select(Hearing).order_by(col(Hearing.id).desc())).first()
            department = session.exec(select(Department).where(Department.slug == slug)).one()
            if hearing is None:
                return
            channel = department_channel(session, hearing.project_id, department.id or 0)
            view = hearing_commands.modal(self.services.translator(), hearing, department, {}, channel)
        values = {f"q{n}": {"value": {"type": "plain_text_input", "value": a}} for n, a in enumerate(step.text.split("\n"))}
        view = {**view, "id": f"demo-hearing-{step.day}-{step.user}", "state": {"values": values}}
        interactions.form(self.services, user_id=step.user, view=view, ack=lambda **_: None)

    def run(self, progress: Callable[[str], None]) -> None:
        self.clock.set(self.at(0, "00:00"))
        try:
            for day in range(len(self.days)):
                story = [s for s in [*STORY, *HEARING_STORY, *REQ_STORY] if s.day == day]
                steps = sorted(story + self.standups(day), key=lambda s: s.time)
                for step in steps:
                    if self.at(day, step.time) > self.real_now:
                        break
                    self.clock.advance(self.at(day, step.time))
                    if step.press == BLOCKER_BUTTON:
                        self.press_blocker(step)
                    elif step.press == HEARING_FORM:
                        self.answer_hearing(step)
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
        services, _ = local_services(settings, load_project_file(config))
        t = services.translator()
        today = dt.datetime.now(ZoneInfo(services.project_file.timezone)).date()
        days = business_days(services.calendar, today, weeks)
        echo(t("demo.playing", start=days[0].isoformat(), end=days[-1].isoformat(), days=len(days)))
        Player(services, days).run(lambda day: echo(t("demo.week_done", day=day)))
        with services.session() as session:
            project = session.exec(select(Project)).first()
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
