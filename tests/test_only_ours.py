"""Only our workspace and our app (issue 22, point 6): a signed request naming another workspace, organisation or app
is refused with 403 before anything runs, and logged; ours is served."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from sqlmodel import func, select

from bot.workspace import Installed, foreign
from storage.models import Issue
from tests.conftest import channel_id, sign, slash_body


def issues(services) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(Issue)).one()


def send(app, body: str) -> requests.Response:
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    return requests.post(f"{app.url}/slack/events", data=body.encode(), headers=headers, timeout=10)


def slash(fakeslack, **changes) -> str:
    fields = dict(parse_qsl(slash_body("/issue", "窓口予約の件", channel=channel_id(fakeslack, "moving-shimin"))))
    return urlencode({**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "what"),
    [({"team_id": "TOTHER"}, "team"), ({"enterprise_id": "EOTHER"}, "enterprise"), ({"api_app_id": "AOTHERAPP"}, "app")],
)
def test_a_slash_command_of_another_workspace_organisation_or_app_is_refused_and_logged(
    synced, http_app, fakeslack, caplog, changes, what
):
    with caplog.at_level(logging.WARNING, logger="bot.workspace"):
        response = send(http_app, slash(fakeslack, **changes))
    http_app.settle()
    assert response.status_code == 403 and response.json() == {"error": f"not our {what}"}
    assert issues(synced) == 0 and fakeslack.calls_to("chat.postMessage") == []
    assert any(f"another {what}" in r.getMessage() for r in caplog.records)


def test_ours_is_served(synced, http_app, fakeslack):
    response = send(http_app, slash(fakeslack))
    http_app.settle()
    assert response.status_code == 200 and "#1" in response.json()["text"]
    assert issues(synced) == 1


def test_a_button_of_another_workspace_is_refused(synced, http_app, fakeslack):
    payload = {
        "type": "block_actions",
        "team": {"id": "TOTHER"},
        "api_app_id": "A000TEST",
        "user": {"id": "U01SHIMIN", "team_id": "TOTHER"},
        "channel": {"id": channel_id(fakeslack, "moving-shimin")},
        "actions": [{"type": "button", "action_id": "renkei_issue_take", "value": "1", "action_ts": "1"}],
    }
    response = send(http_app, urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("request_ids", "verdict"),
    [
        (("T000TEST", None, "A000TEST"), None),
        ((None, None, None), None),  # nothing carried: nothing held against it
        (("T000TEST", "E1", "A000TEST"), "enterprise"),  # an organisation's request to a workspace install
        (("T000TEST", "E0", "A000TEST"), None),
        (("T000TEST", "E0", "A9"), "app"),
    ],
)
def test_what_is_foreign_is_named(request_ids, verdict):
    assert foreign(Installed("T000TEST", "E0", "A000TEST"), *request_ids) in (verdict,)
    if request_ids[1] != "E1":
        assert foreign(Installed("T000TEST", "E0", None), request_ids[0], request_ids[1], "A9") is None  # app unknown


@pytest.mark.parametrize(
    ("ours", "request_ids", "ours_says", "verdict"),
    [
        (Installed("T000TEST", "E0", "A000TEST"), ("T2", "E0", "A000TEST"), False, None),  # another workspace of our org
        (Installed("T000TEST", None, "A000TEST"), ("TGUEST", None, "A000TEST"), True, None),  # a shared channel's guest
        (Installed("", "E0", "A000TEST"), ("T2", "E0", "A000TEST"), False, None),  # an organisation-wide install
        (Installed("T000TEST", None, "A000TEST"), ("TGUEST", None, "A9"), True, "app"),  # another app, all the same
        (Installed("T000TEST", None, "A000TEST"), ("TGUEST", None, "A000TEST"), False, "team"),
    ],
)
def test_the_acting_users_own_team_is_served_when_the_request_is_for_our_installation(ours, request_ids, ours_says, verdict):
    """A person of another team is no stranger when the request says it is for our installation (a Slack Connect
    channel, an event's authorizations), when they are of our organisation, or when the install is org-wide."""
    assert foreign(ours, *request_ids, ours_says=ours_says) == verdict


def test_a_shared_channels_guest_is_served(synced, http_app, fakeslack):
    from bot.workspace import names_our_installation

    ours = Installed("T000TEST", None, "A000TEST")
    assert names_our_installation({"is_ext_shared_channel": True}, ours)
    assert names_our_installation({"authorizations": [{"team_id": "T000TEST"}]}, ours)
    assert names_our_installation({"view": {"app_installed_team_id": "T000TEST"}}, ours)
    assert not names_our_installation({"authorizations": [{"team_id": "TOTHER"}], "view": {}}, ours)
    response = send(http_app, slash(fakeslack, team_id="TGUEST", is_ext_shared_channel="true"))
    assert response.status_code == 200
