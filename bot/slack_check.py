"""`renkei check` against Slack: does the token work, and does it hold the manifest's scopes?"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.gateway import make_web_client
from bot.i18n import Translator
from bot.settings import Settings


def missing_scopes(granted_header: str | None, wanted: list[str]) -> list[str] | None:
    """Scopes of `wanted` absent from Slack's `x-oauth-scopes` header; None when the header is absent."""
    if granted_header is None:
        return None
    granted = {scope.strip() for scope in granted_header.split(",") if scope.strip()}
    return [scope for scope in wanted if scope not in granted]


def check_token(settings: Settings, t: Translator, wanted: list[str]) -> tuple[bool, list[str]]:
    """Call auth.test; say whether the token works and which wanted scopes it lacks."""
    client = make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_url, retries=1)
    try:
        response = client.auth_test()
    except SlackApiError as exc:
        return False, [t("check.auth_failed", error=exc.response.get("error") or exc.response.status_code)]
    except OSError as exc:  # no network, no such host (urllib's URLError is an OSError)
        return False, [t("check.unreachable", url=settings.slack_api_url, detail=getattr(exc, "reason", None) or exc)]
    lines = [t("check.auth_ok", team=response.get("team"), user=response.get("user"))]
    header = next((v for k, v in response.headers.items() if k.lower() == "x-oauth-scopes"), None)
    if isinstance(header, list):
        header = header[0] if header else ""
    missing = missing_scopes(header, wanted)
    if missing is None:
        return True, lines + [t("check.scopes_unknown")]
    if missing:
        return False, lines + [t("check.scopes_missing", scopes=", ".join(missing))]
    return True, lines + [t("check.scopes_ok")]
