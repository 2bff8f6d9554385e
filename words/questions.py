"""How each questionnaire words its questions: the stand-up, the hearing (ヒアリング), the 振り返り.

renkei.yml lists a questionnaire's questions; a default one is a code (`problems`) worded by the catalog
(`hearing.question.problems`), any other is asked as written. One rule, used by the forms (commands/questions.py),
cards, summaries, the board and the report's sheets.
"""

from __future__ import annotations

from typing import Callable, Iterable

from storage.projectfile import (
    DEFAULT_HEARING_QUESTIONS,
    DEFAULT_RETROSPECTIVE_QUESTIONS,
    DEFAULT_STANDUP_QUESTIONS,
    WEEKLY_STANDUP_QUESTIONS,
)
from words.base import Translate

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
