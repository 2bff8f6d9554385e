"""Settings from the environment and `.env`, under the names docs/configuration.md lists."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting is missing or unsafe; `key` is the catalog key of the sentence to show."""

    def __init__(self, key: str, **params: str):
        super().__init__(key)
        self.key = key
        self.params = params


class Settings(BaseSettings):
    """Everything Renkei reads from its environment; refuses unsafe values at start-up."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = "sqlite:///renkei.db"
    renkei_config: str = "renkei.yml"
    renkei_lang: Literal["ja", "en"] | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    renkei_reports_dir: str = "excel-reports"  # extension: where Excel reports are written before upload
    renkei_retry_scale: float = Field(default=1.0, ge=0, le=1)  # times every retry wait of the Slack client (tests: small)
    renkei_delivery_workers: int = Field(default=2, ge=1, le=64)  # `renkei serve`'s threads sending to Slack

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_kind(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_kind(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

    def require_for_serve(self, *, socket_mode: bool) -> None:
        """Raise SettingsError naming the first setting `renkei serve` cannot run without."""
        if not self.slack_bot_token:
            raise SettingsError("settings.missing_bot_token")
        if not socket_mode and not self.slack_signing_secret:
            raise SettingsError("settings.missing_signing_secret")
        if socket_mode and not self.slack_app_token:
            raise SettingsError("serve.socket_needs_app_token")


def load_settings() -> Settings:
    """Read the settings; an unsafe value becomes a SettingsError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        raise SettingsError("settings.bad_value", name=name, detail=first["msg"]) from exc
