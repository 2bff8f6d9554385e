"""A workspace without Slack, for `renkei demo` and `renkei console`.

`LocalSlack` stands where slack_sdk's WebClient stands: the real `SlackGateway` stores every call in
the outbox, claims it and records Slack's answer, exactly as in production, so the digest and the
report count what was really "sent". It answers the Web API methods Renkei calls (channels, DMs,
posts, forms, file uploads, channel canvases) in memory and tells its listeners what each department would see.
It never opens a network connection.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse


@dataclass(frozen=True)
class Seen:
    """One thing a person would see in Slack: a post, an update of a post, a file, a form to fill in, or a channel's
    canvas (made, or rewritten: `text` is its markdown, `ts` the canvas id)."""

    kind: str  # "post", "update", "file", "form", "canvas", "canvas_update"
    channel: str  # channel id, or user id for a DM
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    ts: str = ""
    view: dict[str, Any] | None = None
    file: str | None = None


def channel_id_for(name: str) -> str:
    """The same channel id for the same name in every run, so stored ids stay valid across restarts."""
    return "C" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10].upper()


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """Form-encoded params hold JSON text for blocks, views and canvas content; JSON bodies hold them as they are."""
    out = dict(params)
    for key in ("blocks", "view", "document_content", "changes"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def _markdown(content: Any) -> str:
    """The markdown of a canvas's `document_content` (`{"type": "markdown", "markdown": …}`)."""
    return str(content.get("markdown", "")) if isinstance(content, dict) else ""


class LocalSlack:
    """The Web API as Renkei uses it, answered in memory."""

    def __init__(self, people: dict[str, str] | None = None):
        self.people = dict(people or {})
        self.channels: dict[str, str] = {}  # id -> name
        self.members: dict[str, set[str]] = {}
        self.listeners: list[Callable[[Seen], None]] = []
        self.canvases: dict[str, str] = {}  # canvas id -> the channel it is the canvas of
        self._ts = itertools.count(1)

    # --- what slack_sdk's WebClient offers and the gateway calls ----------------------

    def api_call(
        self, method: str, *, data: dict[str, Any] | None = None, json: dict[str, Any] | None = None, **_: Any
    ) -> SlackResponse:
        """Answer one Web API method; an error is raised as slack_sdk raises it."""
        params = _decoded(json if json is not None else (data or {}))
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        result = handler(params) if handler else {"ok": False, "error": "unknown_method"}
        return self._response(method, result)

    def files_upload_v2(self, **payload: Any) -> SlackResponse:
        """Keep the file where it was written and show who received it."""
        self._tell(
            Seen("file", payload["channel"], text=payload.get("initial_comment", ""), file=str(Path(payload["file"]).resolve()))
        )
        return self._response("files.upload_v2", {"ok": True, "file": {"id": "F" + str(next(self._ts))}})

    # --- the methods --------------------------------------------------------------------

    def _pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}  # a pinned message looks the same in the console

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team": "local", "user": "renkei", "user_id": "URENKEI"}

    def _conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        cid = channel_id_for(name)
        if cid in self.channels:
            return {"ok": False, "error": "name_taken"}
        self.channels[cid] = name
        self.members[cid] = set()
        return {"ok": True, "channel": {"id": cid, "name": name}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        cid = str(params.get("channel", ""))
        if cid not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        channel: dict[str, Any] = {"id": cid, "name": self.channels[cid], "is_member": True}
        canvas = next((canvas for canvas, where in self.canvases.items() if where == cid), None)
        if canvas is not None:
            channel["properties"] = {"canvas": {"file_id": canvas}}
        return {"ok": True, "channel": channel}

    def _conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        channels = [{"id": cid, "name": name, "is_member": True} for cid, name in self.channels.items()]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._conversations_info(params)

    def _conversations_setPurpose(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._conversations_info(params)

    def _conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        cid = str(params.get("channel", ""))
        if cid not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        users = set(str(params.get("users", "")).split(","))
        if users <= self.members[cid]:
            return {"ok": False, "error": "already_in_channel"}
        self.members[cid] |= users
        return {"ok": True, "channel": {"id": cid}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": str(params.get("users", ""))}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        name = self.people.get(user)
        if name is None:
            return {"ok": False, "error": "user_not_found"}  # nobody renkei.yml names: the console says 名前未登録
        return {"ok": True, "user": {"id": user, "name": name, "real_name": name, "profile": {"display_name": name}}}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"{next(self._ts)}.000100"
        channel = str(params.get("channel", ""))
        self._tell(Seen("post", channel, text=str(params.get("text", "")), blocks=params.get("blocks") or [], ts=ts))
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        self._tell(
            Seen(
                "update",
                channel,
                text=str(params.get("text", "")),
                blocks=params.get("blocks") or [],
                ts=str(params.get("ts", "")),
            )
        )
        return {"ok": True, "channel": channel, "ts": params.get("ts")}

    def _conversations_canvases_create(self, params: dict[str, Any]) -> dict[str, Any]:
        """A channel's canvas, one per channel, as Slack makes it (the leads' board: commands/board.py)."""
        channel = str(params.get("channel_id", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.canvases.values():
            return {"ok": False, "error": "channel_canvas_already_exists"}
        canvas = "F" + str(next(self._ts))
        self.canvases[canvas] = channel
        self._tell(Seen("canvas", channel, text=_markdown(params.get("document_content")), ts=canvas))
        return {"ok": True, "canvas_id": canvas}

    def _canvases_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        """A canvas rewritten whole (`replace` without a section): what its channel sees now."""
        canvas = str(params.get("canvas_id", ""))
        if canvas not in self.canvases:
            return {"ok": False, "error": "canvas_not_found"}
        for change in params.get("changes") or []:
            if change.get("operation") == "replace" and not change.get("section_id"):
                self._tell(
                    Seen("canvas_update", self.canvases[canvas], text=_markdown(change.get("document_content")), ts=canvas)
                )
        return {"ok": True}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._tell(Seen("form", str(params.get("trigger_id", "")), view=params.get("view")))
        return {"ok": True, "view": params.get("view")}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    # --- helpers ----------------------------------------------------------------------

    def _tell(self, seen: Seen) -> None:
        for listener in self.listeners:
            listener(seen)

    @staticmethod
    def _response(method: str, data: dict[str, Any]) -> SlackResponse:
        response = SlackResponse(
            client=None, http_verb="POST", api_url=f"local:{method}", req_args={}, data=data, headers={}, status_code=200
        )
        if not data.get("ok"):
            raise SlackApiError(f"The request to the Slack API failed. (method: {method})", response)
        return response
