"""Settings: read from the environment and .env; serve refuses to start without what it needs."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.settings import Settings, SettingsError, load_settings

ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "RENKEI_CONFIG",
    "RENKEI_LANG",
    "PORT",
)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_defaults_follow_design(clean_env):
    settings = load_settings()
    assert settings.database_url == "sqlite:///renkei.db"
    assert settings.renkei_config == "renkei.yml"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"


def test_env_file_is_read(clean_env, tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=4000\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-from-dotenv"
    assert settings.port == 4000
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_missing_bot_token_stops_serve_with_one_japanese_sentence(clean_env):
    with pytest.raises(SettingsError) as caught:
        load_settings().require_for_serve(socket_mode=False)
    sentence = Translator("ja")(caught.value.key)
    assert "SLACK_BOT_TOKEN" in sentence and "設定してください" in sentence


def test_http_mode_needs_signing_secret_but_socket_mode_needs_app_token(clean_env):
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    settings = load_settings()
    with pytest.raises(SettingsError) as caught:
        settings.require_for_serve(socket_mode=False)
    assert caught.value.key == "settings.missing_signing_secret"
    with pytest.raises(SettingsError) as caught:
        settings.require_for_serve(socket_mode=True)
    assert caught.value.key == "serve.socket_needs_app_token"
    clean_env.setenv("SLACK_APP_TOKEN", "xapp-1")
    load_settings().require_for_serve(socket_mode=True)


@pytest.mark.parametrize(
    "name,value",
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong"),
        ("PORT", "70000"),
        ("RENKEI_LANG", "fr"),
        ("SLACK_API_URL", "ftp://x"),
    ],
)
def test_unsafe_values_are_refused_naming_the_variable(clean_env, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.params["name"] == name
    assert name in Translator("ja")(caught.value.key, **caught.value.params)


def test_blank_token_counts_as_unset():
    assert Settings(_env_file=None, slack_bot_token="  ").slack_bot_token is None
