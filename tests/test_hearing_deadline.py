"""A hearing's deadline (issue 23, point 5), through signed requests against fakeslack on SQLite and PostgreSQL:

1. `締切:` on `/hearing start` in every form the date reader takes; without it, `hearing.deadline_business_days` of
   renkei.yml counted on the office calendar from the start day; a past or closed day refused, saying why and how to
   write it, and nothing created.
2. The deadline with the business days left on the department cards, the reminders (the `hearing` job, fired as the
   scheduler fires it), `/hearing status` and the summary; after it the cards and the form say a late answer is still
   kept, and it is marked 期限後 (期限後に修正 for an on-time answer edited after it).
3. `/hearing close` while departments have not answered asks first (「このまま締め切る」 or `… 確定`); with every
   department answered it closes at once.
4. The close thanks those who answered by name and tells each silent department, in its channel, that it closed
   without its answer and whom to contact.

Every test states its clock: Wednesday 2026-12-09 09:00 in Tokyo (ticking), moved with time-machine where the story
needs a later day. The sample project: U10LEAD (山本 直子) its lead, U01SHIMIN (佐藤 花子) 市民課's liaison, U02ZEIMU
(鈴木 一郎) 税務課's.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from commands.hearing import ANSWER_BUTTON, CLOSE_BUTTON
from reminders.calendar import calendar_for
from reminders.firing import fire
from storage.hearings import save_answer
from storage.models import Department, Hearing
from storage.projectfile import ProjectFileError, parse_project_file
from tests.conftest import SAMPLE, channel_id, click, post_slash, wait_for
from tests.test_hearing import DEPARTMENT_CHANNELS, blocks_of, buttons, count, dms, posts, press, replies, submit, updates

TOKYO = ZoneInfo("Asia/Tokyo")
WEDNESDAY = dt.datetime(2026, 12, 9, 9, 0, tzinfo=TOKYO)
SILENT = ["moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(WEDNESDAY, tick=True):
        yield


@pytest.fixture
def app(synced, http_app):
    return http_app


def on(moment: dt.datetime):
    """The clock at `moment` (ticking on) for what the block does."""
    return time_machine.travel(moment, tick=True)


def tokyo(month: int, day: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TOKYO)


def hearing_command(app, fakeslack, text: str, *, user: str = "U10LEAD", channel: str = "moving-leads") -> dict:
    """`/hearing <text>`: the whole answer (text and blocks) the person sees."""
    cid = channel_id(fakeslack, channel) if channel.startswith("moving-") else channel
    return post_slash(app, "/hearing", text, user=user, channel=cid, response_url=fakeslack.response_url).json()


def slash(app, fakeslack, text: str, **kw) -> str:
    return hearing_command(app, fakeslack, text, **kw)["text"]


def stored(services) -> list[Hearing]:
    with services.session() as session:
        return list(session.exec(select(Hearing).order_by(Hearing.id)))


def start(app, fakeslack, text: str) -> tuple[str, int]:
    """`/hearing start <text>` as the lead; the reply and the hearing's number, once every card has been posted."""
    before = {name: len(posts(fakeslack, name)) for name in DEPARTMENT_CHANNELS}
    reply = slash(app, fakeslack, f"start {text}")
    assert "を引越しワンストップ化で始めました" in reply, reply
    wait_for(lambda: all(len(posts(fakeslack, name)) > before[name] for name in DEPARTMENT_CHANNELS))
    [(_, value)] = buttons(posts(fakeslack, "moving-zeimu")[-1])
    return reply, int(value)


def card_text(fakeslack, name: str) -> str:
    """A department's card as it now stands in its channel (posted, then updated in place)."""
    card = fakeslack.channel_named(name).messages[0]  # the first message of a department channel in these tests
    assert card["text"].startswith("*ヒアリング #"), card
    return card["text"]


def answer(app, fakeslack, number: int, answers: list[str], *, user="U01SHIMIN", channel="moving-shimin") -> tuple[dict, str]:
    """Press 回答する and send the form: the form as it opened, and the DM that thanked for the answer."""
    view = press(app, fakeslack, number, user=user, channel=channel)
    assert isinstance(view, dict), view
    before = len(dms(fakeslack, user))
    response = submit(app, view, answers, user=user, view_id=f"V{len(fakeslack.calls)}")
    assert response.status_code == 200 and response.text in ("", "{}"), response.text
    wait_for(lambda: len(dms(fakeslack, user)) > before)
    return view, dms(fakeslack, user)[-1]


def form_intro(view: dict) -> str:
    return view["blocks"][0]["text"]["text"]


def summary_of(fakeslack) -> str:
    return "\n".join(b["text"]["text"] for c in posts(fakeslack, "moving-leads") for b in blocks_of(c) if b["type"] == "section")


# --- 1. the deadline given, or renkei.yml's default; refusals --------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "deadline", "said"),
    [
        (WEDNESDAY, dt.date(2026, 12, 16), "2026年12月16日（水）"),
        (tokyo(12, 25), dt.date(2027, 1, 7), "2027年1月7日（木）"),  # 12/28, then the year-end closure skipped
        (tokyo(1, 8, year=2027), dt.date(2027, 1, 18), "2027年1月18日（月）"),  # 成人の日 (1/11) skipped
    ],
)
def test_without_a_deadline_typed_it_is_five_business_days_after_the_start_on_the_office_calendar(
    app, fakeslack, services, started, deadline, said
):
    with on(started):
        reply, number = start(app, fakeslack, "窓口の現状")
    [hearing] = stored(services)
    assert hearing.deadline == deadline
    assert f"締め切り: {said}（あと5営業日）" in reply
    assert "開始日から5営業日後の既定の締め切りです。変えるときは `締切:来週金曜` のように指定してください。" in reply
    today = f"{started.month}/{started.day}"
    for name in DEPARTMENT_CHANNELS:
        text = posts(fakeslack, name)[-1].params["text"]
        assert f"締め切り: {said}（あと5営業日・{today}現在）" in text and f"締め切りの{said}まで何度でも修正できます" in text


def project_file_with(hearing: str, closed_days: str = '["2026-08-14"]'):
    """The sample renkei.yml with the project's `hearing:` key and the municipality's closed days as given."""
    text = SAMPLE.read_text(encoding="utf-8").replace('closed_days: ["2026-08-14"]', f"closed_days: {closed_days}")
    text = text.replace("    leads_channel: moving-leads\n", f"    leads_channel: moving-leads\n    hearing: {hearing}\n")
    return parse_project_file(text)


def test_renkei_yml_sets_the_default_in_business_days_skipping_the_municipalitys_closed_days(
    app, fakeslack, services, monkeypatch
):
    configured = project_file_with("{deadline_business_days: 3}", closed_days='["2026-08-14", "2026-12-14"]')
    monkeypatch.setattr(services, "project_file", configured)
    monkeypatch.setitem(services.__dict__, "calendar", calendar_for(configured))
    refused = slash(app, fakeslack, "start 窓口の現状 締切:12/14")
    assert (
        "締め切りの2026年12月14日（月）は閉庁日です。開庁日を指定してください（その次の開庁日は2026年12月15日（火）です）"
        in refused
    )
    assert stored(services) == []
    reply, _ = start(app, fakeslack, "窓口の現状")
    [hearing] = stored(services)
    assert hearing.deadline == dt.date(2026, 12, 15)  # Thu, Fri, (Mon 12/14 closed), Tue
    assert "締め切り: 2026年12月15日（火）（あと3営業日）" in reply and "開始日から3営業日後" in reply

    monkeypatch.setattr(services, "project_file", project_file_with("{deadline_business_days: null}"))
    reply, number = start(app, fakeslack, "窓口の流れ")
    assert "締め切りは設けていません" in reply and stored(services)[-1].deadline is None
    assert "リーダーが締め切るまで何度でも修正できます" in posts(fakeslack, "moving-zeimu")[-1].params["text"]


@pytest.mark.parametrize("value", ["0", "61", "三"])
def test_renkei_yml_refuses_a_default_that_is_no_number_of_business_days(value):
    with pytest.raises(ProjectFileError) as refused:
        project_file_with(f"{{deadline_business_days: {value}}}")
    assert [p.path for p in refused.value.problems] == ["projects[0].hearing.deadline_business_days"]
    assert refused.value.problems[0].line is not None


@pytest.mark.parametrize(
    "typed",
    [
        "締切:12月18日",
        "締切:12/18",
        "締切：来週金曜",
        "締め切り:2026-12-18",
        "締切:令和8年12月18日",
        "締切:R8.12.18",
        "deadline:12/18",
    ],
)
def test_a_deadline_is_typed_as_dates_are_written_anywhere_else(app, fakeslack, services, typed):
    reply, _ = start(app, fakeslack, f"窓口の現状 {typed}")
    [hearing] = stored(services)
    assert (hearing.title, hearing.deadline) == ("窓口の現状", dt.date(2026, 12, 18))
    assert "締め切り: 2026年12月18日（金）（あと7営業日）" in reply and "既定" not in reply


def test_no_deadline_when_the_lead_says_so(app, fakeslack, services):
    reply, _ = start(app, fakeslack, "窓口の現状 締切:なし")
    [hearing] = stored(services)
    assert hearing.deadline is None and "締め切りは設けていません" in reply
    card = posts(fakeslack, "moving-shimin")[-1].params["text"]
    assert "締め切り:" not in card and "リーダーが締め切るまで何度でも修正できます" in card


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "締切:2026/12/8",
            "締め切りの2026年12月8日（火）は過ぎています（今日は2026年12月9日（水）です）。今日以降の開庁日を `締切:来週金曜`",
        ),
        (
            "締切:12/12",
            "締め切りの2026年12月12日（土）は土日です。開庁日を指定してください（その次の開庁日は2026年12月14日（月）です）",
        ),
        (
            "締切:12/30",
            "締め切りの2026年12月30日（水）は年末年始の閉庁期間です。開庁日を指定してください（その次の開庁日は2027年1月4日（月）です）",
        ),
        (
            "締切:2027/1/11",
            "締め切りの2027年1月11日（月）は祝日です。開庁日を指定してください（その次の開庁日は2027年1月12日（火）です）",
        ),
        ("締切:", "締切: の後に日付を書いてください（例: `締切:来週金曜`、`締切:明後日`）"),
        (
            "締切:そのうち",
            "「そのうち」は締め切りの日付として読めません。`締切:来週金曜`、`締切:明後日` のように書いてください。",
        ),
        ("締切:12/18 締切:12/21", "締め切り（締切:）が2つ指定されています"),
    ],
)
def test_a_past_or_closed_or_unreadable_deadline_is_explained_and_nothing_is_created(app, fakeslack, services, typed, said):
    reply = slash(app, fakeslack, f"start 窓口の現状 {typed}")
    assert said in reply, reply
    assert "使い方: `/hearing start <題名> [締切:<日付>|締切:なし]`" in reply
    assert stored(services) == [] and count(services, Hearing) == 0
    wait_for(lambda: True)
    assert not any(posts(fakeslack, name) for name in DEPARTMENT_CHANNELS)


# --- 2. days left on cards, reminders and status; after the deadline -------------------------------------------------


def fire_reminders(services, fakeslack, moment: dt.datetime):
    """The `hearing` job's firing at `moment`, as the scheduler runs it (a minute late)."""
    with on(moment + dt.timedelta(minutes=1)):
        result = fire(services, "hearing:moving", moment)
    wait_for(lambda: True)
    return result


def test_reminders_cards_and_status_count_the_business_days_left_and_after_the_deadline_the_card_still_takes_answers(
    app, fakeslack, services
):
    _, number = start(app, fakeslack, "窓口の現状 締切:12/17")  # Thursday next week
    answer(app, fakeslack, number, ["様式が多い"])

    assert fire_reminders(services, fakeslack, tokyo(12, 10)).status == "delivered"  # Thursday
    [reminder] = posts(fakeslack, "moving-zeimu")[1:]
    assert "税務課からはまだ回答がありません" in reminder.params["text"]
    assert "締め切りは2026年12月17日（木）です。あと5営業日です。" in reminder.params["text"]
    assert buttons(reminder) == [(ANSWER_BUTTON, str(number))]
    assert len(posts(fakeslack, "moving-shimin")) == 1  # it answered: no reminder
    assert "締め切り: 2026年12月17日（木）（あと5営業日・12/10現在）" in card_text(fakeslack, "moving-zeimu")
    assert "この部署の回答: 佐藤 花子" in card_text(fakeslack, "moving-shimin")

    with on(tokyo(12, 14, 11)):
        status = slash(app, fakeslack, "status")
    assert status.splitlines()[1] == "締め切り: 2026年12月17日（木）（あと3営業日）"
    fire_reminders(services, fakeslack, tokyo(12, 14))  # Monday
    assert "締め切りは2026年12月17日（木）です。あと3営業日です。" in posts(fakeslack, "moving-kokuho")[-1].params["text"]
    fire_reminders(services, fakeslack, tokyo(12, 17))  # Thursday: the day itself
    assert "締め切りは2026年12月17日（木）です。本日が締め切りです。" in posts(fakeslack, "moving-kokuho")[-1].params["text"]
    assert "（本日まで・12/17現在）" in card_text(fakeslack, "moving-kokuho")
    reminded = {name: len(posts(fakeslack, name)) for name in DEPARTMENT_CHANNELS}

    fire_reminders(services, fakeslack, tokyo(12, 21))  # Monday after: the leads are told, the departments are not
    assert {name: len(posts(fakeslack, name)) for name in DEPARTMENT_CHANNELS} == reminded
    assert "締め切り（2026年12月17日（木））を過ぎました" in posts(fakeslack, "moving-leads")[-1].params["text"]
    card = card_text(fakeslack, "moving-kokuho")
    assert "締め切り: 2026年12月17日（木）（締め切りを過ぎています・12/21現在）" in card
    assert "締め切りを過ぎましたが、まだ回答できます。いただいた回答は「期限後」の回答としてリーダーに届きます。" in card
    assert "リーダーが締め切るまで何度でも修正できます" in card
    with on(tokyo(12, 21, 11)):
        assert "（締め切りを過ぎています）" in slash(app, fakeslack, "status").splitlines()[1]


def test_an_answer_after_the_deadline_is_kept_marked_late_in_the_status_and_the_summary(app, fakeslack, services):
    _, number = start(app, fakeslack, "窓口の現状 締切:今週金曜")  # Friday 12/11
    with on(tokyo(12, 10)):
        view, thanks = answer(app, fakeslack, number, ["転記が多い"])
    assert "締め切り: 2026年12月11日（金）（あと1営業日）" in form_intro(view)
    assert "期限後" not in thanks

    with on(tokyo(12, 14)):  # Monday: past the deadline
        view, thanks = answer(app, fakeslack, number, ["課税台帳との照合"], user="U02ZEIMU", channel="moving-zeimu")
        _, edited = answer(app, fakeslack, number, ["転記が多い", "入力を一度に"])
        status = slash(app, fakeslack, "status")
    assert (
        ":warning: 締め切り（2026年12月11日（金））を過ぎています。回答は保存され、「期限後」の回答としてリーダーに届きます。"
        in form_intro(view)
    )
    assert "ご回答ありがとうございました" in thanks and "「期限後」の回答として記録しました" in thanks
    assert "回答を修正しました" in edited and "「期限後」の回答として記録しました" in edited
    lines = status.splitlines()
    assert any(line.startswith("• 税務課: 鈴木 一郎（2026-12-14 10:") and line.endswith("、期限後）") for line in lines), status
    assert any(line.startswith("• 市民課: 佐藤 花子（") and line.endswith("、期限後に修正）") for line in lines), status

    with on(tokyo(12, 14, 15)):
        assert "を締め切りました" in slash(app, fakeslack, "close 確定")
    wait_for(lambda: posts(fakeslack, "moving-leads"))
    summary = summary_of(fakeslack)
    assert "締め切り: 2026年12月11日（金）（1営業日過ぎてから締め切りました）" in summary
    assert "• 鈴木 一郎（期限後）: 課税台帳との照合" in summary
    assert "• 佐藤 花子（期限後に修正）: 転記が多い" in summary


# --- 3. closing while departments have not answered ------------------------------------------------------------------


def test_close_with_departments_silent_asks_first_and_the_button_closes_it(app, fakeslack, services):
    _, number = start(app, fakeslack, "窓口の現状")
    answer(app, fakeslack, number, ["転記が多い"])
    cards_changed = {name: len(updates(fakeslack, name)) for name in DEPARTMENT_CHANNELS}

    asked = hearing_command(app, fakeslack, "close")
    assert asked["text"].splitlines() == [
        f"ヒアリング #{number}「窓口の現状」には、まだ回答のない部署があります: "
        "税務課、国民健康保険課、福祉課、子育て支援課、情報政策課",
        "締め切り: 2026年12月16日（水）（あと5営業日）",
        "このまま締め切ると、これらの部署の回答はまとめに入りません（各部署のチャンネルには、回答のないまま締め切ったことを"
        f"お知らせします）。締め切る場合は「このまま締め切る」を押すか、`/hearing close {number} 確定` と入力してください。"
        "回答を待つ場合は、このままで構いません。",
    ]
    [go] = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (go["action_id"], go["value"], go["text"]["text"]) == (CLOSE_BUTTON, str(number), "このまま締め切る")
    wait_for(lambda: True)
    assert [h.status for h in stored(services)] == ["open"]
    assert not posts(fakeslack, "moving-leads")  # no summary
    assert {name: len(updates(fakeslack, name)) for name in DEPARTMENT_CHANNELS} == cards_changed  # no card closed

    def press_close(user: str, channel: str) -> list[str]:
        before = len(replies(fakeslack))
        click(
            app, CLOSE_BUTTON, str(number), user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url
        )
        wait_for(lambda: len(replies(fakeslack)) > before)
        return replies(fakeslack)[before:]

    assert any("リーダーと管理者です" in r for r in press_close("U01SHIMIN", "moving-leads"))  # a forged press
    assert [h.status for h in stored(services)] == ["open"]

    said = press_close("U10LEAD", "moving-leads")
    assert "未回答の部署があるまま締め切ることを確認しました。" in said  # the question replaced: not pressed twice
    assert any(f"ヒアリング #{number}「窓口の現状」を締め切りました。" in r for r in said)
    replaced = [c for c in fakeslack.calls_to("response_url") if c.params.get("replace_original")]
    assert [c.params["text"] for c in replaced] == ["未回答の部署があるまま締め切ることを確認しました。"]
    [hearing] = stored(services)
    assert (hearing.status, hearing.closed_by) == ("closed", "U10LEAD")
    wait_for(lambda: posts(fakeslack, "moving-leads"))
    assert any("すでに締め切られています" in r for r in press_close("U10LEAD", "moving-leads"))
    assert len([c for c in posts(fakeslack, "moving-leads") if "のまとめ" in c.params["text"]]) == 1


def test_close_by_number_with_kakutei_closes_at_once(app, fakeslack, services):
    _, first = start(app, fakeslack, "現状の確認")
    _, second = start(app, fakeslack, "窓口の流れ")
    reply = hearing_command(app, fakeslack, f"close {first} 確定")
    assert reply["text"].startswith(f"ヒアリング #{first}「現状の確認」を締め切りました。")
    assert CLOSE_BUTTON not in json.dumps(reply.get("blocks") or [])
    assert [(h.id, h.status) for h in stored(services)] == [(first, "closed"), (second, "open")]


def test_close_with_every_department_answered_closes_at_once(app, fakeslack, services):
    _, number = start(app, fakeslack, "窓口の現状")
    with services.session() as session:
        departments = {d.slug: d.id for d in session.exec(select(Department))}
        for slug, user in [
            ("zeimu", "U02ZEIMU"),
            ("kokuho", "U03KOKUHO"),
            ("fukushi", "U04FUKUSHI"),
            ("kosodate", "U05KOSODATE"),
            ("it", "U09IT"),
        ]:
            save_answer(session, hearing_id=number, department_id=departments[slug], user_id=user, answers={0: f"{slug}の回答"})
    answer(app, fakeslack, number, ["転記が多い"])  # the sixth, through the form
    reply = hearing_command(app, fakeslack, "close")
    assert reply["text"].splitlines()[0] == f"ヒアリング #{number}「窓口の現状」を締め切りました。"
    assert CLOSE_BUTTON not in json.dumps(reply.get("blocks") or [])
    assert stored(services)[0].status == "closed"
    wait_for(lambda: posts(fakeslack, "moving-leads"))
    assert "すべての部署から回答がありました。" in summary_of(fakeslack)
    assert all(len(posts(fakeslack, name)) == 1 for name in DEPARTMENT_CHANNELS)  # no department told it was left out


# --- 4. thanks by name; the silent departments told in their channels -----------------------------------------------


def test_the_close_thanks_who_answered_by_name_and_tells_each_silent_department_in_its_channel(app, fakeslack, services):
    _, number = start(app, fakeslack, "窓口の現状")
    answer(app, fakeslack, number, ["転記が多い"])
    answer(app, fakeslack, number, ["課税台帳との照合"], user="U02ZEIMU", channel="moving-zeimu")
    with on(tokyo(12, 10, 15)):
        closed = slash(app, fakeslack, "close 確定")
    assert "回答のなかった部署（国民健康保険課、福祉課、子育て支援課、情報政策課）には、それぞれのチャンネルで" in closed
    wait_for(lambda: posts(fakeslack, "moving-leads") and all(len(posts(fakeslack, n)) == 2 for n in SILENT))

    summary = summary_of(fakeslack)
    assert "締め切り: 2026年12月16日（水）（その4営業日前に締め切りました）" in summary
    assert "ご回答いただいた皆さま、ありがとうございました: 佐藤 花子 さん（市民課）、鈴木 一郎 さん（税務課）" in summary
    assert summary.endswith("回答がなかった部署: 国民健康保険課、福祉課、子育て支援課、情報政策課")

    for name, department in zip(SILENT, ["国民健康保険課", "福祉課", "子育て支援課", "情報政策課"]):
        told = posts(fakeslack, name)[-1].params["text"]
        assert told == (  # closed before its deadline: by the lead's decision, not the department's failing
            f"ヒアリング #{number}「窓口の現状」は、締め切り予定の2026年12月16日（水）より前に、山本 直子 さんの判断で"
            f"締め切られました。{department}の回答は間に合いませんでしたが、お伝えしたいことがあれば、山本 直子 さんに"
            "直接ご連絡ください。"
        )
        card = updates(fakeslack, name)[-1].params["text"]
        assert "何度でも修正できます" not in card and "回答の追加や修正はできません" in card
        assert f"このヒアリングは、{department}の回答がないまま締め切りました。" in card
        assert "ありがとうございました" not in card and buttons(updates(fakeslack, name)[-1]) == []
    for name, person in [("moving-shimin", "佐藤 花子"), ("moving-zeimu", "鈴木 一郎")]:
        assert len(posts(fakeslack, name)) == 1  # the card only: nothing said of being left out
        card = updates(fakeslack, name)[-1].params["text"]
        assert f"このヒアリングは締め切りました。{person} さん、ご回答ありがとうございました。" in card


def test_a_close_after_the_deadline_tells_the_silent_that_it_closed_without_their_answer(app, fakeslack, services):
    _, number = start(app, fakeslack, "窓口の現状")  # due 2026-12-16
    answer(app, fakeslack, number, ["転記が多い"])
    with on(tokyo(12, 17, 15)):
        slash(app, fakeslack, "close 確定")
    wait_for(lambda: all(len(posts(fakeslack, n)) == 2 for n in SILENT))
    told = posts(fakeslack, "moving-kokuho")[-1].params["text"]
    assert "国民健康保険課からのご回答はないままの締め切りとなりました" in told and "より前に" not in told
