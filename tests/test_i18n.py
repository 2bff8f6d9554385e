"""Catalogs: ja and en hold the same sentences with the same parameters; help covers every command."""

from __future__ import annotations

import re
from string import Formatter

from bot.i18n import Translator, catalog
from commands import renkei
from commands.base import escape
from tests.test_context import context
from tests.test_manifest import DESIGN_COMMANDS


def fields(sentence: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(sentence) if name}


def test_catalogs_have_the_same_keys_and_parameters():
    ja, en = catalog("ja"), catalog("en")
    assert set(ja) == set(en)
    for key in ja:
        assert fields(ja[key]) == fields(en[key]), key


def test_japanese_is_the_default_and_unknown_languages_fall_back_to_it():
    assert Translator().lang == "ja" and Translator("fr").lang == "ja"
    assert Translator("en")("renkei.usage").startswith("Usage")


def test_help_lists_every_command_in_both_languages():
    for lang in ("ja", "en"):
        reply = renkei.handle(context(None, user_id="U1", t=Translator(lang)), "help")
        for command in DESIGN_COMMANDS:
            assert re.search(rf"`{re.escape(command)}\b", reply.text), (lang, command)
        assert len(reply.blocks) == 1 + len(DESIGN_COMMANDS)  # the title, then one section per command


def test_help_has_no_extra_words_and_bad_forms_get_usage():
    ctx = context(None, user_id="U1", t=Translator("ja"))
    assert renkei.handle(ctx, "").text == renkei.handle(ctx, "help").text
    assert renkei.handle(ctx, "help me please").text == Translator("ja")("renkei.usage")
    assert "使い方" in renkei.handle(ctx, "statsu").text


def test_escape_defuses_mentions_and_links():
    assert escape("<!channel> & <https://evil|ok>") == "&lt;!channel&gt; &amp; &lt;https://evil|ok&gt;"
