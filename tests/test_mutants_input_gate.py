"""The input gate and the storage guard, pinned down where mutation testing found them loose (scripts/mutation).

commands.text.gate (what it returns, to the character), plain_text's markup, the My Number rule's edges
(storage.privacy) and the storage guard's reach (storage.guard): JSON it looks into, the row and column it names.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import select

from commands.text import MY_NUMBER, SLASH_TEXT_LIMIT, TOO_LONG, Gated, gate, plain_text, read_user
from storage import guard
from storage.db import make_engine, new_session
from storage.guard import ResidentsDataRefused, check_row, refuse_my_number, texts_in
from storage.models import Department
from storage.privacy import contains_my_number, my_number_check_digit

MY_NUMBER_TEXT = "1234 5678 9018"  # a valid My Number (check digit 8)

# --- the gate -------------------------------------------------------------------------------------------------


def test_the_gate_answers_with_the_cleaned_text_its_length_and_limit():
    assert gate("  窓口\u200bの件 ") == Gated("  窓口の件 ", None, 7, SLASH_TEXT_LIMIT)
    assert gate("") == gate(None) == Gated("", None, 0, SLASH_TEXT_LIMIT)  # nothing typed is an empty text
    assert gate("ａｂｃ（第3版）", limit=8) == Gated("ａｂｃ（第3版）", None, 8, 8)  # kept as typed, not folded


def test_a_text_of_exactly_the_limit_passes_and_one_more_character_does_not():
    assert gate("あ" * 10, limit=10) == Gated("あ" * 10, None, 10, 10)
    assert gate("あ" * 11, limit=10) == Gated("", TOO_LONG, 11, 10)


def test_a_text_that_folding_makes_longer_is_measured_folded():
    assert gate("㌀", limit=4) == Gated("㌀", None, 1, 4)  # NFKC: one character becomes four, at the limit; kept as typed
    assert gate("㌀㌀", limit=5) == Gated("", TOO_LONG, 8, 5)  # two characters, eight once folded


def test_a_my_number_is_refused_with_the_cleaned_length():
    assert gate(f"番号 {MY_NUMBER_TEXT}") == Gated("", MY_NUMBER, 17, SLASH_TEXT_LIMIT)


def test_a_my_number_seen_only_before_cleaning_is_refused():
    # A control character (removed by cleaning) joins `34` and `5678`: read as nothing it leaves groups of any shape,
    # which only a hidden character allows; the cleaned text alone (12-345678-9018) would pass.
    text = "12-34\x1c5678-9018"
    assert contains_my_number(text) and not contains_my_number("12-345678-9018")
    assert gate(text).problem == MY_NUMBER


def test_slack_markup_without_labels():
    assert plain_text("<#C0TEST> を見て") == "#C0TEST を見て"
    assert plain_text("期限 <!date^1392734382^{date_short}|2014-02-18> まで") == "期限 2014-02-18 まで"
    assert plain_text("a<!date^1392734382^{date_short}>b") == "ab"  # no label: nothing to show
    assert plain_text("<!subteam^S0123>") == "@S0123"
    assert plain_text("一行目\r\n二行目") == "一行目\n二行目"


def test_a_user_id_starts_with_u_or_w():
    assert read_user("@U0123") == "U0123" and read_user("ｗ０１２３") == "W0123"
    assert read_user("XU0123") is None and read_user("@XU0123") is None


# --- the My Number rule's edges -------------------------------------------------------------------------------


def test_the_check_digit_of_a_remainder_of_two_is_nine():
    assert my_number_check_digit("10000000009") == 9  # sum 101: remainder 2, check digit 11 - 2
    assert contains_my_number("1000 0000 0099") and not contains_my_number("1000 0000 0090")


def test_six_characters_can_hold_a_my_number():
    assert contains_my_number("⑩⑪⑫⑬⑭⑲")  # NFKC: 101112131419, each circled number is two digits


def test_digits_of_other_scripts_count():
    assert contains_my_number("\u0661\u0662\u0663\u0664 \u0665\u0666\u0667\u0668 \u0669\u0660\u0661\u0668")  # Arabic-Indic
    assert not contains_my_number("\u0661\u0662\u0663\u0664 \u0665\u0666\u0667\u0668 \u0669\u0660\u0661\u0667")


def test_twelve_digits_followed_by_another_group_of_another_punctuation():
    assert contains_my_number(f"{MY_NUMBER_TEXT} 55")  # the row may sit among other numbers
    assert contains_my_number(f"{MY_NUMBER_TEXT} 5")


def test_the_same_punctuation_going_on_after_twelve_digits_is_a_longer_number():
    assert not contains_my_number("1234-5678-9018-1")
    assert contains_my_number("1234-5678-9018 1")


def test_an_ip_address_is_no_my_number_up_to_255_in_each_group():
    assert not contains_my_number("255.100.100.108")  # a valid check digit, but an IP address
    assert contains_my_number("256.100.100.104")  # 256 is no part of an IP address


def test_a_zero_width_space_read_as_a_separator_gives_no_free_pass_to_any_grouping():
    assert not contains_my_number("09\u200b0-1234-5678 5 12")  # a phone number pasted with a zero-width space
    assert contains_my_number("1234\u200b5678\u200b9018\u200b5")  # read as separators: 4-4-4, then a 5


# --- the storage guard ------------------------------------------------------------------------------------------


def test_the_guard_looks_into_json_objects_and_arrays_and_dict_keys():
    escaped = "\\uff11\\uff12\\uff13\\uff14 \\uff15\\uff16\\uff17\\uff18 \\uff19\\uff10\\uff11\\uff18"
    for text in ('{"text": "' + escaped + '"}', '["' + escaped + '"]'):
        assert "１２３４ ５６７８ ９０１８" in list(texts_in(text))
        with pytest.raises(ResidentsDataRefused):
            refuse_my_number(text, "outbox chat.postMessage")
    assert list(texts_in('"\\u0031"')) == ['"\\u0031"']  # JSON is looked into when it is an object or an array
    assert list(texts_in("C:\\users")) == ["C:\\users"]
    assert list(texts_in({"番号": ["a", ("b",)]})) == ["番号", "a", "b"]
    with pytest.raises(ResidentsDataRefused):
        refuse_my_number({MY_NUMBER_TEXT: "キー"}, "payload")


def test_a_refusal_names_where(database_url):
    with pytest.raises(ResidentsDataRefused) as refused:
        refuse_my_number(["key", {"text": MY_NUMBER_TEXT}], "outbox chat.postMessage")
    assert refused.value.where == "outbox chat.postMessage"
    assert str(refused.value) == "refused to store a My Number (個人番号) in outbox chat.postMessage"
    with pytest.raises(ResidentsDataRefused) as refused:
        check_row(Department(slug="x", name=MY_NUMBER_TEXT))
    assert refused.value.where == "Department.name"
    engine = make_engine(database_url)
    with new_session(engine) as session:
        session.add(Department(slug="shimin2", name=f"市民課 {MY_NUMBER_TEXT}"))
        with pytest.raises(ResidentsDataRefused) as refused:
            session.commit()
        assert refused.value.where == "Department.name"
        session.rollback()
        assert session.exec(select(Department).where(Department.slug == "shimin2")).first() is None
    engine.dispose()


def test_installing_the_guard_registers_it_once():
    assert event.contains(OrmSession, "before_flush", guard._before_flush)
    event.remove(OrmSession, "before_flush", guard._before_flush)
    try:
        guard.install()
        assert event.contains(OrmSession, "before_flush", guard._before_flush)
        guard.install()  # again: still one listener, so removing it once leaves none
        event.remove(OrmSession, "before_flush", guard._before_flush)
        assert not event.contains(OrmSession, "before_flush", guard._before_flush)
    finally:
        guard.install()
    assert event.contains(OrmSession, "before_flush", guard._before_flush)
