"""Stand-up: the 回答する button and its form, and filing a named blocker as an issue."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, Respond

from bot.bootstrap import Services
from bot.listeners.slash_commands import finish
from commands import standup
from storage.models import Project

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the stand-up listeners."""

    @app.action(standup.ANSWER_BUTTON)
    def on_answer(ack: Ack, body: dict, action: dict) -> None:
        ack()
        with services.session() as session:
            project = session.get(Project, int(action["value"])) if str(action.get("value")).isdigit() else None
            if project is None:
                return
            ctx = services.context(session, user_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id"))
            view = standup.modal(ctx.t, project=project, questions=standup.questions_of(ctx, project),
                                 channel_id=ctx.channel_id)
        opened = services.gateway.api("views.open", trigger_id=body.get("trigger_id"), view=view)
        if not opened.ok:
            logger.warning("Failed to open the stand-up form: %s", opened.error)

    @app.view(standup.MODAL_CALLBACK)
    def on_submit(ack: Ack, body: dict, view: dict) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        questions = meta.get("questions", [])
        values = view.get("state", {}).get("values", {})
        answers = {q: (values.get(f"q{n}", {}).get("value", {}).get("value") or "").strip() for n, q in enumerate(questions)}
        errors = standup.form_errors(services.translator(), questions, answers)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user = body["user"]["id"]
        with services.session() as session:
            ctx = services.context(session, user_id=user, channel_id=meta.get("channel_id"))
            reply = standup.record(ctx, answers, project_id=meta.get("project_id"))
        services.gateway.post_message(key=f"standup:{view.get('id')}:{user}", channel=user, text=reply.text,
                                      blocks=reply.blocks)

    @app.action(standup.BLOCKER_BUTTON)
    def on_blocker(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        with services.session() as session:
            ctx = services.context(session, user_id=body["user"]["id"], channel_id=None)
            value = str(action.get("value", ""))
            reply = standup.file_blocker(ctx, int(value) if value.isdigit() else 0)
        respond(response_type="ephemeral", replace_original=False, text=reply.text)
        finish(services, reply, respond, standup.BLOCKER_BUTTON)
