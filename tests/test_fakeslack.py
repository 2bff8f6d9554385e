"""fakeslack refuses what Slack refuses, so that a call a test sees accepted is one Slack would accept."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.conftest import APP_TOKEN, BOT_TOKEN
from tests.fakeslack import FakeSlack, RateLimits

pytestmark = pytest.mark.slack_refuses  # the emulator's refusals are what these tests check


@pytest.fixture
def fake():
    slack = FakeSlack(tokens=(BOT_TOKEN, APP_TOKEN))
    slack.start()
    yield slack
    slack.stop()


def call(fake: FakeSlack, method: str, *, token: str = BOT_TOKEN, form: dict | None = None, body: dict | None = None) -> dict:
    """One Web API call: a JSON body (`body`) as posts are sent, or a form (`form`) as reads are."""
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        answer = requests.post(fake.url + method, json=body, headers=headers, timeout=5)
    else:
        answer = requests.post(fake.url + method, data=form or {}, headers=headers, timeout=5)
    assert answer.status_code == 200
    return answer.json()


def joined(fake: FakeSlack, name: str = "general") -> str:
    return fake.add_channel(name, {fake.bot_user}).id


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str) -> dict:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "a", "value": "v"}


def modal(**parts) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "申請"}, "blocks": [section("x")], **parts}


def refused_reasons(answer: dict) -> list[str]:
    return answer["response_metadata"]["messages"]


# --- token types -------------------------------------------------------------------------


def test_an_app_token_posting_a_message_gets_not_allowed_token_type(fake):
    channel = joined(fake)
    answer = call(fake, "chat.postMessage", token=APP_TOKEN, body={"channel": channel, "text": "x"})
    assert answer == {"ok": False, "error": "not_allowed_token_type"}
    assert fake.calls_to("chat.postMessage", ok_only=True) == []
    [refused] = fake.calls_to("chat.postMessage")
    assert (refused.ok, refused.error) == (False, "not_allowed_token_type")


def test_a_bot_token_opening_a_socket_mode_connection_gets_not_allowed_token_type(fake):
    assert call(fake, "apps.connections.open")["error"] == "not_allowed_token_type"
    assert call(fake, "apps.connections.open", token=APP_TOKEN)["ok"]


def test_an_app_token_cannot_call_read_methods_either(fake):
    assert call(fake, "auth.test", token=APP_TOKEN)["error"] == "not_allowed_token_type"
    assert call(fake, "auth.test")["ok"]


def test_an_unknown_token_is_invalid_auth_and_recorded_as_refused(fake):
    assert call(fake, "auth.test", token="xoxb-other")["error"] == "invalid_auth"
    assert fake.calls_to("auth.test", ok_only=True) == [] and len(fake.calls_to("auth.test")) == 1


# --- where the bot may post ----------------------------------------------------------------


def test_posting_to_a_channel_that_does_not_exist_is_channel_not_found(fake):
    assert call(fake, "chat.postMessage", body={"channel": "CNOSUCH", "text": "x"})["error"] == "channel_not_found"
    assert call(fake, "chat.update", body={"channel": "CNOSUCH", "ts": "1.2", "text": "x"})["error"] == "channel_not_found"


def test_posting_to_a_channel_the_bot_is_not_in_is_not_in_channel(fake):
    other = fake.add_channel("someone-elses", {"U01SHIMIN"})
    assert call(fake, "chat.postMessage", body={"channel": other.id, "text": "x"})["error"] == "not_in_channel"
    assert call(fake, "chat.update", body={"channel": other.id, "ts": "1.2", "text": "x"})["error"] == "not_in_channel"
    assert fake.calls_to("chat.postMessage", ok_only=True) == []


def test_the_bot_may_post_in_a_channel_it_created_or_joined(fake):
    created = call(fake, "conversations.create", form={"name": "made-by-bot"})["channel"]["id"]
    assert call(fake, "chat.postMessage", body={"channel": created, "text": "x"})["ok"]
    other = fake.add_channel("by-hand", {"U01SHIMIN"})
    assert call(fake, "conversations.join", form={"channel": other.id})["ok"]
    posted = call(fake, "chat.postMessage", body={"channel": other.id, "text": "x"})
    assert posted["ok"]
    assert call(fake, "chat.update", body={"channel": other.id, "ts": posted["ts"], "text": "y"})["ok"]
    assert call(fake, "chat.update", body={"channel": other.id, "ts": "1.2", "text": "y"})["error"] == "message_not_found"


def test_a_dm_to_a_user_id_or_an_opened_im_is_allowed(fake):
    assert call(fake, "chat.postMessage", body={"channel": "U01SHIMIN", "text": "x"})["ok"]
    im = call(fake, "conversations.open", form={"users": "U02ZEIMU"})["channel"]["id"]
    assert call(fake, "chat.postMessage", body={"channel": im, "text": "x"})["ok"]
    assert call(fake, "chat.postMessage", body={"channel": "D99NEVEROPENED", "text": "x"})["error"] == "channel_not_found"


# --- Block Kit limits in messages ------------------------------------------------------------


def test_a_message_with_more_than_50_blocks_is_invalid_blocks(fake):
    channel = joined(fake)
    assert call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [section("b")] * 50})["ok"]
    answer = call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [section("b")] * 51})
    assert answer["error"] == "invalid_blocks" and "[json-pointer:/blocks]" in refused_reasons(answer)[0]
    assert len(fake.calls_to("chat.postMessage", ok_only=True)) == 1


def test_section_text_over_3000_characters_is_invalid_blocks_with_the_reason(fake):
    channel = joined(fake)
    assert call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [section("a" * 3000)]})["ok"]
    answer = call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [section("a" * 3001)]})
    assert answer["error"] == "invalid_blocks"
    assert refused_reasons(answer) == ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]


def test_blocks_sent_form_encoded_are_checked_too(fake):
    channel = joined(fake)
    form = {"channel": channel, "text": "x", "blocks": json.dumps([section("a" * 3001)])}
    assert call(fake, "chat.postMessage", form=form)["error"] == "invalid_blocks"


def test_a_header_over_150_characters_is_invalid_blocks(fake):
    channel = joined(fake)
    header = {"type": "header", "text": {"type": "plain_text", "text": "見" * 151}}
    answer = call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [header]})
    assert answer["error"] == "invalid_blocks" and "/blocks/0/text/text" in refused_reasons(answer)[0]


def test_button_text_over_75_characters_is_invalid_blocks(fake):
    channel = joined(fake)
    actions = {"type": "actions", "elements": [button("b" * 76)]}
    answer = call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [actions]})
    assert answer["error"] == "invalid_blocks" and "/blocks/0/elements/0/text/text" in refused_reasons(answer)[0]


def test_an_actions_block_with_more_than_25_elements_is_invalid_blocks(fake):
    channel = joined(fake)
    fine = {"type": "actions", "elements": [button("b")] * 25}
    assert call(fake, "chat.postMessage", body={"channel": channel, "text": "x", "blocks": [fine]})["ok"]
    answer = call(
        fake,
        "chat.postMessage",
        body={"channel": channel, "text": "x", "blocks": [{"type": "actions", "elements": [button("b")] * 26}]},
    )
    assert answer["error"] == "invalid_blocks" and "/blocks/0/elements" in refused_reasons(answer)[0]


def test_chat_update_checks_block_kit_limits_like_a_post(fake):
    channel = joined(fake)
    answer = call(fake, "chat.update", body={"channel": channel, "ts": "1.2", "text": "x", "blocks": [section("a" * 3001)]})
    assert answer["error"] == "invalid_blocks"


def test_message_text_over_40000_characters_is_msg_too_long(fake):
    channel = joined(fake)
    assert call(fake, "chat.postMessage", body={"channel": channel, "text": "a" * 40000})["ok"]
    assert call(fake, "chat.postMessage", body={"channel": channel, "text": "a" * 40001})["error"] == "msg_too_long"


# --- views -------------------------------------------------------------------------------------


def test_views_open_without_a_trigger_id_is_invalid_arguments(fake):
    answer = call(fake, "views.open", form={"view": json.dumps(modal())})
    assert answer["error"] == "invalid_arguments" and "trigger_id" in refused_reasons(answer)[0]
    assert call(fake, "views.open", form={"trigger_id": "1.2.3", "view": json.dumps(modal())})["ok"]


def test_a_modal_title_submit_or_close_over_24_characters_is_invalid_arguments(fake):
    for part in ("title", "submit", "close"):
        view = modal(**{part: {"type": "plain_text", "text": "あ" * 25}})
        answer = call(fake, "views.open", form={"trigger_id": "1.2.3", "view": json.dumps(view)})
        assert answer["error"] == "invalid_arguments", part
        assert refused_reasons(answer) == [f"[ERROR] must be less than 25 characters [json-pointer:/view/{part}/text]"]
    fine = modal(submit={"type": "plain_text", "text": "あ" * 24})
    assert call(fake, "views.open", form={"trigger_id": "1.2.3", "view": json.dumps(fine)})["ok"]


def test_a_modal_with_more_than_100_blocks_is_invalid_arguments(fake):
    answer = call(fake, "views.open", form={"trigger_id": "1.2.3", "view": json.dumps(modal(blocks=[section("x")] * 101))})
    assert answer["error"] == "invalid_arguments" and "/view/blocks" in refused_reasons(answer)[0]


def test_a_modal_with_an_input_block_needs_submit(fake):
    field = {
        "type": "input",
        "label": {"type": "plain_text", "text": "件名"},
        "element": {"type": "plain_text_input", "action_id": "t"},
    }
    answer = call(fake, "views.open", form={"trigger_id": "1.2.3", "view": json.dumps(modal(blocks=[field]))})
    assert answer["error"] == "invalid_arguments" and "/view/submit" in refused_reasons(answer)[0]


def test_views_publish_with_more_than_100_blocks_is_invalid_arguments(fake):
    home = {"type": "home", "blocks": [section("x")] * 100}
    assert call(fake, "views.publish", form={"user_id": "U01SHIMIN", "view": json.dumps(home)})["ok"]
    home["blocks"] = [section("x")] * 101
    answer = call(fake, "views.publish", form={"user_id": "U01SHIMIN", "view": json.dumps(home)})
    assert answer["error"] == "invalid_arguments"
    assert fake.calls_to("views.publish", ok_only=True) == fake.calls_to("views.publish")[:1]


def test_block_limits_apply_inside_views(fake):
    home = {"type": "home", "blocks": [section("a" * 3001)]}
    answer = call(fake, "views.publish", form={"user_id": "U01SHIMIN", "view": json.dumps(home)})
    assert answer["error"] == "invalid_arguments" and "/view/blocks/0/text/text" in refused_reasons(answer)[0]


# --- read methods take form bodies -------------------------------------------------------------


@pytest.mark.parametrize(
    "method, args",
    [
        ("conversations.list", {"limit": 10}),
        ("conversations.info", {"channel": "C1"}),
        ("users.info", {"user": "U01SHIMIN"}),
        ("auth.test", {"x": 1}),
    ],
)
def test_read_methods_refuse_a_json_body_with_invalid_arguments(fake, method, args):
    fake.add_channel("general", {fake.bot_user}, channel_id="C1")
    assert call(fake, method, body=args)["error"] == "invalid_arguments"
    assert call(fake, method, form=args)["ok"]


# --- conversations.list pages ------------------------------------------------------------------


def test_conversations_list_answers_in_small_pages_with_a_cursor(fake):
    names = [f"c{n}" for n in range(5)]
    for name in names:
        fake.add_channel(name)
    seen, cursor, pages = [], "", 0
    while True:
        page = call(fake, "conversations.list", form={"limit": 200, **({"cursor": cursor} if cursor else {})})
        assert len(page["channels"]) <= 2
        seen += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert (seen, pages) == (names, 3)


def test_conversations_list_honours_a_limit_smaller_than_its_page(fake):
    for n in range(3):
        fake.add_channel(f"c{n}")
    page = call(fake, "conversations.list", form={"limit": 1})
    assert [c["name"] for c in page["channels"]] == ["c0"] and page["response_metadata"]["next_cursor"]


def test_conversations_list_refuses_a_cursor_it_did_not_give(fake):
    assert call(fake, "conversations.list", form={"cursor": "bogus"})["error"] == "invalid_cursor"


# --- rate limits (off unless asked for) ----------------------------------------------------------


@pytest.fixture
def limited(request):
    """An emulator with Slack's posting limits on; `request.param` overrides RateLimits' fields."""
    slack = FakeSlack(tokens=(BOT_TOKEN,), rate_limits=RateLimits(**getattr(request, "param", {})))
    slack.start()
    yield slack
    slack.stop()


def post(fake: FakeSlack, channel: str) -> requests.Response:
    return requests.post(
        fake.url + "chat.postMessage",
        json={"channel": channel, "text": "x"},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
        timeout=5,
    )


def test_without_rate_limits_every_post_is_accepted_however_fast(fake):
    channel = joined(fake)
    assert [post(fake, channel).status_code for _ in range(10)] == [200] * 10
    assert len(fake.calls_to("chat.postMessage", ok_only=True)) == 10


def test_a_post_beyond_the_channel_burst_gets_429_with_retry_after_and_is_not_posted(limited):
    channel, other = joined(limited, "a"), joined(limited, "b")
    assert [post(limited, channel).status_code for _ in range(3)] == [200] * 3  # the default burst of 3
    refused = post(limited, channel)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json() == {"ok": False, "error": "ratelimited"}
    assert post(limited, other).status_code == 200  # the limit is per channel
    assert len(limited.calls_to("chat.postMessage", ok_only=True)) == 4
    assert limited.calls_to("chat.postMessage")[3].status == 429


@pytest.mark.parametrize("limited", [{"per_channel_per_second": 20.0, "per_channel_burst": 1}], indirect=True)
def test_the_channel_bucket_refills_at_its_rate(limited):
    channel = joined(limited)
    assert [post(limited, channel).status_code for _ in range(2)] == [200, 429]
    time.sleep(0.06)  # one token at 20 per second
    assert post(limited, channel).status_code == 200


@pytest.mark.parametrize("limited", [{"workspace_per_minute": 60.0, "workspace_burst": 2}], indirect=True)
def test_a_post_beyond_the_workspace_burst_gets_429_whatever_the_channel(limited):
    channels = [joined(limited, f"c{n}") for n in range(3)]
    answers = [post(limited, channel) for channel in channels]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"


@pytest.mark.parametrize("limited", [{"failure_rate": 0.5, "seed": 7, "per_channel_burst": 100}], indirect=True)
def test_random_failures_are_429_or_500_and_repeat_with_the_seed(limited):
    channel = joined(limited)
    first = [post(limited, channel).status_code for _ in range(40)]
    assert set(first) == {200, 429, 500}
    limited.reset_limits()
    assert [post(limited, channel).status_code for _ in range(40)] == first
    assert len(limited.calls_to("chat.postMessage", ok_only=True)) == 2 * first.count(200)


def test_a_delay_holds_every_answer():
    slow = FakeSlack(tokens=(BOT_TOKEN,), delay=0.2)
    slow.start()
    try:
        started, sent = time.monotonic(), time.time()
        assert call(slow, "auth.test")["ok"]
        assert time.monotonic() - started >= 0.2
        assert slow.calls_to("auth.test")[0].at - sent < 0.15  # recorded as it arrived, not as it was answered
    finally:
        slow.stop()
