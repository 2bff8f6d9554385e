"""The /issue grammar and the text guards, as pure functions (hypothesis: the parser never raises)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.issue_grammar import (
    AddIssue,
    AnswerIssue,
    AssignIssue,
    CloseIssue,
    EscalateIssue,
    ListIssues,
    OpenModal,
    ReopenIssue,
    ShowIssue,
    UsageError,
    parse_issue,
)
from commands.text import plain_text, read_number, read_user
from storage.privacy import contains_my_number, my_number_check_digit


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", OpenModal()),
        ("住基連携の仕様が決まらない", AddIssue("住基連携の仕様が決まらない")),
        (
            "住基連携の仕様が決まらない !high to:zeimu",
            AddIssue("住基連携の仕様が決まらない", severity="high", waiting_on="zeimu"),
        ),
        ("!高 窓口端末が遅い to:税務課", AddIssue("窓口端末が遅い", severity="high", waiting_on="税務課")),
        ("窓口端末が遅い ！低 ｔｏ：kokuho", AddIssue("窓口端末が遅い", severity="low", waiting_on="kokuho")),
        ("件名\n詳細の1行目\n詳細の2行目 !low", AddIssue("件名", body="詳細の1行目\n詳細の2行目", severity="low")),
        ("list", ListIssues()),
        ("一覧", ListIssues()),
        ("list open", ListIssues("open")),
        ("list all", ListIssues("all")),
        ("一覧 すべて", ListIssues("all")),
        ("list mine", ListIssues("mine")),
        ("一覧 自分", ListIssues("mine")),
        ("list zeimu", ListIssues("department", "zeimu")),
        ("一覧 税務課", ListIssues("department", "税務課")),
        ("show 12", ShowIssue(12)),
        ("詳細 #12", ShowIssue(12)),
        ("show ＃１２", ShowIssue(12)),
        ("assign 3 <@U02ZEIMU|zeimu>", AssignIssue(3, "U02ZEIMU")),
        ("担当 3 @U02ZEIMU", AssignIssue(3, "U02ZEIMU")),
        ("close 3", CloseIssue(3)),
        ("解決 3 仕様が決まった", CloseIssue(3, "仕様が決まった")),
        ("reopen 3", ReopenIssue(3)),
        ("再開 #3", ReopenIssue(3)),
        ("escalate 4", EscalateIssue(4)),
        ("相談 4 API の調整が必要", EscalateIssue(4, "API の調整が必要")),
        ("answer 4 設定を直しました", AnswerIssue(4, "設定を直しました")),
        ("回答 4 済", AnswerIssue(4, "済")),
        ("SHOW 5", ShowIssue(5)),
    ],
)
def test_every_form_of_the_grammar(text, expected):
    assert parse_issue(text) == expected


@pytest.mark.parametrize(
    "text,problem",
    [
        ("show", "needs_number"),
        ("show abc", "needs_number"),
        ("show 1 2", "needs_number"),
        ("close", "needs_number"),
        ("escalate x", "needs_number"),
        ("reopen", "needs_number"),
        ("assign 3", "needs_user"),
        ("assign 3 佐藤さん", "needs_user"),
        ("assign x @U1AB", "needs_number"),
        ("answer 3", "needs_answer"),
        ("list open mine", "list_one_filter"),
        ("frobnicate", "unknown_sub"),
        ("shw 5", "unknown_sub"),
        ("!高 !低 件名", "two_severities"),
        ("件名 to:zeimu to:kokuho", "two_targets"),
        ("件名 to:", "empty_target"),
        ("!高 to:zeimu", "empty_title"),
        ("あ" * 151, "title_too_long"),
        ("件名\n" + "あ" * 2501, "body_too_long"),
        ("close 3 " + "あ" * 2501, "note_too_long"),
    ],
)
def test_bad_input_is_a_usage_error(text, problem):
    result = parse_issue(text)
    assert isinstance(result, UsageError) and result.problem == problem


def test_title_at_the_limit_is_accepted():
    assert parse_issue("あ" * 150) == AddIssue("あ" * 150)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_the_parser_never_raises(text):
    result = parse_issue(text)
    assert isinstance(
        result,
        (
            OpenModal,
            AddIssue,
            ListIssues,
            ShowIssue,
            AssignIssue,
            CloseIssue,
            ReopenIssue,
            EscalateIssue,
            AnswerIssue,
            UsageError,
        ),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "list",
                "show",
                "close",
                "assign",
                "!高",
                "to:",
                "#",
                "12",
                "<@U1>",
                "\n",
                " ",
                "税務課",
                "<!channel>",
                "&",
                "１２",
                "escalate",
                "answer",
            ]
        ),
        max_size=12,
    )
)
def test_the_parser_never_raises_on_grammar_like_noise(words):
    assert parse_issue(" ".join(words)) is not None


def test_slack_markup_becomes_plain_text():
    assert (
        plain_text("<!channel> <@U01AB|sato> <#C01|moving-zeimu> <https://x.example|here> &lt;b&gt; &amp;")
        == "@channel @sato #moving-zeimu https://x.example <b> &"
    )
    assert read_number("#０７") == 7 and read_number("7a") is None and read_number("") is None
    assert read_user("<@U02ZEIMU>") == "U02ZEIMU" and read_user("u02zeimu") == "U02ZEIMU" and read_user("佐藤") is None


def test_my_number_check_digit_follows_the_official_rule():
    assert my_number_check_digit("12345678901") == 8  # the example commonly used to explain the rule
    assert contains_my_number("住民の番号は123456789018です")
    assert contains_my_number("1234 5678 9018") and contains_my_number("1234-5678-9018")
    assert contains_my_number("１２３４５６７８９０１８")  # typed in full width
    assert not contains_my_number("123456789012")  # wrong check digit
    assert not contains_my_number("電話 0312345678901")  # 13 digits: not a My Number
    assert not contains_my_number("予算 1,234,567,890 円")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_last_digit_makes_a_valid_my_number(first_eleven):
    valid = [d for d in range(10) if contains_my_number(f"番号 {first_eleven}{d} です")]
    assert valid == [my_number_check_digit(first_eleven)]
