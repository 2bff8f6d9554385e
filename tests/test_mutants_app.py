"""The checks in front of Bolt (bot/app.py), pinned down where mutation testing found them loose (scripts/mutation).

Each refusal has its status and its error word, which is what the sender reads: read_body (size, length),
verify_signature (Slack's v0 signature on the raw bytes), check_body (the shape of a signed body); the WSGI app
answers them as JSON with a Content-Type and Content-Length.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from bot.app import (
    BAD_REQUEST,
    MAX_REQUEST_BYTES,
    TOO_LARGE,
    UNAUTHORIZED,
    RawSignatureVerifier,
    Refused,
    _is_ssl_check,
    check_body,
    check_event,
    check_payload,
    create_app,
    create_wsgi,
    read_body,
    verify_signature,
)
from tests.conftest import SIGNING_SECRET, post_raw, sign_bytes, slash_body

FORM, JSON = "application/x-www-form-urlencoded", "application/json"
USER = {"id": "U01SHIMIN"}
CLICK = {"type": "block_actions", "user": USER, "actions": [{"action_id": "issue_take"}]}
SUBMIT = {"type": "view_submission", "user": USER, "view": {"id": "V1", "callback_id": "issue_form"}}


def refusal(call, *args) -> tuple[str, str] | None:
    try:
        call(*args)
    except Refused as refused:
        assert str(refused) == refused.error
        return refused.status, refused.error
    return None


def form(**params) -> bytes:
    return urlencode(params).encode()


def payload(value) -> bytes:
    return form(payload=value if isinstance(value, str) else json.dumps(value))


BODIES = [  # body, content type, (status, error) or None when the body passes
    (b"\xff\xfe", FORM, (BAD_REQUEST, "body is not UTF-8")),
    (b"{not json", JSON, (BAD_REQUEST, "body is not JSON")),
    (b"[]", JSON, (BAD_REQUEST, "event is no object with a type")),
    (b'{"type": ""}', JSON, (BAD_REQUEST, "event is no object with a type")),
    (b'{"type": "event_callback"}', JSON, (BAD_REQUEST, "event_callback without event")),
    (b'{"type": "event_callback", "event": {"type": 5}}', JSON, (BAD_REQUEST, "event_callback without event")),
    (b'{"type": "event_callback", "event": {"user": "U1"}}', JSON, (BAD_REQUEST, "event_callback without event")),
    (b'{"type": "event_callback", "event": {"type": "app_home_opened"}}', JSON, None),
    (b'{"type": "url_verification"}', JSON, (BAD_REQUEST, "url_verification without challenge")),
    (b'{"type": "url_verification", "challenge": "c"}', JSON, None),
    (b'{"type": "app_rate_limited"}', JSON, None),  # no challenge needed but for url_verification
    (form(command="/renkei"), "text/plain", (BAD_REQUEST, "unknown content type")),
    (b'{"type": "url_verification", "challenge": "c"}', FORM, (BAD_REQUEST, "JSON sent as a form")),
    (payload("{not json"), FORM, (BAD_REQUEST, "payload is not JSON")),
    (payload([1]), FORM, (BAD_REQUEST, "payload is no object with a type")),
    (payload({"type": ""}), FORM, (BAD_REQUEST, "payload is no object with a type")),
    (payload({**CLICK, "user": {"id": ""}}), FORM, (BAD_REQUEST, "block_actions without user")),
    (payload({**CLICK, "actions": {"action_id": "x"}}), FORM, (BAD_REQUEST, "block_actions without actions")),
    (payload({**CLICK, "actions": [{"action_id": "a"}, "b"]}), FORM, (BAD_REQUEST, "block_actions without actions")),
    (payload({**CLICK, "actions": [{"action_id": ""}]}), FORM, (BAD_REQUEST, "block_actions without actions")),
    (payload({**CLICK, "actions": []}), FORM, (BAD_REQUEST, "block_actions without actions")),
    (payload({**CLICK, "actions": 5}), FORM, (BAD_REQUEST, "block_actions without actions")),
    (payload(CLICK), FORM, None),
    (payload({**SUBMIT, "view": {"id": "V1"}}), FORM, (BAD_REQUEST, "view_submission without view")),
    (payload({**SUBMIT, "user": "U1"}), FORM, (BAD_REQUEST, "view_submission without user")),
    (payload({**SUBMIT, "type": "view_closed", "view": {"callback_id": "f"}}), FORM, (BAD_REQUEST, "view_closed without view")),
    (payload({**SUBMIT, "type": "view_closed", "user": {}}), FORM, (BAD_REQUEST, "view_closed without user")),
    (payload(SUBMIT), FORM, None),
    (payload({"type": "shortcut"}), FORM, None),  # other kinds: Bolt's own business
    (
        form(command="renkei", user_id="U1", trigger_id="1.2"),
        FORM,
        (BAD_REQUEST, "slash command without command, user_id or trigger_id"),
    ),
    (
        form(command="/renkei", user_id="", trigger_id="1.2"),
        FORM,
        (BAD_REQUEST, "slash command without command, user_id or trigger_id"),
    ),
    (form(command="/renkei", user_id="U1"), FORM, (BAD_REQUEST, "slash command without command, user_id or trigger_id")),
    (b"command=/renkei&user_id=U1&trigger_id=1.2&text=", FORM, None),
    (b"command&user_id=U1&trigger_id=1.2", FORM, (BAD_REQUEST, "slash command without command, user_id or trigger_id")),
    (form(hello="world"), FORM, (BAD_REQUEST, "form is neither a slash command nor a payload")),
    (b"payload", FORM, (BAD_REQUEST, "payload is not JSON")),  # a blank payload is still a payload
]


def bytes_id(value):
    """A bytes parameter's test id, as text (ids are not escaped: pyproject.toml), cut short; others as pytest makes them."""
    return value[:40].decode("latin-1") if isinstance(value, bytes) else None


@pytest.mark.parametrize("body, content_type, expected", BODIES, ids=bytes_id)
def test_each_refusal_of_a_signed_body_has_its_status_and_word(body, content_type, expected):
    assert refusal(check_body, body, content_type) == expected


def test_a_payload_or_event_that_is_no_object_is_refused_as_such():
    assert refusal(check_payload, "block_actions") == (BAD_REQUEST, "payload is no object with a type")
    assert refusal(check_event, None) == (BAD_REQUEST, "event is no object with a type")


def environ(body: bytes | None, length: str | None) -> dict:
    env = {} if body is None else {"wsgi.input": io.BytesIO(body)}
    return env if length is None else {**env, "CONTENT_LENGTH": length}


@pytest.mark.parametrize(
    "body, length, limit, expected",
    ids=bytes_id,
    argvalues=[
        (b"abc", "3", 3, b"abc"),
        (b"abcd", "3", 3, b"abc"),  # no more than declared
        (b"abcd", None, 3, (TOO_LARGE, "request too large")),  # unknown length: limit + 1 bytes read, and refused
        (b"abc", None, 3, b"abc"),
        (b"abc", "4", 3, (TOO_LARGE, "request too large")),  # declared over the limit: refused unread
        (b"abc", " 3 ", 3, b"abc"),
        (b"abc", "3a", 3, (BAD_REQUEST, "bad content length")),
        (b"abc", "-1", 3, (BAD_REQUEST, "bad content length")),
        (b"abc", "5", 10, b"abc"),  # the stream ended early
        (None, None, 3, b""),
        (b"x" * 200_000, None, MAX_REQUEST_BYTES, b"x" * 200_000),  # read in 64 KiB pieces
    ],
)
def test_read_body(body, length, limit, expected):
    outcome = refusal(read_body, environ(body, length), limit)
    if outcome is None:
        assert read_body(environ(body, length), limit) == expected
    else:
        assert outcome == expected


def test_an_ssl_check_is_a_form_with_ssl_check_1_and_nothing_else_slack_sends():
    assert _is_ssl_check(b"ssl_check=1&token=legacy", FORM)
    assert not _is_ssl_check(b"ssl_check=1&token=legacy", JSON)
    assert not _is_ssl_check(b'{"ssl_check": "1"}', JSON)
    assert not _is_ssl_check(b"ssl_check=1", JSON)  # only a form is Slack's check
    assert not _is_ssl_check(b"ssl_check=0", FORM)
    assert not _is_ssl_check(b"ssl_check=1&payload=", FORM)  # a blank payload still makes it an interaction
    assert not _is_ssl_check(b"ssl_check=1&command=", FORM)
    assert not _is_ssl_check(b"ssl_check=1&command=/renkei", FORM)
    assert not _is_ssl_check(b"ssl_check=1&payload=%7B%7D", FORM)
    assert _is_ssl_check(b"ssl_check=1&text=\xff", FORM)  # not UTF-8: decoded with replacements, never an error


def test_the_verifier_signs_text_and_bytes_alike():
    verifier = RawSignatureVerifier(SIGNING_SECRET)
    assert verifier.generate_signature(timestamp="1", body="é") == verifier.generate_signature(timestamp="1", body="é".encode())
    assert verifier.generate_signature(timestamp="1", body="") == verifier.generate_signature(timestamp="1", body=b"")
    assert verifier.generate_signature(timestamp=None, body=b"") is None


def test_a_bad_signature_is_refused_401_invalid_request():
    body = b"command=/renkei"
    headers = sign_bytes(body)
    good = {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
    }
    assert refusal(verify_signature, RawSignatureVerifier(SIGNING_SECRET), body, good) is None
    for verifier, env in [
        (None, good),
        (RawSignatureVerifier("other"), good),
        (RawSignatureVerifier(SIGNING_SECRET), {**good, "HTTP_X_SLACK_REQUEST_TIMESTAMP": "abc"}),
    ]:
        assert refusal(verify_signature, verifier, body, env) == (UNAUTHORIZED, "invalid request")


def call(wsgi, path: str, method: str = "GET", body: bytes | None = None, **headers) -> tuple[str, list, bytes]:
    """One request straight into the WSGI app: the status, the headers exactly as given, the body."""
    answers = []
    env = {"PATH_INFO": path, "REQUEST_METHOD": method, **headers}
    setup_testing_defaults(env)  # what any server adds (SERVER_NAME, wsgi.url_scheme …), and no CONTENT_LENGTH
    if body is not None:
        env["wsgi.input"] = io.BytesIO(body)
    result = b"".join(wsgi(env, lambda status, headers, exc_info=None: answers.append((status, headers))))
    [(status, headers)] = answers
    return status, headers, result


def signed_environ(body: bytes, secret: str = SIGNING_SECRET, content_type: str = FORM) -> dict[str, str]:
    headers = sign_bytes(body, secret=secret, content_type=content_type)
    return {
        "CONTENT_TYPE": content_type,
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
    }


@pytest.mark.parametrize("secret", ["", "  "])
def test_without_a_signing_secret_every_request_is_refused(services, secret):
    services.settings.slack_signing_secret = secret
    wsgi = create_wsgi(create_app(services), services)
    body = slash_body("/renkei", "help").encode()
    for guess in ("", secret, "XXXX", SIGNING_SECRET):  # whatever secret a forger signs with
        status, headers, answer = call(
            wsgi, "/slack/events", "POST", body, CONTENT_LENGTH=str(len(body)), **signed_environ(body, guess)
        )
        assert status == UNAUTHORIZED and json.loads(answer) == {"error": "invalid request"}
        assert headers == [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]


def test_the_wsgi_answers_carry_their_exact_headers(services):
    wsgi = create_wsgi(create_app(services), services)
    status, headers, answer = call(wsgi, "/healthz")
    assert status == "200 OK" and json.loads(answer) == {"ok": True, "database": "writable"}
    assert headers == [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    assert call(wsgi, "/healthz", "HEAD")[0] == "200 OK"
    assert call(wsgi, "/healthz", "POST", b"", CONTENT_TYPE=FORM)[0].startswith("404")
    status, headers, answer = call(wsgi, "/slack/events", "POST", b"ssl_check=1&token=legacy", CONTENT_TYPE=FORM)
    assert (status, json.loads(answer)) == ("200 OK", {})
    assert headers == [("Content-Type", "application/json"), ("Content-Length", "2")]


def test_a_body_of_unknown_length_reaches_bolt_whole(services):
    """Chunked (no Content-Length): the body read by the checks is what Bolt reads, with its length."""
    wsgi = create_wsgi(create_app(services), services)
    body = slash_body("/renkei", "help").encode()
    status, _, answer = call(wsgi, "/slack/events", "POST", body, **signed_environ(body))
    assert status.startswith("200") and "使い方" in json.loads(answer)["text"]


def test_a_signed_body_bolt_cannot_read_is_a_bad_request(http_app):
    body = json.dumps(
        {"type": "event_callback", "team_id": "T000TEST", "event": {"type": "app_home_opened", "user": 5, "tab": "home"}}
    ).encode()
    response = post_raw(http_app, body, sign_bytes(body, content_type=JSON))
    assert response.status_code == 400 and response.json() == {"error": "unreadable request"}


def test_refusals_and_health_are_answered_as_json(http_app):
    response = post_raw(http_app, b"{not json", sign_bytes(b"{not json", content_type=JSON))
    assert response.status_code == 400 and response.json() == {"error": "body is not JSON"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == str(len(response.content))
    response = post_raw(http_app, b"x", {"Content-Type": FORM})
    assert response.status_code == 401 and response.json() == {"error": "invalid request"}
    ssl_check = post_raw(http_app, b"ssl_check=1&token=legacy", {"Content-Type": FORM})
    assert ssl_check.json() == {} and ssl_check.headers["Content-Type"] == "application/json"
    health = requests.get(f"{http_app.url}/healthz", timeout=5)
    assert health.headers["Content-Type"] == "application/json"
    assert health.headers["Content-Length"] == str(len(health.content))
    head = requests.head(f"{http_app.url}/healthz", timeout=5)
    assert head.status_code == 200 and head.headers["Content-Type"] == "application/json"


def test_a_content_type_with_parameters_is_read_by_its_first_part(http_app):
    body = slash_body("/renkei", "help").encode()
    for content_type in (FORM + "; charset=utf-8; boundary=x", "Application/X-WWW-Form-Urlencoded ;charset=utf-8"):
        response = post_raw(http_app, body, sign_bytes(body, content_type=content_type))
        assert response.status_code == 200, content_type


def test_bolt_reads_the_body_it_was_given(http_app):
    """The checked body is handed to Bolt with its own length, whatever the client declared."""
    body = slash_body("/renkei", "help").encode()
    response = post_raw(http_app, body, sign_bytes(body))
    assert response.status_code == 200 and "使い方" in response.json()["text"]
