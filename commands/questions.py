"""How each questionnaire words its questions: the stand-up, the hearing (ヒアリング), the 振り返り.

renkei.yml lists a questionnaire's questions; a default one is a code (`problems`) worded by the catalog
(`hearing.question.problems`), any other is asked as written. One rule, used by the forms, cards, summaries, the
board and the report's sheets. The three forms are built and read back the same way too: one multi-line box per
question (`question_inputs`), the answers by question index (`typed_answers`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from commands.base import Translate
from commands.blocks import INPUT_LABEL, plain
from commands.text import BODY_LIMIT
from storage.projectfile import (
    DEFAULT_HEARING_QUESTIONS,
    DEFAULT_RETROSPECTIVE_QUESTIONS,
    DEFAULT_STANDUP_QUESTIONS,
    WEEKLY_STANDUP_QUESTIONS,
)

Label = Callable[[Translate, str], str]


def question_label(prefix: str, codes: Iterable[str], t: Translate, question: str) -> str:
    """A question's wording: a default code by the catalog's `<prefix><code>`, any other as written."""
    return t(f"{prefix}{question}") if question in codes else question


# One function per questionnaire (plain functions: nothing of their rule runs at import, where mutation testing
# could not see it).
def standup_question(t: Translate, question: str) -> str:
    return question_label("standup.q_", [*DEFAULT_STANDUP_QUESTIONS, *WEEKLY_STANDUP_QUESTIONS], t, question)


def hearing_question(t: Translate, question: str) -> str:
    return question_label("hearing.question.", DEFAULT_HEARING_QUESTIONS, t, question)


def retro_question(t: Translate, question: str) -> str:
    return question_label("retro.question.", DEFAULT_RETROSPECTIVE_QUESTIONS, t, question)


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
