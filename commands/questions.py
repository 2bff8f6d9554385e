"""The questionnaires' forms: the stand-up, the hearing (ヒアリング) and the 振り返り are built and read back the same
way: one multi-line box per question (`question_inputs`), the answers by question index (`typed_answers`). How each
question is worded is words/questions.py's."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from commands.base import Translate
from commands.blocks import INPUT_LABEL, plain
from commands.text import BODY_LIMIT
from words.questions import Label


def question_inputs(
    t: Translate,
    label: Label,
    questions: list[str],
    *,
    given: Mapping[int, str] | None = None,
    required: Callable[[str], bool] = lambda question: False,
) -> list[dict[str, Any]]:
    """A questionnaire's form fields: one multi-line box per question (block `q<n>`), holding what was `given` for
    it (an earlier answer being edited), optional unless `required`."""
    blocks = []
    for n, question in enumerate(questions):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": BODY_LIMIT}
        if given and given.get(n):
            element["initial_value"] = given[n]
        label_text = plain(label(t, question), INPUT_LABEL)
        blocks.append(
            {"type": "input", "block_id": f"q{n}", "optional": not required(question), "label": label_text, "element": element}
        )
    return blocks


def typed_answers(view: dict[str, Any]) -> dict[int, str]:
    """What a submitted questionnaire form holds: each box's text (stripped) by question index."""
    values = (view.get("state") or {}).get("values") or {}
    return {
        int(block_id[1:]): ((fields.get("value") or {}).get("value") or "").strip()
        for block_id, fields in values.items()
        if block_id.startswith("q") and block_id[1:].isdigit()
    }
