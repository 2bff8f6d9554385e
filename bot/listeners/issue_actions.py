"""Issue card buttons (担当する / 解決 / IT部門へ相談 / IT部門で対応する) and the /issue form's submission."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond

from bot.bootstrap import Services
from bot.listeners.slash_commands import finish
from commands import issue
from commands.issue_blocks import ESCALATE, IT_TAKE, MODAL_CALLBACK, RESOLVE, TAKE, issue_card
from commands.issue_grammar import CloseIssue, EscalateIssue
from commands.issue_modal import submit
from storage.issues import get_issue, names

logger = logging.getLogger(__name__)

BUTTONS = {
    TAKE: lambda ctx, number: issue.take(ctx, number),
    RESOLVE: lambda ctx, number: issue.close(ctx, CloseIssue(number)),
    ESCALATE: lambda ctx, number: issue.escalate(ctx, EscalateIssue(number)),
    IT_TAKE: lambda ctx, number: issue.it_take(ctx, number),
}


def register(app: App, services: Services) -> None:
    """Attach the button and form listeners."""

    def on_button(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        number = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
        with services.session() as session:
            ctx = services.context(session, user_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id"))
            reply = BUTTONS[action["action_id"]](ctx, number)
            current = get_issue(session, number)
            card = issue_card(ctx.t, current, names(session)[0]) if current and action["action_id"] != IT_TAKE else None
        respond(response_type="ephemeral", replace_original=False, text=reply.text)
        if card is not None:  # everyone in the channel sees the new state on the card itself
            respond(replace_original=True, text=card[0], blocks=card[1])
        finish(services, reply, respond, action["action_id"])

    for action_id in BUTTONS:
        app.action(action_id)(on_button)

    @app.view(MODAL_CALLBACK)
    def on_submit(ack: Ack, body: dict, view: dict) -> None:
        user = body["user"]["id"]
        with services.session() as session:
            result = submit(services.context(session, user_id=user, channel_id=None), view)
        if isinstance(result, dict):
            ack(response_action="errors", errors=result)
            return
        ack()
        services.gateway.post_message(key=f"modal:{view.get('id')}:{user}", channel=user, text=result.text)
        later = services.follow_up(result, MODAL_CALLBACK)
        if later is not None:
            services.gateway.post_message(key=f"modal:{view.get('id')}:{user}:later", channel=user, text=later.text)
