"""An unknown command or word says it does not exist and names the nearest one (commands.suggest), for every family."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.dispatch import COMMANDS, run_command
from commands import dept, issue_grammar
from commands.suggest import DEPARTMENT_CUTOFF, fold, nearest
from storage.models import Issue, Meeting, RoleAssignment, StandupAnswer, Win

ASKS = "のことですか"


def answer(services, command: str, text: str, user: str = "U01SHIMIN") -> str:
    """What `user` reads after typing `command text` (outside any channel)."""
    with services.session() as session:
        return run_command(services.context(session, user_id=user, channel_id=None), command, text).text


def stored(services) -> tuple[int, ...]:
    """How many rows commands could have written: nothing a typo answers may change them."""
    with services.session() as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Issue, Win, StandupAnswer, Meeting, RoleAssignment)
        )


def test_an_unknown_command_is_named_and_the_nearest_suggested(services):
    text = answer(services, "/isue", "list")
    assert text.startswith("「/isue」というコマンドはありません。")
    assert "`/issue` のことですか？" in text


@pytest.mark.parametrize("scope", ["mine", "all", "open"])
def test_a_list_scope_without_list_suggests_the_list(services, scope):
    before = stored(services)
    text = answer(services, "/issue", scope)
    assert f"`/issue list {scope}` のことですか？" in text
    assert stored(services) == before  # not taken for an issue's title


def test_an_unknown_subcommand_suggests_the_right_one_and_runs_nothing(services):
    before = stored(services)
    text = answer(services, "/issue", "lsit")
    assert "「/issue lsit」というコマンドはありません。" in text and "`/issue list` のことですか？" in text
    assert "使い方" in text
    assert stored(services) == before


def test_a_department_typed_in_part_suggests_its_full_name(services):
    text = answer(services, "/dept", "who 市民")
    assert "部署「市民」は見つかりません。" in text and "`/dept who 市民課` のことですか？" in text
    assert "<@U01SHIMIN>" not in text  # a suggestion, not an answer for 市民課


def test_departments_are_suggested_wherever_one_is_typed(services):
    assert "`to:税務課` のことですか？" in answer(services, "/issue", "様式が決まらない to:税務")
    assert "`/issue list 市民課` のことですか？" in answer(services, "/issue", "list 市民")
    assert "`/dept join zeimu` のことですか？" in answer(services, "/dept", "join zeim", user="U77NEW")


@pytest.mark.parametrize(
    "command,text",
    [
        ("/issue", "xyzzy"),
        ("/dept", "xyzzy"),
        ("/meeting", "xyzzy"),
        ("/renkei", "xyzzy"),
        ("/report", "xyzzy"),
    ],
)
def test_an_unrelated_word_gets_no_suggestion_but_the_usage(services, command, text):
    reply = answer(services, command, text)
    assert f"「{command} xyzzy」というコマンドはありません。" in reply
    assert ASKS not in reply and "使い方" in reply


@pytest.mark.parametrize("typed", ["/xyzzy", "/handover", "/todo"])
def test_an_unrelated_command_gets_the_list_of_commands(services, typed):
    reply = answer(services, typed, "")
    assert f"「{typed}」というコマンドはありません。" in reply and ASKS not in reply  # /handover is no /hearing
    assert all(f"`{command}`" in reply for command in COMMANDS)


@pytest.mark.parametrize("typed,meant", [("/dpet", "/dept"), ("/wim", "/win"), ("/reprot", "/report"), ("/ＩＳＵＥ", "/issue")])
def test_a_mistyped_command_names_the_right_one(services, typed, meant):
    assert f"`{meant}` のことですか？" in answer(services, typed, "list")


def test_a_department_nobody_has_lists_the_departments(services):
    reply = answer(services, "/dept", "who 総務課")  # 総務課 is not 税務課, however alike they look
    assert "部署「総務課」は見つかりません。" in reply and ASKS not in reply and "税務課（zeimu）" in reply


@pytest.mark.parametrize(
    "command,text,meant",
    [
        ("/renkei", "stauts", "/renkei status"),
        ("/renkei", "ヘルプ一覧", "/renkei ヘルプ"),
        ("/issue", "shw 5", "/issue show"),
        ("/issue", "解決済 3", "/issue 解決"),
        ("/issue", "reopn 2", "/issue reopen"),
        ("/dept", "jion 税務課", "/dept join"),
        ("/dept", "一覧表", "/dept 一覧"),
        ("/meeting", "lst", "/meeting list"),
        ("/meeting", "次回", "/meeting 次"),
        ("/win", "lsit", "/win list"),
        ("/standup", "stauts", "/standup status"),
        ("/standup", "状況確認", "/standup 状況"),
        ("/report", "digets", "/report digest"),
        ("/report", "週次", "/report 週次まとめ"),
    ],
)
def test_every_family_suggests_its_own_words_japanese_aliases_too(services, command, text, meant):
    before = stored(services)
    reply = answer(services, command, text, user="U10LEAD")
    assert f"`{meant}` のことですか？" in reply
    assert stored(services) == before  # a typo is never stored as an issue, a win or a stand-up answer


def test_the_suggestion_never_repeats_what_was_typed(services):
    # 市民課 with a zero-width space is 市民課: found, not "did you mean 市民課"
    text = answer(services, "/dept", "who 市民課\u200b")
    assert ASKS not in text and "佐藤 花子" in text


@pytest.mark.parametrize(
    "command,text,sign",
    [
        ("/issue", "ｌｉｓｔ", "*未解決の課題*"),
        ("/issue", "li\u200bst", "*未解決の課題*"),
        ("/ｉｓｓｕｅ", "list", "*未解決の課題*"),
        ("/dept", "ｗｈｏ 税務課", "鈴木 一郎"),
        ("/renkei", "\u200b", "/renkei help"),
        ("/meeting", "ＬＩＳＴ", "予定"),
    ],
)
def test_full_width_and_invisible_characters_are_read_as_meant(services, command, text, sign):
    assert sign in answer(services, command, text)


ODD = [
    "\u200b",
    "\ufeff",
    "\u3000",
    "\u0301",
    "🙂",
    "ﾘｽﾄ",
    "Ｌｉｓｔ",
    "\u200blist\u200b",
    "<!channel>",
    "#\u200b12",
    "who \u200b",
    "join\u200d",
    "to:\u200b",
    "a" * 300,
    "\u202eevil",
]


@pytest.mark.parametrize("command", sorted(COMMANDS) + ["/\u200b", "/"])
def test_odd_unicode_never_crashes(services, command):
    for text in ODD:
        reply = answer(services, command, text, user="U99NOBODY")
        assert reply and "<!channel>" not in reply


WORDS = sorted(set(issue_grammar.SUBCOMMANDS) | set(dept.ALIASES) | {"市民課", "税務課", "shimin", "zeimu"})
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@settings(max_examples=300, deadline=None)
@given(
    typed=st.one_of(
        st.text(max_size=20),
        st.sampled_from(WORDS),
        st.sampled_from(WORDS).map(lambda w: w.upper().translate(FULL_WIDTH) + "\u200b"),
    ),
    choices=st.lists(st.sampled_from(WORDS), max_size=8),
)
def test_nearest_never_offers_back_the_typed_word(typed, choices):
    near = nearest(typed, choices)
    assert near is None or (near in choices and fold(near) != fold(typed))
    assert nearest("ＬＩＳＴ\u200b", ["list", "show"]) is None  # it is list: nothing to correct


def test_a_typo_prefix_or_near_word_and_nothing_else():
    words = list(issue_grammar.SUBCOMMANDS)
    assert nearest("lsit", words) == "list" and nearest("li", words) == "list" and nearest("frobnicate", words) is None
    assert nearest("s", words) is None  # one letter begins show and answer... and says nothing
    assert nearest("市民", ["市民課", "税務課", "福祉課"]) == "市民課"
    assert nearest("総務課", ["市民課", "税務課"], DEPARTMENT_CUTOFF) is None
    assert nearest("国民建康保険課", ["国民健康保険課", "税務課"], DEPARTMENT_CUTOFF) == "国民健康保険課"
